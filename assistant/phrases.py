"""The phrase of a quoted sentence that answers a question no typed span answers.

A question that asks for a name, a number or a date is answered by one (:mod:`assistant.spans`).
The rest — "Lady Gaga đã hát bài gì?", "Tỉnh Kaluga mạnh về ngành nào?" — ask for a phrase,
and the quote alone leaves the reader to find it in thirty words. Here the sentence is cut
into clauses, at punctuation and before the words that open a clause
(:data:`assistant.wordlists.CLAUSE_OPENERS`), and each clause is trimmed of what the question
already says at its edges (the issue's "what the question does not already contain"). The part
of a clause after the question's words that stand before its question word, or before those
after it, is a candidate too. Each candidate gets a row of general signals
(:data:`PHRASE_FEATURES`):

- how much of the question's words (idf-weighted) the clause, and the clauses before and
  after it, restate, and how far the question's words and the rarest of them stand (the
  answer sits in or next to the clause that restates the question);
- the e5 similarity of the question to the clause and to its neighbours;
- how much of it is new to the question, its length, how much was trimmed away;
- whether it holds a number, sits in brackets or quotes, opens with a clause opener, holds or
  opens with the noun the question asks about ("Sân bay nào …?"), its share of capitalised
  words; whether the words around the question word anchored it, and how many;
- its place in the sentence.

A linear model fitted listwise on the tuning part of the development data (``assistant/
models/phrase.json``: the candidates that hold the answer against the sentence's others)
scores the rows; the best leads the answer when the model's softmax share for it reaches the
operating point fitted with it, and it is short (:data:`MAX_WORDS`) and shorter than its
sentence. Vietnamese questions only (:func:`asks_phrase`). No list or threshold here was read
off eval questions: the lists are grammatical (:mod:`assistant.wordlists`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from assistant.linear import load_model
from assistant.questions import QuestionInfo
from assistant.terms import content_words
from assistant.text import fold, has_diacritics, normalize
from assistant.wordlists import (
    CLAUSE_OPENERS,
    CONNECTIVES,
    DEMONSTRATIVES,
    GRAMMATICAL_MARKERS,
    INTERROGATIVES,
    LOCATIVES,
    ROLE_ARTICLES,
    stopword_syllables,
    stopwords,
)

__all__ = ["MAX_WORDS", "PHRASE_FEATURES", "Clause", "answer_phrase", "asks_phrase", "best_share", "clauses", "phrase_rows", "usable"]

_BASE = (
    "match", "match_prev", "match_next", "match_most", "after_most", "before_most", "distance",
    "rare_distance", "sem", "sem_gap", "sem_prev", "sem_next", "novelty", "log_length", "trimmed",
    "number", "bracketed", "first", "last", "position", "single", "asked_noun", "opener",
    "asked_in", "name_share", "asked_name", "anchored", "anchored_right", "anchor_length",
)  # fmt: skip
PHRASE_FEATURES: tuple[str, ...] = _BASE

# A phrase longer than this is no short answer: the quote that follows says it whole. Set
# before measuring, from the bar (at most 25 words before the quote) less a margin.
MAX_WORDS = 20

# a clock time or a score ("3:08", "24-10") is one token, as is a number with its separators
_TOKEN_RE = re.compile(r"\d+(?:[:\-–]\d+)+|\w+(?:[.,]\d+)*%?|[^\w\s]", re.UNICODE)
_QUOTES = frozenset('“"‘«')
_CUTS = frozenset(",;:()[]{}–—\"“”‘’«»/")
_BRACKETS = {"(": ")", "[": "]", "“": "”", '"': '"', "‘": "’", "«": "»"}
_OPENERS = tuple(sorted((tuple(o.split()) for o in CLAUSE_OPENERS), key=len, reverse=True))
# words an edge sheds: they join a phrase to the rest of the sentence, never answer
_JOINING = frozenset(w for w in (*CONNECTIVES, *CLAUSE_OPENERS, *GRAMMATICAL_MARKERS, *ROLE_ARTICLES)
                     for w in w.split())


@cache
def _edges(vietnamese: bool) -> frozenset[str]:
    """The joining words of a sentence's language: a Vietnamese sentence's "An" (a name's
    syllable) or "to" (big) are no English article or preposition. A word is Vietnamese
    when it has marks or is a syllable of a Vietnamese stopword (stopwords-iso)."""
    if vietnamese:
        return frozenset(w for w in _JOINING if not w.isascii() or w in stopword_syllables("vi", marked=True))
    return frozenset(w for w in _JOINING if w.isascii() and w in stopwords("en"))


_ASKING = frozenset(fold(w) for w in INTERROGATIVES for w in w.split())
_ASKED_AFTER = frozenset(("nao", "gi"))  # Vietnamese "X nào", "X gì": X is the noun asked about
_ANCHOR = 2  # words of the question on each side of its question word looked for in a clause


@dataclass(frozen=True)
class Clause:
    """A trimmed clause: its text, its character span in the sentence, its words."""

    text: str
    start: int
    end: int
    words: int


@dataclass(frozen=True)
class _Token:
    text: str
    word: str  # lower case, tone-normalised: what grammar words are matched on ("vì" is not "vị")
    key: str  # folded: what the question's words are matched on (a question may lack its marks)
    start: int
    end: int
    i: int  # its place among the sentence's tokens
    joining: bool  # a word that joins a phrase to its sentence, in the sentence's language


def _tokens(text: str) -> list[_Token]:
    edges = _edges(has_diacritics(text))
    out = []
    for i, m in enumerate(_TOKEN_RE.finditer(text)):
        word = normalize(m.group().lower())
        out.append(_Token(m.group(), word, fold(word), m.start(), m.end(), i, word in edges))
    return out


def clauses(sentence: str) -> list[tuple[list[_Token], bool]]:
    """The clauses of ``sentence``: runs of tokens between punctuation, a clause opener
    starting a new one; each with whether it stands in brackets or quotes."""
    toks = _tokens(sentence)
    out: list[tuple[list[_Token], bool]] = []
    current: list[_Token] = []
    closing: list[str] = []
    bracketed = False
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.text in _CUTS or tok.text in ".!?…":
            if current:
                out.append((current, bracketed))
                current = []
            if closing and tok.text == closing[-1]:
                closing.pop()
            elif tok.text in _BRACKETS:
                closing.append(_BRACKETS[tok.text])
            bracketed = bool(closing)
            i += 1
            continue
        if current and any(tuple(t.word for t in toks[i : i + len(o)]) == o for o in _OPENERS):
            out.append((current, bracketed))
            current = []
        current.append(tok)
        i += 1
    if current:
        out.append((current, bracketed))
    return out


@dataclass(frozen=True)
class _Question:
    said: set[str]  # its words
    content: set[str]  # its content words, no question word
    asked: set[str]  # the nouns it asks about ("sân bay" of "Sân bay nào")
    marked: bool  # the keys keep their marks ("đoàn" is no "Doãn"); folded when the question has none
    left: tuple[str, ...]  # the words just before its question word (the asked noun aside)
    right: tuple[str, ...]  # the words just after it

    def key(self, tok: _Token) -> str:
        """``tok`` as it is matched against the question's words."""
        return tok.word if self.marked else tok.key


