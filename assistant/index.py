"""The search index: chunks and vectors in Chroma, a catalog and a BM25 index beside them.

Three parts, kept in step by the versioned manifest (:mod:`assistant.manifest`):

- Chroma (:mod:`assistant.store`) holds chunks, vectors and the manifest; with ``chroma
  run`` it is shared by every process on every machine.
- The catalog (:mod:`assistant.catalog`, SQLite) is this machine's replica of the manifest,
  plus each chunk's text and filter fields and each file's size, mtime and hash.
- The BM25 index (:mod:`assistant.lexical`, tantivy) is derived from the catalog.

Ingest (:meth:`Index.ingest`) costs what the change costs: a file whose size and mtime are
unchanged is not read; a read file whose hash is unchanged is not parsed; a document whose
content key is unchanged is not chunked; only new chunks are embedded. Reading and
chunking (a thread), embedding (``embed_concurrency`` batches at once) and writing overlap
in a bounded pipeline. One writer at a time: a lock file beside the catalog; readers never
take it. Any process notices a newer manifest version within ``refresh_seconds`` and
applies just the documents that changed (:meth:`Index.refresh`). The run itself lives in
:mod:`assistant.ingest` (the pipeline) and :mod:`assistant.ingest_plan` (what to read and write).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout
from langchain_core.embeddings import Embeddings

from assistant.catalog import Catalog, ChunkRow, DocChange, DocRow, Selection
from assistant.corpus import Skipped, corpus_files
from assistant.densecheck import SAMPLE, DenseCheck, check_dense, rebuild_collection
from assistant.errors import IngestError, StoreError
from assistant.ingest import LEASE_SECONDS, IngestRun, vector_bytes
from assistant.ingest_plan import IngestProgress, Progress
from assistant.lexical import LexicalFilter, LexicalIndex, embedding_text, lexical_tokens
from assistant.manifest import COMPLETE, DocRecord, Head, Lease, Manifest
from assistant.store import ChromaStore
from assistant.text import content_hash
from assistant.types import Document, IngestReport

log = logging.getLogger(__name__)

__all__ = ["Index", "IndexedDocument", "IngestProgress", "Progress", "embedding_text"]



@dataclass(frozen=True)
class IndexedDocument:
    doc_id: str
    title: str
    date: str
    source: str
    url: str
    chunks: int




class Index:
    def __init__(
        self,
        store: ChromaStore,
        embeddings: Embeddings,
        lexical_dir: Path,
        *,
        chunk_tokens: int = 300,
        chunk_overlap: int = 60,
        embed_batch: int = 32,
        embed_concurrency: int = 1,
        refresh_seconds: float = 2.0,
        lock_timeout: float = 900.0,
        max_document_bytes: int = 2_000_000,
    ):
        self.store = store
        self.embeddings = embeddings
        self.lexical_dir = lexical_dir
        self.chunk_tokens = chunk_tokens
        self.chunk_overlap = chunk_overlap
        self.embed_batch = embed_batch
        self.embed_concurrency = max(1, embed_concurrency)
        self.refresh_seconds = refresh_seconds
        self.lock_timeout = lock_timeout
        self.max_document_bytes = max_document_bytes  # larger articles are skipped, named
        lexical_dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(lexical_dir / "catalog-v1.sqlite")
        self.manifest = Manifest(store)
        self._bm25: LexicalIndex | None = None
        self._vectors: _Vectors | None = None
        self._file_lock = FileLock(str(lexical_dir / "ingest.lock"))
        self._lock = threading.RLock()  # short sections only (opening the BM25 index)
        self._write_mutex = threading.RLock()  # one writer (ingest or catch-up) per process
        self._last_refresh = -1e9
        self._settings_key = content_hash("chunks", str(chunk_tokens), str(chunk_overlap))

    # --- locking -------------------------------------------------------------------------

    @contextmanager
    def _writing(self, timeout: float | None = None) -> Iterator[None]:
        with self._write_mutex:
            try:
                self._file_lock.acquire(timeout=self.lock_timeout if timeout is None else timeout)
            except Timeout as exc:
                raise IngestError(
                    f"another ingest has held {self._file_lock.lock_file} for {self.lock_timeout:.0f} s; "
                    "try again when it has finished"
                ) from exc
            try:
                yield
            finally:
                self._file_lock.release()

    # --- reading side: refresh, search ----------------------------------------------------

    def lexical(self) -> LexicalIndex:
        """The BM25 index (opened on first use, then refreshed when due)."""
        with self._lock:
            if self._bm25 is None:
                self._bm25 = LexicalIndex(self.lexical_dir)
                self._last_refresh = -1e9
        self.refresh()
        return self._bm25

    def refresh(self, *, force: bool = False) -> bool:
        """Apply what other processes have ingested since; at most every ``refresh_seconds``
        (one read of the manifest head). Never waits for a running ingest: that one applies
        its own changes. Returns True if something was applied."""
        now = time.monotonic()
        if not force and now - self._last_refresh < self.refresh_seconds:
            return False
        self._last_refresh = now
        bm25 = self._bm25 or LexicalIndex(self.lexical_dir)
        self._bm25 = bm25
        head = self.manifest.head()
        behind = head.version > self.catalog.applied_version or (
            head.uid and head.uid != self.catalog.get_meta("uid")
        )
        bm25.reload()
        if not behind and bm25.seq >= self.catalog.last_change:
            return False
        if not self._write_mutex.acquire(blocking=False):
            return False  # this process is writing; it applies its own changes
        try:
            try:
                self._file_lock.acquire(timeout=0)
            except Timeout:
                return False  # another process is writing; it applies its own changes
            try:
                return self._catch_up()
            finally:
                self._file_lock.release()
        finally:
            self._write_mutex.release()

    def _catch_up(self, head: Head | None = None) -> bool:
        """Bring the catalog to the manifest head and the BM25 index to the catalog (lock held)."""
        head = head or self.manifest.head()
        applied = self.catalog.applied_version
        changed = False
        if head.uid and head.uid != self.catalog.get_meta("uid"):
            if self.catalog.get_meta("uid"):
                log.warning("the catalog at %s belongs to another store; rebuilding it", self.catalog.path)
            with self.catalog.transaction() as con:
                for table in ("docs", "chunks", "files"):
                    con.execute(f"DELETE FROM {table}")
                Catalog.set_meta(con, "uid", head.uid)
                Catalog.set_applied_version(con, 0)
            applied = 0
            self._reset_lexical()
            changed = True
        if head.version > applied:
            records = self.manifest.changed_since(applied, head.version)
            for start in range(0, len(records), 200):
                self._apply_records(records[start : start + 200])
            with self.catalog.transaction() as con:
                Catalog.set_applied_version(con, head.version)
            log.info("applied manifest versions %d..%d (%d documents)", applied + 1, head.version, len(records))
            changed = True
        bm25 = self._bm25 or LexicalIndex(self.lexical_dir)
        self._bm25 = bm25
        if bm25.seq > self.catalog.last_change:  # a catalog rebuilt from scratch
            self._reset_lexical()
            bm25 = self._bm25
        if bm25.catch_up(self.catalog):
            changed = True
        return changed

    def _reset_lexical(self) -> None:
        import shutil

        if self._bm25 is not None:
            shutil.rmtree(self._bm25.path, ignore_errors=True)
        self._bm25 = LexicalIndex(self.lexical_dir)

    def _apply_records(self, records: list[DocRecord]) -> None:
        wanted = [cid for r in records if r.state == COMPLETE for cid in r.chunk_ids]
        stored = {c.chunk_id: c for c in self.store.get(wanted, embeddings=True)}
        changes = []
        for r in records:
            if r.state != COMPLETE:
                changes.append(DocChange(r.doc_id, None))
                continue
            got = [stored[c] for c in r.chunk_ids if c in stored]
            if len(got) < len(r.chunk_ids):
                log.warning("%s: %d of its %d chunks are missing from the store",
                            r.doc_id, len(r.chunk_ids) - len(got), len(r.chunk_ids))
            if not got:
                changes.append(DocChange(r.doc_id, None))
                continue
            m = got[0].metadata
            doc = DocRow(r.doc_id, r.doc_key, r.file, str(m.get("title", "")), str(m.get("date", "")),
                         str(m.get("source", "")), str(m.get("url", "")), len(got), r.version)
            rows = tuple(
                ChunkRow(c.chunk_id, r.doc_id, int(c.metadata.get("index", 0) or 0),
                         int(c.metadata.get("start", 0) or 0), int(c.metadata.get("end", 0) or 0),
                         int(c.metadata.get("date_num", 0) or 0), str(c.metadata.get("source", "")), c.text,
                         vector=vector_bytes(c.embedding))
                for c in got
            )
            changes.append(DocChange(r.doc_id, doc, rows))
        with self.catalog.transaction() as con:
            Catalog.apply(con, changes)

    def lexical_search(self, query: str, k: int, where: LexicalFilter | None = None) -> list[tuple[ChunkRow, DocRow, float]]:
        """BM25 hits with their chunk and document rows (no round trip to Chroma)."""
        bm25 = self.lexical()
        hits = bm25.search(lexical_tokens(query), k, where)
        rows = self.catalog.hydrate([row for row, _ in hits])
        return [(*rows[row], score) for row, score in hits if row in rows]

    def dense_among(self, vector: list[float], k: int, selection: Selection) -> list[tuple[ChunkRow, DocRow, float]] | None:
        """Exact nearest neighbours (cosine) among the chunks a filter allows, over the
        catalog's vectors held in memory; None when some allowed chunk has no vector here."""
        self.refresh()
        allowed = np.asarray(self.catalog.rows(selection), dtype=np.int64)
        if not len(allowed):
            return []
        with self._lock:
            if self._vectors is None:
                self._vectors = _Vectors()
        found = self._vectors.search(self.catalog, np.asarray(vector, dtype=np.float32), k, allowed)
        if found is None:
            return None
        hydrated = self.catalog.hydrate([row for row, _ in found])
        return [(*hydrated[row], sim) for row, sim in found if row in hydrated]

    def document_frequencies(self, terms: list[str]) -> tuple[dict[str, int], int]:
        """How many chunks contain each (folded) term, and how many chunks there are."""
        return self.lexical().document_frequencies(terms)

    def documents(self) -> list[IndexedDocument]:
        self.refresh()
        return sorted(
            (IndexedDocument(d.doc_id, d.title, d.date, d.source, d.url, d.chunks) for d in self.catalog.documents()),
            key=lambda d: (d.date or "0000", d.doc_id),
            reverse=True,
        )

    def close(self) -> None:
        self.catalog.close()

    # --- ingest --------------------------------------------------------------------------

    def _claim(self) -> Lease:
        """The writer's lease in the manifest: a second ingest worker on another machine is
        refused while this one runs (renewed at every write; released at the end). On this
        machine the lock file already orders writers; a lease left by a process that died
        here is taken over."""
        current = self.manifest.lease()
        now = time.time()
        if current and current.expires > now and not _dead_here(current):
            raise IngestError(
                f"another ingest worker ({current.owner}) is writing to this store until "
                f"{time.strftime('%H:%M:%S', time.localtime(current.expires))} unless it renews; "
                "run one ingest worker per store"
            )
        lease = Lease(f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}", now + LEASE_SECONDS)
        self.manifest.put((), lease=lease)
        return lease

    def _doc_key(self, doc: Document) -> str:
        return content_hash(doc.content_hash, str(self.chunk_tokens), str(self.chunk_overlap))

    def check_dense(self, *, repair: bool = True, wait: bool = True, sample: int = SAMPLE) -> DenseCheck:
        """Do sampled chunks find themselves by dense search (:mod:`assistant.densecheck`)?
        When not, the collection is rebuilt from the stored vectors (with a warning)."""
        if self.store.count() == 0:
            return DenseCheck(0, ())
        found = check_dense(self.store, self.catalog, sample)
        if found.ok or not repair:
            return found
        log.warning("the vector store's dense search did not find %d of %d sampled chunks by their own "
                    "vectors; rebuilding its index from the stored vectors", len(found.missed), found.sampled)
        try:
            with self._writing(timeout=0 if wait is False else None):
                copied = rebuild_collection(self.store, self.catalog)
        except IngestError:  # an ingest is running here: it checks (and repairs) when it ends
            log.warning("an ingest holds the index; the rebuild is left to it")
            return found
        after = check_dense(self.store, self.catalog, sample)
        log.warning("rebuilt the collection (%d records): dense search %s", copied,
                    "agrees again" if after.ok else f"still misses {len(after.missed)} chunks")
        return DenseCheck(found.sampled, found.missed, repaired=after.ok)

    def ingest(self, path: Path | str, *, mirror: bool = False, progress: Progress | None = None) -> IngestReport:
        """Index the article files under ``path`` (a folder or one file): new and changed
        documents are written, unchanged ones cost a ``stat``. With ``mirror``, documents
        that are no longer there are removed (except those of files that could not be read)."""
        skipped: list[Skipped] = []  # symlinks out of the folder, READMEs
        files = corpus_files(path, skipped)
        return self._run(files, mirror, progress, skipped)

    def _run(self, files: list[Path], mirror: bool, progress: Progress | None,
             skipped: list[Skipped]) -> IngestReport:
        started = time.perf_counter()
        with self._writing():
            lease = self._claim()
            try:
                head = self.manifest.init_head()
                self._catch_up(head)
                run = IngestRun(self, head, progress, lease)
                for item in skipped:
                    run._skipped(item)
                run.execute(files, mirror)
            finally:
                try:
                    self.manifest.put((), lease=Lease(lease.owner, 0.0))
                except StoreError as exc:  # the store went away: the lease expires by itself
                    log.warning("could not release the writer lease: %s", exc)
        report = run.report
        if report.chunks_added or report.chunks_removed:
            self.check_dense()  # what was just written is found by dense search
        report.seconds = time.perf_counter() - started
        log.info("ingest: %s", report.summary())
        if report.skipped_files:  # each one is in the report (and logged at INFO), told once
            log.warning("ingest skipped %d files or lines (IngestReport.skipped_files)", len(report.skipped_files))
        return report


