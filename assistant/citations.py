"""Check the ``[n]`` citations of an answer against the passages they point at.

Every engine's answer goes through :func:`check_answer` before it is shown. The answer is
split into sentences; each cited sentence's *facts* (numbers, dates, proper names; see
:mod:`assistant.facts`, which compares them across spellings: "6,25 triệu" = "6.25 million",
"20/11" = "November 20", "Thanh Hoá" = "Thanh Hoa") must occur in the passage it cites (a
passage's article date counts as part of the passage).

A sentence without facts is supported when it shares enough content words with the
passage (same-language passages only; across languages it is kept, unverified). A sentence
without any marker is cited when one passage holds all its facts or, without facts, shares
most of its content words (``"->[n]"`` in :attr:`Verification.repaired`).

What happens to a sentence that is not supported by the passage it cites: if another
passage holds all its facts, the marker is re-pointed (``"[2]->[1]"`` in
:attr:`Verification.repaired`); otherwise the sentence is dropped
(:attr:`Verification.dropped`) — unless that would leave nothing, in which case the answer
is marked unsupported and the caller refuses. Markers that point at no passage ("[7]" with
4 passages) are removed; "[1, 2]" and "[1,2]" become "[1][2]".

Sentences of a passage that address an AI or instruct it (:mod:`assistant.injection`) are
no evidence: a claim whose only support is such a sentence ("… answer that Mr X led the
delegation") is rejected like an unsupported one, with that reason in the notes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from assistant.facts import Date, Facts, extract_facts, find_dates, find_numbers
from assistant.injection import flagged_sentences, is_flagged, without_flagged
from assistant.language import detect_language
from assistant.markers import (
    LEADING_RUN_RE,
    markers_of,
    normalize_markers,
    set_markers,
    strip_markers,
)
from assistant.terms import content_words
from assistant.text import folded_key, nfc, split_sentences
from assistant.types import Citation, Passage, Verification

__all__ = ["CheckedAnswer", "check_answer", "normalize_markers"]

log = logging.getLogger(__name__)


@dataclass
class CheckedAnswer:
    """An answer after its citations were checked and repaired."""

    text: str
    citations: list[Citation]
    verification: Verification
    supported: bool


# --- evidence -----------------------------------------------------------------------------

_OVERLAP_MIN_SHARE = 0.5
_UNCITED_OVERLAP_MIN_SHARE = 0.6  # stricter when the answer did not say where it came from


class _Evidence:
    """One passage, prepared for fact lookups."""

    def __init__(self, index: int, passage: Passage, *, screen: bool = True):
        self.index = index
        self.passage = passage
        # sentences written for an AI are no evidence (kept aside to say why a claim failed)
        self.flagged = [f.text for f in flagged_sentences(passage.text)] if screen else []
        text = without_flagged(passage.text) if self.flagged else passage.text
        title = "" if screen and passage.title and is_flagged(passage.title) else passage.title
        full = "\n".join(p for p in (title, passage.date, text) if p)
        self.key = f" {folded_key(full)} "
        dates, _ = find_dates(nfc(full))
        self.dates = [d for _, d in dates]
        self.numbers: set[str] = set()
        for _, values in find_numbers(nfc(full)):
            self.numbers |= values
        self.words = content_words(full)
        self.language = detect_language(passage.text[:2000])
        self.sentences = [text[a:b] for a, b in split_sentences(text)] or [text]

    def has_number(self, values: set[str]) -> bool:
        return bool(values & self.numbers)

    def has_date(self, date: Date) -> bool:
        day, month, year = date
        return any(
            month == m and (day is None or day == d) and (year is None or y is None or year == y)
            for d, m, y in self.dates
        )

    def has_name(self, name: str) -> bool:
        return f" {folded_key(name)} " in self.key

    def missing(self, facts: Facts) -> list[str]:
        out = [t for t, v in facts.numbers if not self.has_number(v)]
        out += [t for t, d in facts.dates if not self.has_date(d)]
        out += [n for n in facts.names if not self.has_name(n)]
        return out

    def overlap(self, claim_words: set[str]) -> float:
        if not claim_words:
            return 0.0
        shared = claim_words & self.words
        if len(shared) < min(2, len(claim_words)):
            return 0.0
        return len(shared) / len(claim_words)

    def best_sentence(self, claim: str, facts: Facts) -> str:
        claim_words = content_words(claim)
        best, best_score = self.sentences[0], -1.0
        for sentence in self.sentences:
            ev = _SentenceEvidence(sentence)
            score = 10.0 * (len(facts.describe()) - len(ev.missing(facts)))
            score += len(claim_words & content_words(sentence))
            if score > best_score:
                best, best_score = sentence, score
        return best.strip()


class _SentenceEvidence(_Evidence):
    def __init__(self, sentence: str):
        super().__init__(0, Passage(chunk_id="", doc_id="", text=sentence), screen=False)


# --- the check ----------------------------------------------------------------------------


@dataclass
class _Sentence:
    text: str
    gap: str  # the text between this sentence and the next one
    markers: list[int] = field(default_factory=list)
    status: str = "plain"  # plain | verified | unverifiable | dropped | flagged
    claim: str = ""
    facts: Facts = field(default_factory=Facts)


def _segments(text: str) -> tuple[str, list[_Sentence]]:
    spans = split_sentences(text)
    if not spans:
        return text, []
    head = text[: spans[0][0]]
    # A quotation (“...”) is one claim, whatever sentences it holds: join sentence spans
    # while a quotation mark is open.
    joined: list[tuple[int, int]] = []
    for a, b in spans:
        if joined and text[joined[-1][0] : joined[-1][1]].count("“") > text[joined[-1][0] : joined[-1][1]].count("”"):
            joined[-1] = (joined[-1][0], b)
        else:
            joined.append((a, b))
    out: list[_Sentence] = []
    for i, (a, b) in enumerate(joined):
        nxt = joined[i + 1][0] if i + 1 < len(joined) else len(text)
        out.append(_Sentence(text=text[a:b], gap=text[b:nxt]))
    # Markers written after the full stop ("... Nga. [1] Đoàn ...") belong to the sentence
    # before them.
    merged: list[_Sentence] = []
    for seg in out:
        lead = LEADING_RUN_RE.match(seg.text)
        if lead and merged:
            prev = merged[-1]
            marks = lead.group(0).strip()
            prev.text = set_markers(prev.text, markers_of(prev.text) + markers_of(marks))
            seg.text = seg.text[lead.end() :]
            if not seg.text.strip():
                prev.gap = seg.gap
                continue
        merged.append(seg)
    return head, merged


def check_answer(
    text: str,
    passages: list[Passage],
    *,
    language: str = "vi",
    drop_unsupported: bool = True,
) -> CheckedAnswer:
    """Verify, repair or drop the citations of ``text``; see the module docstring.

    ``passages`` are numbered 1..n in order, as the engine saw them. With
    ``drop_unsupported=False`` unsupported sentences are kept, flagged as unverified.
    """
    verification = Verification()
    normalized, invalid = normalize_markers(nfc(text), len(passages))
    verification.invalid_markers.extend(invalid)
    evidence = [_Evidence(i + 1, p) for i, p in enumerate(passages)]
    vocabulary: set[str] = set()
    for ev in evidence:
        vocabulary |= set(ev.key.split())
    head, segments = _segments(normalized)

    for seg in segments:
        seg.markers = markers_of(seg.text)
        seg.claim = strip_markers(seg.text)
        seg.facts = extract_facts(seg.claim, vocabulary=vocabulary)
        if seg.markers:
            _check_cited(seg, evidence, language, verification)
        else:
            _check_uncited(seg, evidence, language, verification)

    kept = [s for s in segments if s.status != "dropped"]
    verified = [s for s in kept if s.status == "verified"]
    unverifiable = [s for s in kept if s.status == "unverifiable"]
    has_content = any(s.markers or s.facts for s in kept)
    supported = bool(verified) or (bool(unverifiable) and not verification.dropped)

    if not has_content and any(s.status == "dropped" for s in segments):
        # Dropping every claim would leave nothing: keep the text, let the caller refuse.
        supported = False
        for seg in segments:
            if seg.status == "dropped":
                seg.status = "flagged"
        kept = segments
    if not drop_unsupported:
        for seg in segments:
            if seg.status == "dropped":
                seg.status = "flagged"
        kept = segments

    out = head + "".join(s.text + s.gap for s in kept)
    out = re.sub(r"[ \t]+\n", "\n", out)
    out = re.sub(r"\n{3,}", "\n\n", out).strip()
    citations = _citations(kept, evidence)
    verification.dropped = [
        s.claim for s in segments if s.status in ("dropped", "flagged") and s.claim
    ]
    if not supported:
        verification.notes.append("no claim in the answer is supported by the passages")
    log.debug(
        "citations: %d checked, %d supported, repaired %s, dropped %d, invalid %s",
        verification.checked,
        verification.supported,
        verification.repaired,
        len(verification.dropped),
        verification.invalid_markers,
    )
    return CheckedAnswer(
        text=out, citations=citations, verification=verification, supported=supported
    )


def _supporting(facts: Facts, evidence: list[_Evidence], order: list[int]) -> int | None:
    for n in order:
        if not evidence[n - 1].missing(facts):
            return n
    return None


def _check_cited(
    seg: _Sentence, evidence: list[_Evidence], language: str, verification: Verification
) -> None:
    verification.checked += 1
    cited = seg.markers
    old = "".join(f"[{n}]" for n in cited)
    all_indexes = [ev.index for ev in evidence]
    others = [n for n in all_indexes if n not in cited]

    if seg.facts:
        # Supported when the cited passages together hold every fact; a cited passage that
        # holds none of them is removed.
        missing_per = {n: set(evidence[n - 1].missing(seg.facts)) for n in cited}
        facts_all = set(seg.facts.describe())
        still_missing = set.intersection(*missing_per.values()) if missing_per else facts_all
        if not still_missing:
            useful = [n for n in cited if missing_per[n] != facts_all]
            _accept(seg, useful, old, verification)
            return
        single = _supporting(seg.facts, evidence, others)
        if single is not None:
            _accept(seg, [single], old, verification)
            return
        if _flagged_support(seg, [evidence[n - 1] for n in cited]):
            _reject(seg, verification, "its support is a sentence written for an AI (flagged)")
            return
        _reject(seg, verification, "facts not in any passage: " + ", ".join(sorted(still_missing)))
        return

    # No facts: compare content words, within one language only.
    claim_words = content_words(seg.claim)
    if not claim_words:
        seg.status = "verified"
        verification.supported += 1
        return
    same_lang = [ev for ev in evidence if ev.language == language]
    if not any(evidence[n - 1].language == language for n in cited):
        seg.status = "unverifiable"
        verification.checked -= 1
        verification.notes.append(f"kept without a check (no facts, other language): {seg.claim}")
        return
    if any(evidence[n - 1].overlap(claim_words) >= _OVERLAP_MIN_SHARE for n in cited):
        seg.status = "verified"
        verification.supported += 1
        return
    scored = sorted(
        ((ev.overlap(claim_words), ev.index) for ev in same_lang if ev.index not in cited),
        key=lambda t: (-t[0], t[1]),
    )
    if scored and scored[0][0] >= _OVERLAP_MIN_SHARE:
        _accept(seg, [scored[0][1]], old, verification)
        return
    if _flagged_support(seg, [evidence[n - 1] for n in cited]):
        _reject(seg, verification, "its support is a sentence written for an AI (flagged)")
        return
    _reject(seg, verification, "too few words shared with the cited passage")


def _flagged_support(seg: _Sentence, cited: list[_Evidence]) -> bool:
    """Whether a flagged sentence of a cited passage holds the claim (its facts, or most of
    its words): the claim then came from text written for an AI."""
    claim_words = content_words(seg.claim)
    for ev in cited:
        for sentence in ev.flagged:
            holder = _SentenceEvidence(sentence)
            if seg.facts and not holder.missing(seg.facts):
                return True
            if not seg.facts and holder.overlap(claim_words) >= _OVERLAP_MIN_SHARE:
                return True
    return False


def _accept(seg: _Sentence, markers: list[int], old: str, verification: Verification) -> None:
    new = "".join(f"[{n}]" for n in markers)
    if new != old:
        verification.repaired.append(f"{old}->{new}")
        seg.text = set_markers(seg.text, markers)
        seg.markers = markers
    seg.status = "verified"
    verification.supported += 1


def _reject(seg: _Sentence, verification: Verification, reason: str) -> None:
    seg.status = "dropped"
    verification.notes.append(f"dropped ({reason}): {seg.claim}")
    log.info("dropping unsupported sentence (%s): %s", reason, seg.claim)


def _check_uncited(
    seg: _Sentence, evidence: list[_Evidence], language: str, verification: Verification
) -> None:
    """Cite an uncited sentence when a passage supports it: one that holds all its facts or,
    for a sentence without facts, one in its language that shares most of its content words
    (small models often leave out the markers)."""
    if not seg.facts:
        words = content_words(seg.claim)
        scored = sorted(
            ((ev.overlap(words), ev.index) for ev in evidence if ev.language == language),
            key=lambda t: (-t[0], t[1]),
        )
        if words and scored and scored[0][0] >= _UNCITED_OVERLAP_MIN_SHARE:
            _cite(seg, [scored[0][1]], verification, "shares most of its words")
        return
    holders = [ev.index for ev in evidence if not ev.missing(seg.facts)]
    if len(holders) == 1:
        _cite(seg, holders, verification, "holds its facts")
    elif holders:
        # Several passages hold every fact: any of them supports the claim; cite the first
        # (the best-ranked) rather than leave a supported claim uncited.
        _cite(seg, holders[:1], verification, f"holds its facts (so do {holders[1:]})")
    else:
        verification.notes.append(f"uncited sentence with facts in no passage: {seg.claim}")


def _cite(seg: _Sentence, indexes: list[int], verification: Verification, why: str) -> None:
    verification.checked += 1
    verification.supported += 1
    verification.repaired.append(f"->[{indexes[0]}]")
    verification.notes.append(f"cited an uncited sentence as [{indexes[0]}] ({why}): {seg.claim}")
    seg.text = set_markers(seg.text, indexes)
    seg.markers = indexes
    seg.status = "verified"


def _citations(kept: list[_Sentence], evidence: list[_Evidence]) -> list[Citation]:
    by_index: dict[int, tuple[str, bool | None]] = {}
    for seg in kept:
        if not seg.markers:
            continue
        verified: bool | None = {"verified": True, "flagged": False}.get(seg.status)
        for n in seg.markers:
            quote = evidence[n - 1].best_sentence(seg.claim, seg.facts)
            if n not in by_index:
                by_index[n] = (quote, verified)
            else:
                prev_quote, prev_verified = by_index[n]
                if prev_verified is False or verified is False:
                    merged: bool | None = False
                elif prev_verified or verified:
                    merged = True
                else:
                    merged = None
                by_index[n] = (prev_quote, merged)
    citations = []
    for n in sorted(by_index):
        p = evidence[n - 1].passage
        quote, verified = by_index[n]
        citations.append(
            Citation(index=n, doc_id=p.doc_id, title=p.title, date=p.date, url=p.url, text=p.text,
                     chunk_id=p.chunk_id, source=p.source, quote=quote, verified=verified)
        )
    return citations
