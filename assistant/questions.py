"""What a question asks for: its type (who / number / when / where / other) and its terms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.text import (
    _WORD_RE,
    _normalize_word,
    detect_language,
    fold,
    has_diacritics,
    nfc,
    normalize,
    words,
)

QuestionType = Literal["who", "number", "when", "where", "other"]

_VI_STOP = set(
    "của là và các những có được cho với trong tại về đã sẽ đang này đó thì mà nào gì ai bao "
    "nhiêu khi đâu không một hay hoặc nhé ạ vậy thế sao mấy như từ đến ra vào lên theo bởi "
    "do vì nên cũng rất còn chỉ đều hơn nhất cùng ở lần việc hãy cho biết phần trăm chức vụ tên "
    "gọi là sang tới đi ấy ông bà anh chị họ".split()
)
_EN_STOP = set(
    "the a an of to in on for with and or what who whom whose when where which how much many "
    "did does do is are was were be been by at from that this these those as it its their his "
    "her they he she them there about into than then any some according article articles say "
    "said tell me please can could would should".split()
)
_STOP = {normalize(w) for w in _VI_STOP | _EN_STOP}
# Without diacritics "đâu" and "đầu" are both "dau": only unambiguous folded forms stop.
_STOP_FOLDED = {fold(w) for w in _STOP} - {"dau", "ban", "nam", "tien", "cong", "an"}

_TYPE_PATTERNS: list[tuple[QuestionType, re.Pattern[str]]] = [
    ("when", re.compile(r"\b(khi nao|bao gio|ngay nao|ngay bao nhieu|thang nao|nam nao|thoi gian nao|"
                        r"luc nao|when|what date|which date|what day|what year|which year|which month)\b")),
    ("number", re.compile(r"\b(bao nhieu|may|how much|how many|what percentage|what share|ty le|"
                          r"what proportion|what percent|what was the value|what amount)\b")),
    ("who", re.compile(r"\b(ai|(?:nguoi|vi|ong|ba|dong chi|lanh dao)(?: \w+){0,3} nao|nhung ai|who|whom|whose|"
                       r"which official|which person|what is the name of the)\b")),
    ("where", re.compile(r"\b(o dau|tai dau|noi nao|dia phuong nao|where|which city|which province|"
                         r"which place|which country)\b")),
]


def missing_concepts(text: str, known: set[str], judged: set[str]) -> list[str]:
    """Two-syllable units of ``text`` that no indexed chunk has, and whose syllables pair
    with no other neighbour either ("dân số" in "Dân số của Thanh Hóa"): a concept the
    articles never mention. ``known`` holds the folded bigrams the index has; only pairs of
    lower-case syllables that are both in ``judged`` are considered."""
    plain = not has_diacritics(text)
    normal = [_normalize_word(w) for w in _WORD_RE.findall(nfc(text))]  # case kept
    stop = [_is_stop(w.lower(), plain) for w in normal]
    toks = [fold(w) for w in normal]
    pairs = [(i, i + 1) for i in range(len(toks) - 1) if not stop[i] and not stop[i + 1]]
    supported = {i for a, b in pairs if f"{toks[a]}_{toks[b]}" in known for i in (a, b)}
    return [
        f"{normal[a]} {normal[b]}"
        for a, b in pairs
        if f"{toks[a]}_{toks[b]}" not in known and a not in supported and b not in supported
        and not toks[a].isdigit() and not toks[b].isdigit()
        and toks[a] in judged and toks[b] in judged
        and (a == 0 or normal[a].islower()) and normal[b].islower()  # names are not judged
    ]


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    language: str
    qtype: QuestionType
    terms: tuple[str, ...]  # folded content words and syllable bigrams


def _is_stop(word: str, plain: bool) -> bool:
    """``word`` is tone-normalised; ``plain`` says the text has no diacritics at all."""
    return word in _STOP or (plain and word in _STOP_FOLDED)


def content_terms(text: str) -> list[str]:
    """Folded content words plus folded bigrams of adjacent content-bearing syllables."""
    plain = not has_diacritics(text)
    normal = words(text)
    stop = [_is_stop(w, plain) for w in normal]
    toks = [fold(w) for w in normal]
    unigrams = [t for t, st in zip(toks, stop, strict=True) if not st and (len(t) > 1 or t.isdigit())]
    bigrams = [
        f"{toks[i]}_{toks[i + 1]}" for i in range(len(toks) - 1) if not stop[i] and not stop[i + 1]
    ]
    seen: dict[str, None] = {}
    for t in unigrams + bigrams:
        seen.setdefault(t, None)
    return list(seen)


def analyse(question: str) -> QuestionInfo:
    folded = fold(question)
    qtype: QuestionType = "other"
    for name, pattern in _TYPE_PATTERNS:
        if pattern.search(folded):
            # "ngày bao nhiêu" is a date, "bao nhiêu" alone a number: first match wins
            qtype = name
            break
    return QuestionInfo(
        text=question,
        language=detect_language(question),
        qtype=qtype,
        terms=tuple(content_terms(question)),
    )


# --- what a sentence contains -----------------------------------------------------------------

_SURNAMES = {
    fold(s) for s in (
        "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đầu Tô Đinh Mai "
        "Trịnh Lương Thái Hà Đào Cao Lâm Trương Kiều Tạ Văn Chu Triệu Đoàn Lại Quách Vương Từ".split()
    )
}
_TOKEN_RE = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def _is_cap(word: str) -> bool:
    return word[:1].isupper() and word[1:].islower() and word.isalpha()


def person_names(sentence: str) -> list[str]:
    """Likely person names: a Vietnamese surname and 1-3 more capitalised syllables, or a
    run of 2-3 capitalised Latin words (foreign names such as "Vladimir Platonov")."""
    tokens = _TOKEN_RE.findall(sentence)
    names: list[str] = []
    i = 0
    while i < len(tokens):
        run = []
        j = i
        while j < len(tokens) and _is_cap(tokens[j]) and len(run) < 4:
            run.append(tokens[j])
            j += 1
        if not run:
            i += 1
            continue
        # find a surname inside the run: "Nga Đặng Minh Khôi" -> "Đặng Minh Khôi"
        for k, word in enumerate(run):
            if fold(word) in _SURNAMES and len(run) - k >= 2:
                names.append(" ".join(run[k:]))
                break
        else:
            k = len(run)
            while k > 0 and run[k - 1].isascii() and len(run[k - 1]) > 2:
                k -= 1
            if len(run) - k >= 2:
                names.append(" ".join(run[k:]))
        i = j
    return names


_NUMBER_RE = re.compile(r"\d")
_DATE_RE = re.compile(
    r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b(?:ngày|tháng|năm)\s+\d{1,4}\b|\b\d{4}-\d{2}-\d{2}\b|"
    r"\b(?:sáng|chiều|tối|trưa)\s+(?:qua\s+)?\d{1,2}/\d{1,2}\b",
    re.IGNORECASE,
)


_NUMBER_WORDS_RE = re.compile(
    r"\b(một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|trăm|nghìn|ngàn|triệu|tỷ|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion)\b",
    re.IGNORECASE,
)


def has_number(sentence: str) -> bool:
    return bool(_NUMBER_RE.search(sentence) or _NUMBER_WORDS_RE.search(sentence))


def has_date(sentence: str) -> bool:
    return bool(_DATE_RE.search(sentence))


def capitalised_phrases(text: str) -> list[str]:
    """Runs of two or more capitalised words ("Thanh Hóa", "Đặng Minh Khôi"), sentence
    starts excluded."""
    tokens = _TOKEN_RE.findall(text)
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
