"""The model's answer against its evidence: used when verified, else the quick answer stands.

:func:`judge` reads a chat model's claims (structured, citing numbered evidence sentences; or
plain text whose ``[n]`` markers cite passages), verifies each against what it cites
(:mod:`assistant.claims`: names, the roles given to people, numbers with units, dates), runs
the citation check on the rendered answer, and fills in the :class:`~assistant.types.Answer`
(the model's answer, or the quick one with the reason recorded in its ``model_check``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from functools import cache

from assistant.citations import check_answer
from assistant.claims import claim_problems, stated_role, verify_claims
from assistant.evidence_sentences import passage_sentences
from assistant.extractive import answer_head, format_answer
from assistant.facts import has_number, other_year
from assistant.people import leading_name, name_runs, person_names
from assistant.questions import asks_office
from assistant.role_check import holds
from assistant.spans import counts_asked
from assistant.structured import parse_reply, render
from assistant.terms import content_words
from assistant.text import folded_key, matching_key, normalize
from assistant.titles import asks_about_another, is_role_phrase, role_subject
from assistant.types import (
    Answer,
    AnswerEvent,
    Citation,
    Claim,
    EvidenceSentence,
    GenerationRequest,
    GenerationResult,
    ModelCheck,
    Passage,
    Refusal,
)
from assistant.wordlists import CARDINALS, MAGNITUDES, stopword_syllables, stopwords

__all__ = ["judge", "kept"]

log = logging.getLogger(__name__)


def kept(answer: Answer, reason: str, refusal: str) -> AnswerEvent:
    """The quick answer stands; with no quick answer, the answer is a refusal."""
    if answer.quick_refused:
        answer.refused = True
        answer.text, answer.citations = refusal, []
        return AnswerEvent("final", refusal)
    return AnswerEvent("kept", reason)

def judge(answer: Answer, check: ModelCheck, request: GenerationRequest, result: GenerationResult,
          model_text: str, refusal: str, model_refusal_refuses: bool = True,
          disagreeing: frozenset[str] = frozenset()) -> AnswerEvent:
    """Verify the model's answer; use it, or keep the quick answer (saying why in
    ``check.reason``). When the model finds no answer, ``model_refusal_refuses`` makes the
    answer a refusal even if the quick answer had one; ``disagreeing``: articles the quick
    answer found disagreeing on the fact, which the model's answer must cite too."""
    claims = result.claims
    if claims is None:  # an engine without structured output: its sentences cite passages
        claims = _passage_claims(model_text)
    check.found = False if result.refused else bool(claims) or None
    check.claims = list(claims)
    if result.refused or not claims:
        check.reason = "the model found no answer in the evidence"
        if model_refusal_refuses:
            return _refused(answer, result, refusal, Refusal(
                "engine_declined", f"the {result.engine} engine found no answer in the evidence", "engine"))
        return kept(answer, check.reason, refusal)
    if result.claims is None:
        claims, evidence, _ = _as_sentence_claims(claims, request.passages)
    else:
        evidence = result.evidence
    verdict = verify_claims(claims, evidence, request.passages, question=request.question)
    check.repaired, check.dropped, check.problems = verdict.repaired, verdict.dropped, verdict.problems
    info = getattr(request.reading, "info", None)
    if not verdict.passed:
        check.reason = verdict.reason
        log.info("the model's answer is not used: %s", verdict.reason)
        asked_quantity = getattr(info, "qtype", "") in ("number", "when") or _bare_quantity(claims[0].text)
        invented = _made_up(claims[0], evidence, request) if asked_quantity else ""
        if invented and counts_asked(answer_head(answer.quick), request.standalone_question or request.question):
            # the quick answer holds a number of what the question counts ("0,12%" for "bao
            # nhiêu phần trăm"): the evidence has it, and the model's number is its own mistake
            check.reason += (f"; the quick answer holds the number asked for, so {invented} is not taken as a "
                             "sign that the evidence lacks it")
            return kept(answer, check.reason, refusal)
        if invented and model_refusal_refuses:
            # asked for a number or date, the model gave one that nothing it read holds: it
            # made up what it did not find, which says the evidence lacks the answer
            return _refused(answer, result, refusal, Refusal(
                "engine_invented", f"the {result.engine} engine answered with {invented}, which no evidence "
                "sentence holds", "engine"))
        return kept(answer, check.reason, refusal)
    if getattr(info, "qtype", "") == "who" and not asks_office(request.question) \
            and not any(person_names(c.text) for c in verdict.claims) \
            and not answer.quick_refused and person_names(answer.quick):
        check.reason = "the question asks who; the model's answer names nobody and the quick answer names a person"
        return kept(answer, check.reason, refusal)
    if getattr(info, "qtype", "") == "who" and (subject := _only_the_subject(
            request.standalone_question or request.question, verdict.claims, evidence)):
        check.reason = (f"the question is about {subject}, and asks for someone else; the model's answer names "
                        "only them")
        return kept(answer, check.reason, refusal)
    if _restates_question(verdict.claims[0].text, request.question):
        check.reason = "the model's answer only restates the question"
        return kept(answer, check.reason, refusal)
    text = render(verdict.claims)
    checked = check_answer(text, answer.passages, language=answer.language)
    if not (checked.supported and checked.citations):
        check.reason = "the citation check found no supported claim"
        return kept(answer, check.reason, refusal)
    cited = {answer.passages[c.index - 1].doc_id for c in checked.citations if 0 < c.index <= len(answer.passages)}
    question = request.standalone_question or request.question
    in_cited = [p for p in answer.passages if p.doc_id in cited]
    unnamed = _unnamed(question, in_cited, answer.passages)
    if unnamed:  # "How much did Thanh Hóa export?" answered from the Nghệ An article
        check.reason = f"the question asks about {unnamed[0]}, which the passages the model cites never name"
        return kept(answer, check.reason, refusal)
    if year := other_year(question, [p.text for p in in_cited], " ".join(f"{p.title} {p.date}" for p in in_cited)):
        check.reason = f"the question asks about {year}; the passages the model cites speak of other years"
        return kept(answer, check.reason, refusal)
    if not disagreeing <= cited:  # the quick answer cites both sides; one side alone hides that
        check.reason = "the articles disagree on this and the model's answer cites only one side"
        return kept(answer, check.reason, refusal)
    check.used = True
    answer.answered_by = "model"
    answer.engine = result.engine
    answer.raw_text = model_text
    answer.refused = False
    answer.refusal = None
    answer.verification = checked.verification
    answer.text = checked.text
    if result.claims is not None and " ".join(checked.text.split()) == " ".join(text.split()):
        # nothing dropped: each claim followed by the sentences it rests on, quoted as the
        # quick answer quotes them, so what the answer says can be checked where it is said
        answer.text = _quoted(verdict.claims, result.evidence, answer.passages,
                              english=answer.language == "en") or answer.text
    answer.citations = _claim_quotes(checked.citations, verdict.claims, result.evidence)
    return AnswerEvent("final", answer.text)


