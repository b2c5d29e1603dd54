"""Retrieval: dense (Chroma), BM25 (tantivy), or both.

The default ("hybrid") takes the dense and the BM25 candidates and orders their union with a
small fitted ranker (:func:`rank`, weights in ``assistant/models/ranker.json``, fitted on the
tuning part of the development data by ``python -m evals.fit``): it learns how much to trust
shared words against meaning, separately for English questions over Vietnamese articles,
where shared words are mostly names and numbers. "rrf" is plain reciprocal rank fusion, the
baseline the ranker is measured against.

Filters (articles, sources, dates) are applied inside each search, never after it: BM25
restricts tantivy's query; dense search is exact over the allowed chunks' vectors, held in
memory from the catalog (Chroma's own filtered search took 150-500 ms at 84,598 chunks
against 14 ms unfiltered; ``bench/``), and falls back to Chroma's ``where`` if some allowed
chunk has no vector in the catalog.

:class:`Retriever` returns :class:`Passage` objects; :class:`LangChainRetriever` wraps it
as a langchain ``BaseRetriever`` so it drops into any LangChain chain.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from assistant.catalog import Selection
from assistant.crosslingual import offset_for
from assistant.index import Index
from assistant.language import detect_language
from assistant.lexical import LexicalFilter
from assistant.lru import LRUCache
from assistant.role_vocabulary import vietnamese_role_words
from assistant.text import normalize
from assistant.types import Passage

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "rrf", "dense", "bm25"]



@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some articles, sources or a date range (ISO dates, inclusive)."""

    doc_ids: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""

    @property
    def empty(self) -> bool:
        return not (self.doc_ids or self.sources or self.date_from or self.date_to)

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.doc_ids:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.date_from:
            clauses.append({"date_num": {"$gte": _date_num(self.date_from)}})
        if self.date_to:
            clauses.append({"date_num": {"$lte": _date_num(self.date_to)}})
            if not self.date_from:
                clauses.append({"date_num": {"$gt": 0}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def lexical_filter(self) -> LexicalFilter:
        return LexicalFilter(
            doc_ids=self.doc_ids, sources=self.sources,
            date_from=_date_num(self.date_from) if self.date_from else 0,
            date_to=_date_num(self.date_to) if self.date_to else 0,
        )

    def selection(self) -> Selection:
        """The filter as SQL over the catalog's chunks."""
        clauses: list[str] = []
        params: list[object] = []
        if self.doc_ids:
            clauses.append(f"doc_id IN ({','.join('?' * len(self.doc_ids))})")
            params.extend(self.doc_ids)
        if self.sources:
            clauses.append(f"source IN ({','.join('?' * len(self.sources))})")
            params.extend(self.sources)
        if self.date_from:
            clauses.append("date_num >= ?")
            params.append(_date_num(self.date_from))
        if self.date_to:
            clauses.append("date_num > 0 AND date_num <= ?")
            params.append(_date_num(self.date_to))
        return Selection(" AND ".join(clauses) or "1", tuple(params))

    def allows(self, doc_id: str, source: str, date_num: int) -> bool:
        if self.doc_ids and doc_id not in self.doc_ids:
            return False
        if self.sources and source not in self.sources:
            return False
        if self.date_from and date_num < _date_num(self.date_from):
            return False
        return not (self.date_to and not 0 < date_num <= _date_num(self.date_to))


def _date_num(iso: str) -> int:
    return int(iso.replace("-", "")[:8])


@dataclass
class Retriever:
    index: Index
    mode: Mode = "hybrid"
    candidates: int = 30
    rrf_k: int = 60
    _cache: dict[str, list[float]] = field(default_factory=dict, repr=False)

    def embed_query(self, query: str) -> list[float]:
        key = normalize(query)
        if key not in self._cache:
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = self.index.embeddings.embed_query(key)
        return self._cache[key]

    def dense(self, query: str, k: int, filters: Filters | None = None, *, language: str = "") -> list[Passage]:
        """The ``k`` nearest chunks. ``language="en"`` (the hybrid retriever's English
        questions) moves the question's vector toward Vietnamese first
        (:mod:`assistant.crosslingual`); the plain dense search, and so the RRF floor, never does."""
        vector = self.embed_query(query)
        if language == "en" and (offset := offset_for(self.index.embeddings)):
            vector = offset.toward_vietnamese(vector)
        if filters is None or filters.empty:
            hits = self.index.store.query(vector, k)
        else:
            exact = self.index.dense_among(vector, k, filters.selection())
            if exact is not None:
                return [
                    Passage(chunk_id=c.chunk_id, doc_id=c.doc_id, text=c.text, title=d.title, date=d.date,
                            source=d.source, url=d.url, score=sim, start=c.start, end=c.end,
                            dense_similarity=sim, ranks={"dense": r})
                    for r, (c, d, sim) in enumerate(exact, start=1)
                ]
            hits = self.index.store.query(vector, k, filters.chroma_where())
        return [
            _passage(h.chunk_id, h.text, h.metadata, score=1.0 - (h.distance or 0.0),
                     similarity=1.0 - (h.distance or 0.0), ranks={"dense": r})
            for r, h in enumerate(hits, start=1)
        ]

    def bm25(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        where = filters.lexical_filter() if filters and not filters.empty else None
        hits = self.index.lexical_search(normalize(query), k, where)
        return [
            Passage(
                chunk_id=c.chunk_id, doc_id=c.doc_id, text=c.text, title=d.title, date=d.date,
                source=d.source, url=d.url, score=score, start=c.start, end=c.end, ranks={"bm25": rank},
                lexical_score=score,
            )
            for rank, (c, d, score) in enumerate(hits, start=1)
        ]

    def retrieve(self, query: str, k: int = 5, filters: Filters | None = None) -> list[Passage]:
        if self.mode == "dense":
            return self.dense(query, k, filters)
        if self.mode == "bm25":
            return self.bm25(query, k, filters)
        n = max(self.candidates, k)
        if self.mode == "rrf":
            return fuse([self.dense(query, n, filters), self.bm25(query, n, filters)], k, self.rrf_k)
        language = detect_language(query)
        dense, lexical = self.dense(query, n, filters, language=language), self.bm25(lexical_query(query, language), n, filters)
        return rank(dense, lexical, k, language)


def lexical_query(query: str, language: str) -> str:
    """What the hybrid retriever's BM25 searches: an English question with the Vietnamese
    words of the offices it names (BM25 matches no English word in a Vietnamese article:
    "Who is the Party Secretary …?" also searches "bí thư"; :mod:`assistant.role_vocabulary`)."""
    words = vietnamese_role_words(query) if language == "en" else []
    return " ".join([query, *words])


# --- the learned ranker (the default "hybrid" mode) -----------------------------------------

RANKER_FEATURES: tuple[str, ...] = tuple(
    f"{prefix}{name}"
    for prefix in ("", "en_")
    for name in ("dense_cos", "dense_gap", "lexical_rel", "dense_rr", "lexical_rr", "same_language")
)
_RANK_OFFSET = 10  # reciprocal ranks as 1 / (10 + rank): a gentle slope, as in RRF
# a chunk's language, by chunk id (the id hashes the chunk's text, so it never goes stale):
# detected once, not on every question that retrieves the chunk
_CHUNK_LANGUAGE: LRUCache[str, str] = LRUCache(100_000)


def _language_of(passage: Passage) -> str:
    language = _CHUNK_LANGUAGE.get(passage.chunk_id)
    if language is None:
        language = _CHUNK_LANGUAGE[passage.chunk_id] = detect_language(passage.text)
    return language


def ranker_candidates(
    dense: list[Passage], lexical: list[Passage], language: str
) -> tuple[list[Passage], np.ndarray]:
    """The union of the dense and the BM25 candidates, with one row of
    :data:`RANKER_FEATURES` each: the dense cosine (a candidate below the dense cut-off gets
    the lowest cosine seen), its gap to the best one, the BM25 score relative to the best,
    both reciprocal ranks, and whether the chunk is written in the question's language
    (multilingual embeddings score text in the query's own language higher whatever it says,
    so an English question over Vietnamese news is drawn to stray English text: reference
    lists, captions, pasted English); the same again for English questions (English
    questions over Vietnamese articles lean on meaning, not shared words)."""
    by_id: dict[str, Passage] = {}
    for p in [*dense, *lexical]:
        by_id.setdefault(p.chunk_id, p)
    cos = {p.chunk_id: p.dense_similarity for p in dense if p.dense_similarity is not None}
    lex = {p.chunk_id: p.score for p in lexical}
    dense_rank = {p.chunk_id: r for r, p in enumerate(dense, start=1)}
    lexical_rank = {p.chunk_id: r for r, p in enumerate(lexical, start=1)}
    floor = min(cos.values()) - 0.02 if cos else 0.0
    top = max(cos.values()) if cos else 0.0
    best_lex = max(lex.values()) if lex else 0.0
    absent = max(len(dense), len(lexical)) + 1
    en = 1.0 if language == "en" else 0.0
    rows = []
    for cid in by_id:
        c = cos.get(cid, floor)
        base = [
            c,
            c - top,
            lex.get(cid, 0.0) / best_lex if best_lex > 0 else 0.0,
            1.0 / (_RANK_OFFSET + dense_rank.get(cid, absent)),
            1.0 / (_RANK_OFFSET + lexical_rank.get(cid, absent)),
            1.0 if _language_of(by_id[cid]) == language else 0.0,
        ]
        rows.append(base + [v * en for v in base])
    return list(by_id.values()), np.asarray(rows, dtype=np.float64).reshape(len(by_id), len(RANKER_FEATURES))


def rank(dense: list[Passage], lexical: list[Passage], k: int, language: str) -> list[Passage]:
    """The best ``k`` candidates by the fitted ranker (``assistant/models/ranker.json``);
    a passage's ``score`` is the ranker's probability that it answers the question."""
    from assistant.linear import load_model

    candidates, rows = ranker_candidates(dense, lexical, language)
    if not candidates:
        return []
    probs = load_model("ranker", RANKER_FEATURES).probabilities(rows)
    cos = {p.chunk_id: p.dense_similarity for p in dense if p.dense_similarity is not None}
    lex = {p.chunk_id: p.score for p in lexical}
    ranks: dict[str, dict[str, int]] = {}
    for name, ranking in (("dense", dense), ("bm25", lexical)):
        for r, p in enumerate(ranking, start=1):
            ranks.setdefault(p.chunk_id, {})[name] = r
    order = sorted(range(len(candidates)), key=lambda i: (-probs[i], candidates[i].chunk_id))[:k]
    return [
        replace(candidates[i], score=float(probs[i]), ranks=ranks.get(candidates[i].chunk_id, {}),
                dense_similarity=cos.get(candidates[i].chunk_id),
                lexical_score=lex.get(candidates[i].chunk_id))
        for i in order
    ]


def fuse(rankings: list[list[Passage]], k: int, rrf_k: int = 60) -> list[Passage]:
    """Reciprocal rank fusion: score = sum over rankings of 1 / (rrf_k + rank)."""
    scores: dict[str, float] = {}
    best: dict[str, Passage] = {}
    ranks: dict[str, dict[str, int]] = {}
    similarity: dict[str, float] = {}
    for ranking in rankings:
        for rank, p in enumerate(ranking, start=1):
            scores[p.chunk_id] = scores.get(p.chunk_id, 0.0) + 1.0 / (rrf_k + rank)
            best.setdefault(p.chunk_id, p)
            ranks.setdefault(p.chunk_id, {}).update(p.ranks)
            if p.dense_similarity is not None:
                similarity[p.chunk_id] = p.dense_similarity
    order = sorted(scores, key=lambda cid: (-scores[cid], cid))[:k]
    return [
        replace(best[c], score=scores[c], ranks=ranks[c], dense_similarity=similarity.get(c))
        for c in order
    ]


def _passage(
    chunk_id: str, text: str, meta: dict[str, Any], *, score: float,
    similarity: float | None = None, ranks: dict[str, int] | None = None,
) -> Passage:
    return Passage(
        chunk_id=chunk_id,
        doc_id=str(meta.get("doc_id", "")),
        text=text,
        title=str(meta.get("title", "")),
        date=str(meta.get("date", "")),
        source=str(meta.get("source", "")),
        url=str(meta.get("url", "")),
        score=float(score),
        start=int(meta.get("start", 0) or 0),
        end=int(meta.get("end", 0) or 0),
        dense_similarity=similarity,
        ranks=dict(ranks or {}),
    )
