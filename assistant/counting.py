"""What a number question counts, and what a number in a sentence measures.

"bao nhiêu doanh nghiệp" counts enterprises, and "37 doanh nghiệp" answers it where "132 dự
án" does not; "bao nhiêu phần trăm" / "what percentage" asks a share; "10 tháng" is a stretch
of time. A sentence is read as its tokens (``(text, start, end)``, as :mod:`assistant.spans`
makes them) and a number by its token position. The words come from :mod:`assistant.wordlists`
(cardinals, magnitudes, units of time) and stopwords-iso; none is read off questions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.people import is_syllable
from assistant.text import normalize
from assistant.wordlists import CARDINALS, DURATION_UNITS, MAGNITUDES, stopword_syllables

__all__ = ["counted_thing", "counts_things", "lasts", "measures", "measures_other", "number_value", "stated_numbers",
           "unit_after", "vietnamese_count"]

Tokens = Sequence[tuple[str, int, int]]
_DURATIONS, _MAGNITUDES = frozenset(DURATION_UNITS), frozenset(MAGNITUDES)
_COUNTED_RE = re.compile(r"(?:bao nhiêu|mấy|how many|how much)\s+(\w+)")
_PERCENT_RE = re.compile(r"\b(?:phần trăm|percent|percentage|share|proportion)\b")
_VI_COUNTED_RE = re.compile(r"(?:bao nhiêu|mấy)\s+\w")


def number_value(token: str) -> str:
    """A number's value as text, a numeral written as a word too ("chín" -> "9", "6,25" -> "6.25")."""
    word = normalize(token.lower())
    if word in CARDINALS:
        return str(CARDINALS[word])
    return token.rstrip("% ").replace(",", ".")


def stated_numbers(question: str) -> set[str]:
    """The numbers a question states, in digits or in words ("nine" -> "9")."""
    out = {number_value(t) for t in re.findall(r"\d+(?:[.,]\d+)*%?", question)}
    return out | {str(CARDINALS[w]) for w in re.findall(r"\w+", normalize(question.lower())) if w in CARDINALS}


def counted_thing(question: str) -> str | None:
    """What a number question counts: the word after "bao nhiêu"/"mấy"/"how many" ("bao
    nhiêu doanh nghiệp" -> "doanh"), or "%" for a share ("bao nhiêu phần trăm", "what
    percentage"); None when it names nothing ("đạt bao nhiêu?")."""
    text = normalize(question.lower())
    if _PERCENT_RE.search(text):
        return "%"
    m = _COUNTED_RE.search(text)
    return m.group(1) if m else None


def vietnamese_count(question: str) -> bool:
    """Whether the question counts with a Vietnamese word ("bao nhiêu trường", "mấy lần")."""
    return bool(_VI_COUNTED_RE.search(normalize(question.lower())))


def counts_things(what: str | None) -> bool:
    """Whether "bao nhiêu X" counts things: X is a content word ("doanh nghiệp", "dự án"), not
    a function word of stopwords-iso ("bao nhiêu so với", "bao nhiêu trong")."""
    return bool(what) and what != "%" and what.isalpha() and what not in stopword_syllables("vi", marked=True)


def unit_after(toks: Tokens, at: int) -> str:
    """The word that measures the number at token ``at``, past words of magnitude ("2,6 triệu
    người" -> "người"), lower case; "" when none follows."""
    k = at + 1
    while k < len(toks) and normalize(toks[k][0].lower()) in _MAGNITUDES:
        k += 1
    return normalize(toks[k][0].lower()) if k < len(toks) else ""


def measures(toks: Tokens, at: int, what: str) -> bool:
    """Whether the number at token ``at`` measures what the question counts: a percentage for
    "%", else its unit is the counted word ("37 dự án" for "bao nhiêu dự án", "2 triệu người"
    for "bao nhiêu người"; an English plural or singular: "businesses" / "business")."""
    number = toks[at][0]
    after = [normalize(t.lower()) for t, _, _ in toks[at + 1 : at + 3]]
    if what == "%":
        return number.endswith("%") or after == ["phần", "trăm"]
    unit = unit_after(toks, at)
    return unit == what or (bool(unit) and unit.rstrip("s") == what.rstrip("s"))


def measures_other(toks: Tokens, at: int, what: str) -> bool:
    """Whether the number at token ``at`` measures another thing than the counted one ("132 dự
    án" and "14,245 tỷ USD" do not answer "bao nhiêu trường đại học"; "8,8 lb" may answer "bao
    nhiêu pound")."""
    unit = unit_after(toks, at)
    if not unit.isalpha() or unit == what or unit in stopword_syllables("vi", marked=True):
        return False
    # a Vietnamese noun is counted ("trường"): any other unit measures something else ("USD");
    # a unit that is no Vietnamese word ("pound") may be abbreviated ("lb"): only a Vietnamese
    # word measures something else then
    return is_syllable(what) or (unit.islower() and is_syllable(unit))


def lasts(toks: Tokens, at: int) -> bool:
    """Whether the number at token ``at`` counts a stretch of time ("10 tháng", "3 years")."""
    after = toks[at + 1][0] if at + 1 < len(toks) else ""
    return normalize(after.lower()) in _DURATIONS
