"""The checkable facts of a text: numbers with their units, dates, names, and titles by names.

One home for every fact extractor (its word lists: :mod:`assistant.wordlists`): the citation
check, the extractive engine, question analysis and condensing read text through these.

- :func:`extract_facts` — the numbers, dates and proper names a claim commits to, in a form
  that compares across spellings: numbers by value ("6,25" = "6.25", "1.559" = "1559",
  "6,25 triệu" = "6.25 million" = "6250000", "0,12%" = "0.12 percent"); dates as (day, month,
  year) ("20/11", "ngày 20 tháng 11", "November 20", "2025-11-25"); names as runs of two or
  more capitalised words, split at title and function words ("Party Secretary Nguyen Doan
  Anh" -> "Nguyen Doan Anh").
- :func:`person_names` — a Vietnamese surname and 1-3 more capitalised syllables, or a run of
  capitalised Latin words; :func:`titled_names` — (name, title) pairs ("Bí thư Tỉnh ủy Nguyễn Doãn Anh").
- :func:`has_number`, :func:`has_date`, :func:`capitalised_phrases` — looser tests of what a
  sentence mentions (a number in words, a year alone), for candidate answer sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from assistant.dates import Date, find_dates, has_date
from assistant.text import fold, folded_key, nfc, normalize
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
    OFFICE_TITLES,
    VIETNAMESE_SURNAMES,
    stopword_syllables,
)

__all__ = [
    "Date", "Facts", "capitalised_phrases", "extract_facts", "find_dates", "find_numbers",
    "has_date", "has_number", "in_named_number", "is_syllable", "number_values", "person_names", "proper_names",
    "titled_names",
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

_NAME_SPLIT = {
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
        if normalize(word.lower()) in _NAME_SPLIT:
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


# --- people -----------------------------------------------------------------------------------

_SURNAMES = {fold(s) for s in VIETNAMESE_SURNAMES}
_TOKEN_RE = re.compile(r"\b[A-Za-z]{1,3}\.(?= \w)|\w+|[^\w\s]", re.UNICODE)
_ABBREVIATION_RE = re.compile(r"[A-Z]\.|[B-DF-HJ-NP-TV-XZ][B-DF-HJ-NP-TV-XZb-df-hj-np-tv-xz]{1,2}\.")


def _tokens(text: str) -> list[str]:
    """Words and punctuation; an initial ("W." of "George W. Bush") or a vowelless Latin
    abbreviation ("St.", "TP.", "TS.") before a capitalised word is one token, so a name or
    title runs across it ("St. Petersburg", "Chủ tịch UBND TP. Hồ Chí Minh")."""
    out: list[str] = []
    found = list(_TOKEN_RE.finditer(text))
    for k, m in enumerate(found):
        token = m.group(0)
        if token.endswith(".") and len(token) > 1 and not (
            _ABBREVIATION_RE.fullmatch(token) and k + 1 < len(found) and found[k + 1].group(0)[:1].isupper()
            and (m.start() == 0 or text[m.start() - 1].isspace())  # "S." of "U.S." is no initial
        ):
            out += [token[:-1], "."]
        else:
            out.append(token)
    return out


def _is_cap(word: str) -> bool:
    return word[:1].isupper() and word[1:].islower() and word.isalpha()


def _is_initial(word: str) -> bool:
    return len(word) == 2 and "A" <= word[0] <= "Z" and word[1] == "."


def _person_spans(tokens: list[str], longest_run: int = 4) -> list[tuple[int, int]]:
    """Token ranges of person names (:func:`person_names`) in runs of <= ``longest_run`` words."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and (_is_cap(tokens[j]) or _is_initial(tokens[j])) and j - i < longest_run:
            j += 1
        while j > i and _is_initial(tokens[j - 1]):
            j -= 1  # a name ends with a word
        if j == i:
            i += 1
            continue
        run = tokens[i:j]
        # find a surname inside the run: "Nga Đặng Minh Khôi" -> "Đặng Minh Khôi"
        for k, word in enumerate(run):
            if fold(word) in _SURNAMES and len(run) - k >= 2:
                spans.append((i + k, j))
                break
        else:
            k = len(run)
            while k > 0 and run[k - 1].isascii() and (len(run[k - 1]) > 2 or _is_initial(run[k - 1])):
                k -= 1
            if any(_is_initial(w) for w in run[k:]) and all(is_syllable(w) for w in run[k:] if not _is_initial(w)):
                k = len(run)  # initials before Vietnamese syllables ("vitamin C. Sau đó") make no name
            if len(run) - k >= 3 and is_syllable(run[k]) and not any(is_syllable(w) for w in run[k + 1 :]):
                k += 1  # "Liên bang Nga Vladimir Putin": "Nga" is Vietnamese, the name is Latin
            if len(run) - k >= 2:
                spans.append((i + k, j))
            elif len(run) >= 2 and _addressed(tokens, i, j):
                spans.append((i, j))  # "đồng chí Đầu Thanh Tùng", "Tô Anh Dũng, Giám đốc Công an tỉnh"
        i = j
    return spans


