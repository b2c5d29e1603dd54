"""The reader: which sentence of the retrieved passages answers the question?

Every sentence of the passages is a candidate. Each gets a row of general signals
(:data:`READER_FEATURES`):

- meaning: the e5 similarity of the question and the sentence (works across languages), its
  gap to the best candidate, and the neighbours' similarity (the answer often sits next to the
  sentence that restates the question);
- words: the share of the question's words and two-syllable units, weighted by their rarity
  in the index (idf), found in the sentence, in its neighbourhood and in the article title;
  names and numbers of the question found in it; how much of it the question does not
  already say;
- kind: whether it holds what the question asks for (a name for "ai"/"who", a number for
  "bao nhiêu"/"how many", a date for "khi nào"/"when"), and whether it opens with a pronoun
  that points back;
- place: the passage's rank and retrieval score, the first sentence of a passage;
- language: whether the sentence is written in the question's language (multilingual
  embeddings favour text in the query's own language, whatever it says);
- the meaning and word signals again for English questions, which match Vietnamese
  sentences by meaning, names and numbers only.

A linear model fitted on the tuning part of the development data (``assistant/models/
reader.json``, listwise: the answer sentence against the other candidates of its question)
turns a row into a score. The extractive engine quotes the best sentence; the answerability
gate (:mod:`assistant.evidence`) reads how good the best one is. No word list or threshold
here was read off eval questions: the only lists are grammatical (:mod:`assistant.wordlists`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import NamedTuple

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.crosslingual import offset_for
from assistant.facts import has_date, has_number
from assistant.language import detect_language
from assistant.linear import load_model
from assistant.lru import LRUCache
from assistant.people import capitalised_phrases, person_names
from assistant.questions import QuestionInfo, analyse
from assistant.terms import DocFreq, idf
from assistant.text import fold, split_sentences, words
from assistant.types import Passage
from assistant.wordlists import ANAPHORA_OPENERS

__all__ = ["READER_FEATURES", "Candidate", "Reader", "Reading", "ScoredSentence", "question_names"]

_BASE = (
    "sem", "sem_gap", "prev_gap", "next_gap", "words", "pairs", "words_near", "pairs_near",
    "title_words", "names", "numbers", "novelty", "log_length", "passage_rr", "passage_rel",
    "first", "kind", "kind_who", "kind_number", "kind_when", "kind_where", "anaphora",
    "anaphora_who", "bm25", "rarest", "person", "person_who", "same_language",
)  # fmt: skip
_EN = (
    "sem", "sem_gap", "words", "pairs", "words_near", "title_words", "names", "numbers", "passage_rr",
    "passage_rel", "kind", "kind_who", "kind_number", "kind_when", "same_language",
)  # fmt: skip
READER_FEATURES: tuple[str, ...] = _BASE + tuple(f"en_{f}" for f in _EN)
_WORDS, _KIND, _ANAPHORA = (_BASE.index(f) for f in ("words", "kind", "anaphora"))

# Known quirk, kept as measured: "À-Ỹ" also holds lower-case letters ("đ", "ầ"), so "đầu" and
# "đoàn" count as names, and a name is found inside a word ("Nga" in "ngay"). Upper-case
# letters only, with names matched as whole words and the reader and gate refitted, gave
# accuracy 0.751 -> 0.746 (tuning) and 0.767 -> 0.762 (reporting); see the README.
_CAP_RE = re.compile(r"\b[A-ZÀ-ỸĐ][\wÀ-ỹ'’-]*")
_NUM_RE = re.compile(r"\d+(?:[.,]\d+)*")
_YEAR_RE = re.compile(r"\b(1\d{3}|20\d{2})\b")
_ANAPHORA_RE = re.compile(
    r"^(?:" + "|".join(re.escape(w) for w in sorted(ANAPHORA_OPENERS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_MIN_WORDS = 3  # shorter "sentences" are captions and list debris


class Candidate(NamedTuple):
    passage: int  # 1-based
    index: int  # sentence number in the passage
    text: str
    start: int
    end: int
    near: str  # the sentence with its neighbours
    title: str  # its article's title


@dataclass(frozen=True)
class ScoredSentence:
    passage: int  # 1-based number of its passage
    index: int  # its number within the passage (0-based)
    text: str
    start: int  # character offsets in the passage text
    end: int
    score: float  # the reader's score (comparable within one question)
    semantic: float  # e5 similarity to the question
    lexical: float  # idf-weighted share of the question's words it holds
    kind: bool  # holds the kind of fact the question asks for
    anaphora: bool  # opens with a pronoun pointing back
    features: tuple[float, ...] = field(repr=False, default=())


class Features(NamedTuple):
    """What the reader computes for a question before its model (:meth:`Reader.features`)."""

    info: QuestionInfo
    weights: dict[str, float]
    candidates: list[Candidate]
    rows: np.ndarray
    sem: np.ndarray
    query: np.ndarray  # the question's vector (moved toward Vietnamese for an English one)


@dataclass
class Reading:
    """The reader's view of one question over its passages, best sentence first."""

    question: str
    info: QuestionInfo
    passages: list[Passage]
    sentences: list[ScoredSentence]
    weights: dict[str, float]  # the question's terms and their idf weights
    # the e5 similarity of the question to any texts (its vector, as the sentences were scored)
    similarity: Callable[[Sequence[str]], np.ndarray] | None = field(default=None, repr=False)

    @property
    def best(self) -> ScoredSentence | None:
        return self.sentences[0] if self.sentences else None

    def probabilities(self) -> np.ndarray:
        """A softmax over the candidates' scores (how sure the reader is of its pick)."""
        if not self.sentences:
            return np.zeros(0)
        s = np.array([c.score for c in self.sentences])
        e = np.exp(s - s.max())
        return e / e.sum()

    def previous(self, sentence: ScoredSentence) -> ScoredSentence | None:
        """The sentence before ``sentence`` in its passage, if it was a candidate."""
        for c in self.sentences:
            if c.passage == sentence.passage and c.index == sentence.index - 1:
                return c
        return None