def _question_words(question: str) -> _Question:
    """The question's words as :func:`phrase_rows` matches them against a sentence."""
    marked = has_diacritics(question)
    toks = [t for t in _tokens(question) if any(c.isalnum() for c in t.text)]
    keys = [t.word if marked else t.key for t in toks]
    folded_content = content_words(question) - _ASKING
    content = {k for k, t in zip(keys, toks, strict=True) if t.key in folded_content}
    asked: set[str] = set()
    for i, tok in enumerate(toks):
        if tok.key in _ASKED_AFTER:  # the noun just before: up to two words, no joining word
            j = i
            while j > max(0, i - 2) and toks[j - 1].key not in _ASKING and not toks[j - 1].joining:
                j -= 1
            asked.update(keys[j:i])
    # Vietnamese keeps the question word where the answer stands: the words around it stand
    # around the answer in a sentence that restates the question ("mạnh về ngành nào" ->
    # "mạnh về công nghiệp"; "Đội nào đã giành …" -> "Polonia Warsaw đã giành …")
    at = next((i for i, t in enumerate(toks) if t.key in _ASKING), None)
    left: tuple[str, ...] = ()
    right: tuple[str, ...] = ()
    if at is not None:
        end = at
        while end > 0 and keys[end - 1] in asked:
            end -= 1
        left = tuple(keys[max(0, end - _ANCHOR) : end])
        after = at + 1
        while after < len(toks) and toks[after].key in _ASKING:
            after += 1
        right = tuple(keys[after : after + _ANCHOR])
    return _Question(set(keys), content, asked, marked, left, right)


