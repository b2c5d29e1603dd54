"""The search index: chunks in Chroma (dense) and a BM25 index beside them, kept in step.

:meth:`Index.sync` makes the index mirror a list of documents, incrementally and
idempotently. Chunk ids come from content, so the plan is a set difference: write the
chunks that are missing, then delete the ones no longer wanted. Writes come before deletes,
so a crash mid-way leaves old answers searchable and the next sync finishes the job.
Documents whose file could not be read this time keep their chunks (``protect``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.chunking import chunk_document, chunk_id
from assistant.errors import IngestError
from assistant.lexical import LexicalEntry, LexicalIndex, ids_fingerprint
from assistant.store import ChromaStore
from assistant.text import content_hash
from assistant.types import Chunk, Document, IngestReport

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (chunks embedded so far, chunks to embed)


@dataclass(frozen=True)
class IndexedDocument:
    doc_id: str
    title: str
    date: str
    source: str
    url: str
    chunks: int


def embedding_text(title: str, text: str) -> str:
    """What gets embedded and BM25-indexed for a chunk: its article title, then the text."""
    return f"{title}\n{text}" if title else text


class Index:
    def __init__(
        self,
        store: ChromaStore,
        embeddings: Embeddings,
        lexical_dir: Path,
        *,
        chunk_tokens: int = 300,
        chunk_overlap: int = 60,
    ):
        self.store = store
        self.embeddings = embeddings
        self.lexical_dir = lexical_dir
        self.chunk_tokens = chunk_tokens
        self.chunk_overlap = chunk_overlap
        self._lexical: LexicalIndex | None = None
        self._lock = threading.RLock()

    # --- ingest ------------------------------------------------------------------------

    def _doc_key(self, doc: Document) -> str:
        return content_hash(doc.content_hash, str(self.chunk_tokens), str(self.chunk_overlap))

    def sync(
        self,
        documents: Iterable[Document],
        *,
        protect: Iterable[str] = (),
        progress: Progress | None = None,
    ) -> IngestReport:
        started = time.perf_counter()
        with self._lock:
            report = self._sync(list(documents), set(protect), progress)
        report.seconds = time.perf_counter() - started
        log.info("ingest: %s", report.summary())
        return report

    def _sync(self, docs: list[Document], protect: set[str], progress: Progress | None) -> IngestReport:
        report = IngestReport()
        existing: dict[str, dict[str, str]] = defaultdict(dict)  # doc_id -> chunk_id -> doc_hash
        for stored in self.store.iter_all():
            existing[str(stored.metadata.get("doc_id", ""))][stored.chunk_id] = str(
                stored.metadata.get("doc_hash", "")
            )
        wanted_ids: set[str] = set()
        to_write: list[Chunk] = []
        for doc in docs:
            key = self._doc_key(doc)
            have = existing.get(doc.doc_id, {})
            if have and all(h == key for h in have.values()):
                report.unchanged += 1
                wanted_ids.update(have)
                continue
            chunks = [
                _with_hash(c, key)
                for c in chunk_document(doc, chunk_tokens=self.chunk_tokens, overlap=self.chunk_overlap)
            ]
            wanted_ids.update(c.chunk_id for c in chunks)
            to_write.extend(c for c in chunks if c.chunk_id not in have)
            if have:
                report.updated += 1
            else:
                report.added += 1
        corpus_ids = {d.doc_id for d in docs}
        for doc_id, chunk_ids in existing.items():
            if doc_id in protect:
                wanted_ids.update(chunk_ids)
                log.warning("kept the indexed chunks of %s: its file could not be read", doc_id)
            elif doc_id not in corpus_ids:
                report.removed += 1
        all_existing = {cid for ids in existing.values() for cid in ids}
        to_delete = sorted(all_existing - wanted_ids)

        if to_write:
            self._write(to_write, progress)
        if to_delete:
            self.store.delete(to_delete)
        report.chunks_added = len(to_write)
        report.chunks_removed = len(to_delete)
        self._verify(wanted_ids)
        report.chunks_total = len(wanted_ids)
        if to_write or to_delete or self._lexical_stale(wanted_ids):
            self.rebuild_lexical()
        return report

    def _write(self, chunks: list[Chunk], progress: Progress | None) -> None:
        batch = 32
        done = 0
        if progress:
            progress(0, len(chunks))
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            try:
                vectors = self.embeddings.embed_documents([embedding_text(c.title, c.text) for c in part])
            except Exception as exc:
                raise IngestError(
                    f"embedding failed after {done} of {len(chunks)} new chunks ({exc}); "
                    "what was written is kept, run ingest again to finish"
                ) from exc
            self.store.add(part, vectors)
            done += len(part)
            if progress:
                progress(done, len(chunks))

    def _verify(self, wanted_ids: set[str]) -> None:
        """Chroma 1.5.x has reports of lost writes: check the count, re-check the ids."""
        count = self.store.count()
        if count == len(wanted_ids):
            return
        stored = {c.chunk_id for c in self.store.iter_all()}
        missing, extra = wanted_ids - stored, stored - wanted_ids
        raise IngestError(
            f"the vector store holds {count} chunks but {len(wanted_ids)} were expected "
            f"({len(missing)} missing, {len(extra)} unexpected); run ingest again to repair"
        )

    # --- BM25 --------------------------------------------------------------------------

    def _lexical_stale(self, wanted_ids: set[str]) -> bool:
        current = self._lexical or LexicalIndex.load(self.lexical_dir)
        return current is None or current.fingerprint != ids_fingerprint(list(wanted_ids))

    def rebuild_lexical(self) -> LexicalIndex:
        with self._lock:
            items = [
                (
                    LexicalEntry(
                        c.chunk_id,
                        str(c.metadata.get("doc_id", "")),
                        str(c.metadata.get("source", "")),
                        int(c.metadata.get("date_num", 0) or 0),
                    ),
                    embedding_text(str(c.metadata.get("title", "")), c.text),
                )
                for c in self.store.iter_all(documents=True)
            ]
            index = LexicalIndex.build(items)
            index.save(self.lexical_dir)
            self._lexical = index
            log.info("BM25 index rebuilt over %d chunks", len(index))
            return index

    def document_frequencies(self, terms: list[str]) -> tuple[dict[str, int], int]:
        """How many chunks contain each (folded) term, and how many chunks there are."""
        return self.lexical().document_frequencies(terms)

    def lexical(self) -> LexicalIndex:
        """The BM25 index, loaded once; rebuilt if it does not match the store."""
        with self._lock:
            if self._lexical is None:
                loaded = LexicalIndex.load(self.lexical_dir)
                if loaded is not None and len(loaded) == self.store.count():
                    ids = [c.chunk_id for c in self.store.iter_all()]
                    if ids_fingerprint(ids) == loaded.fingerprint:
                        self._lexical = loaded
                if self._lexical is None:
                    log.info("BM25 index missing or out of step with the store; rebuilding")
                    self.rebuild_lexical()
            assert self._lexical is not None
            return self._lexical

    # --- listing -----------------------------------------------------------------------

    def documents(self) -> list[IndexedDocument]:
        by_doc: dict[str, dict] = {}
        counts: dict[str, int] = defaultdict(int)
        for c in self.store.iter_all():
            doc_id = str(c.metadata.get("doc_id", ""))
            counts[doc_id] += 1
            by_doc.setdefault(doc_id, c.metadata)
        return sorted(
            (
                IndexedDocument(
                    doc_id=d,
                    title=str(m.get("title", "")),
                    date=str(m.get("date", "")),
                    source=str(m.get("source", "")),
                    url=str(m.get("url", "")),
                    chunks=counts[d],
                )
                for d, m in by_doc.items()
            ),
            key=lambda d: (d.date or "0000", d.doc_id),
            reverse=True,
        )


def _with_hash(chunk: Chunk, key: str) -> Chunk:
    """Tie the chunk to its document version: a changed article gets all-new chunk ids."""
    from dataclasses import replace

    return replace(chunk, doc_hash=key, chunk_id=chunk_id(chunk.doc_id, key + chunk.text, chunk.index))
