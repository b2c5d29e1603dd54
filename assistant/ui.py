"""The browser chat: a Gradio 6 Blocks app over one shared :class:`Assistant`.

    from assistant.ui import launch
    launch(Settings())                      # ingests the corpus, serves http://127.0.0.1:7860

This is the only module that imports gradio, and it does so inside :func:`build_app` and
:func:`launch` (after turning analytics off), never at import time. The UI callbacks are
plain methods of :class:`ChatUI` that take and return plain values (HTML strings, lists of
messages, a session dict), so the tests call them without a browser.

What a session keeps (a ``gr.State`` dict, see :func:`new_session`): the chat as shown
(``display``), the plain turns handed to ``Assistant.stream(history=...)`` (``turns``) and
the last finished answer (``last``), which the feedback buttons record.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.articles import UPLOAD_SUFFIXES, prepare_article, write_article
from assistant.assistant import Assistant
from assistant.errors import AssistantError, QuestionError
from assistant.locks import ReadWriteLock as ReadWriteLock  # re-exported; shared with the API
from assistant.locks import index_lock
from assistant.retrieval import Filters
from assistant.settings import Settings
from assistant.types import Answer, ChatMessage, Citation

if TYPE_CHECKING:  # gradio is imported lazily, see the module docstring
    import gradio as gr

log = logging.getLogger(__name__)

EXAMPLES: tuple[str, ...] = (
    "Ai dẫn đầu đoàn công tác Thanh Hóa sang Nga?",
    "Who led the Thanh Hóa delegation to Russia?",
    "Tập đoàn TH vận hành nhà máy sữa tại Kaluga từ khi nào?",
    "What did the Deputy Foreign Minister discuss in Thanh Hóa in July 2020?",
)
RATINGS: dict[str, str] = {
    "helpful": "✓ Helpful",
    "wrong": "✗ Wrong answer",
    "wrong_citation": "✗ Wrong citation",
}
CHAT_CONCURRENCY = 2  # answers streamed at once; the rest wait in the queue
QUEUE_MAX_SIZE = 64
MAX_SOURCE_SECTIONS = 20  # answers whose sources the panel keeps
DOCUMENT_HEADERS = ["Title", "Date", "Source", "Chunks", "File id"]

_MARKER_RE = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_MARKER_RUN_RE = re.compile(r"(?:[ \t]*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\])+")
_TRAILING_PUNCT_RE = re.compile(r"[.,;:!?…”’»)\]\"']+")

REFUSAL_LABEL = {"vi": "Không có trong các bài báo", "en": "Not in the articles"}
THINKING = "…"


# --- rendering (pure functions) ------------------------------------------------------------


def _esc(text: str) -> str:
    return html.escape(text or "", quote=True)


def _badge(n: int, turn: int, citation: Citation | None) -> str:
    title = f' title="{_esc(citation.title)}"' if citation is not None else ""
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
        glued = _esc(before[cut:] + (punct.group() if punct is not None else ""))
        out.append(f'{_esc(before[:cut])}<span class="cite-glue">{glued}{badges}</span>')
    out.append(_esc(text[last:]))
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
) -> str:
    """The HTML of one assistant message: the answer with citation badges, or a refusal."""
    notice_html = f'<div class="answer-notice">Note: {_esc(notice)}</div>' if notice else ""
    if refused:
        label = REFUSAL_LABEL.get(language, REFUSAL_LABEL["en"])
        return (
            f'<div class="answer refusal"><div class="refusal-label">{_esc(label)}</div>'
            f'<div class="refusal-text">{_esc(text)}</div>{notice_html}</div>'
        )
    body = render_markers(text, () if streaming else citations, turn=turn)
    cursor = '<span class="cursor">▍</span>' if streaming else ""
    state = "answer streaming" if streaming else "answer"
    return f'<div class="{state}">{body or THINKING}{cursor}{notice_html}</div>'


def render_error(message: str) -> str:
    """A friendly error bubble (never a stack trace)."""
    return f'<div class="answer error-msg">{_esc(message)}</div>'


def highlight_quote(passage: str, quote: str) -> str:
    """Escape ``passage`` and wrap the cited sentence in ``<mark>`` (whitespace-insensitive)."""
    quote = (quote or "").strip()
    if not quote:
        return _esc(passage)
    start = passage.find(quote)
    end = start + len(quote)
    if start < 0:  # the quote may differ from the passage in spacing only
        pattern = r"\s+".join(re.escape(w) for w in quote.split())
        m = re.search(pattern, passage)
        if m is None:
            return f'<mark class="quote">{_esc(quote)}</mark><br><span class="passage-rest">{_esc(passage)}</span>'
        start, end = m.span()
    return (
        f"{_esc(passage[:start])}<mark class=\"quote\">{_esc(passage[start:end])}</mark>"
        f"{_esc(passage[end:])}"
    )


def render_source_cards(citations: Sequence[Citation], *, turn: int = 0) -> str:
    """One card per cited passage (title, date, source), the cited sentence in ``<mark>``."""
    cards: list[str] = []
    for c in citations:
        title = _esc(c.title or c.doc_id)
        if c.url.startswith(("http://", "https://")):
            title = f'<a href="{_esc(c.url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
        meta = " · ".join(_esc(x) for x in (c.date, c.source) if x)
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
        parts.append(f'<div class="sources-pending">Looking for sources: {_esc(pending)}</div>')
    for i, section in enumerate(reversed(sections)):
        is_open = " open" if i == 0 and not pending else ""
        count = section["count"]
        label = f"{count} source{'s' if count != 1 else ''}" if count else "no sources"
        body = section["cards"] or (
            '<div class="sources-empty">No passage cited: the answer was not found in the articles.</div>'
        )
        parts.append(
            f'<details class="sources-turn" id="turn-{section["turn"]}"{is_open}>'
            f'<summary><span class="sources-q">{_esc(section["question"])}</span> '
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
        order = ("condense", "retrieve", "first_token", "generate", "verify", "total")
        timings = ", ".join(
            f"{name.replace('_', ' ')} {answer.timings[name]:.2f} s"
            for name in order
            if name in answer.timings
        )
        line += f"  \n**Last answer:** {timings}"
    notice = (answer.notice if answer is not None else "") or info.get("notice", "")
    if notice:
        line += f"  \n*{notice}*"
    return line


# --- sessions, filters, feedback ----------------------------------------------------------


def new_session() -> dict[str, Any]:
    """A chat session: shown messages, plain turns for ``history=``, the last answer."""
    return {"display": [], "turns": [], "sources": [], "last": None, "turn": 0}


def make_filters(
    doc_ids: Sequence[str] | None, sources: Sequence[str] | None, date_from: str, date_to: str
) -> Filters | None:
    """Filters from the UI's widgets; raises :class:`QuestionError` for a malformed date."""
    dates = []
    for label, value in (("From", date_from), ("To", date_to)):
        value = (value or "").strip()
        if value:
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError:
                raise QuestionError(
                    f"the '{label}' date {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-11-25"
                ) from None
        dates.append(value)
    filters = Filters(
        doc_ids=tuple(doc_ids or ()), sources=tuple(sources or ()), date_from=dates[0], date_to=dates[1]
    )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise QuestionError("the 'From' date is after the 'To' date")
    return None if filters.empty else filters