def _made_up(claim: Claim, evidence: list[EvidenceSentence], request: GenerationRequest) -> str:
    """The number or date of ``claim`` that no evidence sentence holds, nor the conversation
    the model read (a follow-up may take it from an earlier answer); "" when there is none."""
    said = [e.text for e in evidence] + [str(m.get("content", "")) for m in request.history]
    dates = [p.date for p in request.passages]
    for problem in claim_problems(claim.text, said, " ".join(said), dates):
        if problem.startswith(("the number ", "the date ")):
            return problem.removesuffix(" is not in the cited sentences")
    return ""


@cache
def _plain_words() -> frozenset[str]:
    """Words that say no more than a number does: its scale, numerals, function words."""
    return frozenset(MAGNITUDES) | frozenset(CARDINALS) | stopwords("en") | stopword_syllables("vi", marked=True)


def _bare_quantity(text: str) -> bool:
    """The claim is a number and little else — its scale, at most one word for its unit or
    what it counts ("1.2 million", "about 3,000 km²", "1.2 million people"), not a name with
    a year in it ("1973 oil crisis"): the model read the question ("What is the population of
    …?") as asking for a number, whatever words it was asked in."""
    bare = re.sub(r"\[[\d,;\s]+\]", " ", text)
    rest = [w for w in re.findall(r"[^\W\d_]+", normalize(bare.lower())) if w not in _plain_words()]
    return has_number(bare) and len(rest) <= 1


def _refused(answer: Answer, result: GenerationResult, refusal: str, why: Refusal) -> AnswerEvent:
    """The model's verdict on the evidence makes the answer a refusal."""
    answer.refused = True
    answer.refusal = why
    answer.answered_by = "model"
    answer.engine = result.engine
    answer.text, answer.citations = refusal, []
    return AnswerEvent("final", refusal)


def _unnamed(question: str, cited: list[Passage], passages: list[Passage]) -> list[str]:
    """The question's names (capitalised after its first word, or the one it opens with: "Thanh
    Hóa", "Nghệ An") that some retrieved passage names but none of the cited ones does (text
    or article title)."""
    def key(text: str) -> str:
        return f" {folded_key(text)} "

    # the name the question opens with too ("Thanh Hóa xuất khẩu …?"), not its second word alone
    lead = leading_name(question)
    names = lead + [question[start:end] for start, end, _ in name_runs(question, skip_first=True)
                    if not any(key(question[start:end]) in key(n) for n in lead)]
    known, have = [key(f"{p.title} {p.text}") for p in passages], [key(f"{p.title} {p.text}") for p in cited]
    return [n for n in names if any(key(n) in k for k in known) and not any(key(n) in h for h in have)]