def _trim(tokens: list[_Token], q: _Question) -> tuple[int, int]:
    """The part of a clause the question does not already say: its edges shed the question's
    words and the words that join it to the sentence. The noun the question asks about stays
    when it heads something new ("Sân bay nào …?": "Sân bay quốc tế San Diego"), not when
    the question's words follow it ("Đặt tên gì …?": "tên cho cây cầu là …" sheds "tên"). A
    preposition of place (``wordlists.LOCATIVES``) that ends the clause governs nothing: it is
    the second syllable of a word ("nước ngoài", "tồn tại", "bên trong") and stays, unless the
    question says it. A demonstrative after a shed connective goes with it ("Trong khi đó
    tỉnh …" opens with "tỉnh", not "đó")."""

    def sheds(tok: _Token) -> bool:
        return q.key(tok) in q.said or tok.joining or not any(c.isalnum() for c in tok.text)

    def heads(i: int) -> bool:  # an asked noun that something new follows
        j = i
        while j < len(tokens) and q.key(tokens[j]) in q.asked:
            j += 1
        return j > i and (j == len(tokens) or not sheds(tokens[j]))

    def binds(i: int) -> bool:  # a preposition that ends its clause governs nothing
        tok = tokens[i]
        last = all(not any(c.isalnum() for c in t.text) for t in tokens[i + 1:])
        return (last and tok.joining and tok.word in LOCATIVES and q.key(tok) not in q.said
                and i > 0 and not tokens[i - 1].joining)

    def closes(i: int) -> bool:  # a demonstrative after a connective: "trong khi đó", "vì vậy"
        return i > 0 and tokens[i - 1].joining and tokens[i].word in DEMONSTRATIVES

    a, b = 0, len(tokens)
    while a < b and ((sheds(tokens[a]) and not heads(a)) or closes(a)):
        a += 1
    while b > a and sheds(tokens[b - 1]) and q.key(tokens[b - 1]) not in q.asked and not binds(b - 1):
        b -= 1
    return a, b


def _after_colon(tokens: list[_Token], i: int) -> bool:
    """Whether token ``i`` opens a sentence that a colon introduces ("cho biết: Hiện nay, …"),
    where a capital says nothing of a name, as the first word's does. A list of names may follow
    a colon too ("… 04 địa phương: Tỉnh Hủa Phăn …", "…: Trung Quốc, Nhật Bản"): a word counts
    as opening a sentence only when a lower-case word follows it (the syllables of a Vietnamese
    name all take capitals)."""
    j = i - 1
    while j >= 0 and tokens[j].text in _QUOTES:
        j -= 1
    after = tokens[i + 1].text if i + 1 < len(tokens) else ""
    return j >= 0 and tokens[j].text == ":" and after[:1].isalpha() and after[:1].islower()


def _is_name(tok: _Token, first: bool) -> bool:
    return tok.text[:1].isupper() and not first and tok.text[:1].isalpha()


