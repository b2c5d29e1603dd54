"""HTML for the chat page: citation badges, answers, refusals, errors, source cards, engine line.

Pure functions from plain values to HTML (or markdown) strings; everything that comes from a
question, an answer or an article is escaped here. The classes they emit are styled by
``static/app.css`` and the badges' links are followed by ``static/app.js``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from assistant.types import Answer, Citation

_MARKER_RE = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_MARKER_RUN_RE = re.compile(r"(?:[ \t]*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\])+")
_TRAILING_PUNCT_RE = re.compile(r"[.,;:!?…”’»)\]\"']+")

REFUSAL_LABEL = {"vi": "Không có trong các bài báo", "en": "Not in the articles"}
THINKING = "…"
WORKING = {
    "vi": "Mô hình đang soạn câu trả lời đầy đủ hơn…",
    "en": "The model is still working on a fuller answer…",
}
NO_QUICK = {
    "vi": "Chưa tìm thấy câu trả lời ngắn; mô hình đang đọc các đoạn trích…",
    "en": "No short answer found yet; the model is reading the passages…",
}


def esc(text: str) -> str:
    """``text`` escaped for HTML text and attribute values."""
    return html.escape(text or "", quote=True)


def _badge(n: int, turn: int, citation: Citation | None) -> str:
    title = f' title="{esc(citation.title)}"' if citation is not None else ""
    target = f"src-{turn}-{n}"
    return (
        f'<sup class="cite-sup"><a class="cite" href="#{target}"{title}>{n}</a></sup>'
    )


def render_markers(text: str, citations: Sequence[Citation] = (), *, turn: int = 0) -> str:
    """Escape ``text`` and turn its ``[n]`` / ``[n, m]`` markers into badges linking to source cards.

    A marker naming a passage that is not among ``citations`` (when citations are given)
    is left as plain text: only verified citations get a link.
    """
    by_index = {c.index: c for c in citations}
    out: list[str] = []
    last = 0
    for run in _MARKER_RUN_RE.finditer(text):
        numbers = [int(x) for group in _MARKER_RE.findall(run.group()) for x in re.split(r"\s*[,;]\s*", group)]
        if by_index and not all(n in by_index for n in numbers):
            continue
        before = text[last : run.start()]
        cut = max(before.rfind(" "), before.rfind("\n")) + 1
        # "Nga [2].”" reads "Nga.”²": punctuation first, so a line never starts with it
        punct = _TRAILING_PUNCT_RE.match(text, run.end())
        last = punct.end() if punct is not None else run.end()
        badges = "".join(_badge(n, turn, by_index.get(n)) for n in numbers)
        # the last word, its punctuation and the badges never break across lines
        glued = esc(before[cut:] + (punct.group() if punct is not None else ""))
        out.append(f'{esc(before[:cut])}<span class="cite-glue">{glued}{badges}</span>')
    out.append(esc(text[last:]))
    # One HTML block: newlines become <br> so the chat's markdown renderer never splits it.
    return "".join(out).strip().replace("\r\n", "\n").replace("\n", "<br>")


def render_answer(
    text: str,
    citations: Sequence[Citation] = (),
    *,
    refused: bool = False,
    language: str = "vi",
    notice: str = "",
    turn: int = 0,
    streaming: bool = False,
    working: bool = False,
    source: str = "",
) -> str:
    """The HTML of one assistant message: the answer with citation badges, or a refusal.

    ``working``: the quick answer is complete (badges linked) and a model is still writing
    its answer — shown with a "working" line, the message still counts as streaming.
    ``source``: "quick" or "model", whose answer this is (a class on the message)."""
    notice_html = f'<div class="answer-notice">Note: {esc(notice)}</div>' if notice else ""
    kind = f" {source}" if source else ""
    if refused:
        label = REFUSAL_LABEL.get(language, REFUSAL_LABEL["en"])
        return (
            f'<div class="answer refusal{kind}"><div class="refusal-label">{esc(label)}</div>'
            f'<div class="refusal-text">{esc(text)}</div>{notice_html}</div>'
        )
    if working:
        status = WORKING if text else NO_QUICK
        body = render_markers(text, citations, turn=turn) if text else ""
        line = f'<div class="model-status"><span class="spinner"></span>{esc(status.get(language, status["en"]))}</div>'
        return f'<div class="answer streaming quick model-working">{body}{line}{notice_html}</div>'
    body = render_markers(text, () if streaming else citations, turn=turn)
    cursor = '<span class="cursor">▍</span>' if streaming else ""
    state = "answer streaming" if streaming else "answer"
    return f'<div class="{state}{kind}">{body or THINKING}{cursor}{notice_html}</div>'


def render_error(message: str) -> str:
    """A friendly error bubble (never a stack trace)."""
    return f'<div class="answer error-msg">{esc(message)}</div>'


def highlight_quote(passage: str, quote: str) -> str:
    """Escape ``passage`` and wrap the cited sentence in ``<mark>`` (whitespace-insensitive)."""
    quote = (quote or "").strip()
    if not quote:
        return esc(passage)
    start = passage.find(quote)
    end = start + len(quote)
    if start < 0:  # the quote may differ from the passage in spacing only
        pattern = r"\s+".join(re.escape(w) for w in quote.split())
        m = re.search(pattern, passage)
        if m is None:
            return f'<mark class="quote">{esc(quote)}</mark><br><span class="passage-rest">{esc(passage)}</span>'
        start, end = m.span()
    return (
        f"{esc(passage[:start])}<mark class=\"quote\">{esc(passage[start:end])}</mark>"
        f"{esc(passage[end:])}"
    )


def render_source_cards(citations: Sequence[Citation], *, turn: int = 0) -> str:
    """One card per cited passage (title, date, source), the cited sentence in ``<mark>``."""
    cards: list[str] = []
    for c in citations:
        title = esc(c.title or c.doc_id)
        if c.url.startswith(("http://", "https://")):
            title = f'<a href="{esc(c.url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
        meta = " · ".join(esc(x) for x in (c.date, c.source) if x)
        flag = "" if c.verified is not False else ' <span class="unverified">unverified</span>'
        cards.append(
            f'<div class="source-card" id="src-{turn}-{c.index}" data-index="{c.index}">'
            f'<div class="source-head"><span class="source-num">{c.index}</span>'
            f'<span class="source-title">{title}</span>{flag}</div>'
            f'<div class="source-meta">{meta or "&nbsp;"}</div>'
            f'<div class="passage">{highlight_quote(c.text, c.quote)}</div></div>'
        )
    return "".join(cards)


def source_section(citations: Sequence[Citation], *, turn: int, question: str) -> dict[str, Any]:
    """What the sources panel keeps about one answer (see :func:`render_sources`)."""
    return {
        "turn": turn,
        "question": question,
        "count": len(citations),
        "cards": render_source_cards(citations, turn=turn),
    }


def render_sources(sections: Sequence[dict[str, Any]], *, pending: str = "") -> str:
    """The sources panel: the newest answer's passages open, earlier answers folded below.

    Every card keeps its ``src-<turn>-<n>`` id, so a badge in an older message still leads
    to its own passage. ``pending`` names a question still being answered.
    """
    parts: list[str] = []
    if pending:
        parts.append(f'<div class="sources-pending">Looking for sources: {esc(pending)}</div>')
    for i, section in enumerate(reversed(sections)):
        is_open = " open" if i == 0 and not pending else ""
        count = section["count"]
        label = f"{count} source{'s' if count != 1 else ''}" if count else "no sources"
        body = section["cards"] or (
            '<div class="sources-empty">No passage cited: the answer was not found in the articles.</div>'
        )
        parts.append(
            f'<details class="sources-turn" id="turn-{section["turn"]}"{is_open}>'
            f'<summary><span class="sources-q">{esc(section["question"])}</span> '
            f'<span class="sources-count">{label}</span></summary>{body}</details>'
        )
    if not parts:
        return '<div class="sources"><div class="sources-empty">Sources of the answers appear here.</div></div>'
    return f'<div class="sources">{"".join(parts)}</div>'


def render_engine(info: dict[str, Any], answer: Answer | None = None) -> str:
    """Markdown: which engine and model answered, with the last answer's timings."""
    engine = (answer.engine if answer is not None and answer.engine else "") or info.get("engine", "")
    model = (answer.model if answer is not None and answer.model else "") or info.get("model", "")
    parts = [
        f"**Engine:** {engine}",
        f"**Model:** {model}",
        f"**Embedder:** {info.get('embedder', '')}",
        f"**Retriever:** {info.get('retriever', '')} (top {info.get('top_k', '')})",
    ]
    line = " · ".join(parts)
    if answer is not None and answer.timings:
        order = ("condense", "retrieve", "first_token", "quick", "model", "verify", "total")
        timings = ", ".join(
            f"{name.replace('_', ' ')} {answer.timings[name]:.2f} s"
            for name in order
            if name in answer.timings
        )
        line += f"  \n**Last answer:** {timings}"
    if answer is not None and answer.model_check is not None:
        check = answer.model_check
        if check.used:
            line += "  \n**Model answer:** verified" + (f" (repaired: {', '.join(check.repaired)})" if check.repaired else "")
        else:
            line += f"  \n**Model answer not used:** {esc(check.reason)}"
    notice = (answer.notice if answer is not None else "") or info.get("notice", "")
    if notice:
        line += f"  \n*{notice}*"
    return line
