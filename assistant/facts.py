"""The checkable facts of a text: numbers with their units, dates and names.

One home for every fact extractor (its word lists: :mod:`assistant.wordlists`): the citation
check, the extractive engine, question analysis and condensing read text through these.

- :func:`extract_facts` — the numbers, dates and proper names a claim commits to, in a form
  that compares across spellings: numbers by value ("6,25" = "6.25", "1.559" = "1559",
  "6,25 triệu" = "6.25 million" = "6250000", "0,12%" = "0.12 percent"); dates as (day, month,
  year) ("20/11", "ngày 20 tháng 11", "November 20", "2025-11-25"); names as runs of two or
  more capitalised words, split at title and function words ("Party Secretary Nguyen Doan
  Anh" -> "Nguyen Doan Anh").
- :func:`has_number`, :func:`has_date` — looser tests of what a sentence mentions (a number
  in words, a year alone), for candidate answer sentences.

The people a text names, and the titles it gives them, are :mod:`assistant.people`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from assistant.dates import Date, english_time, find_dates, has_date, other_year, year_phrase_start
from assistant.text import folded_key, nfc, normalize
from assistant.wordlists import (
    NAME_FUNCTION_WORDS,
    NAME_HONORIFICS,
    NAME_ORGANISATION_WORDS,
    NAME_PLACE_WORDS,
    NAME_TITLE_MODIFIERS,
    NAME_TITLES,
    NAME_VIETNAMESE_FUNCTION_WORDS,
    NAME_VIETNAMESE_HONORIFICS,
    NAME_VIETNAMESE_TITLES,
    NOT_NAMES,
)

__all__ = [
    "NAME_SPLIT",
    "Date",
    "Facts",
    "english_time",
    "extract_facts",
    "find_dates",
    "find_numbers",
    "has_date",
    "has_number",
    "in_named_number",
    "number_values",
    "other_year",
    "proper_names",
    "year_phrase_start",
]  # fmt: skip

# --- numbers ----------------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)*)(?!\d)(\s*%)?(?:\s*([^\W\d_]+))?")
_SCALES = {
    "nghìn": 3, "nghin": 3, "ngàn": 3, "ngan": 3, "thousand": 3, "k": 3,
    "triệu": 6, "trieu": 6, "million": 6, "millions": 6, "mn": 6, "tr": 6,
    "tỷ": 9, "tỉ": 9, "ty": 9, "billion": 9, "billions": 9, "bn": 9,
    "trillion": 12,
}  # fmt: skip
_DIGIT_RE = re.compile(r"\d")
_NAMED_DIGITS_RE = re.compile(r"[^\W\d_]+[-‑]\d+\w*")  # "Covid-19", "Su-30MK2": names, not numbers
_NUMBER_WORDS_RE = re.compile(
    r"\b(một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|trăm|nghìn|ngàn|triệu|tỷ|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion)\b",
    re.IGNORECASE,
)


def _to_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _canon(value: Decimal) -> str:
    value = value.normalize()
    return format(value, "f")


def number_values(token: str, scale_word: str = "") -> set[str]:
    """Every value a written number may stand for, as canonical decimal strings.

    "6,25" -> {"6.25"}; "1.559" -> {"1559", "1.559"}; "6,25" + "triệu" -> also "6250000".
    """
    seps = [c for c in token if c in ".,"]
    groups = re.split(r"[.,]", token)
    readings: list[str] = []
    if not seps:
        readings.append(token)
    elif len(set(seps)) == 1:
        if len(seps) == 1:
            if len(groups[1]) == 3:
                readings.append(groups[0] + groups[1])  # thousands separator
            readings.append(groups[0] + "." + groups[1])  # decimal separator
        else:
            readings.append("".join(groups))  # thousands separators only
    else:
        # mixed: the last separator is the decimal one
        last = max(token.rfind("."), token.rfind(","))
        readings.append(re.sub(r"[.,]", "", token[:last]) + "." + token[last + 1 :])
    values: set[str] = set()
    exponent = _SCALES.get(scale_word.lower()) if scale_word else None
    for reading in readings:
        value = _to_decimal(reading)
        if value is None:
            continue
        values.add(_canon(value))
        if exponent:
            values.add(_canon(value.scaleb(exponent)))
    return values


def find_numbers(text: str) -> list[tuple[str, set[str]]]:
    """Written numbers (with "%" when given) and the values each may stand for; run
    :func:`find_dates` first and pass its blanked text, or dates count as numbers too."""
    numbers = []
    text = _NAMED_DIGITS_RE.sub(lambda m: " " * len(m.group(0)), text)
    for m in _NUMBER_RE.finditer(text):
        token, percent, word = m.group(1), m.group(2), m.group(3) or ""
        values = number_values(token, "" if percent else word)
        if values:
            numbers.append((token + ("%" if percent else ""), values))
    return numbers


def in_named_number(text: str, start: int) -> bool:
    """The number at ``start`` is glued to a word by a hyphen ("Covid-19"): part of a name."""
    return any(m.start() < start < m.end() for m in _NAMED_DIGITS_RE.finditer(text))


def has_number(sentence: str) -> bool:
    """The sentence holds a number, in digits or in words ("hai", "million")."""
    sentence = _NAMED_DIGITS_RE.sub(" ", sentence)
    return bool(_DIGIT_RE.search(sentence) or _NUMBER_WORDS_RE.search(sentence))


# --- proper names -----------------------------------------------------------------------------

# the words that split a run of capitalised words: no part of any proper name (also
# assistant.people's: a title a name run swallowed, "Governor Vladimir Shapsha")
NAME_SPLIT = {
    normalize(w)  # tone-sensitive: "Đoàn" splits a run, "Doãn" does not
    for w in (
        *NAME_FUNCTION_WORDS,
        *NAME_HONORIFICS,
        *NAME_TITLES,
        *NAME_TITLE_MODIFIERS,
        *NAME_ORGANISATION_WORDS,
        *NAME_PLACE_WORDS,
        *NAME_VIETNAMESE_FUNCTION_WORDS,
        *(s for phrase in NAME_VIETNAMESE_HONORIFICS + NAME_VIETNAMESE_TITLES for s in phrase.split()),
    )
}
_NOT_NAMES = set(NOT_NAMES)
_WORD_TOKEN_RE = re.compile(r"[^\W\d_]+(?:[-’'][^\W\d_]+)*")


def _name_runs(text: str) -> list[list[str]]:
    """Maximal runs of capitalised words separated by single spaces."""
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = -1
    for m in _WORD_TOKEN_RE.finditer(text):
        word = m.group(0)
        capital = word[0].isupper()
        joined = last_end >= 0 and text[last_end : m.start()] in (" ", "\u00a0")
        if capital and current and joined:
            current.append(word)
        else:
            if len(current) >= 2:
                runs.append(current)
            current = [word] if capital else []
        last_end = m.end()
    if len(current) >= 2:
        runs.append(current)
    return runs


def _split_generic(run: list[str]) -> list[list[str]]:
    """Split a run at title and function words: "Party Secretary Nguyen Doan Anh" -> [...]."""
    parts: list[list[str]] = [[]]
    for word in run:
        if normalize(word.lower()) in NAME_SPLIT:
            parts.append([])
        else:
            parts[-1].append(word)
    return [p for p in parts if len(p) >= 2]


def proper_names(text: str, vocabulary: set[str] | None = None) -> list[str]:
    """Runs of two or more capitalised words, split at title and function words.

    With ``vocabulary`` (folded words of the passages at hand), an all-ASCII run none of
    whose words is in it is English prose ("Foreign Affairs"), not a name, and is skipped."""
    names: list[str] = []
    for run in _name_runs(text):
        for core in _split_generic(run):
            name = " ".join(core)
            key = folded_key(name)
            if key in _NOT_NAMES:
                continue
            if vocabulary is not None and name.isascii():
                if not any(w in vocabulary for w in key.split()):
                    continue
            if name not in names:
                names.append(name)
    return names


# --- facts ------------------------------------------------------------------------------------

_LIST_PREFIX_RE = re.compile(r"^\s*(?:\d{1,2}[.)]\s+|[-*•+]\s+|#+\s+)")


@dataclass
class Facts:
    """The checkable facts of a piece of text."""

    numbers: list[tuple[str, set[str]]] = field(default_factory=list)  # (as written, values)
    dates: list[tuple[str, Date]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.numbers or self.dates or self.names)

    def describe(self) -> list[str]:
        return [n for n, _ in self.numbers] + [d for d, _ in self.dates] + list(self.names)


def extract_facts(text: str, *, vocabulary: set[str] | None = None) -> Facts:
    """Numbers, dates and proper names in ``text`` (citation markers must be removed first)."""
    text = nfc(_LIST_PREFIX_RE.sub("", text))
    dates, rest = find_dates(text)
    return Facts(numbers=find_numbers(rest), dates=dates, names=proper_names(text, vocabulary))
