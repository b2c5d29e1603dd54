"""The extractive answer engine: no language model; a short answer and the article's own words.

It takes the reader's best sentence (:mod:`assistant.reader`) and answers with

- the short answer: the part of that sentence that answers the question — a name, a number,
  a date, when the question asks for one (:mod:`assistant.spans`); otherwise the phrase of
  it that answers (a clause trimmed of what the question says, :mod:`assistant.phrases`),
  when the phrase model is sure enough of it;
- the quoted sentence (with the sentence before it when it opens with a pronoun pointing
  back: "Anh ấy cũng là ..." needs its antecedent) and the ``[n]`` of its passage;
- for an English question, an English lead-in before the Vietnamese quote;
- a second quote when the reader is unsure between its two best sentences (an operating point
  fitted on the tuning part; the answer may also be split between two articles); when the two
  come from different articles with different short answers, the sources disagree and the
  answer says so, with both short answers, each cited;
- for a who-question naming an office whose best sentence names no one for it, the first of
  the reader's next five sentences that gives the office to a person leads, the best second.

It never quotes a sentence the injection filter flagged (``request.exclude``). When there is
no sentence at all it declines (``result.refused``); whether the passages answer the question
is the answerability gate's decision (:mod:`assistant.evidence`), taken before any engine.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import cache

import numpy as np

from assistant.facts import english_time, other_year
from assistant.injection import is_flagged
from assistant.markers import strip_markers
from assistant.phrases import answer_phrase, clauses
from assistant.reader import Reader, Reading, ScoredSentence
from assistant.spans import office_holder, short_answer
from assistant.terms import content_words
from assistant.text import folded_key, matching_key
from assistant.types import GenerationRequest, GenerationResult
from assistant.units import english_quantity
from assistant.wordlists import CLAUSE_OPENERS, CONNECTIVES

__all__ = ["ExtractiveEngine", "typed_answer"]

log = logging.getLogger(__name__)



def _fitted_shares() -> tuple[float, float]:
    """The reader model's operating points for a second quote: any runner-up, and one that is
    the best sentence's neighbour in its passage (the same rule, fitted apart: ``evals.fit``)."""
    from assistant.linear import load_model
    from assistant.reader import READER_FEATURES

    meta = load_model("reader", READER_FEATURES).meta
    second = float(meta.get("second_share", 1.0))
    return second, min(second, float(meta.get("adjacent_share", second)))


