"""Fit the retrieved passages into a chat model's context budget.

A small model on CPU pays for every prompt token: the bundled 1.5B model reads about 60
tokens a second on two cores, so five whole passages (~2,500 of its tokens) cost ~40 s before
the first word. :class:`PassageFocus` keeps, from each passage, the sentences that best match
the question (scored like the extractive engine: e5 similarity, rare-word coverage, answer
type) until the budget is spent, and shows them in article order with "…" where text was
left out. Sentences that address an AI or instruct it (:mod:`assistant.injection`) are
always left out. Every passage keeps at least its best sentence, so passage numbers stay the same
and citations still point at whole passages, which is what the citation check reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from assistant.injection import without_flagged
from assistant.text import split_sentences
from assistant.tokens import count_tokens
from assistant.types import Passage

__all__ = ["Focus", "PassageFocus", "SentenceScorer"]

log = logging.getLogger(__name__)

# (question, passages) -> [(1-based passage number, sentence text)], best first
SentenceScorer = Callable[[str, list[Passage]], Sequence[tuple[int, str]]]
# (question, passages) -> the text of each passage a chat model reads
Focus = Callable[[str, list[Passage]], list[str]]

_GAP = " … "


class PassageFocus:
    """``focus(question, passages)`` returns the text to show the model for each passage."""

    def __init__(self, scorer: SentenceScorer, budget_tokens: int):
        self.scorer = scorer
        self.budget_tokens = budget_tokens

    def __call__(self, question: str, passages: list[Passage]) -> list[str]:
        # sentences written for an AI are never shown to the model (assistant.injection)
        passages = [replace(p, text=without_flagged(p.text)) for p in passages]
        texts = [" ".join(p.text.split()) for p in passages]
        if self.budget_tokens <= 0 or not passages:
            return texts
        if sum(count_tokens(t) for t in texts) <= self.budget_tokens:
            return texts
        spans = [
            [(a, b) for a, b in split_sentences(p.text) if p.text[a:b].strip()] for p in passages
        ]
        where = {
            (n, " ".join(p.text[a:b].split())): (n, i)
            for n, p in enumerate(passages, start=1)
            for i, (a, b) in enumerate(spans[n - 1])
        }
        ranked = [
            where[key]
            for key in ((n, " ".join(s.split())) for n, s in self.scorer(question, passages))
            if key in where
        ]
        firsts: dict[int, tuple[int, int]] = {}  # each passage's best sentence
        for n, i in ranked:
            firsts.setdefault(n, (n, i))
        chosen: dict[int, set[int]] = {n: set() for n in range(1, len(passages) + 1)}
        used = 0
        for n, i in [*firsts.values(), *ranked]:
            if i in chosen[n]:
                continue
            a, b = spans[n - 1][i]
            cost = count_tokens(passages[n - 1].text[a:b]) + 1
            if used + cost > self.budget_tokens and chosen[n]:
                continue
            chosen[n].add(i)
            used += cost
        out = []
        for n, p in enumerate(passages, start=1):
            picked = sorted(chosen[n])
            if not picked:  # the scorer kept none of its sentences: the passage's opening
                out.append(_clip(texts[n - 1], 300))
                continue
            parts: list[str] = []
            previous = -1
            for i in picked:
                a, b = spans[n - 1][i]
                sentence = " ".join(p.text[a:b].split())
                if parts and i != previous + 1:
                    parts.append(_GAP.strip())
                elif not parts and i > 0:
                    parts.append("…")
                parts.append(sentence)
                previous = i
            if previous < len(spans[n - 1]) - 1:
                parts.append("…")
            out.append(" ".join(parts))
        log.debug("focused %d passages into ~%d tokens", len(passages), used)
        return out


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + " …"
