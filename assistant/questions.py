"""What a question asks for: its type (who / number / when / where / other), its language
and its content terms (:mod:`assistant.terms`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.language import detect_language
from assistant.terms import content_terms
from assistant.text import fold, has_diacritics, normalize
from assistant.titles import role_in
from assistant.wordlists import ENGLISH_INTERROGATIVES

__all__ = ["QuestionInfo", "QuestionType", "analyse", "asks_office", "kind_phrases", "own_words", "with_carried"]

QuestionType = Literal["who", "number", "when", "where", "other"]

# The words that ask for each kind, in Vietnamese (as written, with their marks) and English.
# Vietnamese ones are matched with their marks when the question has any: folded, "mấy" (how
# many) is "máy" (machine: "máy tính", "máy bay") and "may", "khi nào" (when) is "khí nào"
# (which gas), "vị … nào" (which person) is "vì … nào" ("vì lý do nào", for which reason).
# A question typed without marks ("dan so tinh thai binh la bao nhieu") is matched folded.
_KINDS: tuple[QuestionType, ...] = ("when", "number", "who", "where")  # first match wins:
# "ngày bao nhiêu" is a date, "bao nhiêu" alone a number; "tháng mấy" (which month) a date,
# "mấy tháng" (how many months) a number
_VIETNAMESE: dict[str, str] = {
    "when": "khi nào|bao giờ|ngày nào|ngày bao nhiêu|tháng nào|năm nào|thời gian nào|lúc nào|"
            "ngày mấy|tháng mấy|năm mấy|thứ mấy|mấy giờ",  # "mấy" after a noun of time asks which one
    "number": "bao nhiêu|mấy|tỷ lệ|tỉ lệ|bao lâu|bao xa",
    "who": r"ai|(?:người|vị|ông|bà|đồng chí|lãnh đạo)(?: \w+){0,3} nào|những ai",
    "where": "ở đâu|tại đâu|nơi nào|địa phương nào|địa điểm nào|thành phố nào|tỉnh nào|nước nào|quốc gia nào",
}  # the last four say in Vietnamese what the English list's "which city / province / country" say
_ENGLISH: dict[str, str] = {
    "when": "when|what date|which date|what day|what year|which year|which month",
    "number": "how much|how many|what percentage|what share|what proportion|what percent|what was the value|"
              "what amount|how (?:old|long|far|fast|big|large|high|tall|deep|wide|heavy)",
    "who": "who|whom|whose|which official|which person|what is the name of the|"
           "what (?:is|was) the (?:first|last|full|family) name of the",  # a person's name
    "where": "where|which city|which province|which place|which country",
}  # fmt: skip
# "how" + an adjective of measure is a degree question (English grammar): "How old …?", "How
# fast …?" ask for a number as "how many" does; "how often" is left out (its answer is as often
# a word, "yearly", as a number)


# "X tên là gì?" (what is X's name) asks for a person when X is an office ("Thống đốc tỉnh
# Kaluga tên là gì?"), as "what is the name of the …" does in English; a thing's name ("được
# đặt tên là gì") stays other
_NAME_ASKED = re.compile(r"\bten (?:la )?gi\b")  # folded: a question typed without marks asks it too
# a question for the office someone holds ("Ông ấy giữ chức vụ gì?", "What position does X
# hold?") asks who they are: its answer is the title the sentence gives them (assistant.spans)
_OFFICE_ASKED = re.compile(r"\b(?:chuc vu|chuc danh|cuong vi)(?: \w+){0,8} (?:gi|nao)\b|"
                           r"\bwhat (?:position|title|post|office|role)\b")


def _compile(alternatives: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{alternatives})\b")


_MARKED = {kind: _compile(normalize(alts)) for kind, alts in _VIETNAMESE.items()}
_FOLDED = {kind: _compile(fold(alts)) for kind, alts in _VIETNAMESE.items()}
_EN = {kind: _compile(alts) for kind, alts in _ENGLISH.items()}
_EN_ASKING_RE = re.compile(r"\b(?:" + "|".join(ENGLISH_INTERROGATIVES) + r")\b")


def _english_kind(folded: str) -> QuestionType | None:
    """The kind an English question asks: English puts the questioned phrase first (wh-
    fronting; Quirk et al., 1985, on wh-questions), so it is the kind of the phrase at its first
    question word — "Who was the leader when …?" asks who, "How old was he when …?" a number,
    and "What satellite was used when …?" none of the kinds (a "when" after it opens a clause
    of time)."""
    first = _EN_ASKING_RE.search(folded)
    if first is None:
        return None
    for kind in _KINDS:
        m = _EN[kind].search(folded, first.start())
        if m is not None and m.start() == first.start():
            return kind
    return None


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    language: str
    qtype: QuestionType
    terms: tuple[str, ...]  # folded content words and syllable bigrams


def asks_office(question: str) -> bool:
    """Whether ``question`` asks for the office someone holds ("chức vụ gì", "what position")."""
    return bool(_OFFICE_ASKED.search(fold(question)))


def kind_phrases(language: str) -> list[str]:
    """The plain phrases (no pattern syntax) that mark a question's kind: "khi nào", "bao
    nhiêu", "ở đâu" …; for putting the marks back on a question typed without them."""
    table = _VIETNAMESE if language == "vi" else _ENGLISH
    phrases = (p for alternatives in table.values() for p in re.split(r"\|(?![^(]*\))", alternatives))
    return [normalize(p) for p in phrases if re.fullmatch(r"[^\W\d_]+(?: [^\W\d_]+)*", p)]


# a follow-up made standalone carries the conversation in brackets after it ("Lúc đó ai là
# Thống đốc? (Khi nào … vận hành nhà máy?)", assistant.condense): the kind is the question's own
_CARRIED_RE = re.compile(r"\s+\([^()]*\)\s*$")


def with_carried(question: str, carried: list[str]) -> str:
    """A follow-up made standalone: the question, then what it carries from the conversation
    in brackets ("Ông ấy gặp ai? (Thanh Hóa; Liên bang Nga)"); :func:`own_words` undoes it."""
    return f"{question} ({'; '.join(carried)})" if carried else question


def own_words(question: str) -> str:
    """The question without what a follow-up carries in brackets (:func:`with_carried`)."""
    return _CARRIED_RE.sub("", question) or question


def analyse(question: str) -> QuestionInfo:
    language = detect_language(question)
    own = own_words(question)
    folded = fold(own)
    patterns, text = (_MARKED, normalize(own).lower()) if has_diacritics(own) else (_FOLDED, folded)
    qtype: QuestionType = "other"
    english = _english_kind(folded)
    for kind in _KINDS:
        if (language == "vi" and patterns[kind].search(text)) or english == kind:
            qtype = kind
            break
    if qtype == "other" and ((_NAME_ASKED.search(folded) and role_in(own).units) or asks_office(own)):
        qtype = "who"
    return QuestionInfo(
        text=question,
        language=language,
        qtype=qtype,
        terms=tuple(content_terms(question)),
    )