class ExtractiveEngine:
    """Answers with a short span and a quote from the passages; needs only the reader."""

    name = "extractive"

    def __init__(self, reader: Reader, *, second_share: float | None = None, adjacent_share: float | None = None,
                 phrase_leads: bool = True):
        self.reader = reader
        self.second_share = second_share  # None: the reader model's operating points
        self.adjacent_share = adjacent_share
        self.phrase_leads = phrase_leads  # Settings.phrase_leads

    @property
    def model_name(self) -> str:
        return f"extractive ({getattr(self.reader.embeddings, 'name', 'embeddings')})"

    # --- the seam ----------------------------------------------------------------------

    def stream(self, request: GenerationRequest, result: GenerationResult) -> Iterator[str]:
        """The answer; a compound question's (``request.parts``) one answer per question, each
        on its own lines (a question without one is left out; with none, ``result.refused``)."""
        result.engine = self.name
        result.model = self.model_name
        readings = list(request.parts) or [request.reading]
        if readings[0] is None:
            readings = [self.reader.read(request.standalone_question, request.passages, exclude=request.exclude)]
        said = False
        for reading in readings:
            opened = False
            for piece in self._answer(_unflagged(reading, request.exclude), request.language == "en", result):
                yield ("\n" if said and not opened else "") + piece
                opened = True
            said = said or opened
        result.refused = not said

    def _answer(self, reading: Reading, english: bool, result: GenerationResult) -> Iterator[str]:
        picked = self.select(reading)
        if not picked:
            return
        cited = [reading.passages[s.passage - 1] for s in picked]
        if year := other_year(reading.question, [s.text for s in picked],
                              " ".join(f"{p.title} {p.date} {p.text}" for p in cited)):
            result.declined = ("other_year", f"the question asks about {year}; the sentences found, and their "
                                             f"articles, speak of other years")
            return
        shorts = [typed_answer(reading, s) for s in picked]
        if not shorts[0] and reading.info.qtype == "who":
            # the best sentence names no one for the office asked about ("Ai là Bí thư Tỉnh ủy
            # Nghệ An?" -> "Bí thư Tỉnh ủy Nghệ An bày tỏ …"): lead with the next one that
            # gives it to a person, and keep the best one as the second quote
            holder = _office_holder(reading, picked[0])
            if holder is not None:
                picked, shorts = [holder[0], picked[0]], [holder[1], ""]
        if len(picked) == 1 and picked[0].kind and shorts[0]:
            other = conflicting(reading, picked[0], shorts[0])
            if other is not None:
                picked.append(other[0])
                shorts.append(other[1])
        disagree = disagreement(reading, picked, shorts)
        if disagree:
            log.info("the sources disagree: %r vs %r", shorts[0], shorts[1])
            result.disagreeing = frozenset(reading.passages[s.passage - 1].doc_id for s in picked)
        if (len(picked) == 2 and not disagree and picked[0].passage == picked[1].passage
                and abs(picked[0].index - picked[1].index) == 1):
            # the sentence before or after the best one: one quote of both, in the article's order
            first, then = sorted(picked, key=lambda s: s.index)
            quotes, picked = [f"{self.quote(reading, first)} {then.text.strip()}"], picked[:1]
        else:
            quotes = [self.quote(reading, s) for s in picked]
        keys = [matching_key(q) for q in quotes]
        if len(picked) == 2 and not disagree and (keys[0] in keys[1] or keys[1] in keys[0]):
            # the second sentence points back to the first ("Ông Platonov cho rằng …" after
            # "… ông Vladimir Platonov khẳng định …"), so its quote holds the first one (or the
            # other way round; overlapping chunks can hold the two in different passages; an
            # article can say a thing twice, once as "Tỉnh Thái Bình có …", once as "Trong khi
            # đó tỉnh Thái Bình có …"): one quote, the longer, cited to its own passage
            keep = int(len(quotes[1]) > len(quotes[0]))
            quotes, picked = [quotes[keep]], [picked[keep]]
        doc = reading.passages[picked[0].passage - 1].doc_id
        for i, (sentence, quote) in enumerate(zip(picked, quotes, strict=True)):
            result.quotes.setdefault(sentence.passage, quote)
            short = shorts[i] if i == 0 or disagree else ""
            if i == 0 and not short and self.phrase_leads:
                short = _phrase(reading, quote)  # a what/which question: the phrase that answers it
            same = reading.passages[sentence.passage - 1].doc_id == doc
            yield ("\n" if i else "") + format_answer(short, quote, sentence.passage, english=english,
                                                      first=i == 0, disagrees=disagree and i > 0,
                                                      same_article=same)

    # --- choosing ----------------------------------------------------------------------

    def select(self, reading: Reading) -> list[ScoredSentence]:
        """The best sentence, and the runner-up when the reader is unsure between them: its
        softmax share is at least ``second_share`` of the best one's (the operating point
        fitted with the reader, ``assistant/models/reader.json``: an added second quote holds
        the answer the first misses at least a quarter of the time on the tuning part). The
        sentence just before or after the best one in its passage reaches that precision at a
        lower share (``adjacent_share``): the answer is split between the two, or sits next
        to the sentence the reader liked."""
        if not reading.sentences:
            return []
        best = reading.sentences[0]
        if len(reading.sentences) < 2:
            return [best]
        runner = reading.sentences[1]
        fitted = _fitted_shares()
        second = fitted[0] if self.second_share is None else self.second_share
        adjacent = min(second, fitted[1]) if self.adjacent_share is None else self.adjacent_share
        near = runner.passage == best.passage and abs(runner.index - best.index) == 1
        if math.exp(runner.score - best.score) >= (adjacent if near else second) and runner.text != best.text:
            return [best, runner]
        return [best]

    @staticmethod
    def quote(reading: Reading, sentence: ScoredSentence) -> str:
        """The sentence, with the one before it when it opens with a pronoun pointing back."""
        if sentence.anaphora:
            passage = reading.passages[sentence.passage - 1].text
            before = passage[: sentence.start].rstrip()
            from assistant.text import split_sentences

            spans = split_sentences(before)
            if spans and not is_flagged(before[spans[-1][0]:spans[-1][1]]):
                a, b = spans[-1]
                return f"{before[a:b]} {sentence.text}".strip()
        return sentence.text.strip()


def _unflagged(reading: Reading, exclude: frozenset[str]) -> Reading:
    """``reading`` without sentences that address an AI or instruct it: whatever the caller
    screened, the engine never quotes one (:mod:`assistant.injection`)."""
    kept = [s for s in reading.sentences if s.text not in exclude and not is_flagged(s.text)]
    return reading if len(kept) == len(reading.sentences) else replace(reading, sentences=kept)


