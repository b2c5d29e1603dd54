"""The extractive answer engine: no language model; a short answer and the article's own words.

It takes the reader's best sentence (:mod:`assistant.reader`) and answers with

- the short answer: the part of that sentence that answers the question — a name, a number,
  a date, when the question asks for one (:mod:`assistant.spans`); none otherwise;
- the quoted sentence (with the sentence before it when it opens with a pronoun pointing
  back: "Anh ấy cũng là ..." needs its antecedent) and the ``[n]`` of its passage;
- for an English question, an English lead-in before the Vietnamese quote;
- a second quote when the reader is unsure between its two best sentences (an operating point
  fitted on the tuning part; the answer may also be split between two articles).

It never quotes a sentence the injection filter flagged (``request.exclude``). When there is
no sentence at all it declines (``result.refused``); whether the passages answer the question
is the answerability gate's decision (:mod:`assistant.evidence`), taken before any engine.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import replace

from assistant.injection import is_flagged
from assistant.reader import Reader, Reading, ScoredSentence
from assistant.spans import short_answer
from assistant.types import GenerationRequest, GenerationResult

__all__ = ["ExtractiveEngine"]

log = logging.getLogger(__name__)



def _fitted_second_share() -> float:
    from assistant.linear import load_model
    from assistant.reader import READER_FEATURES

    return float(load_model("reader", READER_FEATURES).meta.get("second_share", 1.0))


class ExtractiveEngine:
    """Answers with a short span and a quote from the passages; needs only the reader."""

    name = "extractive"

    def __init__(self, reader: Reader, *, second_share: float | None = None):
        self.reader = reader
        self.second_share = second_share

    @property
    def model_name(self) -> str:
        return f"extractive ({getattr(self.reader.embeddings, 'name', 'embeddings')})"

    # --- the seam ----------------------------------------------------------------------

    def stream(self, request: GenerationRequest, result: GenerationResult) -> Iterator[str]:
        result.engine = self.name
        result.model = self.model_name
        reading = request.reading
        if reading is None:
            reading = self.reader.read(request.standalone_question, request.passages,
                                       exclude=request.exclude)
        reading = _unflagged(reading, request.exclude)
        picked = self.select(reading)
        if not picked:
            result.refused = True
            return
        english = request.language == "en"
        for i, sentence in enumerate(picked):
            quote = self.quote(reading, sentence)
            result.quotes.setdefault(sentence.passage, quote)
            span = short_answer(sentence.text, reading.question, reading.info.qtype) if i == 0 else None
            yield ("\n" if i else "") + format_answer(span.text if span else "", quote, sentence.passage,
                                                      english=english, first=i == 0)

    # --- choosing ----------------------------------------------------------------------

    def select(self, reading: Reading) -> list[ScoredSentence]:
        """The best sentence, and the runner-up when the reader is unsure between them: its
        softmax share is at least ``second_share`` of the best one's (the operating point
        fitted with the reader, ``assistant/models/reader.json``: an added second quote holds
        the answer the first misses at least a quarter of the time on the tuning part)."""
        if not reading.sentences:
            return []
        best = reading.sentences[0]
        if len(reading.sentences) < 2:
            return [best]
        runner = reading.sentences[1]
        share = self.second_share if self.second_share is not None else _fitted_second_share()
        if math.exp(runner.score - best.score) >= share and runner.text != best.text:
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


def format_answer(short: str, quote: str, n: int, *, english: bool, first: bool = True) -> str:
    """``short — “quote” [n]``: one claim, checked as one (the citation check reads a
    quotation whole). English questions get an English lead-in before the Vietnamese quote;
    with no short answer the quote stands alone."""
    quote = quote.strip()
    if not quote.endswith((".", "!", "?", "…", '"', "”")):
        quote += "."
    if english:
        lead = "according to the article" if first else "another article says"
        head = f"{short} — {lead}: " if short else f"{lead[0].upper()}{lead[1:]}: "
    else:
        head = f"{short} — " if short else ""
    return f"{head}“{quote}” [{n}]"
