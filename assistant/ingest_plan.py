"""Ingest planning: which files and documents an ingest run has to write (the reading thread).

:class:`Planner` is the part of :class:`assistant.ingest.IngestRun` that reads the corpus:
a file whose size and mtime are unchanged is not read; a read file whose hash is unchanged
is not parsed; a document whose content key is unchanged is not chunked. What a file could
not give is a :class:`~assistant.corpus.Skipped`, reported once; a file that cannot be read
keeps the documents it had indexed. Text written for an AI (:mod:`assistant.injection`) is
screened out before anything is chunked.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.catalog import FileState
from assistant.chunking import chunk_document, chunk_id
from assistant.corpus import Skipped, load_file
from assistant.injection import screen_for_index
from assistant.manifest import DocRecord
from assistant.text import content_hash
from assistant.types import Chunk, Document, IngestReport

if TYPE_CHECKING:
    from assistant.catalog import Catalog
    from assistant.index import Index

log = logging.getLogger(__name__)

__all__ = ["IngestProgress", "Planner", "Progress", "Work"]


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


@dataclass
class Work:
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


class Planner:
    """The reading side of an ingest run (attributes set by :class:`~assistant.ingest.IngestRun`)."""

    ix: Index
    catalog: Catalog
    report: IngestReport
    progress: IngestProgress
    on_progress: Progress | None
    keys: dict[str, str]
    pending: dict[str, DocRecord]
    stored: set[str]
    seen: dict[str, str]
    protect: set[str]
    texts: dict[str, str]  # hash of a title and text -> the first document read with them

    def _tell(self) -> None:
        if self.on_progress:
            self.on_progress(self.progress)

    def _plan_files(self, files: list[Path]) -> Iterator[object]:
        """Yields Work for documents to write and FileState once a file is done."""
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
            if st.st_size > self.ix.max_document_bytes and path.suffix.lower() != ".jsonl":
                self._skip_file(Skipped(name, self._too_large(st.st_size)), old)
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
            problems = len(loaded.skipped)  # a file with any skip is read again next time
            for doc in loaded.documents:
                doc, flagged = screen_for_index(doc)  # text written for an AI is never indexed
                if flagged is not None:
                    self.report.flagged.append(flagged)
                if doc is None:
                    continue
                if doc.doc_id in self.seen:
                    problems += 1
                    self._skipped(Skipped(str(path), f"duplicate document id {doc.doc_id!r} "
                                                     f"(first in {self.seen[doc.doc_id]})", _line(doc)))
                    continue
                size = len(doc.text.encode("utf-8"))
                if size > self.ix.max_document_bytes:
                    problems += 1
                    self._skipped(Skipped(str(path), self._too_large(size), _line(doc)))
                    continue
                copy_of = self._same_text(doc)
                if copy_of is not None:
                    problems += 1
                    self._skipped(Skipped(str(path), f"the same article as document {copy_of!r} "
                                                     "(indexed once)", _line(doc)))
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
            yield FileState(name, st.st_size, st.st_mtime_ns, sha, settings, tuple(ids), problems)

    def _too_large(self, size: int) -> str:
        return (f"too large to index ({size:,} bytes; the limit is "
                f"{self.ix.max_document_bytes:,}, ASSISTANT_MAX_DOCUMENT_BYTES)")

    def _same_text(self, doc: Document) -> str | None:
        """The id of another document with the same title and text (whitespace aside): read
        earlier in this run, or indexed and still in its file. Then ``doc`` is a copy."""
        text = " ".join(doc.text.split())
        key = content_hash(doc.title, text)
        if key in self.texts:
            return self.texts[key]
        if self.keys.get(doc.doc_id) != self.ix._doc_key(doc):  # new or changed: a copy of one indexed?
            for row in self.catalog.titled(doc.title, exclude=doc.doc_id):
                if row.doc_id in self.texts.values() or not row.file or not os.path.exists(row.file):
                    continue  # read in this run (compared above: it may have changed), or its file is gone
                spans = self.catalog.spans_of(row.doc_id)
                if spans and all(doc.text[a:b] == t for a, b, t in spans) and \
                        " ".join(doc.text[spans[0][0]:spans[-1][1]].split()) == text:
                    return row.doc_id
        self.texts[key] = doc.doc_id
        return None

    def _all_current(self, doc_ids: Iterable[str]) -> bool:
        return all(d in self.keys and d not in self.pending for d in doc_ids)

    def _unchanged(self, doc_ids: Iterable[str], name: str) -> None:
        for d in doc_ids:
            if d not in self.seen:
                self.seen[d] = name
                self.report.unchanged += 1
                self.progress.documents += 1

    def _skipped(self, item: Skipped) -> None:
        log.info("skipped %s", item)  # reported once: in the report (the CLI, UI and API show it)
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

    def _work(self, doc: Document, file: str) -> Work | None:
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
        return Work(doc, key, file, chunks, stored)


def _line(doc: Document) -> int | None:
    _, sep, line = doc.path.rpartition(":")
    return int(line) if sep and line.isdigit() else None


def _with_hash(chunk: Chunk, key: str) -> Chunk:
    """Tie the chunk to its document version: a changed article gets all-new chunk ids."""
    return replace(chunk, doc_hash=key, chunk_id=chunk_id(chunk.doc_id, key + chunk.text, chunk.index))