def _context(reading: Reading, sentence: ScoredSentence) -> str:
    """The title and text of ``sentence``'s passage (where a short answer looks for places)."""
    passage = reading.passages[sentence.passage - 1]
    return f"{passage.title}\n{passage.text}"


def typed_answer(reading: Reading, sentence: ScoredSentence) -> str:
    """The short answer from ``sentence`` when the question asks for a name, a number or a
    date (:mod:`assistant.spans`); for an English question a time or quantity in
    English words ("tháng 2 năm 2014" -> "February 2014", "những năm 1990" -> "1990s", "6,25
    triệu USD" -> "6.25 million USD"; :func:`assistant.units.english_quantity`)."""
    span = short_answer(sentence.text, reading.question, reading.info.qtype, context=_context(reading, sentence),
                        prefer=_clause_preference(reading, sentence.text))
    if span is None:
        return ""
    if reading.info.language != "en" or span.kind not in ("date", "number"):
        return span.text
    return english_quantity(english_time(span.text))


# How much a candidate's clause being nearer the question in meaning (e5) counts, against the
# question's words around it (assistant.spans: 1 for a candidate the question does not say,
# 0.05 less per word away from the question's words). Chosen on the tuning part among 0, 1, 2,
# 4 and 8 by the typed short answers that hold the answer when the quote does: Vietnamese
# 89 -> 91 of 127 at 2, English 41 -> 44 of 74 (words cannot place an English question's
# answer in a Vietnamese sentence; its meaning can).
_CLAUSE_WEIGHT = 2.0
# A question that opens with "Ai"/"Who" asks for a clause's subject: a name that opens a clause
# (after punctuation or a joining word) and that a lower-case word (its verb) follows gets this
# much more ("…, tham gia Pro Bowl, Kawann Short dẫn đầu …" for "Who registered the most
# sacks …?"). Chosen on the tuning part among 0.1, 0.2, 0.3 and 0.5: who-questions' leads
# holding the answer, English 11 -> 13 of 26 at 0.3 and 0.5, Vietnamese 26 of 42 at each.
_SUBJECT_BONUS = 0.3
_JOINS = frozenset(w for phrase in (*CONNECTIVES, *CLAUSE_OPENERS) for w in phrase.split())
_WORD_RE, _LAST_WORD_RE = re.compile(r"\w+"), re.compile(r"\w+$")


def _clause_preference(reading: Reading, sentence: str) -> Callable[[int, int], float] | None:
    """What a candidate short answer at a character range of ``sentence`` gains: its clause's
    e5 similarity to the question less the nearest clause's, and for a question about who did
    something, the subject's place."""
    if reading.info.qtype not in ("who", "number", "when"):
        return None
    bounds = [(toks[0].start, toks[-1].end) for toks, _ in clauses(sentence)]
    asked = _WORD_RE.findall(reading.question.lower())
    subject = reading.info.qtype == "who" and bool(asked) and asked[0] in ("ai", "who")

    @cache
    def similarities() -> np.ndarray:  # embedded when a candidate is first ranked, once
        if reading.similarity is None or len(bounds) < 2:
            return np.zeros(len(bounds))
        found = np.asarray(reading.similarity([sentence[a:b] for a, b in bounds]), dtype=np.float64)
        return found - found.max()

    def prefer(start: int, end: int) -> float:
        near = similarities()
        inside = [s for (a, b), s in zip(bounds, near, strict=True) if a <= start < b]
        gain = _CLAUSE_WEIGHT * (inside[0] if inside else float(near.min(initial=0.0)))
        if subject:
            before = sentence[:start].rstrip()
            last = _LAST_WORD_RE.search(before)
            opens = not before or before[-1] in ",;:(“\"" or (last is not None and last.group().lower() in _JOINS)
            verb = _WORD_RE.match(sentence[end:].lstrip())
            gain += _SUBJECT_BONUS if opens and verb is not None and verb.group()[:1].islower() else 0.0
        return gain

    return prefer


def _phrase(reading: Reading, quote: str) -> str:
    """The phrase of ``quote`` that answers a question no name, number or date answers, when
    the phrase model is sure enough of it (:mod:`assistant.phrases`); "" otherwise."""
    return answer_phrase(quote, reading.question, reading.info, weights=reading.weights,
                         similarity=reading.similarity)


_HOLDER_SEARCH = 5  # the reader's next sentences searched for the office's holder (set before measuring)