class FeedbackLog:
    """Appends one JSON object per line to a file; safe across the server's threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
                f.flush()


def _citation_dict(c: Citation) -> dict[str, Any]:
    return asdict(c)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- the callbacks --------------------------------------------------------------------------


class ChatUI:
    """The app's callbacks over one shared assistant. Every method is browser-free."""

    def __init__(self, bot: Assistant, settings: Settings):
        self.bot = bot
        self.settings = settings
        self.feedback = FeedbackLog(settings.feedback_path)
        self.lock = index_lock(bot)  # the same lock as the HTTP API serving this bot
        self._ingest_lock = threading.Lock()

    # chat -------------------------------------------------------------------------------

    def respond(
        self,
        message: str,
        session: dict[str, Any] | None,
        doc_ids: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        date_from: str = "",
        date_to: str = "",
    ) -> Iterator[tuple[list[dict[str, str]], str, str, str, dict[str, Any]]]:
        """Stream one answer.

        Yields ``(chat messages, sources HTML, engine markdown, textbox value, session)``.
        """
        session = session if session is not None else new_session()
        info = self.bot.describe()
        sections: list[dict[str, Any]] = session["sources"]
        question = message.strip() if isinstance(message, str) else ""
        if not question:  # nothing asked: leave everything as it is
            yield session["display"], render_sources(sections), render_engine(info), "", session
            return
        session["turn"] += 1
        turn = session["turn"]
        session["last"] = None
        display: list[dict[str, str]] = session["display"]
        display.append({"role": "user", "content": _esc(question)})
        display.append({"role": "assistant", "content": render_answer("", streaming=True, turn=turn)})
        pending = render_sources(sections, pending=question)
        yield display, pending, render_engine(info), "", session
        try:
            filters = make_filters(doc_ids, sources, date_from, date_to)
            with self.lock.reading():
                answer = self.bot.stream(question, history=list(session["turns"]), filters=filters)
                streamed = ""
                for piece in answer:
                    streamed += piece
                    display[-1]["content"] = render_answer(streamed, streaming=True, turn=turn)
                    yield display, pending, render_engine(info), "", session
        except AssistantError as exc:
            log.info("question failed: %s", exc)
            display[-1]["content"] = render_error(_sentence(f"Sorry, I could not answer: {exc}"))
            yield display, render_sources(sections), render_engine(info), "", session
            return
        except Exception:
            log.exception("unexpected error while answering %r", question[:80])
            display[-1]["content"] = render_error(
                "Sorry, something went wrong while answering. The error was logged; "
                "please try again or rephrase the question."
            )
            yield display, render_sources(sections), render_engine(info), "", session
            return
        display[-1]["content"] = render_answer(
            answer.text,
            answer.citations,
            refused=answer.refused,
            language=answer.language,
            notice=answer.notice,
            turn=turn,
        )
        turns: list[ChatMessage] = session["turns"]
        turns.append({"role": "user", "content": answer.question})
        turns.append({"role": "assistant", "content": answer.text})
        sections.append(source_section(answer.citations, turn=turn, question=answer.question))
        del sections[:-MAX_SOURCE_SECTIONS]
        session["last"] = {
            "question": answer.question,
            "answer": answer.text,
            "refused": answer.refused,
            "citations": [_citation_dict(c) for c in answer.citations],
            "engine": answer.engine,
            "model": answer.model,
            "timings": dict(answer.timings),
            "filters": asdict(filters) if filters is not None else None,
        }
        yield display, render_sources(sections), render_engine(info, answer), "", session

    def clear(self) -> tuple[list[dict[str, str]], str, str, dict[str, Any]]:
        """A new conversation: ``(chat, sources HTML, feedback status, session)``."""
        return [], render_sources([]), "", new_session()

    # feedback ---------------------------------------------------------------------------

    def record_feedback(self, rating: str, session: dict[str, Any] | None) -> str:
        """Append the last answer with ``rating`` to the feedback file; returns a status line."""
        if rating not in RATINGS:
            raise ValueError(f"unknown rating {rating!r}")
        last = (session or {}).get("last")
        if not last:
            return "Ask a question first; feedback is about the last answer."
        record = {
            "time": _now(),
            "question": last["question"],
            "answer": last["answer"],
            "refused": last["refused"],
            "citations": last["citations"],
            "rating": rating,
            "engine": last["engine"],
            "model": last["model"],
            "timings": last["timings"],
            "filters": last["filters"],
            "settings": self.bot.describe(),
        }
        try:
            self.feedback.append(record)
        except OSError as exc:
            log.error("cannot write feedback to %s: %s", self.feedback.path, exc)
            return f"Could not save the feedback ({exc.strerror}); it was logged."
        return f"Thanks — recorded as “{RATINGS[rating]}”."

    # articles ---------------------------------------------------------------------------

    def document_rows(self) -> list[list[Any]]:
        return [[d.title, d.date, d.source, d.chunks, d.doc_id] for d in self.bot.documents()]

    def article_choices(self) -> list[tuple[str, str]]:
        docs = sorted(self.bot.documents(), key=lambda d: (d.date, d.title), reverse=True)
        return [(f"{d.title[:90]} ({d.date or 'no date'})", d.doc_id) for d in docs]

    def source_choices(self) -> list[str]:
        return sorted({d.source for d in self.bot.documents() if d.source})

    def add_article(
        self,
        upload: str | None,
        pasted: str,
        title: str,
        date_value: str = "",
        source: str = "",
    ) -> str:
        """Write an uploaded file or pasted text into the corpus folder and re-index.

        Returns a markdown status (what was added and the ingest summary, or why not).
        """
        try:
            if not upload and not (pasted and pasted.strip()):
                return "Choose a .txt/.md file or paste the article text (with a title)."
            article = prepare_article(
                Path(self.settings.corpus_dir),
                max_bytes=self.settings.max_upload_bytes,
                upload=Path(upload) if upload else None,
                pasted=pasted,
                title=title,
                date_value=date_value,
                source=source,
            )
            target, text = article.target, article.text
            with self._ingest_lock:
                write_article(target, text)
                log.info("added %s to the corpus", target)
                status = self._reindex()
            return f"Added **{target.name}**. {status}"
        except AssistantError as exc:
            return f"**Not added:** {exc}"
        except OSError as exc:
            log.error("adding an article failed: %s", exc)
            return f"**Not added:** {exc.strerror or exc}"

    def reindex(self) -> str:
        """Re-index the corpus folder; returns a markdown status."""
        try:
            with self._ingest_lock:
                return self._reindex()
        except AssistantError as exc:
            return f"**Re-indexing failed:** {exc}"

    def _reindex(self) -> str:
        with self.lock.writing():
            report = self.bot.ingest()
        status = f"Re-indexed: {report.summary()}."
        if report.skipped:
            status += "  \nSkipped: " + "; ".join(_esc(s) for s in report.skipped)
        return status


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


