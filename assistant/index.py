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
applies just the documents that changed (:meth:`Index.refresh`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout
from langchain_core.embeddings import Embeddings

from assistant.catalog import Catalog, ChunkRow, DocChange, DocRow, FileState, Selection
from assistant.chunking import chunk_document, chunk_id
from assistant.corpus import Skipped, corpus_files, load_file
from assistant.errors import IngestError, StoreError
from assistant.lexical import LexicalFilter, LexicalIndex, embedding_text, lexical_tokens
from assistant.manifest import COMPLETE, PENDING, REMOVED, DocRecord, Head, Lease, Manifest
from assistant.store import ChromaStore
from assistant.text import content_hash
from assistant.types import Chunk, Document, IngestReport

log = logging.getLogger(__name__)

__all__ = ["Index", "IndexedDocument", "IngestProgress", "Progress", "embedding_text"]


@dataclass
class IngestProgress:
    """Where an ingest is, for a progress bar."""

    files_total: int = 0
    files_done: int = 0
    documents: int = 0  # documents seen so far (new, changed or unchanged)
    chunks_embedded: int = 0
    chunks_written: int = 0
    started: float = field(default_factory=time.perf_counter)

    @property
    def chunks_per_second(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.chunks_written / elapsed if elapsed > 0 else 0.0


Progress = Callable[[IngestProgress], None]


@dataclass(frozen=True)
class IndexedDocument:
    doc_id: str
    title: str
    date: str
    source: str
    url: str
    chunks: int


@dataclass
class _Work:
    """One document to write: its chunks, their vectors once embedded."""

    doc: Document
    key: str
    file: str
    chunks: list[Chunk]
    stored: set[str]  # chunk ids already in the store (left by an unfinished run)
    vectors: list[list[float]] | None = None

    @property
    def to_embed(self) -> list[Chunk]:
        return [c for c in self.chunks if c.chunk_id not in self.stored]


@dataclass
class _Group:
    works: list[_Work] = field(default_factory=list)
    files: list[FileState] = field(default_factory=list)
    futures: list[tuple[list[_Work], Future]] = field(default_factory=list)

    @property
    def chunks(self) -> int:
        return sum(len(w.to_embed) for w in self.works)


_DONE = object()
LEASE_SECONDS = 300.0  # a writer renews its lease at every write


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
    def _writing(self) -> Iterator[None]:
        with self._write_mutex:
            try:
                self._file_lock.acquire(timeout=self.lock_timeout)
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
                         vector=_f32(c.embedding))
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

    def ingest(self, path: Path | str, *, mirror: bool = False, progress: Progress | None = None) -> IngestReport:
        """Index the article files under ``path`` (a folder or one file): new and changed
        documents are written, unchanged ones cost a ``stat``. With ``mirror``, documents
        that are no longer there are removed (except those of files that could not be read)."""
        files = corpus_files(path)
        return self._run(files, mirror, progress)

    def _run(self, files: list[Path], mirror: bool, progress: Progress | None) -> IngestReport:
        started = time.perf_counter()
        with self._writing():
            lease = self._claim()
            try:
                head = self.manifest.init_head()
                self._catch_up(head)
                run = _Run(self, head, progress, lease)
                run.execute(files, mirror)
            finally:
                try:
                    self.manifest.put((), lease=Lease(lease.owner, 0.0))
                except StoreError as exc:  # the store went away: the lease expires by itself
                    log.warning("could not release the writer lease: %s", exc)
        report = run.report
        report.seconds = time.perf_counter() - started
        log.info("ingest: %s", report.summary())
        return report


class _Run:
    """One ingest run (the writer lock is held)."""

    def __init__(self, index: Index, head: Head, progress: Progress | None, lease: Lease):
        self.ix = index
        self.lease = lease
        self.store = index.store
        self.catalog = index.catalog
        self.manifest = index.manifest
        self.head = head
        self.version = max(head.version, self.catalog.applied_version)
        self.report = IngestReport()
        self.progress = IngestProgress()
        self.on_progress = progress
        self.keys = self.catalog.doc_keys()
        self.pending = {r.doc_id: r for r in self.manifest.pending()}
        self.stored: set[str] = set()
        if self.pending:
            self.stored = self.store.existing([c for r in self.pending.values() for c in r.pending_ids])
            self.stored |= {c for r in self.pending.values() for c in r.chunk_ids}  # complete: stored
            log.info("finishing %d documents an earlier ingest left unfinished", len(self.pending))
        # The store holds chunks the catalog does not know (a store built before the manifest,
        # or a write whose record was lost): ask it before embedding, so nothing is embedded twice.
        self.probe = self.store.count() > self.catalog.count_chunks()
        self.seen: dict[str, str] = {}  # doc_id -> file it came from in this run
        self.protect: set[str] = set()
        self.done_pending: set[str] = set()
        self._last_lexical = time.monotonic()

    # --- planning (the reader thread) ------------------------------------------------------

    def _tell(self) -> None:
        if self.on_progress:
            self.on_progress(self.progress)

    def _plan_files(self, files: list[Path]) -> Iterator[object]:
        """Yields _Work for documents to write and FileState once a file is done."""
        known = self.catalog.files()
        settings = self.ix._settings_key
        to_read = []
        for path in files:  # absolute paths (corpus_files)
            name = str(path)
            try:
                st = path.stat()
            except OSError as exc:
                self._skip_file(Skipped(str(path), f"cannot read ({exc.strerror})"), known.get(name))
                continue
            old = known.get(name)
            if (old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns and old.settings == settings
                    and not old.problems and self._all_current(old.doc_ids)):
                self._unchanged(old.doc_ids, name)
                self.progress.files_done += 1
                continue
            to_read.append((path, name, st, old))
        self._tell()
        for path, name, st, old in to_read:
            try:
                data = path.read_bytes()
            except OSError as exc:
                self._skip_file(Skipped(str(path), f"cannot read ({exc.strerror})"), old)
                continue
            sha = hashlib.sha256(data).hexdigest()
            if old and old.sha256 == sha and old.settings == settings and not old.problems \
                    and self._all_current(old.doc_ids):
                self._unchanged(old.doc_ids, name)
                self.progress.files_done += 1
                yield replace(old, size=st.st_size, mtime_ns=st.st_mtime_ns)
                continue
            loaded = load_file(path, data=data)
            whole_file = [s for s in loaded.skipped if s.line is None]
            if whole_file:
                self._skip_file(whole_file[0], old)
                continue
            ids: list[str] = []
            for doc in loaded.documents:
                if doc.doc_id in self.seen:
                    self._skipped(Skipped(str(path), f"duplicate document id {doc.doc_id!r} "
                                                     f"(first in {self.seen[doc.doc_id]})", _line(doc)))
                    continue
                self.seen[doc.doc_id] = name
                ids.append(doc.doc_id)
                work = self._work(doc, name)
                if work is not None:
                    yield work
            for s in loaded.skipped:
                self._skipped(s)
            if loaded.skipped and old:  # a broken line keeps what its file had indexed
                kept = [d for d in old.doc_ids if d not in self.seen and d in self.keys]
                self.protect.update(kept)
                for d in kept:
                    self.seen[d] = name
                ids.extend(kept)
            self.progress.files_done += 1
            yield FileState(name, st.st_size, st.st_mtime_ns, sha, settings, tuple(ids), len(loaded.skipped))

    def _all_current(self, doc_ids: Iterable[str]) -> bool:
        return all(d in self.keys and d not in self.pending for d in doc_ids)

    def _unchanged(self, doc_ids: Iterable[str], name: str) -> None:
        for d in doc_ids:
            if d not in self.seen:
                self.seen[d] = name
                self.report.unchanged += 1
                self.progress.documents += 1

    def _skipped(self, item: Skipped) -> None:
        log.warning("skipped %s", item)
        self.report.skipped_files.append(item)
        self.report.skipped.append(str(item))

    def _skip_file(self, item: Skipped, old: FileState | None) -> None:
        """A file that cannot be read keeps every document it produced last time."""
        self._skipped(item)
        if old:
            kept = [d for d in old.doc_ids if d in self.keys or d in self.pending]
            self.protect.update(kept)
            for d in kept:
                self.seen.setdefault(d, old.path)
            if kept:
                log.warning("kept the %d indexed documents of %s: it could not be read", len(kept), item.path)
        self.progress.files_done += 1

    def _work(self, doc: Document, file: str) -> _Work | None:
        self.progress.documents += 1
        key = self.ix._doc_key(doc)
        if self.keys.get(doc.doc_id) == key and doc.doc_id not in self.pending:
            self.report.unchanged += 1
            return None
        chunks = [_with_hash(c, key) for c in chunk_document(
            doc, chunk_tokens=self.ix.chunk_tokens, overlap=self.ix.chunk_overlap)]
        stored = {c.chunk_id for c in chunks} & self.stored
        if doc.doc_id in self.keys:
            self.report.updated += 1
        else:
            self.report.added += 1
        return _Work(doc, key, file, chunks, stored)

    # --- the pipeline (this thread: embed scheduling and writes) ---------------------------

    def execute(self, files: list[Path], mirror: bool) -> None:
        self.progress.files_total = len(files)
        source = self._plan_files(files)
        items: queue.Queue = queue.Queue(maxsize=256)
        failure: list[BaseException] = []
        stop = threading.Event()

        def produce() -> None:
            try:
                for item in source:
                    if stop.is_set():
                        return
                    items.put(item)
            except BaseException as exc:  # handed to the writer thread, raised there
                failure.append(exc)
            finally:
                items.put(_DONE)

        reader = threading.Thread(target=produce, name="ingest-read", daemon=True)
        reader.start()
        # a group is one write (a few store calls): large enough that their fixed cost is
        # small next to embedding it, small enough that a crash loses little
        group_chunks = max(self.ix.embed_batch * self.ix.embed_concurrency * 4, 512)
        inflight: deque[_Group] = deque()
        group = _Group()
        with ThreadPoolExecutor(max_workers=self.ix.embed_concurrency, thread_name_prefix="ingest-embed") as pool:
            try:
                while True:
                    item = items.get()
                    if item is _DONE:
                        break
                    if isinstance(item, FileState):
                        group.files.append(item)
                        continue
                    group.works.append(item)
                    if group.chunks >= group_chunks:
                        self._submit(pool, group)
                        inflight.append(group)
                        group = _Group()
                        while len(inflight) > self.ix.embed_concurrency:
                            self._commit(inflight.popleft())
                if not failure:
                    self._submit(pool, group)
                    inflight.append(group)
                while inflight:  # what was read before a failure is still written
                    self._commit(inflight.popleft())
                if failure:
                    raise failure[0]
            except BaseException:
                stop.set()
                for g in inflight:
                    for _, f in g.futures:
                        f.cancel()
                self._drain(items, reader)
                raise
        reader.join()
        if mirror:
            self._remove_missing(files)
        self._revert_unfinished()
        self._lexical(final=True)
        self.report.chunks_total = self._verify()

    def _drain(self, items: queue.Queue, reader: threading.Thread) -> None:
        while reader.is_alive() or not items.empty():
            try:
                items.get(timeout=0.1)
            except queue.Empty:
                continue

    def _submit(self, pool: ThreadPoolExecutor, group: _Group) -> None:
        if self.probe:
            found = self.store.existing([c.chunk_id for w in group.works for c in w.to_embed])
            for w in group.works:
                w.stored |= {c.chunk_id for c in w.chunks} & found
        batch: list[tuple[_Work, Chunk]] = []
        size = self.ix.embed_batch

        def flush() -> None:
            works = [w for w, _ in batch]
            texts = [embedding_text(c.title, c.text) for _, c in batch]
            group.futures.append((works, pool.submit(self._embed, texts)))

        for work in group.works:
            for c in work.to_embed:
                batch.append((work, c))
                if len(batch) >= size:
                    flush()
                    batch = []
        if batch:
            flush()

    def _embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self.ix.embeddings.embed_documents(texts)
        if len(vectors) != len(texts):
            raise IngestError(f"the embedder returned {len(vectors)} vectors for {len(texts)} texts")
        self.progress.chunks_embedded += len(texts)
        return vectors

    def _commit(self, group: _Group) -> None:
        """Write one group: pending records, chunks, old chunks deleted, records complete,
        catalog, head. Each step can be repeated after a crash."""
        vectors: list[list[float]] = []
        error: BaseException | None = None
        done = 0
        for _, future in group.futures:
            try:
                got = future.result()
            except BaseException as exc:
                error = exc
                break
            vectors.extend(got)
            done += 1
        to_write = [c for w in group.works for c in w.to_embed]
        old_ids = self.catalog.chunk_ids_of([w.doc.doc_id for w in group.works])
        if error is not None:
            # keep what was embedded: written under pending records, not embedded again
            n = len(vectors)
            if n:
                self.manifest.put(self._pending_records(group.works))
                self.store.add(to_write[:n], vectors)
            if isinstance(error, IngestError):
                raise error
            raise IngestError(
                f"embedding failed after {self.progress.chunks_written + n} new chunks ({error}); "
                "what was written is kept, run ingest again to finish"
            ) from error
        if group.works:
            self.manifest.put(self._pending_records(group.works))
            if to_write:
                self.store.add(to_write, vectors)
            stale = [cid for w in group.works for cid in old_ids.get(w.doc.doc_id, [])
                     if cid not in {c.chunk_id for c in w.chunks}]
            stale += [cid for w in group.works
                      for cid in self.pending.get(w.doc.doc_id, DocRecord("", PENDING, 0)).pending_ids
                      if cid not in {c.chunk_id for c in w.chunks}]
            if stale:
                self.store.delete(sorted(set(stale)))
                self.report.chunks_removed += len(set(stale))
        self.version += 1
        v = self.version
        fresh = {c.chunk_id: _f32(vec) for c, vec in zip(to_write, vectors, strict=True)}
        missing = [c.chunk_id for w in group.works for c in w.chunks if c.chunk_id not in fresh]
        if missing:  # written by an unfinished run: their vectors come back from the store
            fresh.update((s.chunk_id, _f32(s.embedding)) for s in self.store.get(missing, embeddings=True))
        # a document the catalog already holds as it is (a run that stopped after the catalog
        # commit) is not touched again: no churn in the BM25 index and its statistics
        same = {w.doc.doc_id for w in group.works if self.keys.get(w.doc.doc_id) == w.key
                and old_ids.get(w.doc.doc_id) == [c.chunk_id for c in w.chunks]}
        changes = [
            DocChange(w.doc.doc_id, DocRow(w.doc.doc_id, w.key, w.file, w.doc.title, w.doc.date, w.doc.source,
                                           w.doc.url, len(w.chunks), v),
                      tuple(ChunkRow(c.chunk_id, c.doc_id, c.index, c.start, c.end, c.metadata()["date_num"],
                                     c.source, c.text, vector=fresh.get(c.chunk_id, b"")) for c in w.chunks))
            for w in group.works if w.doc.doc_id not in same
        ]
        with self.catalog.transaction() as con:  # the local replica first: a crash after it...
            Catalog.apply(con, changes)
            Catalog.put_files(con, group.files)
            Catalog.set_applied_version(con, v)
        self.head = Head(v, self.head.uid)
        self.manifest.put(  # ...leaves pending records, finished by the next run
            (DocRecord(w.doc.doc_id, COMPLETE, v, w.key, tuple(c.chunk_id for c in w.chunks), w.file)
             for w in group.works),
            self.head, self._renewed(),
        )
        for w in group.works:
            self.keys[w.doc.doc_id] = w.key
            self.done_pending.add(w.doc.doc_id)
        self.report.chunks_added += len(to_write)
        self.progress.chunks_written += len(to_write)
        self._lexical()
        self._tell()

    def _renewed(self) -> Lease:
        self.lease = Lease(self.lease.owner, time.time() + LEASE_SECONDS)
        return self.lease

    def _pending_records(self, works: list[_Work]) -> list[DocRecord]:
        old = self.catalog.chunk_ids_of([w.doc.doc_id for w in works])
        return [
            DocRecord(w.doc.doc_id, PENDING, self.version, self.keys.get(w.doc.doc_id, ""),
                      tuple(old.get(w.doc.doc_id, ())), w.file, w.key, tuple(c.chunk_id for c in w.chunks))
            for w in works
        ]

    def _lexical(self, final: bool = False) -> None:
        """Catch the BM25 index up with the catalog: every few seconds, and at the end."""
        if final or time.monotonic() - self._last_lexical > 5.0:
            bm25 = self.ix._bm25 or LexicalIndex(self.ix.lexical_dir)
            self.ix._bm25 = bm25
            bm25.catch_up(self.catalog)
            if final:
                bm25.drop_other_versions()
            self._last_lexical = time.monotonic()

    def _remove_missing(self, files: list[Path]) -> None:
        gone = sorted(d for d in self.keys if d not in self.seen and d not in self.protect)
        present = {str(p) for p in files}
        with self.catalog.transaction() as con:
            Catalog.delete_files(con, [p for p in self.catalog.files() if p not in present])
        old = self.catalog.chunk_ids_of(gone)
        for start in range(0, len(gone), 500):
            part = gone[start : start + 500]
            self.manifest.put(
                DocRecord(d, PENDING, self.version, self.keys[d], tuple(old.get(d, ())), "", "", ())
                for d in part
            )
            ids = [cid for d in part for cid in old.get(d, ())]
            ids += [cid for d in part for cid in self.pending.get(d, DocRecord("", PENDING, 0)).pending_ids]
            if ids:
                self.store.delete(sorted(set(ids)))
            self.version += 1
            v = self.version
            with self.catalog.transaction() as con:
                Catalog.apply(con, [DocChange(d, None) for d in part])
                Catalog.set_applied_version(con, v)
            self.head = Head(v, self.head.uid)
            self.manifest.put((DocRecord(d, REMOVED, v) for d in part), self.head, self._renewed())
            for d in part:
                self.keys.pop(d, None)
                self.done_pending.add(d)
            self.report.removed += len(part)
            self.report.chunks_removed += len(set(ids))

    def _revert_unfinished(self) -> None:
        """Pending records this run did not finish: their extra chunks go, the record returns
        to its last complete state."""
        left = [r for d, r in self.pending.items() if d not in self.done_pending]
        if not left:
            return
        extra = [c for r in left for c in r.pending_ids if c not in set(r.chunk_ids)]
        if extra:
            self.store.delete(sorted(set(extra)))
        self.manifest.put(
            DocRecord(r.doc_id, COMPLETE if r.chunk_ids else REMOVED, r.version, r.doc_key, r.chunk_ids, r.file)
            for r in left
        )
        log.info("rolled back %d unfinished documents no longer asked for", len(left))

    def _verify(self) -> int:
        """Chroma 1.5.x has reports of lost writes: the store must hold exactly the catalog's
        chunks. Cheap when it does (two counts); on a mismatch, the ids are compared and the
        documents concerned are marked for the next run to rewrite."""
        expected = self.catalog.count_chunks()
        count = self.store.count()
        if count == expected:
            return expected
        wanted = self.catalog.all_chunk_ids()
        stored = {c.chunk_id for c in self.store.iter_all()}
        missing, extra = wanted - stored, stored - wanted
        if extra and not missing:  # chunks no record refers to (this run holds the writer lock)
            log.warning("deleting %d chunks of the store that no document refers to", len(extra))
            self.store.delete(sorted(extra))
            if self.store.count() == expected:
                return expected
        damaged = self.catalog.docs_of_chunks(missing)
        if damaged:
            with self.catalog.transaction() as con:
                con.executemany("UPDATE docs SET doc_key = '' WHERE doc_id = ?", [(d,) for d in damaged])
                con.execute("DELETE FROM files")
        raise IngestError(
            f"the vector store holds {count} chunks but {expected} were expected "
            f"({len(missing)} missing, {len(extra)} unexpected); run ingest again to repair"
        )


def _line(doc: Document) -> int | None:
    _, sep, line = doc.path.rpartition(":")
    return int(line) if sep and line.isdigit() else None


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


def _f32(vector: list[float] | None) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes() if vector is not None else b""


def _with_hash(chunk: Chunk, key: str) -> Chunk:
    """Tie the chunk to its document version: a changed article gets all-new chunk ids."""
    return replace(chunk, doc_hash=key, chunk_id=chunk_id(chunk.doc_id, key + chunk.text, chunk.index))

