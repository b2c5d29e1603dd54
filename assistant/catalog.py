"""The local catalog: one SQLite file beside the index with what every process reads fast.

It is a replica of the manifest kept in Chroma (see :mod:`assistant.manifest`): the indexed
documents (content key, title, date, source, url), their chunks (id, offsets, date and
source for filters, and the text, so BM25 hits need no round trip to Chroma), the files
they came from (size, mtime and sha256, so an unchanged file is not read again), and the
manifest version it has applied. Every change is one transaction (WAL, ``synchronous=FULL``,
so a crash leaves the last committed state); readers never wait for a writer.

``changes`` numbers every document change; the lexical index (:mod:`assistant.lexical`)
records the last number it holds and catches up from here, so it can always be rebuilt
from this file alone.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import StoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    doc_id TEXT PRIMARY KEY, doc_key TEXT NOT NULL, file TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL, date TEXT NOT NULL, source TEXT NOT NULL, url TEXT NOT NULL,
    chunks INTEGER NOT NULL, version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    row INTEGER PRIMARY KEY AUTOINCREMENT, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL,
    idx INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    date_num INTEGER NOT NULL, source TEXT NOT NULL, text TEXT NOT NULL, vec BLOB
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (doc_id);
CREATE INDEX IF NOT EXISTS chunks_date ON chunks (date_num);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks (source);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL,
    settings TEXT NOT NULL, doc_ids TEXT NOT NULL, problems INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL);
"""


@dataclass(frozen=True)
class DocRow:
    doc_id: str
    doc_key: str
    file: str
    title: str
    date: str
    source: str
    url: str
    chunks: int
    version: int


@dataclass(frozen=True)
class ChunkRow:
    chunk_id: str
    doc_id: str
    index: int
    start: int
    end: int
    date_num: int
    source: str
    text: str
    row: int = 0  # the catalog's row number (also the lexical index's document key)
    vector: bytes = b""  # the embedding, float32, for filtered dense search


@dataclass(frozen=True)
class FileState:
    path: str
    size: int
    mtime_ns: int
    sha256: str
    settings: str  # chunking settings the file's documents were indexed with
    doc_ids: tuple[str, ...]
    problems: int  # skipped lines last time: such a file is always read again


@dataclass(frozen=True)
class DocChange:
    """A document's new indexed state (``doc`` None: removed)."""

    doc_id: str
    doc: DocRow | None
    chunks: tuple[ChunkRow, ...] = ()


@dataclass(frozen=True)
class Selection:
    """Which chunks a filter allows, as SQL over the ``chunks`` table."""

    where: str
    params: tuple[object, ...]


