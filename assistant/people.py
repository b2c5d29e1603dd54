"""The people a text names, and the titles it gives them.

- :func:`person_names` — a Vietnamese surname and 1-3 more capitalised syllables, a run of
  capitalised Latin words ("Vladimir Platonov", "George W. Bush"), or a capitalised run an
  honorific or a title in apposition marks as a person's ("đồng chí Đầu Thanh Tùng");
- :func:`titled_names` — (name, title) pairs ("Bí thư Tỉnh ủy Nguyễn Doãn Anh");
- :func:`capitalised_phrases` — runs of capitalised words, sentence starts excluded;
- :func:`is_syllable` — whether a word is one Vietnamese syllable.

Word lists: :mod:`assistant.wordlists` (surnames, titles, honorifics, with their sources).
"""

from __future__ import annotations

import re

from assistant.facts import NAME_SPLIT
from assistant.text import fold, has_diacritics, nfc, normalize
from assistant.wordlists import (
    INTERROGATIVES,
    NAME_FUNCTION_WORDS,
    NAME_HONORIFICS,
    NAME_ORGANISATION_WORDS,
    NAME_TITLE_MODIFIERS,
    NAME_TITLES,
    NAME_VIETNAMESE_FUNCTION_WORDS,
    NAME_VIETNAMESE_HONORIFICS,
    NAME_VIETNAMESE_TITLES,
    OFFICE_TITLES,
    PLACE_UNITS,
    VIETNAMESE_SURNAMES,
    stopword_syllables,
)

__all__ = ["capitalised_phrases", "is_syllable", "leading_name", "name_runs", "person_names", "titled_names"]

# --- people -----------------------------------------------------------------------------------

_SURNAMES = {fold(s) for s in VIETNAMESE_SURNAMES}  # as typed without marks: "Nguyen"
_MARKED_SURNAMES = {normalize(s.lower()) for s in VIETNAMESE_SURNAMES}


def _is_surname(word: str) -> bool:
    """A family name of the list with its own marks ("Đặng", not the "Đảng" of "Đảng Cộng sản"
    nor the "Vụ" of "Vụ Hợp tác Quốc tế" for "Vũ"); a word without marks by its folded form."""
    if fold(word) not in _SURNAMES:  # most words: one cheap look-up
        return False
    return not has_diacritics(word) or normalize(word.lower()) in _MARKED_SURNAMES


_NOT_NAME_WORDS = frozenset(NAME_FUNCTION_WORDS) | frozenset(INTERROGATIVES)  # "Which Vietnamese group …?" names nobody
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
        while j < len(tokens) and (_is_cap(tokens[j]) or _is_initial(tokens[j])):
            j += 1
        while j > i and _is_initial(tokens[j - 1]):
            j -= 1  # a name ends with a word
        if j == i:
            i += 1
            continue
        # find a surname inside the whole run, the name is it and up to longest_run - 1 more
        # words: "Nga Đặng Minh Khôi" -> "Đặng Minh Khôi", "Thanh Hóa Nguyễn Doãn Anh" ->
        # "Nguyễn Doãn Anh" (a run cut at longest_run words first gave "Nguyễn Doãn")
        k = next((k for k, word in enumerate(tokens[i:j]) if _is_surname(word) and j - i - k >= 2), None)
        if k is not None:
            spans.append((i + k, min(j, i + k + longest_run)))
            i = min(j, i + k + longest_run)
            continue
        j = min(j, i + longest_run)
        run = tokens[i:j]
        k = len(run)
        while k > 0 and run[k - 1].isascii() and (len(run[k - 1]) > 2 or _is_initial(run[k - 1])):
            k -= 1
        if any(_is_initial(w) for w in run[k:]) and all(is_syllable(w) for w in run[k:] if not _is_initial(w)):
            k = len(run)  # initials before Vietnamese syllables ("vitamin C. Sau đó") make no name
        if len(run) - k >= 3 and is_syllable(run[k]) and not any(is_syllable(w) for w in run[k + 1 :]):
            k += 1  # "Liên bang Nga Vladimir Putin": "Nga" is Vietnamese, the name is Latin
        while k < len(run) and fold(run[k]) in _NOT_NAME_WORDS:
            k += 1  # a question or function word starting a sentence: "Which Vietnamese", "The Hague"
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
    return i > 0 and _honorific_ends_at(tokens, i - 1)


