"""Verify a chat model's claims against the evidence sentences they cite.

Every claim of a model's answer names the numbered evidence sentences it rests on
(:mod:`assistant.structured`). :func:`verify_claims` holds each claim to its sentences:

- every proper name in the claim is in a cited sentence (across spellings: "Nguyen Doan
  Anh" = "Nguyễn Doãn Anh");
- every person the claim gives a role is given that role there (:mod:`assistant.titles`:
  the same head and deputy-ness, bodies, level and place — "Bí thư Tỉnh ủy Nghệ An" is not
  "Bí thư Tỉnh ủy Thanh Hóa");
- every number is there with its scale and unit (:mod:`assistant.units`: "6,25 triệu USD" is
  not "6,25 tỷ USD"); a year may also come from the article's date;
- every date is there with its day, month and year (a year the sentence leaves out may come
  from the article's date);
- a claim without any of these shares at least half its content words with a cited
  sentence in the same language (across languages it is kept, unverified);
- an answer that names a person ("Nguyễn Doãn Anh" to "Who is Vietnam's ambassador?")
  claims the role the question asks about, with or without a title of its own: the cited
  sentence must give that person that role (the places the question names need only be in
  the sentence).

A claim that fails with the sentences it cites but passes with another evidence sentence is
re-pointed to that one (repaired). A failing claim after the first is dropped; when the
first claim (the answer itself) fails, or nothing is left, the model's answer is not used
and the quick answer stands — :class:`Verdict` says why, claim by claim.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from assistant.facts import extract_facts, find_dates
from assistant.language import detect_language
from assistant.people import person_names
from assistant.role_check import role_problem
from assistant.terms import content_words
from assistant.text import folded_key, nfc, normalize
from assistant.titles import Role, is_title, role_asked, role_in, role_of, strip_titles
from assistant.types import Claim, EvidenceSentence, Passage
from assistant.units import quantities, same_quantity
from assistant.wordlists import CARDINALS, COUNTING_CARDINALS

__all__ = ["Verdict", "claim_problems", "stated_role", "verify_claims"]

log = logging.getLogger(__name__)

_MIN_OVERLAP = 0.5


@dataclass
class Verdict:
    """The claims that passed (some re-pointed), and what was found."""

    claims: list[Claim] = field(default_factory=list)
    passed: bool = False
    reason: str = ""  # why the answer as a whole is not usable
    repaired: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


_WORD_RE = re.compile(r"\w+")


def _people(text: str) -> list[str]:
    """Person names in ``text``, without a title word the name run swallowed."""
    out: list[str] = []
    for name in person_names(text):
        core = strip_titles(name)
        if core not in out and not is_title(core):
            out.append(core)
    return out


def stated_role(person: str, sentences: Iterable[str]) -> Role:
    """The role the ``sentences`` give ``person``: the union of each sentence's."""
    stated = Role()
    for sentence in sentences:
        stated.merge(role_of(person, sentence))
    return stated


def _bare_role_problem(claimed: Role, sentences: Sequence[str], context: str, question: str) -> str | None:
    """A claim that is only a role ("Bí thư Tỉnh ủy", the answer to "what is his post?") must
    give a role the cited sentences give the person the question names (or, naming nobody
    the sentences know, a role the sentences give anyone)."""
    stated = Role()
    for person in _people(question) if question else []:
        stated.merge(stated_role(person, sentences))
    if not stated:
        for sentence in sentences:
            stated.merge(role_in(sentence))
    problem = role_problem(claimed, stated, context)
    return f"the role {claimed.text!r}: {problem}" if problem else None


