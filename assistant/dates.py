"""Dates in news text, in both languages: "20/11", "ngày 20 tháng 11", "November 20",
"2025-11-25" read as (day, month, year); :func:`has_date` is the looser test (a year alone);
:func:`other_year`: a question about one year answered from sentences about another.
Reached through :mod:`assistant.facts`, the one door to every fact extractor."""

from __future__ import annotations

import re

from assistant.wordlists import MAGNITUDES, PERIOD_PARTS, YEAR_HEADS

__all__ = ["Date", "english_time", "find_dates", "has_date", "other_year", "year_phrase_start"]

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"
_B = r"(?<![\d.,/])"  # number start
_E = r"(?![\d/])"  # number end
_DATE_PATTERNS = [
    re.compile(_B + r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _E),
    re.compile(_B + r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})" + _E),
    re.compile(
        r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})(?:\s+năm\s+(?P<y>\d{4}))?" + _E,
        re.IGNORECASE,
    ),
    # the day without "ngày" only with its year ("27 tháng 1 năm 1967"): "3 tháng 1" may count months
    re.compile(_B + r"(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2}),?\s+(?:năm\s+)?(?P<y>\d{4})" + _E, re.IGNORECASE),
    re.compile(r"tháng\s+(?P<m>\d{1,2})(?:,?\s+năm\s+|,\s*|/)(?P<y>\d{4})" + _E, re.IGNORECASE),
    re.compile(
        r"\b(?P<d>\d{1,2})" + _ORD + r"\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(?P<y>\d{4}))?\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b" + _MONTH + r"\s+(?P<d>\d{1,2})" + _ORD + r"(?:,?\s+(?P<y>\d{4}))?\b", re.IGNORECASE
    ),
    re.compile(r"\b" + _MONTH + r",?\s+(?:of\s+)?(?P<y>\d{4})\b", re.IGNORECASE),
    re.compile(_B + r"(?P<m>\d{1,2})/(?P<y>\d{4})" + _E),
    re.compile(_B + r"(?P<d>\d{1,2})/(?P<m>\d{1,2})" + _E),
]

Date = tuple[int | None, int, int | None]  # (day, month, year)


def find_dates(text: str) -> tuple[list[tuple[str, Date]], str]:
    """Dates in ``text`` (as written, as (day, month, year)) and the text with them blanked
    out, so that their digits are not read as numbers too."""
    dates: list[tuple[str, Date]] = []
    chars = list(text)
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer("".join(chars)):
            groups = m.groupdict()
            day = int(groups["d"]) if groups.get("d") else None
            if groups.get("mon"):
                month = _MONTHS[groups["mon"].lower().rstrip(".")]
            else:
                month = int(groups["m"])
            year = int(groups["y"]) if groups.get("y") else None
            if day is not None and not 1 <= day <= 31:
                continue
            if not 1 <= month <= 12:
                if day is not None and 1 <= day <= 12 and month <= 31:  # US order: 11/20
                    day, month = month, day
                else:
                    continue
            dates.append((m.group(0), (day, month, year)))
            chars[m.start() : m.end()] = " " * (m.end() - m.start())
    return dates, "".join(chars)


_DATE_MENTION_RE = re.compile(
    r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b(?:ngày|tháng|năm)\s+\d{1,4}\b|\b\d{4}-\d{2}-\d{2}\b|"
    r"\b(?:sáng|chiều|tối|trưa)\s+(?:qua\s+)?\d{1,2}/\d{1,2}\b",
    re.IGNORECASE,
)


def has_date(sentence: str) -> bool:
    """The sentence mentions a point in time, a year alone included ("năm 2025")."""
    return bool(_DATE_MENTION_RE.search(sentence))


# a year; not an amount that happens to be year-shaped ("2025 tỷ đồng", "1500 million")
_YEAR_RE = re.compile(r"(?<![\d.,])(1\d{3}|20\d{2})(?![\d%.,]\d|\d|%|\s+(?:" + "|".join(MAGNITUDES) + r")\b)",
                      re.IGNORECASE)


def other_year(question: str, sentences: list[str], context: str) -> str:
    """The year ``question`` asks about when the quoted ``sentences`` speak of other years and
    neither they nor their articles (``context``: text, titles, dates) name it ("Nghệ An xuất
    khẩu sang Nga bao nhiêu trong năm 2024?" answered by "… 2,6 triệu USD trong 10 tháng đầu năm
    2025"); "" when the question names no year, or the answer may be about it."""
    asked = set(_YEAR_RE.findall(question))
    said = set(_YEAR_RE.findall(" ".join(sentences)))
    if not asked or not said or asked & said or asked & set(_YEAR_RE.findall(context)):
        return ""
    return min(asked)


# what a year is said with, just before it ("năm 1946", "những năm 1990", "cuối thập niên 1990")
_YEAR_HEAD = (r"\b(?:(?P<part>" + "|".join(PERIOD_PARTS) + r")\s+)?\b(?:"
              + "|".join(h.replace(" ", r"\s+") for h in YEAR_HEADS) + r")\s+")
_YEAR_HEAD_RE = re.compile(_YEAR_HEAD + "$", re.IGNORECASE)


def year_phrase_start(sentence: str, start: int) -> int:
    """Where the phrase of time that the year at ``start`` of ``sentence`` ends starts: at
    "năm" in "năm 1946", "những năm" in "những năm 1990" (:data:`~assistant.wordlists.YEAR_HEADS`);
    ``start`` when no such word leads it."""
    m = _YEAR_HEAD_RE.search(sentence[:start])
    return m.start() if m else start


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")
_PARTS_EN = dict(zip(PERIOD_PARTS, ("early", "mid", "late"), strict=True))
_DECADE_RE = re.compile(_YEAR_HEAD + r"(?P<y>\d{4})\b", re.IGNORECASE)
_UNTIL_RE = re.compile(r"(?<=\d)\s+(?:đến|tới)\s+(?=\d)", re.IGNORECASE)


def _english_date(date: Date) -> str:
    day, month, year = date
    return " ".join(str(p) for p in (day, _MONTH_NAMES[month - 1], year) if p is not None)


def english_time(text: str) -> str:
    """A short answer of time in Vietnamese words, written in English: "tháng 2 năm 2014" ->
    "February 2014", "ngày 27 tháng 1 năm 1967" -> "27 January 1967", "năm 1946" -> "1946",
    "cuối những năm 1990" -> "late 1990s" (a decade: :data:`~assistant.wordlists.YEAR_HEADS`),
    "1870 đến 1939" -> "1870 to 1939"; other words are kept as they are."""
    for written, date in find_dates(text)[0]:
        text = text.replace(written, _english_date(date), 1)

    def decade(m: re.Match[str]) -> str:
        head = m.group(0)[: m.start("y") - m.start()].split()[1 if m.group("part") else 0 :]
        part = f"{_PARTS_EN[m.group('part').lower()]} " if m.group("part") else ""
        return f"{part}{m.group('y')}" + ("" if [w.lower() for w in head] == ["năm"] else "s")

    return _UNTIL_RE.sub(" to ", _DECADE_RE.sub(decade, text))
