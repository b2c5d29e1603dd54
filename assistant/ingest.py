"""One ingest run: the pipeline that embeds and writes what :mod:`assistant.ingest_plan` read.

Reading and chunking (a thread), embedding (``embed_concurrency`` batches at once) and
writing overlap in a bounded pipeline. Every write is under a pending manifest record first,
so a run stopped anywhere can be finished (or rolled back) by the next one; at the end the
store must hold exactly the catalog's chunks (:meth:`IngestRun._verify`).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.catalog import Catalog, ChunkRow, DocChange, DocRow, FileState
from assistant.errors import IngestError
from assistant.ingest_plan import IngestProgress, Planner, Progress, Work
from assistant.lexical import LexicalIndex, embedding_text
from assistant.manifest import COMPLETE, PENDING, REMOVED, DocRecord, Head, Lease
from assistant.types import Chunk, IngestReport

if TYPE_CHECKING:
    from assistant.index import Index

log = logging.getLogger(__name__)

__all__ = ["LEASE_SECONDS", "IngestRun", "vector_bytes"]


@dataclass
class _Group:
    works: list[Work] = field(default_factory=list)
    files: list[FileState] = field(default_factory=list)
    futures: list[tuple[list[Work], Future]] = field(default_factory=list)

    @property
    def chunks(self) -> int:
        return sum(len(w.to_embed) for w in self.works)


_DONE = object()
LEASE_SECONDS = 300.0  # a writer renews its lease at every write


class IngestRun(Planner):
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
        self.texts: dict[str, str] = {}  # the same article under two names is indexed once
        self.protect: set[str] = set()
        self.done_pending: set[str] = set()
        self._last_lexical = time.monotonic()

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
        batch: list[tuple[Work, Chunk]] = []
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
        fresh = {c.chunk_id: vector_bytes(vec) for c, vec in zip(to_write, vectors, strict=True)}
        missing = [c.chunk_id for w in group.works for c in w.chunks if c.chunk_id not in fresh]
        if missing:  # written by an unfinished run: their vectors come back from the store
            fresh.update((s.chunk_id, vector_bytes(s.embedding)) for s in self.store.get(missing, embeddings=True))
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

    def _pending_records(self, works: list[Work]) -> list[DocRecord]:
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


def vector_bytes(vector: list[float] | None) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes() if vector is not None else b""
