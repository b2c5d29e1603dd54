"""Condensing: a follow-up question rewritten as a standalone one, for retrieval.

"Ông ấy đã làm việc với vị Đại sứ nào?" after "Ai dẫn đầu đoàn Thanh Hóa sang Nga?" is
retrieved as "Ông Nguyễn Doãn Anh đã làm việc với vị Đại sứ nào?". A :class:`Condenser` has
one method, :meth:`~Condenser.condense`; there are two:

- :class:`EntityCondenser` — no model: carries the previous turn's names and key terms into
  the follow-up (the pronoun replaced by the person when there is one); an elliptical
  follow-up ("Còn Nghệ An thì sao?", "What about Nghệ An?") is the previous question asked
  of its name;
- :class:`ChatCondenser` — asks the chat model (the ``condense`` prompt) and keeps its
  rewrite only when it is plausible, else falls back to the entity heuristic.

:class:`assistant.Assistant` picks one to match its answer engine
(:func:`assistant.engines.build_condenser`); when the chat model is unavailable it condenses
with the entity heuristic.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from assistant.extractive import answer_head
from assistant.messages import condense_message
from assistant.people import capitalised_phrases, is_syllable, leading_name, name_runs, person_names
from assistant.prompts import Prompt, load_prompt
from assistant.questions import with_carried
from assistant.text import fold, has_diacritics, words
from assistant.types import ChatMessage
from assistant.wordlists import (
    ENGLISH_INTERROGATIVES,
    FOLLOW_UP_PRONOUNS,
    INTERROGATIVES,
)

if TYPE_CHECKING:  # the chat model stack (langchain's chat models) loads only when a model is used
    from assistant.chat_client import ChatClient

__all__ = ["ChatCondenser", "Condenser", "EntityCondenser"]

log = logging.getLogger(__name__)


@runtime_checkable
class Condenser(Protocol):
    """Anything that rewrites a follow-up question into a standalone one."""

    def condense(self, question: str, history: list[ChatMessage]) -> str:
        """``question`` made standalone using ``history`` (``question`` itself when it is)."""
        ...


# --- the entity heuristic ---------------------------------------------------------------------

# folded: pronouns and demonstratives for a thing, a place or a time, and those for people
# ("ho", họ, only marks a follow-up: folded, it is also "hồ", a lake)
_IMPERSONAL = ("dieu do", "viec do", "o do", "luc do", "khi do", "tinh do", "doan do", "chuyen di do", "it", "its",
               "that", "there", "then", "those")
_PERSONAL = ("ong ay", "ba ay", "anh ay", "chi ay", "nguoi do", "vi do", "he", "she", "they", "him", "her", "his",
             "their", "them")


def _words_re(alternatives: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"\b({'|'.join(alternatives)})\b")


_FOLLOW_UP_RE = _words_re((*_IMPERSONAL, *_PERSONAL, "ho"))
_IMPERSONAL_RE = _words_re(_IMPERSONAL)
_PERSONAL_RE = _words_re((*_PERSONAL, "hers"))
_LEAD_WORDS = 8  # a longer head is a sentence, not the short answer


def points_back(question: str) -> bool:
    """Whether ``question`` holds a pronoun or demonstrative that points to something said
    before it ("ông ấy", "khi đó", "he", "there")."""
    return bool(_FOLLOW_UP_RE.search(fold(question)))


def _answer_lead(answer: str) -> str:
    """The short answer the previous answer opens with, when it quotes and the head is short:
    "TH" of "TH — “…” [1]"; "" for a quote alone, a lead-in alone or a refusal."""
    lead = answer_head(answer, quoted=True)
    return lead if len(lead.split()) <= _LEAD_WORDS else ""


_PRONOUN_RE = re.compile(  # the last four: a question typed without marks ("ong ay gap ai?")
    r"\b(?:ông ấy|bà ấy|anh ấy|chị ấy|ông|bà|he|she|him|her|ong ay|ba ay|anh ay|chi ay)\b", re.IGNORECASE
)


class EntityCondenser:
    """A follow-up ("Ông ấy đã gặp ai?") gets the previous turn's names and key terms."""

    def condense(self, question: str, history: list[ChatMessage]) -> str:
        if not history:
            return question
        last_user = next((m["content"] for m in reversed(history) if m["role"] == "user"), "")
        last_answer = next((m["content"] for m in reversed(history) if m["role"] == "assistant"), "")
        if not last_user:
            return question
        folded = fold(question)
        if (swapped := _elliptical(question, last_user, history)) is not None:
            return swapped
        short = len(words(question)) <= 6
        if not (points_back(question) or short):
            return question
        carried: list[str] = []
        # the person the previous question itself called "he" stays "he" (centering: a topic
        # referred to by a pronoun continues), instead of the first name of the previous answer:
        # "Who led the Thái Bình delegation?" — "Whose chamber of commerce did he meet?" —
        # "What growth rate did he report?" asks about the leader, not the chamber's head
        referent = _pronoun_referent(last_user, history)
        # "it", "its", "there", "lúc đó", "tỉnh đó" point at a thing, place or time: the answer
        # to the previous question when that is a name ("Which of its leaders …?" after "TH — “…”"
        # asks about TH; an amount or a date is no thing that has leaders or projects), never the
        # first person the answer's quote happens to name
        impersonal = bool(_IMPERSONAL_RE.search(folded)) and not _PERSONAL_RE.search(folded)
        lead = _answer_lead(last_answer) if impersonal else ""
        if lead and (person_names(lead) or any(ch.isdigit() for ch in lead)
                     or re.search(rf"\b{re.escape(fold(lead))}\b", folded)):
            lead = ""
        # the previous answer's first person, or its first woman for "bà ấy" / "she" ("Who presented
        # it to her?" after "Vladimir Putin — “… bà Thái Hương … Vladimir Putin trao tặng …”")
        answered = [] if impersonal else _agreeing(person_names(last_answer), question, history)[:1]
        named = (referent or answered) + person_names(last_user)
        for name in named:
            if fold(name) not in folded and name not in carried:
                carried.append(name)
        # capitalised places and bodies from the previous question ("Thanh Hóa", "Liên bang Nga")
        for phrase in leading_name(last_user) + capitalised_phrases(last_user):
            if fold(phrase) not in folded and not any(fold(phrase) in fold(c) for c in carried):
                carried.append(phrase)  # not a part of a name carried already ("Đình Xứng")
        if lead:
            carried.insert(0, lead)
        if not carried:
            carried = [last_user]
        # people as found in their sentences ("bà Thái Hương": a name that its honorific, not
        # its surname, marks as a person's is no name alone)
        people = _agreeing([c for c in carried if c in named or person_names(c)], question, history)
        if people:
            replaced, n = _PRONOUN_RE.subn(people[0], question, count=1)
            if n:
                rest = [c for c in carried if c != people[0]]
                return with_carried(replaced, rest)
        return with_carried(question, carried)