def question_names(question: str) -> list[str]:
    """Capitalised words of a question after its first word (names it mentions)."""
    caps = [m.group(0) for m in _CAP_RE.finditer(question)]
    first = question.split(maxsplit=1)[0] if question.strip() else ""
    return [c for c in caps if len(c) > 1 and not first.startswith(c)]


def _terms(text: str) -> tuple[list[str], list[str]]:
    folded = [fold(w) for w in words(text)]
    return folded, [f"{a}_{b}" for a, b in pairwise(folded)]


def _term_set(text: str) -> set[str]:
    uni, bi = _terms(text)
    return set(uni) | set(bi)


def _coverage(weights: dict[str, float], have: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in have) / total if total else 0.0


class Reader:
    """Scores the sentences of retrieved passages (:meth:`read`); needs the embedder and the
    index's document frequencies (for idf weights). Sentence vectors are cached (bounded)."""

    def __init__(self, embeddings: Embeddings, doc_freq: DocFreq | None = None, *, cache_size: int = 20_000):
        self.embeddings = embeddings
        self.doc_freq = doc_freq
        self.cache_size = cache_size
        self._cache: LRUCache[str, np.ndarray] = LRUCache(cache_size)  # thread-safe

    def embed_sentences(self, texts: Sequence[str]) -> np.ndarray:
        found = {t: self._cache.get(t) for t in dict.fromkeys(texts)}
        missing = [t for t, vec in found.items() if vec is None]
        vectors = self.embeddings.embed_documents(missing) if missing else []
        for text, vec in zip(missing, vectors, strict=True):
            found[text] = self._cache[text] = np.asarray(vec, dtype=np.float32)
        return np.stack([found[t] for t in texts]) if texts else np.zeros((0, 1))  # type: ignore[misc]

    def weights(self, question: str) -> dict[str, float]:
        """The question's folded words and two-syllable units with their idf; a unit no
        chunk holds is two words that merely touch, and is left out."""
        uni, bi = _terms(question)
        terms = list(dict.fromkeys(uni + bi))
        if not terms:
            return {}
        if self.doc_freq is None:
            return {t: 1.0 for t in terms if "_" not in t}
        df, n = self.doc_freq(terms)
        return {t: idf(df.get(t, 0), n) for t in terms if "_" not in t or df.get(t, 0) > 0}

    def read(self, question: str, passages: Sequence[Passage], *, exclude: frozenset[str] = frozenset()) -> Reading:
        """Score every sentence of ``passages`` for ``question``, best first; sentences in
        ``exclude`` (e.g. flagged as instructions to an assistant) are never candidates."""
        info, weights, candidates, rows, sem, qvec = self.features(question, passages, exclude=exclude)
        if not candidates:
            return Reading(question, info, list(passages), [], weights)

        def similarity(texts: Sequence[str]) -> np.ndarray:
            return self.embed_sentences(list(texts)) @ qvec

        scores = load_model("reader", READER_FEATURES).scores(rows)
        scored = [
            ScoredSentence(
                passage=c.passage, index=c.index, text=c.text, start=c.start, end=c.end, score=float(sc),
                semantic=float(sm), lexical=float(row[_WORDS]), kind=bool(row[_KIND]),
                anaphora=bool(row[_ANAPHORA]), features=tuple(row),
            )
            for c, sc, sm, row in zip(candidates, scores, sem, rows, strict=True)
        ]
        scored.sort(key=lambda c: -c.score)
        return Reading(question, info, list(passages), scored, weights, similarity)

    def features(
        self, question: str, passages: Sequence[Passage], *, exclude: frozenset[str] = frozenset()
    ) -> Features:
        """The candidates and their :data:`READER_FEATURES` rows (and e5 similarities, and
        the question's vector), before any model: what :meth:`read` scores and what
        ``evals.fit`` fits on."""
        info = analyse(question)
        weights = self.weights(question)
        candidates: list[Candidate] = []
        for pn, p in enumerate(passages, start=1):
            spans = split_sentences(p.text)
            texts = [p.text[a:b] for a, b in spans]
            for si, ((a, b), s) in enumerate(zip(spans, texts, strict=True)):
                if len(words(s)) < _MIN_WORDS or s in exclude:
                    continue
                near = " ".join(texts[max(0, si - 1) : si + 2])
                candidates.append(Candidate(pn, si, s, a, b, near, p.title))
        if not candidates:
            return Features(info, weights, [], np.zeros((0, len(READER_FEATURES))), np.zeros(0), np.zeros(0))
        query_vector = self.embeddings.embed_query(question)
        if info.language == "en" and (offset := offset_for(self.embeddings)):
            query_vector = offset.toward_vietnamese(query_vector)  # as the retriever searched
        qvec = np.asarray(query_vector, dtype=np.float32)
        sem = self.embed_sentences([c.text for c in candidates]) @ qvec
        rows = self._rows(question, info, weights, passages, candidates, sem)
        return Features(info, weights, candidates, rows, sem, qvec)

    def _rows(
        self,
        question: str,
        info: QuestionInfo,
        weights: dict[str, float],
        passages: Sequence[Passage],
        candidates: list[Candidate],
        sem: np.ndarray,
    ) -> np.ndarray:
        words_w = {t: w for t, w in weights.items() if "_" not in t}
        pairs_w = {t: w for t, w in weights.items() if "_" in t}
        asked = fold(question)
        q_words = set(_terms(question)[0])
        q_names = [fold(n) for n in question_names(question)]
        q_numbers = set(_NUM_RE.findall(question))
        best_sem = float(sem.max())
        position = {(c.passage, c.index): k for k, c in enumerate(candidates)}
        top_score = max((p.score for p in passages), default=0.0)
        en = 1.0 if info.language == "en" else 0.0
        kinds = ("who", "number", "when", "where")
        # BM25 of each sentence against the question (idf from the index, lengths from the
        # candidates), relative to the best candidate's
        k1, b = 1.2, 0.75
        lengths = [max(1, len(words(c.text))) for c in candidates]
        avg = sum(lengths) / len(lengths)
        bm25 = []
        for c, n in zip(candidates, lengths, strict=True):
            counts: dict[str, int] = {}
            uni, bi = _terms(c.text)
            for term in uni + bi:
                counts[term] = counts.get(term, 0) + 1
            bm25.append(sum(w * counts[t] * (k1 + 1) / (counts[t] + k1 * (1 - b + b * n / avg))
                            for t, w in weights.items() if t in counts))
        best_bm25 = max(bm25) or 1.0
        top_weight = max(words_w.values(), default=1.0)
        rows = []
        for k, (pn, si, s, _a, _b, near, title) in enumerate(candidates):
            have, have_near, have_title = _term_set(s), _term_set(near), _term_set(title)
            folded = fold(s)
            s_words = [fold(w) for w in words(s)]
            new_caps = [c for c in capitalised_phrases(s) if fold(c) not in asked]
            new_people = [n for n in person_names(s) if fold(n) not in asked]
            holds = {
                "who": bool(new_people or new_caps),
                "number": has_number(s),
                "when": has_date(s) or bool(_YEAR_RE.search(s)),
                "where": bool(new_caps),
                "other": True,
            }[info.qtype]
            kp, kn = position.get((pn, si - 1)), position.get((pn, si + 1))
            anaphora = 1.0 if _ANAPHORA_RE.match(s) else 0.0
            passage = passages[pn - 1]
            base = [
                float(sem[k]),
                float(sem[k]) - best_sem,
                (float(sem[kp]) - float(sem[k])) if kp is not None else -0.05,
                (float(sem[kn]) - float(sem[k])) if kn is not None else -0.05,
                _coverage(words_w, have),
                _coverage(pairs_w, have) if pairs_w else 0.0,
                _coverage(words_w, have_near),
                _coverage(pairs_w, have_near) if pairs_w else 0.0,
                _coverage(words_w, have_title),
                sum(1 for n in q_names if n in folded) / len(q_names) if q_names else 0.0,
                sum(1 for n in q_numbers if n in s) / len(q_numbers) if q_numbers else 0.0,
                sum(1 for w in s_words if w not in q_words) / max(1, len(s_words)),
                math.log1p(len(s_words)),
                1.0 / pn,
                passage.score / top_score if top_score > 0 else 0.0,
                1.0 if si == 0 else 0.0,
                1.0 if holds else 0.0,
                *[1.0 if (holds and info.qtype == kind) else 0.0 for kind in kinds],
                anaphora,
                anaphora * (info.qtype == "who"),
                bm25[k] / best_bm25,
                max((w for t, w in words_w.items() if t in have), default=0.0) / top_weight,
                1.0 if new_people else 0.0,
                1.0 if (new_people and info.qtype == "who") else 0.0,
                1.0 if detect_language(s) == info.language else 0.0,
            ]
            named = dict(zip(_BASE, base, strict=True))
            rows.append(base + [named[f] * en for f in _EN])
        return np.asarray(rows, dtype=np.float64)
