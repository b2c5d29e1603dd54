"""The HTTP API's endpoints over one :class:`Assistant` (mounted by :mod:`assistant.server`).

- ``POST /v1/chat/completions`` — OpenAI-compatible: ``model: "hoitin"``, ``messages`` (the
  last is the question, earlier user/assistant turns make follow-ups work), ``stream``. The
  answer keeps its ``[n]`` markers; the response adds ``citations``, ``refused``, ``quick``,
  ``answered_by`` and ``model_check``. Streamed, the quick answer's deltas come first, then
  (if a model's answer passes verification) that answer after a blank line — see
  :class:`~assistant.api_models.ChatCompletionChunk`.
- ``GET /v1/models``, ``POST /v1/retrieve``, ``POST /v1/ask`` (``assistant ask --json``),
  ``GET|POST /v1/documents``, ``DELETE /v1/documents/{doc_id}``, ``GET /healthz``.

Answers run in an :class:`AnswerPool`; retrieval, listings and uploads in the event loop's
own thread pool, so a slow answer never stalls ``/healthz`` or ``/v1/retrieve``. Answers and
retrievals hold the index's read lock, uploads and deletes its write lock — the same lock
as the UI's (:func:`assistant.locks.index_lock`). Uploads go through the UI's checks
(:mod:`assistant.articles`). Errors are :class:`ApiError`: OpenAI-style JSON with a status.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from assistant.answer_pool import AnswerPool, BusyError, last_answer
from assistant.api_models import (
    MODEL_ID,
    ArticleIn,
    AskRequest,
    ChatCompletionRequest,
    MessageIn,
    RetrieveRequest,
)
from assistant.articles import prepare_article, read_article, write_article
from assistant.assistant import Assistant
from assistant.cleaning import clean_question, invalid_unicode_at
from assistant.corpus import load_corpus
from assistant.errors import (
    AssistantError,
    ConfigError,
    CorpusError,
    LanguageError,
    ModelError,
    ModelUnavailableError,
    PromptError,
    QuestionError,
    StoreError,
)
from assistant.locks import index_lock
from assistant.redact import mask_secrets
from assistant.settings import Settings
from assistant.types import QUICK_SEPARATOR, Answer, AnswerEvent, ChatMessage, Citation

__all__ = ["Api", "ApiError", "from_assistant_error", "invalid_request"]

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 5.0  # seconds /healthz waits for the store
_STATUS_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error",
    405: "invalid_request_error", 409: "conflict_error", 413: "invalid_request_error",
    415: "invalid_request_error", 500: "server_error", 502: "service_unavailable",
    503: "service_unavailable",
}  # fmt: skip
_BEARER = HTTPBearer(auto_error=False, description="ASSISTANT_API_KEY, when the server sets one")


class ApiError(Exception):
    """An error with its HTTP status, turned into OpenAI-style JSON."""

    def __init__(self, status: int, message: str, *, type_: str = "", code: str | None = None,
                 param: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param
        self.type = type_ or _STATUS_TYPES.get(status, "server_error")
        self.headers = headers

    def response(self) -> JSONResponse:
        body = {"message": self.message, "type": self.type, "code": self.code, "param": self.param}
        return JSONResponse({"error": body}, status_code=self.status, headers=self.headers)


def from_assistant_error(exc: AssistantError) -> ApiError:
    """The HTTP status for one of the library's errors."""
    message = mask_secrets(str(exc)) or type(exc).__name__
    if isinstance(exc, QuestionError | CorpusError):
        return ApiError(400, message)
    if isinstance(exc, BusyError):
        return ApiError(503, message, type_="server_busy", code="server_busy",
                        headers={"Retry-After": "2"})
    if isinstance(exc, ModelUnavailableError):
        return ApiError(503, message, code="model_unavailable")
    if isinstance(exc, ModelError):  # the model's server failed or refused our key
        return ApiError(502, message, code="model_error")
    if isinstance(exc, StoreError):
        return ApiError(503, message, code="store_unavailable")
    if isinstance(exc, ConfigError | PromptError):
        return ApiError(500, message, code="server_misconfigured")
    if type(exc) is AssistantError:
        return ApiError(400, message)
    return ApiError(503, message, code=type(exc).__name__)  # IngestError and the like


def _citation(c: Citation) -> dict[str, Any]:
    return {"index": c.index, "doc_id": c.doc_id, "title": c.title, "date": c.date, "url": c.url,
            "source": c.source, "quote": c.quote, "text": c.text}