# Vietnamese and English mark a woman by the word before her name, as the pronoun does
_FEMALE_PRONOUN_RE = re.compile(r"^(?:bà ấy|chị ấy|cô ấy|bà|she|her|ba ay|chi ay)$", re.IGNORECASE)
_FEMALE_BEFORE = r"(?:bà|chị|cô|mrs|ms|madam)\.?\s+"


def _agreeing(people: list[str], question: str, history: list[ChatMessage]) -> list[str]:
    """``people`` with those who agree with the follow-up's pronoun first: "bà ấy" / "she"
    stands for a woman the conversation calls "bà", "chị", "Ms." …, "ông ấy" / "he" for anyone
    else ("Bà ấy giữ chức vụ gì?" after an answer naming Vladimir Putin and bà Thái Hương)."""
    pronoun = _PRONOUN_RE.search(question)
    if pronoun is None or len(people) < 2:
        return people
    said = " ".join(str(m["content"]) for m in history)
    female = bool(_FEMALE_PRONOUN_RE.match(pronoun.group(0)))
    agree = [p for p in people if bool(re.search(_FEMALE_BEFORE + re.escape(p), said, re.IGNORECASE)) == female]
    return agree + [p for p in people if p not in agree]


# a follow-up that asks the previous question again of another name: "Còn Nghệ An thì sao?",
# "Còn của Nhật Bản thì bao nhiêu dự án?", "What about Nghệ An?", "And in St. Petersburg?"
_ELLIPSIS_RE = re.compile(r"^(?:con|va|what about|how about|and)\b")
_ENGLISH_OPENERS = {"what about", "how about", "and"}
_INTERROGATIVE_RE = re.compile(r"\b(?:" + "|".join(ENGLISH_INTERROGATIVES) + r")\b")


