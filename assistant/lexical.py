"""BM25 over the chunks: tantivy, fed the tokens of one function, :func:`lexical_tokens`.

Tokens are the tone-normalised words, plus their diacritic-free forms and diacritic-free
syllable bigrams, so "thanh hoa" finds "Thanh Hóa" and "Thanh Hoá", and two-syllable words
("dân số", "xuất khẩu") count as units. tantivy indexes them as given (its ``whitespace``
tokenizer: no lower-casing, no stemming, no length cut), so the terms are exactly ours.

Why tantivy (measured on viwiki, 84,598 chunks, 2 shared cores; ``bench/lexical_choice.md``):

================================  ===========  ============  =======================
option                            build        query p50/p95 add + delete 10 chunks
================================  ===========  ============  =======================
bm25s (rebuilt on every change)   87 s         3 / 7 ms      a full rebuild (87 s)
SQLite FTS5 ``bm25()``, OR query  48 s         269 / 404 ms  14 ms
tantivy 0.27 (this module)        26 s         2.5 / 10 ms   < 0.1 s (a commit)
================================  ===========  ============  =======================

FTS5 is incremental and transactional but scores every row that matches any query term
(no top-k pruning): 100x slower than bm25s. bm25s bakes the collection's statistics into
its score matrix, so a change means a rebuild. tantivy is incremental (segments, merged in
the background), scores with the statistics of the whole index (document frequencies and
average length over all segments), finds the top k with block-max WAND, opens memory-mapped
in milliseconds, and allows one writer next to any number of readers.

The index is derived from the catalog (:mod:`assistant.catalog`): it records the last
catalog change it holds and catches up from there, so it is never the only copy of
anything. Its folder is named by :data:`TOKENIZER_FINGERPRINT` (the source of
:func:`lexical_tokens` and its output on a probe text): change the tokeniser and a new index
is built from the catalog on the next open.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from assistant.catalog import Catalog
from assistant.errors import StoreError
from assistant.text import fold, words

log = logging.getLogger(__name__)


def lexical_tokens(text: str) -> list[str]:
    exact = words(text)
    folded = [_fold_token(w) for w in exact]
    tokens = list(exact)
    tokens.extend(f for f, e in zip(folded, exact, strict=True) if f != e)
    tokens.extend(f"{a}_{b}" for a, b in pairwise(folded))
    return tokens


@lru_cache(maxsize=262144)
def _fold_token(word: str) -> str:
    return fold(word)


_PROBE = "Thanh Hoá, THANH HÓA; thủy-điện 2025 Đắk Lắk người_dùng ²x naïve Москва 東京 dân số"


def _fingerprint() -> str:
    h = hashlib.sha256(inspect.getsource(lexical_tokens).encode("utf-8"))
    h.update(inspect.getsource(_fold_token).encode("utf-8"))
    h.update("\x00".join(lexical_tokens(_PROBE)).encode("utf-8"))
    return h.hexdigest()[:16]


TOKENIZER_FINGERPRINT = _fingerprint()


def embedding_text(title: str, text: str) -> str:
    """What gets embedded and BM25-indexed for a chunk: its article title, then the text."""
    return f"{title}\n{text}" if title else text


@dataclass(frozen=True)
class LexicalFilter:
    """Restrictions on which chunks may match (all given ones must hold)."""

    doc_ids: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    date_from: int = 0  # yyyymmdd, 0 = open
    date_to: int = 0


class LexicalIndex:
    """tantivy index of the catalog's chunks, in ``folder/bm25-<tokeniser fingerprint>``."""

    def __init__(self, folder: Path):
        import tantivy

        self._t = tantivy
        self.folder = folder
        self.path = folder / f"bm25-{TOKENIZER_FINGERPRINT}"
        self.path.mkdir(parents=True, exist_ok=True)
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("tokens", stored=False, tokenizer_name="whitespace", index_option="freq")
        sb.add_text_field("doc", stored=False, tokenizer_name="raw", index_option="basic")
        sb.add_text_field("source", stored=False, tokenizer_name="raw", index_option="basic")
        sb.add_unsigned_field("row", stored=True, indexed=False, fast=True)
        sb.add_integer_field("date", stored=False, indexed=True, fast=True)
        sb.add_unsigned_field("seq", stored=False, indexed=False, fast=True)
        self.schema = sb.build()
        try:
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot open the BM25 index at {self.path}: {exc}") from exc
        self._df: dict[str, int] = {}
        self._df_generation = -1

    # --- reading -------------------------------------------------------------------------

    def reload(self) -> None:
        """See what writers (this process or another) have committed since."""
        self.index.reload()

    @property
    def seq(self) -> int:
        """The last catalog change this index holds: every chunk carries the number of the
        last change of the catch-up that indexed it, so the highest one is where to resume
        (changes after it that only removed documents are applied again, which is a no-op)."""
        searcher = self.index.searcher()
        if not searcher.num_docs:
            return 0
        hits = searcher.search(self._t.Query.all_query(), 1, count=False, order_by_field="seq").hits
        return int(hits[0][0]) if hits else 0

    def __len__(self) -> int:
        return int(self.index.searcher().num_docs)

    def search(self, tokens: Sequence[str], k: int, where: LexicalFilter | None = None) -> list[tuple[int, float]]:
        """(catalog row, BM25 score) of the best ``k`` chunks holding any of ``tokens``."""
        if not tokens or k <= 0:
            return []
        t = self._t
        text = t.Query.boolean_query(
            [(t.Occur.Should, t.Query.term_query(self.schema, "tokens", tok)) for tok in tokens]
        )
        query = text
        restrictions = self._restrictions(where) if where else []
        if restrictions:
            query = t.Query.boolean_query(
                [(t.Occur.Must, text)] + [(t.Occur.Must, t.Query.const_score_query(r, 0.0)) for r in restrictions]
            )
        searcher = self.index.searcher()
        hits = searcher.search(query, k, count=False).hits
        out = []
        for score, address in hits:
            row = searcher.doc(address).to_dict().get("row")
            if row:
                out.append((int(row[0]), float(score)))
        return out

    def _restrictions(self, where: LexicalFilter) -> list:
        t = self._t
        out = []
        if where.doc_ids:
            out.append(t.Query.term_set_query(self.schema, "doc", list(where.doc_ids)))
        if where.sources:
            out.append(t.Query.term_set_query(self.schema, "source", list(where.sources)))
        if where.date_from or where.date_to:
            out.append(t.Query.range_query(
                self.schema, "date", t.FieldType.Integer,
                where.date_from or 1, where.date_to or None, True, True,
            ))
        return out

    def document_frequencies(self, terms: list[str]) -> tuple[dict[str, int], int]:
        """How many chunks contain each term, and how many chunks there are."""
        searcher = self.index.searcher()
        generation = int(searcher.num_docs) * 1_000_003 + int(searcher.num_segments)
        if generation != self._df_generation:
            self._df, self._df_generation = {}, generation
        for term in terms:
            if term not in self._df:
                self._df[term] = int(searcher.doc_freq("tokens", term))
        return {term: self._df[term] for term in terms}, len(self)

    # --- writing (callers hold the ingest lock) --------------------------------------------

    def catch_up(self, catalog: Catalog, *, heap_bytes: int = 100_000_000) -> int:
        """Apply the catalog's changes made since this index's last one; returns how many
        documents were re-indexed. One tantivy commit: all or nothing."""
        start = self.seq
        doc_ids, last = catalog.changed_docs(start)
        if not doc_ids:
            return 0
        t = self._t
        try:
            writer = self.index.writer(heap_size=heap_bytes, num_threads=1)
        except ValueError as exc:  # another process holds tantivy's writer lock
            raise StoreError(f"the BM25 index at {self.path} is being written by another process: {exc}") from exc
        try:
            for start_at in range(0, len(doc_ids), 500):
                part = doc_ids[start_at : start_at + 500]
                for doc_id in part:
                    writer.delete_documents_by_term("doc", doc_id)
                for chunk, title in catalog.chunks_for_lexical(part):
                    doc = t.Document()
                    doc.add_text("tokens", " ".join(lexical_tokens(embedding_text(title, chunk.text))))
                    doc.add_text("doc", chunk.doc_id)
                    doc.add_text("source", chunk.source)
                    doc.add_unsigned("row", chunk.row)
                    doc.add_integer("date", chunk.date_num)
                    doc.add_unsigned("seq", last)
                    writer.add_document(doc)
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise
        self.reload()
        log.info("BM25 index: %d documents re-indexed (changes %d..%d)", len(doc_ids), start + 1, last)
        return len(doc_ids)

    def drop_other_versions(self) -> None:
        """Remove the folders of indexes built with another tokeniser."""
        for other in self.folder.glob("bm25-*"):
            if other.is_dir() and other != self.path:
                shutil.rmtree(other, ignore_errors=True)
