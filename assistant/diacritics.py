"""Marks for a Vietnamese question typed without them, restored from the articles found for it.

Many people type Vietnamese without diacritics ("thai binh hop tac voi nga ve linh vuc gi").
The lexical index matches such a question (it indexes every word's folded form too), but the
multilingual embedding sees other words than the articles', so the dense retrieval, the
reader's meaning signals and the answerability gate all judge it far worse than the same
question with its marks: on the tuning part's Vietnamese XQuAD questions with their marks
stripped, 42 % were refused against 4 % with marks, although the right article came first
almost as often (see the README's "questions typed without marks").

So the marks are put back from the text most likely to hold the same words: the passages
retrieved for the unmarked question. Every run of one to three words in them is indexed by
its folded form; the question is read left to right, and at each word the longest run of
its words whose folded form occurs there takes that run's most frequent written form
("hop tac" -> "hợp tác", "thai binh" -> "Thái Bình"). The words that ask (the question
kinds' phrases of :mod:`assistant.questions`, "bao nhieu" -> "bao nhiêu", "o dau" -> "ở đâu")
and the words of stopwords-iso's Vietnamese list that fold to one written form only ("cua"
-> "của") are restored from those lists when the passages do not hold them in a longer run.
A word found nowhere keeps its letters. A word typed with a capital keeps it; one typed in
lower case takes the capitals the passages most often give it inside a sentence ("thai binh"
-> "Thái Bình": the reader and the short answer read names by their capitals).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cache

from assistant.text import fold, normalize

__all__ = ["restore_marks"]

_MAX_RUN = 3
_WORD_RE = re.compile(r"[^\W\d_]+")
_BREAK_RE = re.compile(r"[^\w\s]|\n")  # punctuation ends a run of words

Runs = dict[tuple[str, ...], Counter[tuple[str, ...]]]


def _runs(texts: Iterable[str]) -> tuple[Runs, Runs]:
    """Folded run -> its written forms in lower case, and -> its forms as written (counted
    only where the run does not open a sentence or clause, whose first word is capitalised
    anyway)."""
    runs: Runs = defaultdict(Counter)
    cased: Runs = defaultdict(Counter)
    for text in texts:
        for segment in _BREAK_RE.split(text):
            as_written = [normalize(w) for w in _WORD_RE.findall(segment)]
            written = [w.lower() for w in as_written]
            keys = [fold(w) for w in written]
            for n in range(1, _MAX_RUN + 1):
                for i in range(len(written) - n + 1):
                    runs[tuple(keys[i : i + n])][tuple(written[i : i + n])] += 1
                    if i > 0:
                        cased[tuple(keys[i : i + n])][tuple(as_written[i : i + n])] += 1
    return runs, cased


def _capitals(form: tuple[str, ...], key: tuple[str, ...], cased: Runs) -> tuple[str, ...]:
    """``form`` with the capitals it most often has in the passages ("thái bình" -> "Thái
    Bình"; "là ai" stays)."""
    variants = [(count, v) for v, count in cased.get(key, Counter()).items() if tuple(w.lower() for w in v) == form]
    return max(variants)[1] if variants else form


@cache
def _lexicon() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Folded phrase -> its one written form: the question kinds' phrases, then the
    stopwords-iso entries that fold to a single written form."""
    from assistant.questions import kind_phrases
    from assistant.wordlists import stopwords

    forms: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
    for phrase in stopwords("vi"):
        words = tuple(normalize(phrase.lower()).split())
        forms[tuple(fold(w) for w in words)].add(words)
    lexicon = {key: next(iter(found)) for key, found in forms.items() if len(found) == 1}
    for phrase in kind_phrases("vi"):  # the words that ask win over an ambiguous stopword
        words = tuple(phrase.split())
        lexicon[tuple(fold(w) for w in words)] = words
    return lexicon


def _cased(written: str, like: str) -> str:
    """``written`` with the capitals of the word as typed (``like``); a word typed in lower
    case keeps the capitals the passages give it."""
    if len(like) > 1 and like.isupper():
        return written.upper()
    return written[:1].upper() + written[1:] if like[:1].isupper() else written


def restore_marks(question: str, texts: Iterable[str]) -> str:
    """``question`` (typed without diacritics) with the marks of its words restored from
    ``texts`` (the passages retrieved for it). Only words written in plain ASCII letters change:
    a name a follow-up's rewrite put in with its marks stays as it is."""
    runs, cased = _runs(texts)
    lexicon = _lexicon()
    matches = list(_WORD_RE.finditer(question))
    # which words may form one run: no punctuation between them
    joined = [i + 1 < len(matches) and not _BREAK_RE.search(question[matches[i].end() : matches[i + 1].start()])
              for i in range(len(matches))]  # fmt: skip
    out: list[str] = []
    last = 0
    i = 0
    while i < len(matches):
        chosen: tuple[str, ...] | None = None
        for n in range(min(_MAX_RUN, len(matches) - i), 0, -1):
            if n > 1 and not all(joined[i : i + n - 1]):
                continue
            key = tuple(fold(m.group(0)) for m in matches[i : i + n])
            found = runs.get(key)
            if found and (n > 1 or key not in lexicon):
                chosen = _capitals(found.most_common(1)[0][0], key, cased)
            elif key in lexicon:
                chosen = lexicon[key]
            if chosen:
                break
        n = len(chosen) if chosen else 1
        for k in range(n):
            m = matches[i + k]
            out.append(question[last : m.start()])
            typed = m.group(0)
            out.append(_cased(chosen[k], typed) if chosen and typed.isascii() else typed)
            last = m.end()
        i += n
    out.append(question[last:])
    return "".join(out)