def phrase_rows(question: str, sentence: str, *, weights: Mapping[str, float] | None = None,
                similarity: Callable[[Sequence[str]], np.ndarray] | None = None) -> tuple[list[Clause], np.ndarray]:
    """The trimmed clauses of ``sentence`` that say something the question does not (and,
    for a Vietnamese question, the part of a clause after the words that stand before its
    question word, or before the words that follow it), with one row of
    :data:`PHRASE_FEATURES` each. ``weights``: the question's folded words and their idf
    (:attr:`assistant.reader.Reading.weights`; 1 each without); ``similarity``: the e5
    similarity of the question to each of some texts (0 without)."""
    q = _question_words(question)
    parts = clauses(sentence)
    if not parts:
        return [], np.zeros((0, len(PHRASE_FEATURES)))
    weights = weights or {}
    key = q.key

    def weight(word: str) -> float:
        return float(weights.get(fold(word), 1.0))

    total = sum(weight(w) for w in q.content) or 1.0
    held = [{key(t) for t in toks} & q.content for toks, _ in parts]
    matches = [sum(weight(w) for w in h) / total for h in held]
    most = max(matches)
    at_most = {k for k, m in enumerate(matches) if m == most and m > 0}
    # where in the sentence the question's words stand, and its rarest one
    hits = [t.i for toks, _ in parts for t in toks if key(t) in q.content]
    # (a tie goes to the word itself: a set's order changes with each process's string hashing)
    rarest = max(q.content & set().union(*held), key=lambda w: (weight(w), w), default=None)
    rare_hits = [t.i for toks, _ in parts for t in toks if key(t) == rarest]
    sem = (np.asarray(similarity([sentence[toks[0].start : toks[-1].end] for toks, _ in parts]), dtype=np.float64)
           if similarity is not None else np.zeros(len(parts)))
    every = _tokens(sentence)  # a capital opening the sentence, or what it quotes after a colon, is no name's
    opening = {t.i for t in every if t.i == 0 or _after_colon(every, t.i)}
    found: list[Clause] = []
    rows: list[list[float]] = []
    for k, (toks, bracketed) in enumerate(parts):
        spans = {_trim(toks, q): (0.0, 0.0)}
        for a, b, anchor, on_right in _anchored(toks, q):  # the same span anchored says so
            spans[a, b] = max(spans.get((a, b), (0.0, 0.0)), (anchor, on_right))
        for (a, b), (anchor, on_right) in spans.items():
            kept = toks[a:b]
            words = [t for t in kept if any(c.isalnum() for c in t.text)]
            new = [t for t in words if key(t) not in q.said]
            if not new:
                continue
            lo, hi = toks[0].i, toks[-1].i
            base = [
                matches[k],
                matches[k - 1] if k > 0 else 0.0,
                matches[k + 1] if k + 1 < len(parts) else 0.0,
                float(k in at_most),
                float(k - 1 in at_most),
                float(k + 1 in at_most),
                _distance(hits, lo, hi),
                _distance(rare_hits, lo, hi),
                sem[k],
                sem[k] - sem.max(),
                sem[k - 1] if k > 0 else 0.0,
                sem[k + 1] if k + 1 < len(parts) else 0.0,
                len(new) / len(words),
                math.log1p(len(words)),
                1.0 - len(kept) / len(toks),
                float(any(any(c.isdigit() for c in t.text) for t in kept)),
                float(bracketed),
                float(k == 0),
                float(k == len(parts) - 1),
                k / max(1, len(parts) - 1),
                float(len(parts) == 1),
                float(key(kept[0]) in q.asked),
                float(toks[0].joining and key(toks[0]) not in q.said),
                float(any(key(t) in q.asked for t in kept)),
                sum(_is_name(t, t.i in opening) for t in words) / len(words),
                float(bool(q.asked)) * float(any(_is_name(t, t.i in opening) for t in new)),
                float(anchor > 0),
                on_right,
                anchor / _ANCHOR,
            ]
            rows.append(base)
            found.append(Clause(sentence[kept[0].start : kept[-1].end], kept[0].start, kept[-1].end, len(words)))
    return found, np.asarray(rows, dtype=np.float64).reshape(len(rows), len(PHRASE_FEATURES))


