"""hoitin over HTTP: the chat UI at ``/`` and the API under ``/v1``, in one process.

    assistant serve --host 127.0.0.1 --port 8000

:func:`create_app` assembles the FastAPI app: the endpoints of :class:`assistant.api.Api`
under ``/v1`` (bearer token ``ASSISTANT_API_KEY`` when set) and ``/healthz``, a request
body limit, OpenAI-style errors for everything (never a traceback), the OpenAPI schema
(``/openapi.json``, with the ``citations`` extension and the stream's chunk) and the Gradio
UI at ``/`` (:func:`assistant.ui.mount`). :func:`serve` runs it on uvicorn.

Only :mod:`assistant.server`, :mod:`assistant.api` and :mod:`assistant.api_models` import
fastapi, starlette or uvicorn; only :mod:`assistant.ui` imports gradio.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant import __version__
from assistant.answer_pool import answer_workers
from assistant.api import Api, ApiError, from_assistant_error, invalid_request
from assistant.api_models import (
    ArticleIn,
    AskResponse,
    ChatCompletion,
    ChatCompletionChunk,
    DocumentChange,
    DocumentList,
    ErrorResponse,
    Health,
    ModelCard,
    ModelList,
    RetrieveResponse,
    schema_components,
)
from assistant.assistant import Assistant
from assistant.errors import AssistantError, ConfigError
from assistant.settings import Settings

__all__ = ["create_app", "serve"]

log = logging.getLogger(__name__)

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 404, 413, 503)
}


def create_app(bot: Assistant, settings: Settings, *, ui: bool = True,
               auth: tuple[str, str] | None = None,
               on_ready: Callable[[], None] | None = None) -> FastAPI:
    """The FastAPI app: the API under ``/v1``, ``/healthz``, and the chat UI at ``/``."""
    api = Api(bot, settings, answer_workers(settings, bot.engine.name))
    app = FastAPI(title="hoitin", version=__version__, docs_url=None, redoc_url=None,
                  description="Ask the news: cited answers from Vietnamese news articles. "
                  "/v1/chat/completions is OpenAI-compatible and adds `citations` and `refused`.")
    app.state.api = api
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(api.authorize)], responses=_ERRORS)
    v1.add_api_route("/chat/completions", api.chat_completions, methods=["POST"],
                     response_model=ChatCompletion, summary="Chat completion (OpenAI-compatible)",
                     responses={200: {"content": {"text/event-stream": {
                         "schema": {"$ref": "#/components/schemas/ChatCompletionChunk"}}},
                         "description": "JSON, or server-sent events when stream is true"}})
    v1.add_api_route("/models", api.models, methods=["GET"], response_model=ModelList)
    v1.add_api_route("/models/{model_id}", api.model_card, methods=["GET"], response_model=ModelCard)
    v1.add_api_route("/retrieve", api.retrieve, methods=["POST"], response_model=RetrieveResponse,
                     summary="Passages for a query, with scores")
    v1.add_api_route("/ask", api.ask, methods=["POST"], response_model=AskResponse,
                     summary="An answer as `assistant ask --json` prints it")
    v1.add_api_route("/documents", api.documents, methods=["GET"], response_model=DocumentList)
    v1.add_api_route("/documents", api.add_document, methods=["POST"], status_code=201,
                     response_model=DocumentChange, summary="Add an article and re-index",
                     openapi_extra={"requestBody": {"required": True, "content": {
                         "application/json": {"schema": {"$ref": "#/components/schemas/ArticleIn"}},
                         "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                             "properties": {"file": {"type": "string", "format": "binary"},
                                            "title": {"type": "string"}, "date": {"type": "string"},
                                            "source": {"type": "string"}}}}}}})  # fmt: skip
    v1.add_api_route("/documents/{doc_id}", api.delete_document, methods=["DELETE"],
                     response_model=DocumentChange,
                     summary="Remove an article (its file is kept in <data_dir>/deleted/) and re-index")

    async def unknown(request: Request, path: str) -> Any:
        allowed = any(r.matches(request.scope)[0] is Match.PARTIAL for r in v1.routes)
        if allowed:
            raise ApiError(405, f"{request.method} is not allowed on {request.url.path}")
        raise ApiError(404, f"no endpoint {request.method} {request.url.path}; see /openapi.json",
                       code="unknown_url")

    v1.add_api_route("/{path:path}", unknown, include_in_schema=False,
                     methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
    app.include_router(v1)
    app.add_api_route("/healthz", api.healthz, methods=["GET"], response_model=Health,
                      responses={503: {"model": ErrorResponse}})
    _handle_errors(app)
    app.add_middleware(BodyLimit, limit=2 * settings.max_upload_bytes + (1 << 20))  # type: ignore[arg-type]
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    if ui:
        from assistant.ui import mount

        app.state.blocks = mount(app, bot, settings, path="/", auth=auth)

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: Any) -> AsyncIterator[Any]:
        async with inner(app_) as state:
            if on_ready is not None:
                on_ready()
            yield state
        api.pool.close()

    app.router.lifespan_context = lifespan
    return app


def _handle_errors(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        return exc.response()  # type: ignore[attr-defined]

    async def assistant_error(request: Request, exc: Exception) -> JSONResponse:
        error = from_assistant_error(exc)  # type: ignore[arg-type]
        log.log(logging.WARNING if error.status >= 500 else logging.INFO, "%s %s: %s",
                request.method, request.url.path, exc)
        return error.response()

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        return invalid_request(exc.errors()).response()  # type: ignore[attr-defined]

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        status = exc.status_code  # type: ignore[attr-defined]
        detail = exc.detail if isinstance(exc.detail, str) else "error"  # type: ignore[attr-defined]
        return ApiError(status, detail, headers=getattr(exc, "headers", None)).response()

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return ApiError(500, "internal error; it was logged on the server").response()

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(AssistantError, assistant_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(
            schema_components(ChatCompletionChunk, ArticleIn))
        app.openapi_schema = schema
    return app.openapi_schema


class BodyLimit:
    """413 for a ``/v1`` request body over ``limit`` bytes (declared or actually sent)."""

    def __init__(self, app: ASGIApp, limit: int, prefix: str = "/v1") -> None:
        self.app, self.limit, self.prefix = app, limit, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        too_large = ApiError(413, f"the request body is over {self.limit:,} bytes",
                             code="request_too_large").response()
        declared = dict(scope["headers"]).get(b"content-length", b"").decode("latin-1")
        if declared.strip().isdigit() and int(declared) > self.limit:
            await too_large(scope, receive, send)
            return
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.limit:
                await too_large(scope, receive, send)
                return
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


# --- running it ---------------------------------------------------------------------------------


def _exit_cleanly(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                          "is another server using it? choose another --port") from None


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000,
          auth: tuple[str, str] | None = None, ingest: bool = True, ui: bool = True,
          on_ready: Callable[[str], None] | None = None) -> None:
    """Index the corpus, then serve the UI and the API on ``http://host:port`` until stopped."""
    import uvicorn

    sock = _listen(host, port)  # first: a taken port fails before the models load
    if threading.current_thread() is threading.main_thread():
        # uvicorn shuts down gracefully on SIGTERM, then raises it again: exit cleanly
        # instead of dying, so the assistant (and a local model's server) is closed below
        signal.signal(signal.SIGTERM, _exit_cleanly)
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    try:
        bot = Assistant.from_settings(settings)
        try:
            if ingest:
                report = bot.ingest()
                log.info("index ready: %s", report.summary())
                for skipped in report.skipped:
                    log.warning("skipped %s", skipped)
            warm_up = getattr(bot.engine, "warm_up", None)
            if callable(warm_up):  # start the local model now, not on the first question
                try:
                    warm_up()
                except AssistantError as exc:
                    log.warning("the %s engine did not start (%s); answers fall back to the "
                                "extractive engine", bot.engine.name, exc)
            if not settings.api_key and host not in ("127.0.0.1", "localhost", "::1"):
                log.warning("serving on %s without ASSISTANT_API_KEY: anyone who can reach it "
                            "can add and delete articles", host)
            if settings.api_key and ui and not auth:
                log.warning("the API needs a key but the UI at / has no --auth: its Articles tab "
                            "can add articles without one")
            app = create_app(bot, settings, ui=ui, auth=auth,
                             on_ready=(lambda: on_ready(url)) if on_ready else None)
            config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on",
                                    timeout_graceful_shutdown=10)
            uvicorn.Server(config).run(sockets=[sock])
        finally:
            bot.close()
    finally:
        sock.close()
