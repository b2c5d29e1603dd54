"""What a question asks for: its type (who / number / when / where / other), its language
and its content terms (:mod:`assistant.terms`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.language import detect_language
from assistant.terms import content_terms, is_stopword
from assistant.text import fold, has_diacritics, nfc, normalize_word, word_tokens

__all__ = ["QuestionInfo", "QuestionType", "analyse", "missing_concepts"]

QuestionType = Literal["who", "number", "when", "where", "other"]

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
    normal = [normalize_word(w) for w in word_tokens(nfc(text))]  # case kept
    stop = [is_stopword(w.lower(), plain) for w in normal]
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