def _office_holder(reading: Reading, best: ScoredSentence) -> tuple[ScoredSentence, str] | None:
    """Among the reader's next sentences, the first that gives the office a who-question
    asks about to a person (and that person), when the best one names no one for it."""
    for other in reading.sentences[1 : 1 + _HOLDER_SEARCH]:
        if other.text == best.text:
            continue
        span = office_holder(other.text, reading.question, context=_context(reading, other))
        if span is not None:
            return other, span.text
    return None


def conflicting(reading: Reading, best: ScoredSentence, mine: str) -> tuple[ScoredSentence, str] | None:
    """A sentence of another article that tells the same report as ``best`` (whose short
    answer is ``mine``) — it holds the kind of fact asked for, at least as much of the
    question's words, and most of ``best``'s other words — with another short answer, and
    that answer: a source that disagrees (None when there is none)."""
    doc = reading.passages[best.passage - 1].doc_id
    for other in reading.sentences[1:]:
        if (other.kind and other.lexical >= best.lexical and other.text != best.text
                and reading.passages[other.passage - 1].doc_id != doc):
            theirs = typed_answer(reading, other)
            if disagreement(reading, [best, other], [mine, theirs]):
                return other, theirs
    return None


def disagreement(reading: Reading, picked: list[ScoredSentence], shorts: list[str]) -> bool:
    """The two quoted sentences come from different articles and give different short
    answers to the question (two names for who led a delegation): the sources disagree, and
    the answer says so, citing both."""
    if len(picked) != 2 or not all(shorts):
        return False
    docs = {reading.passages[s.passage - 1].doc_id for s in picked}
    a, b = (folded_key(s) for s in shorts)
    return len(docs) == 2 and a not in b and b not in a and _same_report(picked, shorts)


# Two sentences tell the same report when, their answers set aside, each shares at least this
# share of its content words with the other. Chosen on the tuning part: the second sentences
# the reader ranks next from another article share at most 0.38 there (76 of 818 questions had
# one); two papers' wordings of one event share most of their words.
_SAME_REPORT = 0.5


def _same_report(picked: list[ScoredSentence], shorts: list[str]) -> bool:
    a, b = (content_words(s.text) - set(folded_key(short).split()) for s, short in zip(picked, shorts, strict=True))
    return bool(a and b) and len(a & b) / max(len(a), len(b)) >= _SAME_REPORT


def format_answer(short: str, quote: str, n: int, *, english: bool, first: bool = True,
                  disagrees: bool = False, same_article: bool = False) -> str:
    """``short — “quote” [n]``: one claim, checked as one (the citation check reads a
    quotation whole). English questions get an English lead-in before the Vietnamese quote;
    with no short answer the quote stands alone. A quote after the first is from the first
    one's article (``same_article``) or from another, and an English lead-in says which.
    ``disagrees``: this quote's article gives another answer than the first's, and the lead-in
    says so. A quotation inside the quote takes single marks (‘…’), as one inside another does."""
    quote = quote.strip().replace("“", "‘").replace("”", "’")
    if not quote.endswith((".", "!", "?", "…", '"', "’")):
        quote += "."
    if disagrees:
        lead = "but another article says" if english else "nhưng một bài báo khác viết"
        return f"{short} — {lead}: “{quote}” [{n}]"
    if english:
        lead = ("according to the article" if first
                else "the article also says" if same_article else "another article says")
        head = f"{short} — {lead}: " if short else f"{lead[0].upper()}{lead[1:]}: "
    else:
        head = f"{short} — " if short else ""
    return f"{head}“{quote}” [{n}]"


_OPEN_QUOTE = "“"
_HEAD_TRAIL = " \t\n—–-:;,"


def answer_head(text: str, *, quoted: bool = False) -> str:
    """The short answer a text written by :func:`format_answer` leads with, without citation
    markers: "TH" of "TH — “…” [1]" and of "TH — according to the article: “…”"; "" when
    the text opens with its quote or with a lead-in alone ("According to the article: “…”").
    A text without a quote is its own short answer, unless ``quoted`` asks for one."""
    if quoted and _OPEN_QUOTE not in text:
        return ""
    raw = text.split(_OPEN_QUOTE, 1)[0]
    if _OPEN_QUOTE in text and " — " in raw:
        raw = raw.split(" — ", 1)[0]  # `short — lead-in: “quote”`
    elif raw.rstrip().endswith(":") and len(raw.split()) >= 3:
        raw = ""  # `Lead-in of some words: “quote”` introduces the quote: no short answer ("308: “…”" is one)
    return clean_head(raw)


def clean_head(text: str) -> str:
    """``text`` as a short answer reads: without citation markers, spaces before punctuation
    and trailing dashes or colons, on single spaces."""
    return " ".join(strip_markers(text).split()).strip(_HEAD_TRAIL)
