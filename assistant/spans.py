"""The short answer: the shortest part of the best sentence that answers the question.

Candidates are found in the sentence by general signals, not by any word list read off
questions: names (runs of capitalised words), numbers with the words that measure them
("6,25 triệu USD", "15 trận", "12%"), dates and years. A candidate the question already
contains is no answer ("Ai dẫn đầu đoàn Thanh Hóa?" is not answered by "Thanh Hóa"), nor is a
number it states, in digits or in words ("in the first nine months" is not answered by
"9 tháng"). The question's kind picks the
candidate type (a person's name for "ai"/"who", a number for "bao nhiêu"/"how many", a date
for "khi nào"/"when", a place for "ở đâu"/"where"); among candidates of that type the one
nearest to the words the sentence shares with the question wins, since the answer sits next
to what the question restates. Other questions ("what", "why", "how") get no short answer:
the quote answers them. A clause cut from the quote would rarely be the answer: on the
tuning part, of the "other" questions whose quote held the answer, the clause (split at
punctuation) nearest the question's words held it for 21 % (Vietnamese) and 37 % (English).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.facts import find_dates, in_named_number, person_names
from assistant.text import fold, normalize
from assistant.wordlists import CARDINALS

__all__ = ["Span", "short_answer"]

_TOKEN_RE = re.compile(r"\w+(?:[.,]\d+)*%?|[^\w\s]", re.UNICODE)
_NUMBER_RE = re.compile(r"^\d+(?:[.,]\d+)*%?$")
_YEAR_RE = re.compile(r"^(1\d{3}|20\d{2})$")
_MAX_UNIT_WORDS = 2


@dataclass(frozen=True)
class Span:
    text: str
    kind: str  # "person", "name", "number", "date"
    start: int  # token positions in the sentence
    end: int


def _is_cap(token: str) -> bool:
    return token[:1].isupper() and token[:1].isalpha()


def _is_unit(word: str) -> bool:
    """A word that can measure a number: lower case ("triệu", "trận") or a short all-capitals
    abbreviation ("USD", "VND", "GW")."""
    return word.isalpha() and (word.islower() or (word.isupper() and len(word) <= 4))


def _tokens(sentence: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN_RE.finditer(sentence)]


def _text(sentence: str, toks: list[tuple[str, int, int]], a: int, b: int) -> str:
    return sentence[toks[a][1] : toks[b - 1][2]]


def _token_range(toks: list[tuple[str, int, int]], start: int, end: int) -> tuple[int, int]:
    a = next((k for k, (_, s, _e) in enumerate(toks) if s >= start), 0)
    b = next((k for k, (_, s, _e) in enumerate(toks) if s >= end), len(toks))
    return a, b


def candidates(sentence: str) -> list[Span]:
    toks = _tokens(sentence)
    words = [t for t, _, _ in toks]
    spans: list[Span] = []
    # people (a Vietnamese surname or a run of Latin capitalised words: assistant.facts)
    for name in person_names(sentence):
        at = sentence.find(name)
        if at >= 0:
            a, b = _token_range(toks, at, at + len(name))
            spans.append(Span(name, "person", a, b))
    # names: runs of two or more capitalised words (a single capitalised Vietnamese syllable
    # is mostly the first word of a title, "Bí thư", "Ủy viên"); a single capitalised Latin
    # word of three letters or more ("Miller") counts, except at the start of the sentence
    i = 0
    while i < len(words):
        if _is_cap(words[i]) and not _NUMBER_RE.match(words[i]):
            j = i
            while j < len(words) and _is_cap(words[j]):
                j += 1
            single_latin = j - i == 1 and i > 0 and words[i].isascii() and len(words[i]) >= 3
            if j - i >= 2 or single_latin:
                spans.append(Span(_text(sentence, toks, i, j), "name", i, j))
            i = j
        else:
            i += 1
    # dates ("ngày 20 tháng 11", "20/11/2025", "November 20"); their digits are no counts
    dated = [(at, at + len(text)) for text, _ in find_dates(sentence)[0] if (at := sentence.find(text)) >= 0]
    # numbers (and years), with up to two lower-case words that measure them
    for i, w in enumerate(words):
        if any(a <= toks[i][1] < b for a, b in dated) and not _YEAR_RE.match(w):
            continue  # the 10 of "Ngày 10/10" is a day, not how many of anything
        if _NUMBER_RE.match(w) and not in_named_number(sentence, toks[i][1]):
            j = i + 1
            while j < len(words) and j - i <= _MAX_UNIT_WORDS and _is_unit(words[j]):
                j += 1
            kind = "date" if _YEAR_RE.match(w) else "number"
            spans.append(Span(_text(sentence, toks, i, j), kind, i, j))
            if j > i + 1:
                spans.append(Span(w, kind, i, i + 1))
    for at, end in dated:
        a, b = _token_range(toks, at, end)
        spans.append(Span(sentence[at:end], "date", a, b))
    return spans


# "who" takes a person only: on the tuning part, when the quoted sentence named no person,
# the capitalised name offered instead (a place, an office) was the answer for 3 of 16
# who-questions (0 of 8 English ones); the quote alone misleads less than a wrong name
_WANT = {"who": "person", "where": "name", "number": "number", "when": "date"}  # one kind each


def _number_value(token: str) -> str:
    return token.rstrip("%").replace(",", ".")


def _stated_numbers(question: str) -> set[str]:
    """The numbers a question states, in digits or in words ("nine" -> "9")."""
    out = {_number_value(t) for t in re.findall(r"\d+(?:[.,]\d+)*%?", question)}
    return out | {str(CARDINALS[w]) for w in re.findall(r"\w+", normalize(question.lower())) if w in CARDINALS}


def short_answer(sentence: str, question: str, qtype: str) -> Span | None:
    """The part of ``sentence`` that answers ``question`` (of kind ``qtype``), or None."""
    toks = _tokens(sentence)
    if not toks:
        return None
    asked = set(fold(question).split()) | {fold(w) for w in re.findall(r"\w+", question)}
    stated = _stated_numbers(question)
    folded = [fold(t) for t, _, _ in toks]
    matched = [k for k, f in enumerate(folded) if f in asked and f.isalnum()]
    best: tuple[float, Span] | None = None
    for span in candidates(sentence):
        if span.kind != _WANT.get(qtype):
            continue
        inside = [f for f in folded[span.start : span.end] if f.isalnum()]
        if not inside:
            continue
        if span.kind in ("number", "date") and _number_value(toks[span.start][0]) in stated:
            continue  # "9 tháng" is no answer to "... in the first nine months ...?"
        new = [f for f in inside if f not in asked]
        novelty = len(new) / len(inside)
        if novelty < 0.5:
            continue
        if matched:
            distance = min(min(abs(m - span.start), abs(m - (span.end - 1))) for m in matched)
        else:
            distance = 10
        score = novelty - 0.05 * distance
        if best is None or score > best[0]:
            best = (score, span)
    return best[1] if best else None