def _elliptical(question: str, last_user: str, history: list[ChatMessage]) -> str | None:
    """The previous question asked of the follow-up's name ("Còn Nghệ An thì sao?" after "Kim
    ngạch xuất khẩu của Thanh Hóa … là bao nhiêu?": "Kim ngạch xuất khẩu của Nghệ An … là bao
    nhiêu?"): the name replaces the previous question's name after the same preposition
    ("của Hàn Quốc" for "Còn của Nhật Bản …?"), else its first name; None when the follow-up
    is no such ellipsis. A previous question that was one itself is first made whole."""
    opener = _ELLIPSIS_RE.match(fold(question).strip())
    if not opener:
        return None
    rest = fold(question).strip()[opener.end() :].strip()
    if opener.group(0) in _ENGLISH_OPENERS and not _ELLIPSIS_RE.match(rest) and _INTERROGATIVE_RE.search(rest):
        return None  # "And how many FDI projects does it have?" asks its own question
    at = max(i for i, m in enumerate(history) if m["role"] == "user")
    if _ELLIPSIS_RE.match(fold(last_user).strip()) and history[:at]:
        last_user = EntityCondenser().condense(last_user, history[:at])
    new, old = name_runs(question, skip_first=True), name_runs(last_user) or _first_word_name(last_user)
    if not new or not old:
        return None
    start, end, before = new[0]
    target = next((r for r in old if before and r[2] == before), old[0])
    return last_user[: target[0]] + question[start:end] + last_user[target[1] :]


def _first_word_name(question: str) -> list[tuple[int, int, str]]:
    """A Vietnamese question's first word as its name when it can be nothing else: the subject
    comes first ("Kaluga có bao nhiêu khu công nghiệp?"), and a capitalised word that is no
    Vietnamese syllable nor a question word is a foreign name (a syllable, "Tỉnh", may not be)."""
    first = re.match(r"\s*(\w+)", question)
    if first is None or not has_diacritics(question):
        return []
    word = first.group(1)
    if not word[:1].isupper() or is_syllable(word) or fold(word) in INTERROGATIVES:
        return []
    return [(first.start(1), first.end(1), "")]


def _pronoun_referent(last_user: str, history: list[ChatMessage]) -> list[str]:
    """The person a pronoun of the previous question stood for (from the turns before it)."""
    if not _PRONOUN_RE.search(last_user):
        return []
    at = max(i for i, m in enumerate(history) if m["role"] == "user")
    earlier = history[:at]
    if not earlier:
        return []
    condensed = EntityCondenser().condense(last_user, earlier)
    own = {fold(n) for n in person_names(last_user)}
    return [n for n in person_names(condensed) if fold(n) not in own][:1]


# --- the chat model ---------------------------------------------------------------------------

_PRONOUNS = set(FOLLOW_UP_PRONOUNS)
_ASKING_RE = re.compile(r"\?|\b(?:" + "|".join(sorted(INTERROGATIVES, key=len, reverse=True)) + r")\b")


def _asks(text: str) -> bool:
    return bool(_ASKING_RE.search(fold(text)))


def plausible_rewrite(question: str, rewrite: str, history: list[ChatMessage]) -> bool:
    """A rewrite keeps the follow-up's own words (only pronouns replaced), still asks
    something, and is not simply an earlier question repeated — small models do all three
    ("Ông ấy đã gặp vị Đại sứ nào?" came back as the statement "Nguyễn Doãn Anh đã làm việc
    với Đại sứ Russian.")."""
    if not rewrite or len(rewrite) > 4 * len(question) + 200:
        return False
    if _asks(question) and not _asks(rewrite):
        return False
    key = " ".join(re.findall(r"\w+", fold(rewrite)))
    if any(key == " ".join(re.findall(r"\w+", fold(str(m["content"])))) for m in history):
        return False
    own = {w for w in re.findall(r"\w+", fold(question)) if w not in _PRONOUNS}
    kept = own & set(key.split())
    return len(kept) >= 0.6 * len(own)


class ChatCondenser:
    """Asks the chat model behind ``client`` to rewrite the follow-up (one call, no
    streaming); an implausible rewrite is replaced by ``fallback``'s. A failing model call
    raises its :class:`~assistant.errors.ModelError`."""

    def __init__(
        self,
        client: ChatClient,
        *,
        prompt: Prompt | None = None,
        fallback: Condenser | None = None,
    ) -> None:
        self.client = client
        self.prompt = prompt or load_prompt("condense")
        self.fallback = fallback or EntityCondenser()

    def condense(self, question: str, history: list[ChatMessage]) -> str:
        if not history:
            return question
        reply = self.client.invoke([condense_message(self.prompt, question, history)])
        text = reply.strip().strip('"“”').strip()
        text = re.sub(
            r"^(?:rewritten|standalone question|câu hỏi)\s*:\s*", "", text, flags=re.IGNORECASE
        ).strip('"“” ')
        first = text.splitlines()[0].strip() if text else ""
        if not plausible_rewrite(question, first, history):
            log.info("condense gave an unusable rewrite (%r); using the fallback", first[:80])
            return self.fallback.condense(question, history)
        return first