class Catalog:
    """The SQLite catalog. Reads use one connection per thread; writes go through
    :meth:`transaction`, which callers serialise (the ingest lock)."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._write_lock = threading.RLock()
        try:
            with self._write_lock:
                self._writer: sqlite3.Connection | None = self._connect()
                self._writer.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the index catalog {path}: {exc}") from exc

    # --- connections ---------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("PRAGMA foreign_keys=OFF")
        return con

    @property
    def _reader(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = self._connect()
        return con

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        return self._reader.execute(sql, tuple(params)).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, rolled back on error)."""
        with self._write_lock:
            con = self._writer
            if con is None:
                con = self._writer = self._connect()
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def close(self) -> None:
        with self._write_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        reader = getattr(self._local, "con", None)
        if reader is not None:
            reader.close()
            self._local.con = None

    # --- meta ----------------------------------------------------------------------------

    def get_meta(self, key: str, default: str = "") -> str:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else default

    @staticmethod
    def set_meta(con: sqlite3.Connection, key: str, value: str) -> None:
        con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @property
    def applied_version(self) -> int:
        """The manifest version this catalog holds."""
        return int(self.get_meta("applied_version", "0"))

    @property
    def last_change(self) -> int:
        rows = self._query("SELECT max(seq) FROM changes")
        return int(rows[0][0] or 0)

    # --- documents -----------------------------------------------------------------------

    def doc_keys(self) -> dict[str, str]:
        """doc_id -> content key of every indexed document."""
        return dict(self._query("SELECT doc_id, doc_key FROM docs"))

    def documents(self) -> list[DocRow]:
        return [DocRow(*r) for r in self._query(
            "SELECT doc_id, doc_key, file, title, date, source, url, chunks, version FROM docs")]

    def titled(self, title: str, exclude: str = "") -> list[DocRow]:
        """The documents with this title (but ``exclude``): where a copy of an article is."""
        return [DocRow(*r) for r in self._query(
            "SELECT doc_id, doc_key, file, title, date, source, url, chunks, version FROM docs "
            "WHERE title = ? AND doc_id != ?", (title, exclude))]

    def spans_of(self, doc_id: str) -> list[tuple[int, int, str]]:
        """(start, end, text) of the document's chunks: its text, checkable without its file."""
        return [(int(a), int(b), t) for a, b, t in self._query(
            "SELECT start, end, text FROM chunks WHERE doc_id = ? ORDER BY idx", (doc_id,))]

    def chunk_ids_of(self, doc_ids: Iterable[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for part in _parts(list(doc_ids)):
            rows = self._query(
                f"SELECT doc_id, chunk_id FROM chunks WHERE doc_id IN ({_marks(part)}) ORDER BY doc_id, idx", part)
            for doc_id, chunk_id in rows:
                out.setdefault(doc_id, []).append(chunk_id)
        return out

    def docs_of_chunks(self, chunk_ids: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for part in _parts(list(chunk_ids)):
            out.update(r[0] for r in self._query(
                f"SELECT DISTINCT doc_id FROM chunks WHERE chunk_id IN ({_marks(part)})", part))
        return out

    def count_chunks(self) -> int:
        return int(self._query("SELECT count(*) FROM chunks")[0][0])

    def all_chunk_ids(self) -> set[str]:
        return {r[0] for r in self._query("SELECT chunk_id FROM chunks")}

    def changed_docs(self, after_seq: int) -> tuple[list[str], int]:
        """Documents changed after change number ``after_seq``, and the last number."""
        rows = self._query("SELECT seq, doc_id FROM changes WHERE seq > ? ORDER BY seq", (after_seq,))
        if not rows:
            return [], after_seq
        return list(dict.fromkeys(r[1] for r in rows)), int(rows[-1][0])

    def chunks_for_lexical(self, doc_ids: Sequence[str]) -> list[tuple[ChunkRow, str]]:
        """The chunks of ``doc_ids`` with their document titles (what BM25 indexes)."""
        out: list[tuple[ChunkRow, str]] = []
        for part in _parts(list(doc_ids)):
            rows = self._query(
                "SELECT c.chunk_id, c.doc_id, c.idx, c.start, c.end, c.date_num, c.source, c.text, c.row, d.title "
                f"FROM chunks c JOIN docs d ON d.doc_id = c.doc_id WHERE c.doc_id IN ({_marks(part)})", part)
            out.extend((ChunkRow(*r[:9]), r[9]) for r in rows)
        return out

    def hydrate(self, rows: Sequence[int]) -> dict[int, tuple[ChunkRow, DocRow]]:
        """Chunks (and their documents) by catalog row number."""
        out: dict[int, tuple[ChunkRow, DocRow]] = {}
        for part in _parts(list(rows)):
            got = self._query(
                "SELECT c.chunk_id, c.doc_id, c.idx, c.start, c.end, c.date_num, c.source, c.text, c.row, "
                "d.doc_id, d.doc_key, d.file, d.title, d.date, d.source, d.url, d.chunks, d.version "
                f"FROM chunks c JOIN docs d ON d.doc_id = c.doc_id WHERE c.row IN ({_marks(part)})", part)
            for r in got:
                out[int(r[8])] = (ChunkRow(*r[:9]), DocRow(*r[9:]))
        return out

    def rows(self, selection: Selection) -> list[int]:
        """Catalog row numbers of the chunks a filter allows."""
        return [r[0] for r in self._query(f"SELECT row FROM chunks WHERE {selection.where}", selection.params)]

    def vectors_since(self, seq: int | None) -> tuple[int, list[str] | None, list[tuple[int, str, bytes | None]]]:
        """One consistent read: the last change number, the documents changed after ``seq``
        (None: every document), and (row, doc_id, vector) of their chunks, by row."""
        con = self._reader
        con.execute("BEGIN")
        try:
            last = int(con.execute("SELECT max(seq) FROM changes").fetchone()[0] or 0)
            if seq is None:
                rows = con.execute("SELECT row, doc_id, vec FROM chunks ORDER BY row").fetchall()
                return last, None, rows
            doc_ids = [r[0] for r in con.execute(
                "SELECT DISTINCT doc_id FROM changes WHERE seq > ? AND seq <= ?", (seq, last))]
            rows = []
            for part in _parts(doc_ids):
                rows.extend(con.execute(
                    f"SELECT row, doc_id, vec FROM chunks WHERE doc_id IN ({_marks(part)})", part).fetchall())
            return last, doc_ids, sorted(rows)
        finally:
            con.execute("COMMIT")

    def sample_vectors(self, n: int) -> list[tuple[str, bytes]]:
        """Up to ``n`` chunks, chosen at random, with their vectors (a self-check's sample)."""
        return [(c, v) for c, v in self._query(
            "SELECT chunk_id, vec FROM chunks WHERE vec IS NOT NULL AND length(vec) > 0 "
            "ORDER BY random() LIMIT ?", (n,))]

    def vectors_of(self, chunk_ids: Sequence[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for part in _parts(list(chunk_ids)):
            out.update((c, v) for c, v in self._query(
                f"SELECT chunk_id, vec FROM chunks WHERE chunk_id IN ({_marks(part)}) AND vec IS NOT NULL", part))
        return out

    def count(self, selection: Selection) -> int:
        return int(self._query(f"SELECT count(*) FROM chunks WHERE {selection.where}", selection.params)[0][0])

    # --- files ---------------------------------------------------------------------------

    def files(self) -> dict[str, FileState]:
        return {
            r[0]: FileState(r[0], r[1], r[2], r[3], r[4], tuple(json.loads(r[5])), r[6])
            for r in self._query("SELECT path, size, mtime_ns, sha256, settings, doc_ids, problems FROM files")
        }

    @staticmethod
    def put_files(con: sqlite3.Connection, states: Iterable[FileState]) -> None:
        con.executemany(
            "INSERT OR REPLACE INTO files (path, size, mtime_ns, sha256, settings, doc_ids, problems) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(s.path, s.size, s.mtime_ns, s.sha256, s.settings, json.dumps(list(s.doc_ids), ensure_ascii=False),
              s.problems) for s in states],
        )

    @staticmethod
    def delete_files(con: sqlite3.Connection, paths: Iterable[str]) -> None:
        con.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in paths])

    # --- writes --------------------------------------------------------------------------

    @staticmethod
    def apply(con: sqlite3.Connection, changes: Iterable[DocChange]) -> None:
        """Replace each changed document's rows (inside the caller's transaction)."""
        for change in changes:
            con.execute("DELETE FROM chunks WHERE doc_id = ?", (change.doc_id,))
            con.execute("DELETE FROM docs WHERE doc_id = ?", (change.doc_id,))
            if change.doc is not None:
                d = change.doc
                con.execute(
                    "INSERT INTO docs (doc_id, doc_key, file, title, date, source, url, chunks, version) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (d.doc_id, d.doc_key, d.file, d.title, d.date, d.source, d.url, d.chunks, d.version),
                )
                con.executemany(
                    "INSERT INTO chunks (chunk_id, doc_id, idx, start, end, date_num, source, text, vec) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(c.chunk_id, c.doc_id, c.index, c.start, c.end, c.date_num, c.source, c.text,
                      c.vector or None) for c in change.chunks],
                )
            con.execute("INSERT INTO changes (doc_id) VALUES (?)", (change.doc_id,))

    @staticmethod
    def set_applied_version(con: sqlite3.Connection, version: int) -> None:
        Catalog.set_meta(con, "applied_version", str(version))


def _marks(items: Sequence[object]) -> str:
    return ",".join("?" * len(items))


def _parts(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
