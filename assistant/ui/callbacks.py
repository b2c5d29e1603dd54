"""The chat page's callbacks: :class:`ChatUI`, browser-free.

Every method takes and returns plain values (HTML and markdown strings, lists of messages, a
session dict), so the tests call them without a browser and :mod:`assistant.ui.app` only
wires them to Gradio components.

What a session keeps (a ``gr.State`` dict, see :func:`new_session`): the chat as shown
(``display``), the plain turns handed to ``Assistant.stream(history=...)`` (``turns``), the
sources panel's sections (``sources``), the turn counter (``turn``) and the last finished
answer (``last``, see :func:`assistant.ui.feedback.answer_record`), which the feedback
buttons record.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from assistant.articles import prepare_article, write_article
from assistant.assistant import Assistant
from assistant.cleaning import clean_question
from assistant.errors import AssistantError, QuestionError
from assistant.locks import ReadWriteLock as ReadWriteLock  # re-exported; shared with the API
from assistant.locks import index_lock
from assistant.redact import mask_secrets
from assistant.retrieval import Filters
from assistant.settings import Settings
from assistant.types import ChatMessage, FlaggedDocument
from assistant.ui.feedback import RATINGS, FeedbackLog, answer_record, feedback_record
from assistant.ui.render import (
    esc,
    render_answer,
    render_engine,
    render_error,
    render_sources,
    source_section,
)

log = logging.getLogger(__name__)

MAX_SOURCE_SECTIONS = 20  # answers whose sources the panel keeps
DOCUMENT_HEADERS = ["Title", "Date", "Source", "Chunks", "File id", "Warning"]  # see ChatUI.document_rows

ChatStep = tuple[list[dict[str, str]], str, str, str, dict[str, Any]]


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
    ) -> Iterator[ChatStep]:
        """Stream one answer.

        Yields ``(chat messages, sources HTML, engine markdown, textbox value, session)``.
        """
        session = session if session is not None else new_session()
        info = self.bot.describe()
        sections: list[dict[str, Any]] = session["sources"]
        raw = message if isinstance(message, str) else ""
        if not raw.strip():  # nothing asked: leave everything as it is
            yield session["display"], render_sources(sections), render_engine(info), "", session
            return
        session["turn"] += 1
        turn = session["turn"]
        session["last"] = None
        display: list[dict[str, str]] = session["display"]
        try:  # the assistant cleans it again; its answer carries the notices
            question = clean_question(raw, max_chars=self.settings.max_question_chars).text
        except QuestionError as exc:  # e.g. a lone surrogate: shown replaced, never sent back
            shown = raw.encode("utf-8", "replace").decode("utf-8")
            display.append({"role": "user", "content": esc(shown)})
            display.append({"role": "assistant", "content": render_error(_sentence(f"Sorry, I could not answer: {exc}"))})
            yield display, render_sources(sections), render_engine(info), "", session
            return
        display.append({"role": "user", "content": esc(question)})
        display.append({"role": "assistant", "content": render_answer("", streaming=True, turn=turn)})
        pending = render_sources(sections, pending=question)
        yield display, pending, render_engine(info), "", session
        answer = None
        try:
            filters = make_filters(doc_ids, sources, date_from, date_to)
            with self.lock.reading():
                answer = self.bot.stream(raw, history=list(session["turns"]), filters=filters)
                streamed = ""
                for kind, text in answer.events():
                    if kind == "quick":
                        streamed += text
                        display[-1]["content"] = render_answer(streamed, streaming=True, turn=turn)
                    elif kind == "working":
                        # the quick answer is complete and checked: its badges link to its sources
                        display[-1]["content"] = render_answer(
                            answer.quick, answer.quick_citations, language=answer.language, turn=turn, working=True
                        )
                        pending = render_sources(
                            [*sections, source_section(answer.quick_citations, turn=turn, question=answer.question)]
                        )
                    else:
                        continue
                    yield display, pending, render_engine(info), "", session
        except AssistantError as exc:
            log.info("question failed: %s", exc)
            display[-1]["content"] = self._failed(answer, f"Sorry, I could not answer: {mask_secrets(str(exc))}", turn)
            yield display, render_sources(sections), render_engine(info), "", session
            return
        except Exception:
            log.exception("unexpected error while answering %r", question[:80])
            display[-1]["content"] = self._failed(
                answer,
                "Sorry, something went wrong while answering. The error was logged; "
                "please try again or rephrase the question.",
                turn,
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
            source=answer.answered_by,
        )
        turns: list[ChatMessage] = session["turns"]
        turns.append({"role": "user", "content": answer.question})
        turns.append({"role": "assistant", "content": answer.text})
        sections.append(source_section(answer.citations, turn=turn, question=answer.question))
        del sections[:-MAX_SOURCE_SECTIONS]
        session["last"] = answer_record(answer, filters)
        yield display, render_sources(sections), render_engine(info, answer), "", session

    @staticmethod
    def _failed(answer: Any, message: str, turn: int) -> str:
        """An error bubble; a quick answer already checked stays above it."""
        error = render_error(_sentence(message))
        if answer is not None and answer.quick and answer.quick_citations:
            return render_answer(answer.quick, answer.quick_citations, language=answer.language,
                                 turn=turn, source="quick") + error
        return error

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
        try:
            self.feedback.append(feedback_record(last, rating, self.bot.describe()))
        except OSError as exc:
            log.error("cannot write feedback to %s: %s", self.feedback.path, exc)
            return f"Could not save the feedback ({exc.strerror}); it was logged."
        return f"Thanks — recorded as “{RATINGS[rating]}”."

    # articles ---------------------------------------------------------------------------

    def document_rows(self) -> list[list[Any]]:
        """The Articles table, one row per indexed article, columns as :data:`DOCUMENT_HEADERS`;
        the warning says when an article holds sentences addressed to an AI."""
        flagged = self.bot.flagged
        return [[d.title, d.date, d.source, d.chunks, d.doc_id, _warning(flagged.get(d.doc_id))]
                for d in self.bot.documents()]

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

        The checks (type, size, UTF-8, a safe new file name) are :mod:`assistant.articles`'.
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
            status += "  \nSkipped: " + "; ".join(esc(s) for s in report.skipped)
        for f in report.flagged:
            status += f"  \n**Warning:** {esc(f.doc_id)} — {esc(_warning(f))}"
        return status


def _warning(flagged: FlaggedDocument | None) -> str:
    if flagged is None:
        return ""
    return (f"⚠ {flagged.count} sentence{'s' if flagged.count != 1 else ''} addressed to an AI "
            f"({flagged.reason}), never quoted or shown to a model: “{flagged.first[:120]}”")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