def _honorific_ends_at(tokens: list[str], k: int) -> bool:
    """Whether a whole honorific ends at ``tokens[k]`` ("ông", "đồng chí"; "Chí" of "Hồ Chí
    Minh" ends none)."""
    return any(k + 1 >= len(phrase) and tuple(normalize(t.lower()) for t in tokens[k + 1 - len(phrase) : k + 1]) == phrase
               for phrase in _HONORIFICS)


def person_names(sentence: str) -> list[str]:
    """Likely person names: a Vietnamese surname and 1-3 more capitalised syllables, or a
    run of 2-3 capitalised Latin words (foreign names such as "Vladimir Platonov"), or a run of
    capitalised syllables an honorific or a title in apposition marks as a person's ("đồng chí
    Đầu Thanh Tùng", "Tô Anh Dũng, Giám đốc Công an tỉnh")."""
    tokens = _tokens(sentence)
    return [" ".join(tokens[a:b]) for a, b in _person_spans(tokens)]


_RUN_TOKEN_RE = re.compile(r"\w+(?:\.(?= \w))?")  # "St." of "St. Petersburg" holds its stop


def name_runs(text: str, *, skip_first: bool = False) -> list[tuple[int, int, str]]:
    """Runs of capitalised words (start, end, the word before the run); a run that starts the
    text counts only with two words or more (the first word is capitalised anyway), or not at
    all with ``skip_first`` (the first word is a question's "Còn", "What about", "How" …): the
    names a question says ("Thanh Hóa", "St. Petersburg"; assistant.condense, assistant.judge)."""
    runs: list[tuple[int, int, str]] = []
    tokens = list(_RUN_TOKEN_RE.finditer(text))
    i = 1 if skip_first else 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and tokens[j].group(0)[:1].isupper() and (
                j == i or text[tokens[j - 1].end() : tokens[j].start()] == " "):
            j += 1
        if j > i and (i > 0 or j - i >= 2):
            runs.append((tokens[i].start(), tokens[j - 1].end(), fold(tokens[i - 1].group(0)) if i else ""))
        i = max(j, i + 1)
    return runs


# a function or question word that opens a question is no part of the name after it
_NOT_LEADING = frozenset(fold(w) for w in ("còn", "và", *INTERROGATIVES, *NAME_FUNCTION_WORDS, *NAME_VIETNAMESE_FUNCTION_WORDS))


def leading_name(question: str) -> list[str]:
    """The name a question opens with, two capitalised words or more ("Thanh Hóa xuất khẩu …",
    "Tỉnh Nghệ An …" -> "Nghệ An"), which :func:`capitalised_phrases` and ``name_runs(…,
    skip_first=True)`` leave out (any sentence capitalises its first word); a function or
    question word before it is no part of it."""
    runs = name_runs(question)
    if not runs or runs[0][0] != len(question) - len(question.lstrip()):
        return []
    start, end, _ = runs[0]
    first = question[start:end].split()[0]
    if fold(first) in _NOT_LEADING:
        start += len(first)
    name = question[start:end].strip()
    return [name] if len(name.split()) >= 2 else []


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
_HONORIFICS = {tuple(normalize(phrase).split()) for phrase in NAME_HONORIFICS + NAME_VIETNAMESE_HONORIFICS}
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
        if _honorific_ends_at(tokens, start):
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
            titles.append(_to_place(" ".join(tokens[i + 1 : j])))
        i = j
    return titles


def _to_place(title: str) -> str:
    """A title ends with the place it is of: a unit of place and its capitalised name close it
    ("Thống đốc tỉnh Kaluga phát biểu" -> "Thống đốc tỉnh Kaluga": a caption's verb is no part)."""
    words = title.split()
    for k in range(len(words) - 2, 0, -1):
        if words[k] in PLACE_UNITS and _is_cap(words[k + 1]):
            end = k + 1
            while end < len(words) and _is_cap(words[end]):
                end += 1
            return " ".join(words[:end]) if all(w.islower() for w in words[end:]) else title
    return title


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
    return _to_place(" ".join(tokens[start : last + 1]))


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
        while b - lead > 2 and normalize(tokens[lead].lower()) in NAME_SPLIT:
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