def _extensions(answer: Answer) -> dict[str, Any]:
    """hoitin's fields of a finished answer, beside OpenAI's."""
    return {
        "citations": [_citation(c) for c in answer.citations],
        "refused": answer.refused,
        "quick": {"answer": answer.quick, "refused": answer.quick_refused,
                  "citations": [_citation(c) for c in answer.quick_citations]},
        "answered_by": answer.answered_by or "quick",
        "model_check": answer.model_check.to_dict() if answer.model_check is not None else None,
        "notices": list(answer.notices),
    }


def _sse(data: dict[str, Any] | str) -> str:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"data: {text}\n\n"


class Api:
    """The ``/v1`` endpoints and ``/healthz`` over one assistant."""

    def __init__(self, bot: Assistant, settings: Settings, workers: int) -> None:
        self.bot = bot
        self.settings = settings
        self.lock = index_lock(bot)
        self.pool = AnswerPool(bot, workers)
        self.started = int(time.time())
        self._doc_count: tuple[int, int] | None = None  # (chunks, documents) when last counted
        self._key = settings.api_key.get_secret_value() if settings.api_key else ""

    # --- checks ---------------------------------------------------------------------------

    async def authorize(self, credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                    Depends(_BEARER)]) -> None:
        if not self._key:
            return
        if credentials is None:
            raise ApiError(401, "this server needs an API key: send 'Authorization: Bearer <key>'",
                           code="missing_api_key", headers={"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(credentials.credentials.encode(), self._key.encode()):
            raise ApiError(401, "the API key is wrong", code="invalid_api_key",
                           headers={"WWW-Authenticate": "Bearer"})

    def question(self, text: str, param: str) -> str:
        """``text`` checked (:func:`assistant.cleaning.clean_question`: not empty, valid
        Unicode, not too long) and returned as sent: the assistant cleans it again, and its
        answer carries the notices (characters removed)."""
        try:
            size = len(clean_question(text).text)
        except LanguageError as exc:
            raise ApiError(400, str(exc), code="unsupported_language", param=param) from None
        except QuestionError as exc:
            if invalid_unicode_at(text) is not None:
                raise ApiError(400, str(exc), code="invalid_text", param=param) from None
            raise ApiError(400, "the question is empty; ask something about the articles",
                           code="empty_question", param=param) from None
        if size > self.settings.max_question_chars:
            raise ApiError(400, f"the question is {size:,} characters long; the limit is "
                           f"{self.settings.max_question_chars:,} (ASSISTANT_MAX_QUESTION_CHARS)",
                           code="question_too_long", param=param)
        return text

    def conversation(self, messages: list[MessageIn]) -> tuple[str, list[ChatMessage]]:
        """The question (the last user message) and the earlier user/assistant turns."""
        turns: list[ChatMessage] = []
        for i, m in enumerate(messages):
            if m.role in ("system", "developer"):
                continue
            if m.role not in ("user", "assistant"):
                raise ApiError(400, f"messages[{i}] has role {m.role!r}; use user, assistant or "
                               "system (tools and functions are not supported)",
                               code="unsupported_role", param=f"messages[{i}].role")
            parts = m.content if isinstance(m.content, list) else []
            if any(p.type != "text" for p in parts):
                raise ApiError(400, f"messages[{i}] has non-text content; only text is supported",
                               code="unsupported_content", param=f"messages[{i}].content")
            text = "".join(p.text or "" for p in parts) if parts else (m.content or "")
            turns.append({"role": m.role, "content": str(text)})  # type: ignore[typeddict-item]
        if not turns or turns[-1]["role"] != "user":
            raise ApiError(400, "the last message must be the user's question (role 'user')",
                           code="no_question", param="messages")
        return self.question(turns[-1]["content"], "messages"), turns[:-1]

    # --- chat completions -------------------------------------------------------------------

    async def chat_completions(self, body: ChatCompletionRequest) -> Any:
        if body.model != MODEL_ID:
            raise ApiError(404, f"the model {body.model!r} does not exist; this server serves "
                           f"{MODEL_ID!r}", code="model_not_found", param="model")
        if body.n not in (None, 1):
            raise ApiError(400, "n must be 1: hoitin gives one answer per question", param="n")
        question, history = self.conversation(body.messages)
        filters = body.filters.to_filters() if body.filters else None
        cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        answers = self.pool.answer(question, history, filters=filters)
        if not body.stream:
            answer = await last_answer(answers)
            return JSONResponse({
                "id": cid, "object": "chat.completion", "created": created, "model": MODEL_ID,
                "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                             "message": {"role": "assistant", "content": answer.text}}],
                "usage": answer.usage or None, "system_fingerprint": None, **_extensions(answer),
            })
        # Wait for the first piece before answering, so an error up to then (the store is
        # down, a bad filter) still gets its status code instead of a broken stream.
        first = await anext(answers)
        usage = bool(body.stream_options and body.stream_options.include_usage)
        return StreamingResponse(
            self._events(answers, first, cid, created, usage), media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def _events(self, answers: AsyncIterator[AnswerEvent | Answer], first: AnswerEvent | Answer,
                      cid: str, created: int, include_usage: bool) -> AsyncIterator[str]:
        def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> str:
            choices = [] if delta is None else [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
            return _sse({"id": cid, "object": "chat.completion.chunk", "created": created,
                         "model": MODEL_ID, "system_fingerprint": None, "choices": choices, **extra})

        try:
            yield chunk({"role": "assistant", "content": ""}, phase="quick")
            item, shown = first, False
            while not isinstance(item, Answer):
                kind, text = item
                if kind == "quick" and text:
                    shown = True
                    yield chunk({"content": text}, phase="quick")
                elif kind == "working":
                    yield chunk({}, phase="model")
                elif kind == "final" and text:
                    yield chunk({"content": (QUICK_SEPARATOR + text) if shown else text}, phase="final")
                    shown = True
                item = await anext(answers)
            extra = {"answer": item.text, **_extensions(item)}
            if include_usage:
                yield chunk({}, "stop")
                yield chunk(None, usage=item.usage or None, **extra)  # OpenAI's usage chunk
            else:
                yield chunk({}, "stop", **extra)
            yield _sse("[DONE]")
        except Exception as exc:  # the stream has started: report the error as an event
            error = from_assistant_error(exc) if isinstance(exc, AssistantError) else None
            if error is None:
                log.exception("answer failed mid-stream")
                error = ApiError(500, "the answer failed; the error was logged on the server")
            yield _sse({"error": {"message": error.message, "type": error.type, "code": error.code}})
        finally:
            await answers.aclose()  # type: ignore[attr-defined]

    # --- hoitin's own endpoints -------------------------------------------------------------

    async def ask(self, body: AskRequest) -> Any:
        question = self.question(body.question, "question")
        history: list[ChatMessage] = [t.model_dump() for t in body.history]  # type: ignore[misc]
        filters = body.filters.to_filters() if body.filters else None
        answer = await self.pool.finished(question, history, k=body.k, filters=filters, quick=body.quick)
        return JSONResponse(answer.to_dict())

    async def retrieve(self, body: RetrieveRequest) -> Any:
        cleaned = clean_question(self.question(body.query, "query"))
        query, notices = cleaned.text, list(cleaned.notices)
        filters = body.filters.to_filters() if body.filters else None

        def run() -> list[Any]:
            with self.lock.reading():
                return self.bot.retrieve(query, body.k, filters=filters, mode=body.mode)

        passages = await run_in_threadpool(run)
        return {"query": query, "notices": notices, "passages": [
            {"chunk_id": p.chunk_id, "doc_id": p.doc_id, "title": p.title, "date": p.date,
             "source": p.source, "url": p.url, "text": p.text, "score": p.score,
             "dense_similarity": p.dense_similarity, "start": p.start, "end": p.end}
            for p in passages
        ]}

    async def documents(self) -> Any:
        docs = await run_in_threadpool(self.bot.documents)
        return {"object": "list", "data": [asdict(d) for d in docs]}

    async def add_document(self, request: Request) -> Any:
        limit = self.settings.max_upload_bytes
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "multipart/form-data":
            async with request.form(max_files=1, max_fields=8, max_part_size=2 * limit + 65536) as form:
                upload = form.get("file")
                if upload is None or isinstance(upload, str):
                    raise ApiError(400, "send the article as a multipart field named 'file' "
                                   "(a .txt or .md file)", param="file")
                data = await upload.read(limit + 1)
                fields = {k: str(form.get(k) or "") for k in ("title", "date", "source")}
                name = upload.filename or "article.txt"
            article: dict[str, Any] = {"data": data, "upload_name": name, "title": fields["title"],
                                       "date_value": fields["date"], "source": fields["source"]}
        elif kind == "application/json":
            try:
                pasted = ArticleIn.model_validate_json(await request.body())
            except ValidationError as exc:
                raise invalid_request(exc.errors()) from None
            data = pasted.text.encode("utf-8")
            article = {"pasted": pasted.text, "title": pasted.title, "date_value": pasted.date,
                       "source": pasted.source}
        else:
            raise ApiError(415, "send the article as JSON {title, text, date?, source?} or as "
                           "multipart/form-data with a 'file' field")
        if len(data) > limit:
            raise ApiError(413, f"the article is over {limit:,} bytes, the largest accepted "
                           "(ASSISTANT_MAX_UPLOAD_BYTES)", code="article_too_large")
        result = await run_in_threadpool(self._add, article)
        return JSONResponse(result, status_code=201)

    def _add(self, article: dict[str, Any]) -> dict[str, Any]:
        corpus = Path(self.settings.corpus_dir)
        with self.lock.writing():
            # the same checks and naming as the UI's uploads (assistant.articles)
            prepared = prepare_article(corpus, max_bytes=self.settings.max_upload_bytes, **article)
            write_article(prepared.target, prepared.text)
            try:
                doc = read_article(prepared.target)
                if doc.doc_id in {d.doc_id for d in self.bot.documents()}:
                    raise ApiError(409, f"an article with the id {doc.doc_id!r} is already indexed; "
                                   "give the new one another file name or id", code="duplicate_id")
            except BaseException:
                prepared.target.unlink(missing_ok=True)
                raise
            log.info("added %s to the corpus", prepared.target)
            try:
                report = self.bot.ingest()
            except AssistantError as exc:  # the file stays: the next re-index picks it up
                raise type(exc)(f"{exc} (the article was saved as {prepared.target.name}; the "
                                "next successful re-index adds it, do not send it again)") from exc
            finally:
                self._doc_count = None
        return {"doc_id": doc.doc_id, "title": doc.title, "file": prepared.target.name,
                "ingest": asdict(report)}

    async def delete_document(self, doc_id: str) -> Any:
        return await run_in_threadpool(self._delete, doc_id)

    def _delete(self, doc_id: str) -> dict[str, Any]:
        with self.lock.writing():
            loaded = load_corpus(self.settings.corpus_dir)
            doc = next((d for d in loaded.documents if d.doc_id == doc_id), None)
            if doc is None:
                raise ApiError(404, f"no article {doc_id!r} in the corpus folder", code="no_such_document")
            source = Path(doc.path.rsplit(":", 1)[0] if ".jsonl:" in doc.path.lower() else doc.path)
            if source.suffix.lower() == ".jsonl":
                raise ApiError(409, f"{doc_id!r} is one line of {source.name}, with other articles; "
                               "edit that file and re-index", code="shared_file")
            # Nothing is lost: the file moves to <data_dir>/deleted/ rather than being erased.
            kept = Path(self.settings.data_dir) / "deleted"
            kept.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            shutil.move(str(source), str(kept / f"{stamp}-{source.name}"))
            log.info("deleted %s from the corpus (kept in %s)", source, kept)
            report = self.bot.ingest()
            self._doc_count = None
        return {"doc_id": doc.doc_id, "title": doc.title, "file": source.name, "ingest": asdict(report)}

    async def healthz(self) -> Any:
        try:
            chunks, documents = await asyncio.wait_for(run_in_threadpool(self._counts), HEALTH_TIMEOUT)
        except TimeoutError:
            raise ApiError(503, f"the vector store did not answer within {HEALTH_TIMEOUT:.0f} s",
                           code="store_timeout") from None
        info = self.bot.describe()
        return {"status": "ok", "engine": info["engine"], "model": info["model"],
                "embedder": info["embedder"], "index": {"documents": documents, "chunks": chunks},
                "workers": self.pool.workers, "answering": self.pool.active}

    def _counts(self) -> tuple[int, int]:
        chunks = self.bot.index.store.count()
        if self._doc_count is None or self._doc_count[0] != chunks:  # recount after a change
            self._doc_count = (chunks, len(self.bot.documents()))
        return self._doc_count

    async def models(self) -> Any:
        return {"object": "list", "data": [await self.model_card()]}

    async def model_card(self, model_id: str = MODEL_ID) -> Any:
        if model_id != MODEL_ID:
            raise ApiError(404, f"the model {model_id!r} does not exist; this server serves {MODEL_ID!r}",
                           code="model_not_found")
        return {"id": MODEL_ID, "object": "model", "created": self.started, "owned_by": "hoitin"}


def invalid_request(errors: Any) -> ApiError:
    """A 400 naming the first problem pydantic found in the request."""
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or None
    if first.get("type") == "json_invalid":
        return ApiError(400, "the request body is not valid JSON", code="invalid_json")
    message = str(first.get("msg", "invalid request"))
    return ApiError(400, f"{where}: {message}" if where else message, param=where)