def _anchored(toks: list[_Token], q: _Question) -> list[tuple[int, int, float, float]]:
    """The parts of a clause that follow the question's words before its question word, or
    precede those after it, trimmed; with how many words anchored each and on which side. A
    single anchoring word must be more than a joining word ("là", "của")."""
    keys = [q.key(t) for t in toks]
    out: list[tuple[int, int, float, float]] = []
    for n in range(min(_ANCHOR, len(q.left)), 0, -1):
        anchor = q.left[-n:]
        if n == 1 and anchor[0] in _JOINING:
            break
        at = [i + n for i in range(len(keys) - n + 1) if tuple(keys[i : i + n]) == anchor]
        if at:
            a, b = _trim(toks[at[-1] :], q)
            out.append((at[-1] + a, at[-1] + b, float(n), 0.0))
            break
    for n in range(min(_ANCHOR, len(q.right)), 0, -1):
        anchor = q.right[:n]
        if n == 1 and anchor[0] in _JOINING:
            break
        at = [i for i in range(len(keys) - n + 1) if tuple(keys[i : i + n]) == anchor]
        if at:
            a, b = _trim(toks[: at[0]], q)
            out.append((a, b, float(n), 1.0))
            break
    return out


def _distance(positions: list[int], lo: int, hi: int) -> float:
    """How far (log tokens) the nearest of ``positions`` stands outside tokens lo..hi; 0
    inside; as far as :data:`_FAR` when there is none."""
    gaps = [0 if lo <= p <= hi else (lo - p if p < lo else p - hi) for p in positions]
    return math.log1p(min(gaps, default=_FAR))


_FAR = 50


# The kinds of question a phrase may answer: not one asking for a number or a date (a phrase
# without one does not answer it), nor for a person (the quote alone misleads less than a
# wrong name; :data:`assistant.spans._WANT`).
_PHRASE_KINDS = ("other", "where")


def asks_phrase(info: QuestionInfo) -> bool:
    """Whether a phrase may answer the question: a Vietnamese one (an English question gets
    the quote after an English lead-in: a Vietnamese phrase before it would answer an English
    reader in words the reader may not read, and the question's words cannot be shed from a
    Vietnamese sentence) of a kind a phrase may answer."""
    return info.language == "vi" and info.qtype in _PHRASE_KINDS


def answer_phrase(sentence: str, question: str, info: QuestionInfo, *, weights: Mapping[str, float] | None = None,
                  similarity: Callable[[Sequence[str]], np.ndarray] | None = None) -> str:
    """The phrase of ``sentence`` that answers ``question``, or "" when the question asks
    for a person, a number or a date (:func:`asks_phrase`), when the model is not
    sure enough of any (its softmax share for the best is under the operating point fitted
    with it), or the best is not short (:data:`MAX_WORDS`) and shorter than the sentence."""
    if not asks_phrase(info):
        return ""
    found, rows = phrase_rows(question, sentence, weights=weights, similarity=similarity)
    if not found:
        return ""
    model = load_model("phrase", PHRASE_FEATURES)
    k, share = best_share(model.scores(rows))
    return found[k].text if usable(found[k], sentence) and share >= (model.threshold or 0.0) else ""


def best_share(scores: np.ndarray) -> tuple[int, float]:
    """The best of a question's candidates and its softmax share among them (what the
    operating point is set on)."""
    k = int(np.argmax(scores))
    return k, 1.0 / float(np.exp(scores - scores[k]).sum())


def usable(clause: Clause, sentence: str) -> bool:
    """Whether ``clause`` is short (:data:`MAX_WORDS`) and shorter than ``sentence``: a
    phrase as long as its sentence tells nothing the quote does not."""
    total = sum(1 for t in _tokens(sentence) if any(c.isalnum() for c in t.text))
    return clause.words <= MAX_WORDS and clause.words < total