def _only_the_subject(question: str, claims: list[Claim], evidence: list[EvidenceSentence]) -> str:
    """The people the answer names, when it says nothing but them and their titles and each is
    whom the question is about rather than whom it asks for ("Bí thư Tỉnh ủy Thanh Hóa đã gặp
    ai?" answered "Nguyễn Doãn Anh", the secretary; "Nguyễn Tiến Thành đã làm việc với ai?"
    answered "Nguyễn Tiến Thành"): a person the question names, or the holder of the office it
    names for its subject (:func:`~assistant.titles.role_subject`); else ""."""
    people = {p for c in claims for p in person_names(c.text)}
    if not people or not asks_about_another(question):
        return ""
    names = re.compile("|".join(map(re.escape, sorted(people, key=len, reverse=True))) + r"|\[[\d,;\s]+\]")
    if not all(is_role_phrase(names.sub(" ", c.text)) for c in claims):
        return ""  # it says more than who they are ("X met the leaders of …")
    subject = role_subject(question)
    office = bool(subject.units) and not subject.generic
    named = [set(folded_key(n).split()) for n in person_names(question)]
    by_number = {e.number: e.text for e in evidence}
    cited = [by_number[n] for c in claims for n in c.sentences if n in by_number]
    for person in people:
        words = set(folded_key(person).split())
        if any(n <= words or words <= n for n in named):
            continue
        if not (office and holds(subject, stated_role(person, cited), " ".join(cited))):
            return ""
    return ", ".join(sorted(people))


def _restates_question(text: str, question: str) -> bool:
    """Every content word of the claim is a word of the question ("Phó Chủ tịch UBND tỉnh
    Thanh Hóa" for "Phó Chủ tịch UBND tỉnh Thanh Hóa nào …?"): it says nothing new."""
    words = content_words(text)
    return bool(words) and words <= content_words(question)


def _quoted(claims: list[Claim], evidence: list[EvidenceSentence], passages: list[Passage], *,
            english: bool) -> str:
    """``claim — “its sentences” [n]`` for each claim (a claim resting on sentences of two
    passages quotes each, the second with its own lead-in); "" when a claim's sentences are
    not all at hand."""
    by_number = {e.number: e for e in evidence}
    lines: list[str] = []
    for claim in claims:
        if not claim.sentences or any(n not in by_number for n in claim.sentences):
            return ""
        quotes: dict[int, list[str]] = {}
        for sentence in (by_number[n] for n in claim.sentences):
            if sentence.text not in quotes.setdefault(sentence.passage, []):
                quotes[sentence.passage].append(sentence.text)
        first = next(iter(quotes))
        short = re.sub(r"[\s.;:,—–-]+$", "", claim.text.strip())
        said = matching_key(" ".join(quotes[first]))
        if matching_key(short) in said and 2 * len(short.split()) >= len(said.split()):
            short = ""  # the claim copies most of its sentence: the quote alone says it
        for i, (n, texts) in enumerate(quotes.items()):
            same = 0 < n <= len(passages) and 0 < first <= len(passages) \
                and passages[n - 1].doc_id == passages[first - 1].doc_id
            lines.append(format_answer(short if i == 0 else "", " … ".join(texts), n, english=english,
                                       first=i == 0, same_article=same))
    return "\n".join(lines)


def _claim_quotes(citations: list[Citation], claims: list[Claim], evidence: list[EvidenceSentence]) -> list[Citation]:
    """Each citation quotes the evidence sentence(s) its claims rest on."""
    by_number = {e.number: e for e in evidence}
    quotes: dict[int, list[str]] = {}
    for claim in claims:
        for n in claim.sentences:
            if n in by_number:
                sentence = by_number[n]
                quotes.setdefault(sentence.passage, [])
                if sentence.text not in quotes[sentence.passage]:
                    quotes[sentence.passage].append(sentence.text)
    return [replace(c, quote=" … ".join(quotes[c.index])) if c.index in quotes else c for c in citations]


def _passage_claims(text: str) -> list[Claim]:
    """Claims from a plain answer whose ``[n]`` markers cite passages."""
    return [Claim(text=c.text, passages=c.sentences) for c in parse_reply(text).claims]


def _as_sentence_claims(claims: list[Claim], passages: list[Passage]) -> tuple[list[Claim], list[EvidenceSentence], list[Passage]]:
    """Passage-citing claims as sentence-citing ones: every sentence of a cited passage is
    evidence (numbered across passages), so the claim check reads them the same way."""
    evidence: list[EvidenceSentence] = []
    numbers: dict[int, list[int]] = {}
    for n, passage in enumerate(passages, start=1):
        for sentence in passage_sentences(passage):
            evidence.append(EvidenceSentence(number=len(evidence) + 1, passage=n, text=sentence))
            numbers.setdefault(n, []).append(len(evidence))
    out: list[Claim] = []
    for claim in claims:
        cited = [s for p in claim.passages for s in numbers.get(p, [])]
        out.append(Claim(text=claim.text, sentences=cited))
    return out, evidence, passages