# --- the app -------------------------------------------------------------------------------

CSS = r"""
.gradio-container { max-width: 1280px !important; width: 100% !important; margin: 0 auto; }
#app-title h1 { margin-bottom: 0; }
#app-title p { margin-top: 2px; opacity: .75; }
.answer { line-height: 1.55; }
.answer .cursor { animation: blink 1s steps(2, start) infinite; opacity: .6; }
@keyframes blink { to { visibility: hidden; } }
.cite-glue { white-space: nowrap; }
sup.cite-sup { vertical-align: super; line-height: 1; font-size: 100%; }
a.cite {
  display: inline-block; min-width: 1.5em; padding: 1px .4em; margin: 0 1px;
  border-radius: .8em; background: var(--color-accent-soft, #e0e7ff); line-height: 1.3;
  color: var(--color-accent, #3730a3) !important; font-size: .7em; font-weight: 700;
  text-align: center; text-decoration: none !important; cursor: pointer;
  border: 1px solid var(--color-accent, #6366f1);
}
a.cite:hover { background: var(--color-accent, #6366f1); color: #fff !important; }
.refusal { border-left: 4px solid #d97706; background: rgba(217, 119, 6, .10);
  padding: .5em .75em; border-radius: 6px; }
.refusal-label { font-weight: 700; color: #b45309; margin-bottom: .2em; }
.refusal-label::before { content: "\26A0\FE0E  "; }
.error-msg::before { content: "\26A0\FE0E  "; color: #dc2626; font-weight: 700; }
.error-msg { border-left: 4px solid #dc2626; background: rgba(220, 38, 38, .08);
  padding: .5em .75em; border-radius: 6px; }
.answer-notice { margin-top: .5em; font-size: .85em; opacity: .8; }
.sources { display: flex; flex-direction: column; gap: 8px; }
.sources-empty, .sources-pending { opacity: .7; font-style: italic; padding: 4px; }
.sources-turn > summary { cursor: pointer; font-size: .85em; padding: 2px 0; }
.sources-turn:not([open]) > summary { opacity: .7; }
.sources-turn[open] > summary { margin-bottom: 6px; }
.sources-q { font-weight: 600; }
.sources-count { opacity: .7; }
.sources-turn .source-card + .source-card { margin-top: 8px; }
.source-card { border: 1px solid var(--border-color-primary, #e5e7eb); border-radius: 8px;
  padding: 8px 10px; background: var(--background-fill-secondary, #fafafa);
  transition: box-shadow .3s; }
.source-card.flash { box-shadow: 0 0 0 3px var(--color-accent, #6366f1); }
.source-head { display: flex; gap: 8px; align-items: baseline; font-weight: 600; }
.source-num { flex: none; min-width: 1.5em; text-align: center; border-radius: .75em;
  background: var(--color-accent, #6366f1); color: #fff; font-size: .8em; padding: 0 .3em; }
.source-meta { font-size: .8em; opacity: .7; margin: 2px 0 6px 0; }
.passage { font-size: .9em; line-height: 1.5; max-height: 16em; overflow-y: auto;
  white-space: pre-wrap; }
.passage mark { background: #fde68a; color: inherit; padding: 0 2px; border-radius: 3px; }
.unverified { font-size: .75em; color: #b45309; font-weight: 400; }
#feedback-row button { min-width: 0; }
#engine-info { font-size: .85em; opacity: .85; }
#documents * { font-family: var(--font) !important; }
@media (max-width: 720px) {
  .gradio-container .main.app { padding: 8px !important; }
  #chatbot .message-row { max-width: 100% !important; margin-left: 0 !important;
    margin-right: 0 !important; }
  #chatbot { height: 62vh !important; }
}
"""