# one Vietnamese syllable, folded: an onset, one vowel group, a final (the syllable structure
# the reference grammars of assistant.wordlists describe); "Nga", "Anh" are, "Vladimir",
# "Putin", "Jong" are not
_SYLLABLE_RE = re.compile(r"(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdghklmnprstvx])?[aeiouy]+(?:ng|nh|ch|[cmnpt])?")


def is_syllable(word: str) -> bool:
    """Whether ``word`` is one Vietnamese syllable (marks aside): "dự", "Nga"; not "lb", "Putin"."""
    return bool(_SYLLABLE_RE.fullmatch(fold(word)))


def _addressed(tokens: list[str], start: int, end: int) -> bool:
    """Whether the capitalised run ``tokens[start:end]`` is spoken of as a person though its
    surname is none of the common ones: an honorific stands right before it ("đồng chí",
    "ông", "Mr") or a title in apposition right after it (", Giám đốc Công an tỉnh")."""
    return _honorific_before(tokens, start) or bool(_titles_after(tokens, end))


def _honorific_before(tokens: list[str], i: int) -> bool:
    """Whether ``tokens[i - 1]`` is an honorific ("ông", "đồng chí", "Mr")."""
    return i > 0 and normalize(tokens[i - 1].lower()) in _HONORIFICS


def person_names(sentence: str) -> list[str]:
    """Likely person names: a Vietnamese surname and 1-3 more capitalised syllables, or a
    run of 2-3 capitalised Latin words (foreign names such as "Vladimir Platonov"), or a run of
    capitalised syllables an honorific or a title in apposition marks as a person's ("đồng chí
    Đầu Thanh Tùng", "Tô Anh Dũng, Giám đốc Công an tỉnh")."""
    tokens = _tokens(sentence)
    return [" ".join(tokens[a:b]) for a, b in _person_spans(tokens)]


def capitalised_phrases(text: str) -> list[str]:
    """Runs of two or more capitalised words ("Thanh Hóa", "Đặng Minh Khôi"), sentence
    starts excluded."""
    tokens = _tokens(text)
    out: list[str] = []
    i = 1  # the first word is capitalised anyway
    while i < len(tokens):
        j = i
        while j < len(tokens) and _is_cap(tokens[j]):
            j += 1
        if j - i >= 2:
            out.append(" ".join(tokens[i:j]))
        i = max(j, i + 1)
    return out


# --- titles next to names ---------------------------------------------------------------------

# A title is found by one of these (lower case, tone-normalised, as word tuples): the titles
# of the name lists and their Vietnamese renderings (OFFICE_TITLES: "governor" -> "Thống
# đốc", "secretary" -> "Bí thư"); modifiers and bodies before it belong to it ("Deputy
# Governor", "Provincial Party Secretary"); an honorific ("Ngài", "Mr") ends it.
_TITLE_HEADS = {
    tuple(normalize(w).split())
    for w in (*NAME_TITLES, *NAME_VIETNAMESE_TITLES, *(vi for vis in OFFICE_TITLES.values() for vi in vis))
}
_TITLE_SPAN_WORDS = {normalize(w) for w in NAME_TITLES + NAME_TITLE_MODIFIERS + NAME_ORGANISATION_WORDS}
_HONORIFICS = {normalize(w) for phrase in NAME_HONORIFICS + NAME_VIETNAMESE_HONORIFICS for w in phrase.split()}
_MAX_TITLE_WORDS = 12  # "Đại sứ Đặc mệnh toàn quyền Việt Nam tại Liên bang Nga Đặng Minh Khôi"
_APPOSITIVE = {",", "–", "—", "-"}


def _is_word(token: str) -> bool:
    return token[:1].isalnum()


def _head_at(tokens: list[str], i: int) -> int:
    """Length of the title head starting at ``tokens[i]`` (capitalised), or 0."""
    if not _is_cap(tokens[i]) and not tokens[i].isupper():
        return 0
    for size in (3, 2, 1):
        words = tuple(normalize(t.lower()) for t in tokens[i : i + size])
        if len(words) == size and all(_is_word(t) for t in tokens[i : i + size]) and words in _TITLE_HEADS:
            return size
    return 0


def _title_before(tokens: list[str], end: int) -> str:
    """The title right before ``tokens[end]``: the nearest title head within the clause,
    extended left over adjacent title words ("Phó" + "Chủ tịch", "Provincial Party"). None
    ends with an abbreviation: "TP." belongs to the name after it ("UBND TP. Hồ Chí Minh")."""
    if end > 0 and tokens[end - 1].endswith(".") and len(tokens[end - 1]) > 2:
        return ""
    start = end - 1
    while start >= 0 and end - start <= _MAX_TITLE_WORDS and _is_word(tokens[start]):
        if normalize(tokens[start].lower()) in _HONORIFICS:
            return ""
        if _head_at(tokens, start):
            break
        start -= 1
    else:
        return ""
    while start > 0 and _is_word(tokens[start - 1]) and (
        _head_at(tokens, start - 1)
        or (_is_cap(tokens[start - 1]) and normalize(tokens[start - 1].lower()) in _TITLE_SPAN_WORDS)
    ):
        start -= 1
    return " ".join(tokens[start:end])