def claim_problems(text: str, sentences: Sequence[str], context: str, article_dates: Sequence[str] = (),
                   question: str = "") -> list[str]:
    """What in the claim ``text`` its cited ``sentences`` do not say (empty: supported).
    ``context``: the sentences with their articles' titles (where a place named beside a
    role may be found); ``article_dates``: the articles' ISO dates; ``question``: what the
    claim answers (a bare name claims the role the question asks about)."""
    text = nfc(text)
    joined = nfc(" ".join(sentences))
    key = f" {folded_key(joined + ' ' + context)} "
    problems: list[str] = []
    vocabulary = set(key.split())
    facts = extract_facts(text, vocabulary=vocabulary)
    for name in facts.names:
        if f" {folded_key(name)} " not in key:
            problems.append(f"names {name!r}, which the cited sentences do not")
    asked = role_asked(question) if question else Role()
    named = f" {folded_key(question)} "
    people = _people(text)
    bare = role_in(text) if not people else Role()  # a title, and nobody it belongs to
    if bare.units:
        problem = _bare_role_problem(bare, sentences, context, question)
        if problem:
            problems.append(problem)
    # a question naming someone may name their office too ("… làm việc với Đại sứ Đặng Minh
    # Khôi?"), and "head" ("trưởng đoàn") names no office: a titled answer need not hold those
    titled_need_asked = bool(asked.units) and not (asked.generic or _people(question))
    for person in people:
        claimed = role_of(person, text)
        stated = stated_role(person, sentences)
        problem = role_problem(claimed, stated, context) if claimed else None
        if problem is None and asked.units and f" {folded_key(person)} " not in named \
                and (titled_need_asked or not claimed):
            # a name answers "who is <role>?": it claims that role, whatever title the answer
            # gives it besides ("Lê Hoài Trung, Thứ trưởng Bộ Ngoại giao" is no answer to "Chủ
            # tịch UBND tỉnh Thanh Hóa là ai?", though his sentence gives him that title)
            problem = role_problem(asked, replace(stated, places=[]), context)
        if problem:
            problems.append(f"{person}: {problem}")
    years = {d[:4] for d in article_dates if d[:4].isdigit()}
    stated_quantities = quantities(joined)
    spelled = {str(CARDINALS[w]) for w in map(normalize, _WORD_RE.findall(joined)) if w in COUNTING_CARDINALS}
    stated_dates = [d for _, d in find_dates(joined)[0]]
    stated_years = {str(y) for _, _, y in stated_dates if y is not None}  # "1967" of "ngày 27 tháng 1 năm 1967"
    for q in quantities(text):
        if any(same_quantity(q, s, joined) for s in stated_quantities):
            continue
        if q.unit is None and not q.scaled and q.raw & spelled:  # "3" for "ba khu công nghiệp"
            continue
        if q.unit is None and not q.scaled and q.raw & (years | stated_years):
            continue
        problems.append(f"the number {q.text}" + (f" ({q.unit})" if q.unit else "") + " is not in the cited sentences")
    for written, (day, month, year) in find_dates(text)[0]:
        ok = any(
            month == m and (day is None or day == d) and (year is None or year == y or (y is None and str(year) in years))
            for d, m, y in stated_dates
        )
        if not ok:
            problems.append(f"the date {written!r} is not in the cited sentences")
    if not facts and not problems and not bare.units:  # a checked role says more than shared words
        words = content_words(text)
        same_language = [s for s in sentences if detect_language(s) == detect_language(text)]
        if words and same_language:
            best = max(len(words & content_words(s)) / len(words) for s in same_language)
            if best < _MIN_OVERLAP:
                problems.append("shares too few words with the cited sentences")
    return problems


def verify_claims(
    claims: Sequence[Claim],
    evidence: Sequence[EvidenceSentence],
    passages: Sequence[Passage],
    question: str = "",
) -> Verdict:
    """Check, repair or drop each claim; see the module docstring. ``question``: what the
    first claim answers."""
    verdict = Verdict()
    by_number = {e.number: e for e in evidence}
    if not claims:
        verdict.reason = "the model's answer has no claim"
        return verdict

    def check(claim: Claim, numbers: Sequence[int], asked: str) -> list[str]:
        cited = [by_number[n] for n in numbers if n in by_number]
        if not cited:
            return ["cites no evidence sentence"]
        articles = [passages[s.passage - 1] for s in cited]
        context = " ".join([s.text for s in cited] + [p.title for p in articles])
        return claim_problems(claim.text, [s.text for s in cited], context, [p.date for p in articles], asked)

    for i, claim in enumerate(claims, start=1):
        numbers = [n for n in dict.fromkeys(claim.sentences) if n in by_number]
        asked = question if i == 1 else ""
        problems = check(claim, numbers, asked)
        if problems:
            for other in evidence:  # repair: one other sentence that supports it all
                if other.number not in numbers and not check(claim, [other.number], asked):
                    old = "".join(f"[{n}]" for n in claim.sentences) or "none"
                    verdict.repaired.append(f"claim {i}: sentence {old}->[{other.number}]")
                    numbers, problems = [other.number], []
                    break
        if problems:
            verdict.problems += [f"claim {i} ({claim.text[:80]}): {p}" for p in problems]
            if i == 1:
                verdict.reason = f"the answer's first claim is not supported: {problems[0]}"
                return verdict
            verdict.dropped.append(claim.text)
            continue
        passages_cited = list(dict.fromkeys(by_number[n].passage for n in numbers))
        verdict.claims.append(Claim(text=claim.text, sentences=numbers, passages=passages_cited))
    verdict.passed = bool(verdict.claims)
    if not verdict.passed:
        verdict.reason = "no claim of the model's answer is supported"
    log.debug("claims: %d kept, repaired %s, dropped %d", len(verdict.claims), verdict.repaired, len(verdict.dropped))
    return verdict
