"""Numbered evidence sentences: what a chat model reads instead of whole passages.

A small model on a CPU pays for every prompt token (the 1.5B model reads ~10-60 tokens a
second on two shared cores), and answers better from a few numbered sentences it can cite
one by one than from whole passages. :func:`select_evidence` picks, from the retrieved
passages, the sentences that best match the question — the quick answer's own sentences
first, then the scorer's ranking (e5 similarity, rare-word coverage, answer type: the
extractive engine's scores) — until a token budget is spent, and numbers them
[1]..[m] in reading order (passage by passage, in article order). :func:`format_evidence`
writes them under their article's title and date.

A :data:`SentenceScorer` ranks sentences for a question: ``(question, passages) ->
[(passage number, sentence)]``, best first; the assistant passes the extractive engine's.

Each sentence keeps its passage number, so a claim citing sentence [4] cites the passage
that holds it. Near-duplicates (articles repeat captions and whole sentences) are shown once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence

from assistant.injection import flagged_sentences, hosts_of, is_flagged
from assistant.text import split_sentences, words
from assistant.tokens import count_tokens
from assistant.types import EvidenceSentence, Passage

__all__ = ["SentenceScorer", "format_evidence", "passage_sentences", "select_evidence"]

log = logging.getLogger(__name__)

# (question, passages) -> [(1-based passage number, sentence text)], best first
SentenceScorer = Callable[[str, list[Passage]], Sequence[tuple[int, str]]]

MIN_WORDS = 4  # shorter "sentences" are captions, bylines and list debris
NEAR_DUPLICATE = 0.8  # share of words two sentences have in common to count as one


def _key(text: str) -> str:
    return " ".join(text.split())


def passage_sentences(passage: Passage) -> list[str]:
    """The sentences of a passage, whitespace squashed, in order."""
    return [_key(passage.text[a:b]) for a, b in split_sentences(passage.text) if passage.text[a:b].strip()]


def select_evidence(
    question: str,
    passages: Sequence[Passage],
    scorer: SentenceScorer | None,
    *,
    budget_tokens: int = 200,
    max_sentences: int = 5,
    first: Mapping[int, str] | None = None,
    exclude: Collection[str] = (),
) -> list[EvidenceSentence]:
    """Up to ``max_sentences`` sentences of ``passages`` within ``budget_tokens`` (o200k
    tokens), numbered from 1 in reading order. ``first`` (passage number -> sentence, e.g.
    the quick answer's quotes) go in before the scorer's choices; without a scorer the
    passages' sentences are taken in order. Sentences in ``exclude``, and any sentence that
    addresses an AI or instructs it (:mod:`assistant.injection`), are never shown."""
    sentences = [passage_sentences(p) for p in passages]
    position = {(n, s): i for n, group in enumerate(sentences, start=1) for i, s in enumerate(group)}
    order: list[tuple[int, str]] = []
    for n, text in (first or {}).items():
        key = (n, _key(text))
        if key in position:
            order.append(key)
        elif 0 < n <= len(sentences):  # a quote spanning sentences: the sentences it holds
            order.extend((n, s) for s in sentences[n - 1] if s in key[1])
    ranked = list(scorer(question, list(passages))) if scorer is not None else []
    order += [(n, _key(s)) for n, s in ranked]
    order += [(n, s) for n, group in enumerate(sentences, start=1) for s in group]
    chosen: list[tuple[int, str]] = []
    seen: list[set[str]] = []
    used = 0
    banned = {_key(t) for t in exclude}  # and what is written for an AI, in any case:
    banned |= {_key(f.text) for p in passages for f in flagged_sentences(p.text, own_hosts=hosts_of(p.url))}
    for key in order:
        if key[1] in banned or key in chosen or key not in position or len(words(key[1])) < MIN_WORDS:
            continue
        bag = set(words(key[1].lower()))
        if any(len(bag & other) >= NEAR_DUPLICATE * len(bag | other) for other in seen):
            continue  # articles repeat sentences (captions, reposts): one copy is enough
        seen.append(bag)
        cost = count_tokens(key[1]) + 3
        if chosen and used + cost > budget_tokens:
            continue
        chosen.append(key)
        used += cost
        if len(chosen) >= max_sentences:
            break
    chosen.sort(key=lambda k: (k[0], position[k]))
    log.debug("evidence: %d sentences, ~%d tokens", len(chosen), used)
    return [EvidenceSentence(number=i, passage=n, text=s) for i, (n, s) in enumerate(chosen, start=1)]


def format_evidence(evidence: Sequence[EvidenceSentence], passages: Sequence[Passage]) -> str:
    """The sentences under a ``# title (date)`` line per article, each as ``[k] text``; a
    title flagged as an injected instruction (:mod:`assistant.injection`) shows the id."""
    lines: list[str] = []
    current = 0
    for sentence in evidence:
        if sentence.passage != current:
            current = sentence.passage
            p = passages[current - 1]
            title = "" if is_flagged(p.title) else " ".join(p.title.split())
            head = "# " + (title or p.doc_id)
            if p.date:
                head += f" ({p.date})"
            lines.append(head)
        lines.append(f"[{sentence.number}] {sentence.text}")
    return "\n".join(lines)
