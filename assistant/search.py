"""From a question to its passages: what is searched, and what the reader may see of it.

The query is the question as asked; an English question with its translation when a
translator is configured (:mod:`assistant.translation`); a Vietnamese question typed without
diacritics is searched once as typed, then again with the marks its words have in the
passages found (:mod:`assistant.diacritics`), and that second query is the one kept — it is
also what the reader reads. Passages are then screened: articles are data, and a sentence
written for an AI is replaced by "…" (:mod:`assistant.injection`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from assistant.diacritics import restore_marks
from assistant.injection import GAP, hosts_of, is_flagged, without_flagged
from assistant.retrieval import Filters, Retriever
from assistant.text import has_diacritics
from assistant.translation import Translator, search_text
from assistant.types import Passage

__all__ = ["find", "screened"]

log = logging.getLogger(__name__)


def find(retriever: Retriever, translator: Translator | None, question: str, language: str, k: int,
         filters: Filters | None = None, timings: dict[str, float] | None = None, *,
         restore: bool = True, typed: str | None = None) -> tuple[str, list[Passage]]:
    """The search query for ``question`` (written in ``language``) and its ``k`` passages;
    ``timings["translate"]``: the time the query took to build. ``typed``: what the user
    typed, when ``question`` is a follow-up's rewrite (whether it had diacritics decides;
    the rewrite may hold marked names from the conversation); ``restore=False``: a question
    typed without marks is searched and read as typed."""
    t = time.perf_counter()
    query = search_text(translator, question, language)
    if timings is not None:
        timings["translate"] = time.perf_counter() - t
    passages = retriever.retrieve(query, k, filters)
    if restore and language == "vi" and passages and not has_diacritics(question if typed is None else typed):
        marked = restore_marks(question, [f"{p.title}\n{p.text}" for p in passages])
        if marked != question:
            log.debug("diacritics restored: %r -> %r", question, marked)
            query = marked
            passages = retriever.retrieve(query, k, filters)
    return query, passages


def screened(passages: list[Passage]) -> list[Passage]:
    """The passages with their sentences that address an AI or instruct it replaced by "…"
    (a flagged title is dropped); a passage with nothing else left is dropped."""
    out = []
    for p in passages:
        text = without_flagged(p.text, own_hosts=hosts_of(p.url))
        title = "" if p.title and is_flagged(p.title) else p.title
        if not text.replace(GAP, "").strip():  # (already screened at ingest, or now)
            continue
        out.append(p if (text, title) == (p.text, p.title) else replace(p, text=text, title=title))
    return out