class _Vectors:
    """The catalog's chunk vectors in memory (unit length, float32, by catalog row), for exact
    filtered dense search. Loaded on first use (~130 MB at 84,598 chunks of 384 dimensions),
    then kept current from the catalog's change numbers: O(change)."""

    def __init__(self) -> None:
        self.seq = -1
        self.rows = np.empty(0, dtype=np.int64)
        self.matrix = np.empty((0, 0), dtype=np.float32)
        self.alive = np.empty(0, dtype=bool)
        self.positions: dict[str, list[int]] = {}  # doc_id -> positions in rows/matrix
        self.incomplete = False  # some chunk has no vector in the catalog
        self._lock = threading.Lock()

    def _sync(self, catalog: Catalog) -> None:
        if self.seq >= 0 and catalog.last_change == self.seq:
            return
        last, changed, got = catalog.vectors_since(None if self.seq < 0 else self.seq)
        if changed is None:
            self.rows, self.matrix, self.alive, self.positions = np.empty(0, np.int64), None, np.empty(0, bool), {}
        else:
            for doc_id in changed:
                for pos in self.positions.pop(doc_id, ()):
                    self.alive[pos] = False
        self._append(got)
        self.seq = last
        if len(self.alive) and self.alive.sum() < 0.75 * len(self.alive):
            self._compact()

    def _append(self, got: list[tuple[int, str, bytes | None]]) -> None:
        with_vectors = [(row, doc, vec) for row, doc, vec in got if vec]
        if len(with_vectors) < len(got):
            self.incomplete = True
        if not with_vectors:
            if self.matrix is None:
                self.matrix = np.empty((0, 0), dtype=np.float32)
            return
        block = np.frombuffer(b"".join(v for _, _, v in with_vectors), dtype=np.float32).reshape(len(with_vectors), -1)
        block = block / (np.linalg.norm(block, axis=1, keepdims=True) + 1e-12)
        start = len(self.rows)
        self.rows = np.concatenate([self.rows, np.fromiter((r for r, _, _ in with_vectors), np.int64)])
        self.matrix = block if self.matrix is None or not self.matrix.size else np.vstack([self.matrix, block])
        self.alive = np.concatenate([self.alive, np.ones(len(with_vectors), dtype=bool)])
        for n, (_, doc, _) in enumerate(with_vectors):
            self.positions.setdefault(doc, []).append(start + n)

    def _compact(self) -> None:
        keep = np.flatnonzero(self.alive)
        remap = {int(old): new for new, old in enumerate(keep)}
        self.rows, self.matrix, self.alive = self.rows[keep], self.matrix[keep], np.ones(len(keep), dtype=bool)
        self.positions = {d: [remap[p] for p in ps if p in remap] for d, ps in self.positions.items()}

    def search(self, catalog: Catalog, query: np.ndarray, k: int, allowed: np.ndarray) -> list[tuple[int, float]] | None:
        with self._lock:
            self._sync(catalog)
            if not len(self.rows):
                return None if self.incomplete else []
            idx = np.clip(np.searchsorted(self.rows, allowed), 0, len(self.rows) - 1)
            idx = idx[(self.rows[idx] == allowed) & self.alive[idx]]
            if len(idx) < len(allowed):
                return None  # chunks without a vector here: let the store answer
            sims = self.matrix[idx] @ (query / (np.linalg.norm(query) or 1.0))
            rows = self.rows[idx]
        k = min(k, len(idx))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(int(rows[i]), float(sims[i])) for i in top]


def _dead_here(lease: Lease) -> bool:
    """The lease belongs to a process of this machine that no longer runs."""
    if lease.host != socket.gethostname() or not lease.pid:
        return False
    try:
        os.kill(lease.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return lease.pid == os.getpid()  # our own, left by an earlier run of this process