# Citation badges open the sources panel and scroll to the cited card.
HEAD = """
<script>
document.addEventListener("click", function (ev) {
  var link = ev.target && ev.target.closest ? ev.target.closest("a.cite") : null;
  if (!link) return;
  ev.preventDefault();
  ev.stopPropagation();
  var id = (link.getAttribute("href") || "").slice(1);
  function show() {
    var card = document.getElementById(id);
    if (!card) return false;
    var fold = card.closest("details");
    if (fold && !fold.open) fold.open = true;
    if (card.offsetParent === null) return false;
    card.scrollIntoView({behavior: "smooth", block: "center"});
    card.classList.add("flash");
    setTimeout(function () { card.classList.remove("flash"); }, 1600);
    return true;
  }
  if (show()) return;
  var panel = document.getElementById("sources-panel");
  var toggle = panel ? panel.querySelector("button") : null;
  if (toggle) toggle.click();
  var tries = 0;
  var timer = setInterval(function () {
    if (show() || ++tries > 20) clearInterval(timer);
  }, 100);
}, true);
</script>
"""


def build_app(bot: Assistant, settings: Settings) -> gr.Blocks:
    """The Blocks app: a chat tab (filters, sources, feedback) and an articles tab."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    ui = ChatUI(bot, settings)
    info = bot.describe()
    with gr.Blocks(title="hoitin — hỏi tin", analytics_enabled=False) as demo:
        session = gr.State(new_session())
        gr.Markdown(
            "# hoitin · hỏi tin\nAsk the news articles, in Vietnamese or English — every answer "
            "cites its sources.",
            elem_id="app-title",
        )
        with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=320):
                    chatbot = gr.Chatbot(
                        elem_id="chatbot",
                        label="Chat",
                        height=520,
                        feedback_options=None,
                        buttons=["copy"],
                        placeholder="Ask about the articles, e.g. “Ai dẫn đầu đoàn công tác Thanh Hóa sang Nga?”",
                        autoscroll=True,
                    )
                    with gr.Row(elem_id="ask-row"):
                        question = gr.Textbox(
                            elem_id="question",
                            show_label=False,
                            placeholder="Câu hỏi / your question…",
                            lines=1,
                            max_lines=4,
                            max_length=settings.max_question_chars,
                            scale=5,
                            autofocus=True,
                        )
                        ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
                    gr.Examples(
                        examples=[[e] for e in EXAMPLES],
                        inputs=[question],
                        label="Examples",
                        elem_id="examples",
                    )
                    with gr.Row(elem_id="feedback-row"):
                        feedback_buttons = {
                            rating: gr.Button(
                                label, size="sm", elem_id=f"feedback-{rating.replace('_', '-')}"
                            )
                            for rating, label in RATINGS.items()
                        }
                        new_chat = gr.Button("New chat", size="sm", elem_id="new-chat")
                    feedback_status = gr.Markdown("", elem_id="feedback-status")
                    engine_info = gr.Markdown(render_engine(info), elem_id="engine-info")
                with gr.Column(scale=2, min_width=300):
                    with gr.Accordion("Sources", open=False, elem_id="sources-panel"):
                        sources_html = gr.HTML(
                            render_sources([]), elem_id="sources", js_on_load=None
                        )
                    with gr.Accordion("Filters", open=False, elem_id="filters-panel"):
                        doc_filter = gr.Dropdown(
                            choices=ui.article_choices(),
                            multiselect=True,
                            label="Articles",
                            elem_id="filter-articles",
                        )
                        source_filter = gr.Dropdown(
                            choices=ui.source_choices(),
                            multiselect=True,
                            label="Sources",
                            elem_id="filter-sources",
                        )
                        with gr.Row():
                            date_from = gr.Textbox(
                                label="From", placeholder="YYYY-MM-DD", elem_id="filter-from"
                            )
                            date_to = gr.Textbox(label="To", placeholder="YYYY-MM-DD", elem_id="filter-to")
        with gr.Tab("Articles", id="articles-tab", elem_id="articles-tab"):
            documents = gr.Dataframe(
                value=ui.document_rows(),
                headers=DOCUMENT_HEADERS,
                type="array",
                interactive=False,
                wrap=True,
                column_widths=["46%", "12%", "14%", "8%", "20%"],
                label="Indexed articles",
                elem_id="documents",
            )
            with gr.Row():
                with gr.Column():
                    upload = gr.File(
                        label=f"Upload a .txt or .md article (≤ {settings.max_upload_bytes:,} bytes)",
                        file_types=list(UPLOAD_SUFFIXES),
                        type="filepath",
                        elem_id="upload",
                    )
                    new_title = gr.Textbox(label="Title", elem_id="new-title")
                    with gr.Row():
                        new_date = gr.Textbox(label="Date", placeholder="YYYY-MM-DD", elem_id="new-date")
                        new_source = gr.Textbox(label="Source", placeholder="e.g. VnExpress", elem_id="new-source")
                with gr.Column():
                    pasted = gr.Textbox(
                        label="…or paste the article text", lines=10, elem_id="new-text"
                    )
            with gr.Row():
                add = gr.Button("Add article and re-index", variant="primary", elem_id="add-article")
                reindex = gr.Button("Re-index corpus folder", elem_id="reindex")
            ingest_status = gr.Markdown("", elem_id="ingest-status")
        with gr.Tab("Settings", id="settings-tab", elem_id="settings-tab"):
            gr.JSON(value=info, label="Engine and settings", elem_id="settings-json")
            gr.Markdown(
                f"Corpus: `{settings.corpus_dir}` · feedback: `{settings.feedback_path}` · "
                f"largest upload: {settings.max_upload_bytes:,} bytes"
            )

        chat_inputs = [question, session, doc_filter, source_filter, date_from, date_to]
        chat_outputs = [chatbot, sources_html, engine_info, question, session]
        for trigger in (question.submit, ask.click):
            trigger(
                ui.respond,
                inputs=chat_inputs,
                outputs=chat_outputs,
                concurrency_limit=CHAT_CONCURRENCY,
                concurrency_id="chat",
                show_progress="hidden",
                api_visibility="private",
            ).then(lambda: "", outputs=[feedback_status], api_visibility="private")
        for rating, button in feedback_buttons.items():
            button.click(
                _bind(ui.record_feedback, rating),
                inputs=[session],
                outputs=[feedback_status],
                api_visibility="private",
            )
        new_chat.click(
            ui.clear, outputs=[chatbot, sources_html, feedback_status, session], api_visibility="private"
        )

        def refreshed(status: str) -> tuple[str, list[list[Any]], Any, Any]:
            return (
                status,
                ui.document_rows(),
                gr.Dropdown(choices=ui.article_choices()),
                gr.Dropdown(choices=ui.source_choices()),
            )

        add.click(
            lambda f, p, t, d, s: refreshed(ui.add_article(f, p, t, d, s)),
            inputs=[upload, pasted, new_title, new_date, new_source],
            outputs=[ingest_status, documents, doc_filter, source_filter],
            concurrency_limit=1,
            concurrency_id="ingest",
            api_visibility="private",
        )
        reindex.click(
            lambda: refreshed(ui.reindex()),
            outputs=[ingest_status, documents, doc_filter, source_filter],
            concurrency_limit=1,
            concurrency_id="ingest",
            api_visibility="private",
        )
    demo.ui = ui  # type: ignore[attr-defined]  # for tests and launch
    return demo


def _bind(fn: Any, rating: str) -> Any:
    def handler(session: dict[str, Any] | None) -> str:
        return fn(rating, session)

    handler.__name__ = f"feedback_{rating}"
    return handler


def page_options(settings: Settings) -> dict[str, Any]:
    """How the page is served: the same for :func:`launch` and :func:`mount`."""
    import gradio as gr

    private = [str(Path(p).resolve()) for p in (settings.data_dir, settings.vectorstore_dir)]
    return {
        "show_error": False,
        "ssr_mode": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "pwa": False,
        "footer_links": [],
        "allowed_paths": [],
        "blocked_paths": private,
        "max_file_size": max(settings.max_upload_bytes * 2, 1_000_000),
        "theme": gr.themes.Soft(
            font=["system-ui", "Segoe UI", "Roboto", "sans-serif"],
            font_mono=["ui-monospace", "Consolas", "monospace"],
        ),
        "css": CSS,
        "head": HEAD,
    }


def mount(
    app: Any,
    bot: Assistant,
    settings: Settings,
    *,
    path: str = "/",
    auth: tuple[str, str] | None = None,
) -> gr.Blocks:
    """Mount the chat on a FastAPI ``app`` at ``path`` (``assistant serve``: one process for
    the UI and the HTTP API). The caller owns ``bot`` and runs the server."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    demo = build_app(bot, settings)
    demo.queue(default_concurrency_limit=CHAT_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    gr.mount_gradio_app(app, demo, path=path, auth=auth, **page_options(settings))
    return demo


def launch(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: tuple[str, str] | None = None,
) -> None:
    """Ingest the corpus, then serve the chat on ``http://host:port`` until interrupted."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    started = time.perf_counter()
    bot = Assistant.from_settings(settings)
    try:
        log.info("indexing %s …", settings.corpus_dir)
        report = bot.ingest()
        log.info("index ready: %s", report.summary())
        for skipped in report.skipped:
            log.warning("skipped %s", skipped)
        demo = build_app(bot, settings)
        demo.queue(default_concurrency_limit=CHAT_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
        demo.launch(
            server_name=host,
            server_port=port,
            share=False,
            auth=auth,
            inbrowser=False,
            prevent_thread_lock=True,
            **page_options(settings),
        )
        log.info(
            "hoitin is ready at http://%s:%d (started in %.1f s)",
            host,
            port,
            time.perf_counter() - started,
        )
        demo.block_thread()
    finally:
        bot.close()


def _main(argv: Sequence[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m assistant.ui", description=launch.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--auth", default=None, help="user:password")
    args = parser.parse_args(argv)
    auth = None
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep or not user or not password:
            parser.error("--auth must be user:password")
        auth = (user, password)
    from assistant.cli import setup_logging

    setup_logging(logging.INFO)
    launch(Settings(), host=args.host, port=args.port, auth=auth)


if __name__ == "__main__":
    _main()