def _titles_after(tokens: list[str], end: int, *, loose: bool = False) -> list[str]:
    """Titles in apposition after a name: "X, Ủy viên Trung ương Đảng, Bí thư Tỉnh ủy, ..."
    or "X – Thống đốc tỉnh Kaluga, ...". Only whole segments (closed by punctuation within
    a few words) count, so the title never runs into the rest of the sentence; ``loose``, a
    dash's segment may run on, and the title ends at its last capitalised word before three
    lower-case ones ("X – Chủ tịch Hội đồng chiến lược Tập đoàn TH mới đây được …": an
    organisation capitalises its first word only, a clause goes on in lower case)."""
    titles: list[str] = []
    i = end
    for _ in range(3):
        if i >= len(tokens) or tokens[i] not in _APPOSITIVE:
            break
        j = i + 1
        while j < len(tokens) and _is_word(tokens[j]) and j - i <= 8:
            j += 1
        closed = j == len(tokens) or not _is_word(tokens[j])
        if j > i + 1 and not closed and loose and tokens[i] in ("–", "—") and _head_at(tokens, i + 1):
            return [*titles, _run_on_title(tokens, i + 1)]
        if j == i + 1 or not closed or not (_is_cap(tokens[i + 1]) or tokens[i + 1].isupper()):
            break
        if _head_at(tokens, i + 1):
            titles.append(" ".join(tokens[i + 1 : j]))
        i = j
    return titles


def _run_on_title(tokens: list[str], start: int) -> str:
    """The title that starts at ``tokens[start]`` (a head) and runs on: to its last capitalised
    word (and the syllable after it, unless a function word: "Chính phủ") before the clause
    goes on in lower case (two function words in a row, stopwords-iso: "mới đây được"; or four
    lower-case words: "nhấn mạnh vai trò"). An organisation capitalises its first word only
    ("Hội đồng chiến lược Tập đoàn TH"), so the lower-case words between capitalised ones stay."""
    function = stopword_syllables("vi", marked=True)
    last = k = start + _head_at(tokens, start) - 1
    lower = 0
    while (k := k + 1) < len(tokens) and _is_word(tokens[k]) and k - start < _MAX_TITLE_WORDS:
        if not tokens[k].islower():
            last, lower = k, 0
            continue
        lower += 1
        if lower == 4 or (tokens[k] in function and tokens[k - 1] in function and lower >= 2):
            break
    # a capitalised syllable mostly starts a two-syllable word ("Công an", "Chính phủ")
    if last + 1 < len(tokens) and tokens[last + 1].islower() and tokens[last + 1] not in function:
        last += 1
    return " ".join(tokens[start : last + 1])


def titled_names(text: str) -> list[tuple[str, str]]:
    """(name, title) for each person named with a title or role next to the name:
    "Bí thư Tỉnh ủy Nguyễn Doãn Anh" -> ("Nguyễn Doãn Anh", "Bí thư Tỉnh ủy");
    "Governor Vladislav Shapsha" -> ("Vladislav Shapsha", "Governor"); "Ngài Vladislav
    Valerievich Shapsha – Thống đốc tỉnh Kaluga, ..." -> (..., "Thống đốc tỉnh Kaluga").

    A title is one that starts with a title word of :mod:`assistant.wordlists` (or its
    Vietnamese rendering) and stands right before the name, in the same clause, or in
    apposition after it, or is the whole clause before ", ông <name>". A name may come with
    several titles (one pair each); names without one are left out."""
    tokens = _tokens(nfc(text))
    pairs: list[tuple[str, str]] = []
    for a, b in _person_spans(tokens, longest_run=8):  # "Provincial Party Secretary Nguyen Doan Anh"
        lead = a  # title words the name run swallowed: "Governor Vladislav Shapsha"
        while b - lead > 2 and normalize(tokens[lead].lower()) in _NAME_SPLIT:
            lead += 1
        name = " ".join(tokens[lead:b])
        for title in [_title_before(tokens, lead) or _title_addressed(tokens, lead), *_titles_after(tokens, b, loose=True)]:
            if title and (name, title) not in pairs:
                pairs.append((name, title))
    return pairs


def _title_addressed(tokens: list[str], lead: int) -> str:
    """A title that is a whole clause before ", ông <name>" ("Về phần mình, Chủ tịch Phòng
    Thương mại và Công nghiệp Moskva, ông Vladimir Platonov …"); not one that ends a longer
    clause ("Tại buổi làm việc với Thống đốc, ông X nói": X is not the governor)."""
    if lead < 3 or not _honorific_before(tokens, lead) or tokens[lead - 2] != ",":
        return ""
    title = _title_before(tokens, lead - 2)
    start = lead - 2 - len(title.split())
    return title if title and (start == 0 or not _is_word(tokens[start - 1])) else ""
