"""The extractive answer engine: no language model, answers with the article's own sentences.

For each sentence of the retrieved passages it combines
- meaning: e5 similarity between the question and the sentence (works across languages),
- words: how much of the question's content (words and two-syllable units, weighted by
  rarity) the sentence and its article title contain,
- type: whether the sentence holds what the question asks for (a person's name for "ai" /
  "who", a number for "bao nhiêu" / "how much", a date for "khi nào" / "when"),
and returns the best sentence (and a second one when it adds a close, different fact),
each followed by the ``[n]`` of its passage. When no sentence holds the asked-for kind of
fact with enough support it declines (``result.refused``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.facts import has_date, has_number, person_names
from assistant.glossary import expand_query
from assistant.injection import is_flagged
from assistant.lru import LRUCache
from assistant.questions import QuestionInfo, analyse
from assistant.terms import DocFreq, content_terms, term_weights
from assistant.text import fold, split_sentences, words
from assistant.types import GenerationRequest, GenerationResult, Passage

__all__ = ["ExtractiveEngine", "ScoredSentence"]

log = logging.getLogger(__name__)

EMBEDDING_CACHE_SIZE = 4096  # sentence vectors kept (~1.6 KB each): bounded for long-lived servers


@dataclass
class ScoredSentence:
    passage: int  # 1-based passage number
    text: str
    semantic: float
    lexical: float
    type_ok: bool
    score: float


class ExtractiveEngine:
    """Answers with sentences picked from the passages; needs only the embedder."""

    name = "extractive"

    def __init__(
        self,
        embeddings: Embeddings,
        doc_freq: DocFreq | None = None,
        max_sentences: int = 2,
        min_lexical_vi: float = 0.42,
        min_semantic_en: float = 0.77,
    ):
        self.embeddings = embeddings
        self.min_lexical_vi = min_lexical_vi
        self.min_semantic_en = min_semantic_en
        self.doc_freq = doc_freq
        self.max_sentences = max_sentences
        self._cache: LRUCache[str, np.ndarray] = LRUCache(EMBEDDING_CACHE_SIZE)

    # --- the seam ----------------------------------------------------------------------

    def stream(self, request: GenerationRequest, result: GenerationResult) -> Iterator[str]:
        result.engine = self.name
        result.model = f"extractive ({getattr(self.embeddings, 'name', 'embeddings')})"
        picked = self.select(request.standalone_question, request.passages)
        if not picked:
            result.refused = True
            return
        for i, s in enumerate(picked):
            result.quotes.setdefault(s.passage, s.text)
            lead = "" if i == 0 else " "
            text = s.text.rstrip()
            if request.language == "en":
                text = f"“{text}”"
            yield f"{lead}{text} [{s.passage}]"

    # --- scoring -----------------------------------------------------------------------

    def _embed(self, texts: list[str]) -> list[np.ndarray]:
        found = {t: self._cache.get(t) for t in dict.fromkeys(texts)}
        missing = [t for t, vec in found.items() if vec is None]
        if missing:
            for text, vec in zip(missing, self.embeddings.embed_documents(missing), strict=True):
                found[text] = self._cache[text] = np.asarray(vec, dtype=np.float32)
        return [found[t] for t in texts]  # type: ignore[misc]

    def score_sentences(self, question: str, passages: list[Passage]) -> list[ScoredSentence]:
        info = analyse(question)
        candidates: list[tuple[int, str, str]] = []  # passage no, sentence, title
        for n, p in enumerate(passages, start=1):
            for a, b in split_sentences(p.text):
                sentence = p.text[a:b].strip()
                if len(words(sentence)) >= 4 and not is_flagged(sentence):  # never quote text written for an AI
                    candidates.append((n, sentence, p.title))
        if not candidates:
            return []
        weights = self._term_weights(analyse(expand_query(question, info.language)))
        q_vec = np.asarray(self.embeddings.embed_query(question), dtype=np.float32)
        s_vecs = self._embed([c[1] for c in candidates])
        scored = []
        for (n, sentence, title), vec in zip(candidates, s_vecs, strict=True):
            semantic = float(vec @ q_vec)
            lexical = _coverage(weights, sentence, title)
            type_ok = _type_ok(info, sentence)
            sem = min(max((semantic - 0.75) / 0.17, 0.0), 1.0)
            score = 0.5 * sem + 0.35 * lexical + (0.15 if type_ok else 0.0) - 0.05 * (n - 1)
            if info.qtype in ("who", "number", "when") and not type_ok:
                score -= 0.25
            scored.append(ScoredSentence(n, sentence, semantic, lexical, type_ok, score))
        scored.sort(key=lambda s: -s.score)
        return scored

    def select(self, question: str, passages: list[Passage]) -> list[ScoredSentence]:
        scored = self.score_sentences(question, passages)
        if not scored:
            return []
        info = analyse(question)
        best = scored[0]
        if info.qtype in ("who", "number", "when") and not best.type_ok:
            return []
        # calibrated on evals/datasets/seeds.jsonl: below these no answerable question's
        # best sentence fell, while most unanswerable ones did
        if info.language == "vi" and best.lexical < self.min_lexical_vi:
            return []
        if info.language == "en" and best.semantic < self.min_semantic_en:
            return []
        picked = [best]
        for s in scored[1:]:
            if len(picked) >= self.max_sentences:
                break
            if s.score < best.score * 0.92 or (not s.type_ok and best.type_ok):
                break
            if all(_jaccard(s.text, p.text) < 0.5 for p in picked):
                picked.append(s)
        # keep article order within one passage so the answer reads naturally
        return picked

    def _term_weights(self, info: QuestionInfo) -> dict[str, float]:
        return term_weights(list(info.terms), self.doc_freq)


def _coverage(weights: dict[str, float], sentence: str, title: str) -> float:
    """Weighted share of the question's terms found in the sentence (half credit: title)."""
    if not weights:
        return 0.0
    in_sentence = set(content_terms(sentence))
    in_title = set(content_terms(title))
    got = sum(w * (1.0 if t in in_sentence else 0.5 if t in in_title else 0.0) for t, w in weights.items())
    return got / sum(weights.values())


def _type_ok(info: QuestionInfo, sentence: str) -> bool:
    if info.qtype == "who":  # a name the question does not already give
        asked = fold(info.text)
        return any(fold(name) not in asked for name in person_names(sentence))
    if info.qtype == "number":
        return has_number(sentence)
    if info.qtype == "when":
        return has_date(sentence)
    return True


def _jaccard(a: str, b: str) -> float:
    sa, sb = set(words(a)), set(words(b))
    return len(sa & sb) / max(1, len(sa | sb))
