"""A compound question: two questions asked as one.

"Ai dẫn đầu đoàn Thái Bình sang Nga và ai dẫn đầu đoàn Thanh Hóa sang Nga?", "Who is the
Governor of Kaluga, and who is Vietnam's ambassador to Russia?": two interrogative clauses
joined by a coordinator, each with its own question word. "Bí thư Tỉnh ủy Thanh Hóa và Bí thư
Tỉnh ủy Nghệ An là ai?": two offices asked about by one "là ai" (who are they). Searched and
read as one question, the half with more words wins every passage and sentence, and the other
half goes unanswered; so each part is searched, read and answered as if asked alone, and the
answer gives one cited answer per part (:class:`assistant.extractive.ExtractiveEngine`).

The coordinators and question words are closed classes of the grammars that
:mod:`assistant.wordlists` names (``INTERROGATIVES``, ``ENGLISH_INTERROGATIVES``); whether a side names an office is
:func:`assistant.titles.role_in`. A noun phrase that holds "và" ("Vùng đô thị El Centro và
vùng đô thị San Diego tạo thành gì?") is one question: only one side asks anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.condense import points_back
from assistant.questions import analyse
from assistant.reader import Reading
from assistant.text import normalize
from assistant.titles import role_in
from assistant.types import Evidence, Passage
from assistant.wordlists import ENGLISH_INTERROGATIVES

__all__ = ["Compound", "combined", "merged", "question_parts", "rebased"]

# the English question words ("who", "what" … "how"), and the Vietnamese ones with their marks
# (``INTERROGATIVES`` holds them folded: "dau" is also "đầu", head, as in "dẫn đầu")
_ENGLISH = "|".join(ENGLISH_INTERROGATIVES)
_QUESTION_WORD_RE = re.compile(rf"\b(?:ai|gì|nào|đâu|bao nhiêu|bao giờ|bao lâu|mấy|sao|chưa|không|{_ENGLISH})\b",
                               re.IGNORECASE)
# a coordinator between two clauses: after a comma or semicolon, or before a question word
_JOIN_RE = re.compile(rf"\s*(?:[,;]\s*(?:và|còn|and|but)\s+|\s+(?:và|còn|and)\s+(?=(?:ai|{_ENGLISH})\b)|;\s*)",
                      re.IGNORECASE)
_OFFICES_ASKED_RE = re.compile(r"^(?P<a>.+?)\s+(?:và|and)\s+(?P<b>.+?)\s+là ai$", re.IGNORECASE)
_MIN_WORDS = 3  # a side shorter than this is a fragment ("và khi nào?"), not a question


def _asks(clause: str) -> bool:
    return bool(_QUESTION_WORD_RE.search(normalize(clause.lower())))


def _question(clause: str) -> str:
    clause = clause.strip()
    return f"{clause[:1].upper()}{clause[1:]}?"


def question_parts(question: str) -> list[str]:
    """The questions ``question`` asks, each standing alone; ``[question]`` when it asks one."""
    body = normalize(question).strip().rstrip("?").strip()
    for m in _JOIN_RE.finditer(body):
        a, b = body[: m.start()].strip(), body[m.end() :].strip()
        if len(a.split()) >= _MIN_WORDS and len(b.split()) >= _MIN_WORDS and _asks(a) and _asks(b):
            if points_back(b):
                break  # "…, và ông ấy đã gặp ai?": the second asks about the first's answer
            return [_question(a), _question(b)]
    m = _OFFICES_ASKED_RE.match(body)
    if m and role_in(m["a"]).units and role_in(m["b"]).units:
        return [_question(f"{m['a']} là ai"), _question(f"{m['b']} là ai")]
    return [question]


def merged(lists: list[list[Passage]]) -> list[Passage]:
    """The passages of every part, once each, taken in turn (each part's best first)."""
    out: list[Passage] = []
    seen: set[str] = set()
    for rank in range(max((len(ps) for ps in lists), default=0)):
        for ps in lists:
            if rank < len(ps) and ps[rank].chunk_id not in seen:
                seen.add(ps[rank].chunk_id)
                out.append(ps[rank])
    return out


def rebased(reading: Reading, passages: list[Passage]) -> Reading:
    """``reading`` (of some of ``passages``) with its sentences numbered by ``passages``."""
    where = {p.chunk_id: n for n, p in enumerate(passages, 1)}
    sentences = [replace(s, passage=where[reading.passages[s.passage - 1].chunk_id]) for s in reading.sentences]
    return replace(reading, passages=passages, sentences=sentences)


@dataclass
class Compound:
    """What the parts of a compound question found, read as one answer's evidence."""

    reading: Reading  # every part's sentences, taken in turn, over every part's passages
    evidence: Evidence  # the best part's (the answer is refused only when no part has any)
    parts: list[Reading]  # the readings of the parts that have evidence, over ``reading.passages``
    missing: list[str]  # the parts that have none


def combined(question: str, asked: list[str], readings: list[Reading], assessed: list[Evidence]) -> Compound:
    """One reading of ``question`` from its parts' (``asked``, read as ``readings`` and
    judged by the evidence gate as ``assessed``)."""
    passages = merged([r.passages for r in readings])
    rebased_ = [rebased(r, passages) for r in readings]
    found = [i for i, e in enumerate(assessed) if e.sufficient] or list(range(len(asked)))
    sentences, seen = [], set()
    for rank in range(max(len(rebased_[i].sentences) for i in found)):
        for i in found:
            if rank < len(rebased_[i].sentences):
                sentence = rebased_[i].sentences[rank]
                if (sentence.passage, sentence.index) not in seen:
                    seen.add((sentence.passage, sentence.index))
                    sentences.append(sentence)
    weights = {w: v for i in found for w, v in rebased_[i].weights.items()}
    reading = Reading(question, analyse(question), passages, sentences, weights)
    evidence = max((assessed[i] for i in found), key=lambda e: e.score or 0.0)
    missing = [asked[i] for i in range(len(asked)) if i not in found]
    return Compound(reading, evidence, [rebased_[i] for i in found], missing)
