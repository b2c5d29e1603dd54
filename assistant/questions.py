"""What a question asks for: its type (who / number / when / where / other), its language
and its content terms (:mod:`assistant.terms`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.language import detect_language
from assistant.terms import content_terms
from assistant.text import fold

__all__ = ["QuestionInfo", "QuestionType", "analyse"]

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
