"""A chat model as the assistant calls it: langchain's ``ChatOpenAI`` (OpenAI, any
OpenAI-compatible server, or the local llama.cpp server), built on first use, with its
known failures translated (:mod:`assistant.model_errors`).

The answer engine (:mod:`assistant.chat_engine`) and the follow-up condenser
(:mod:`assistant.condense`) share one :class:`ChatClient`. Retries with exponential backoff
on 429, 5xx and connection errors are done by the ``openai`` client (``max_retries``),
before any text is streamed.

:meth:`ChatClient.stream_timed` also measures the call (:class:`~assistant.types.ModelTiming`):
from the local llama.cpp server's own log (prompt tokens, how many came from its KV cache,
prompt-processing and generation time), from the ``timings`` a llama.cpp ``llama-server``
sends with its last chunk, or, for any other server, on the client (time to the first piece
stands for prompt processing). The local client holds a lease on the process-wide server
(:func:`assistant.llama_server.lease_shared_server`), given back by :meth:`ChatClient.close`
or when the client is garbage-collected.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage

from assistant.errors import AssistantError, ConfigError, ModelUnavailableError
from assistant.model_errors import translate_model_error
from assistant.settings import Settings
from assistant.types import ModelTiming

if TYPE_CHECKING:
    from assistant.llama_server import LlamaServer, ServerLease

__all__ = ["OPENAI_DEFAULT_URL", "ChatClient"]

log = logging.getLogger(__name__)

OPENAI_DEFAULT_URL = "https://api.openai.com/v1"


class ChatClient:
    """Calls one chat model. ``chat_model`` is a model or a zero-argument factory, called
    once (thread-safe) on first use — the local client uses that to assemble the model and
    start the server only when the first question comes, and again after the server went
    away."""

    def __init__(
        self,
        chat_model: BaseChatModel | Callable[[], BaseChatModel],
        *,
        model: str = "",
        base_url: str = "",
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self._factory: Callable[[], BaseChatModel] | None
        if isinstance(chat_model, BaseChatModel):
            self._chat_model: BaseChatModel | None = chat_model
            self._factory = None
        else:
            self._chat_model = None
            self._factory = chat_model
        self._lock = threading.Lock()
        self._on_close = on_close
        self.lease: ServerLease | None = None  # the local server this client uses
        self.local = False  # the model runs on a llama-cpp-python server this process started

    @property
    def server(self) -> LlamaServer | None:
        lease = self.lease
        return lease.server if lease is not None and not lease.released else None

    # --- construction --------------------------------------------------------------------

    @classmethod
    def openai(cls, settings: Settings) -> ChatClient:
        """OpenAI, or any OpenAI-compatible server at ``OPENAI_BASE_URL``."""
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        if not key and not settings.openai_base_url:
            raise ConfigError(
                "the openai engine needs an API key or a server: set OPENAI_API_KEY, or "
                "OPENAI_BASE_URL for an OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1)"
            )
        base_url = settings.openai_base_url or OPENAI_DEFAULT_URL
        chat = _chat_openai(
            model=settings.openai_model,
            api_key=key or "not-needed",
            base_url=base_url,
            settings=settings,
            official=settings.openai_base_url is None,
        )
        return cls(chat, model=settings.openai_model, base_url=base_url)

    @classmethod
    def local(cls, settings: Settings) -> ChatClient:
        """The bundled (or user) GGUF model behind a llama.cpp server started on demand."""
        from assistant.local_models import local_model_name

        client = cls(lambda: _local_chat_model(ref, settings), model=local_model_name(settings))
        client.local = True
        ref = weakref.ref(client)  # the factory must not keep the client (and its lease) alive
        return client

    # --- calls ---------------------------------------------------------------------------

    @property
    def chat_model(self) -> BaseChatModel:
        if self._chat_model is None:
            with self._lock:
                if self._chat_model is None:
                    assert self._factory is not None
                    self._chat_model = self._factory()
        return self._chat_model

    def warm_up(self) -> None:
        """Build the chat model now (assemble the model, start the server) instead of lazily."""
        _ = self.chat_model

    def stream(self, messages: list[BaseMessage]) -> Iterator[AIMessageChunk]:
        """The reply in chunks (with ``usage_metadata`` on the last one when the server
        reports usage)."""
        try:
            yield from self.chat_model.stream(messages)
        except Exception as exc:
            error = self._failed(exc)
            if error is exc:
                raise
            raise error from exc

    def invoke(self, messages: list[BaseMessage]) -> str:
        """The whole reply as text."""
        try:
            reply = self.chat_model.invoke(messages)
        except Exception as exc:
            error = self._failed(exc)
            if error is exc:
                raise
            raise error from exc
        return reply.content if isinstance(reply.content, str) else str(reply.content)

    def stream_timed(
        self,
        messages: list[BaseMessage],
        timing: ModelTiming,
        *,
        response_format: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> Iterator[str]:
        """The reply's text in pieces; ``timing`` is filled in when the stream ends (or is
        abandoned). ``response_format`` is sent as is (see :mod:`assistant.structured`)."""
        kwargs: dict[str, Any] = {}
        extra = dict(getattr(self.chat_model, "extra_body", None) or {})
        if response_format is not None:
            extra["response_format"] = response_format
        if max_tokens is not None:
            extra["max_tokens"] = max_tokens
        if extra:
            kwargs["extra_body"] = extra
        server = self.server
        offset = server.log_size() if server is not None else 0
        started = time.perf_counter()
        first: float | None = None
        pieces = 0
        usage: dict[str, int] = {}
        reported: dict[str, Any] = {}
        try:
            for chunk in self.chat_model.stream(messages, **kwargs):
                if chunk.usage_metadata:
                    usage = dict(chunk.usage_metadata)  # type: ignore[arg-type]
                if isinstance(chunk.response_metadata.get("timings"), dict):
                    reported = chunk.response_metadata["timings"]
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    if first is None:
                        first = time.perf_counter() - started
                    pieces += 1
                    yield text
        except Exception as exc:
            error = self._failed(exc)
            if error is exc:
                raise
            raise error from exc
        finally:
            timing.seconds = time.perf_counter() - started
            timing.first_piece_seconds = first
            _fill_timing(timing, server, offset, usage, reported, pieces)

    def close(self) -> None:
        lease, self.lease = self.lease, None
        if lease is not None:
            lease.release()
        if self._on_close:
            self._on_close()

    def _failed(self, exc: Exception) -> Exception:
        """The error to raise for ``exc``: itself when it is not a known model failure."""
        error: Exception | None = (
            exc
            if isinstance(exc, AssistantError)
            else translate_model_error(exc, url=self.base_url, model=self.model)
        )
        if error is None:
            return exc
        if isinstance(error, ModelUnavailableError) and self._factory is not None:
            # e.g. the local server died: build the model (and server) again next time
            with self._lock:
                self._chat_model = None
        return error


def _local_chat_model(ref: weakref.ref[ChatClient], settings: Settings) -> BaseChatModel:
    """Assemble the local model, lease the process-wide server, and talk to it."""
    from assistant.llama_server import lease_shared_server
    from assistant.local_models import resolve_local_model

    client = ref()
    if client is None:  # pragma: no cover - the client is gone
        raise ModelUnavailableError("the local model's client was closed")
    path = resolve_local_model(settings)
    old, client.lease = client.lease, lease_shared_server(path, n_threads=settings.local_threads)
    if old is not None:
        old.release()
    server = client.lease.server
    client.base_url = server.base_url
    return _chat_openai(
        model=server.alias,
        api_key=server.api_key or "local",
        base_url=server.base_url,
        settings=settings,
        official=False,
    )


def _fill_timing(timing: ModelTiming, server: LlamaServer | None, offset: int, usage: dict[str, Any],
                 reported: dict[str, Any], pieces: int) -> None:
    """Fill ``timing`` from the best source at hand: the local server's log, a server's
    ``timings`` (llama.cpp's llama-server: prompt_n, prompt_ms, predicted_n, predicted_ms,
    cache_n), else the client's clock and the usage the server reported."""
    measured = server.timings_since(offset) if server is not None else None
    if server is not None:
        timing.threads = server.n_threads
    if measured is not None:
        timing.source = "server log"
        timing.prompt_tokens = measured.prompt_tokens
        timing.cached_tokens = measured.cached_tokens
        timing.completion_tokens = measured.completion_tokens
        timing.decode_seconds = measured.completion_ms / 1000
        timing.prefill_seconds = measured.prompt_ms / 1000 if measured.prompt_ms is not None else None
    elif reported.get("predicted_n") is not None:
        timing.source = "server"
        cached = int(reported.get("cache_n") or 0)
        timing.prompt_tokens = int(reported.get("prompt_n") or 0) + cached
        timing.cached_tokens = cached
        timing.completion_tokens = int(reported["predicted_n"])
        timing.prefill_seconds = float(reported.get("prompt_ms") or 0) / 1000
        timing.decode_seconds = float(reported.get("predicted_ms") or 0) / 1000
    else:
        timing.source = "client"
        timing.prompt_tokens = int(usage["input_tokens"]) if usage.get("input_tokens") else None
        details = usage.get("input_token_details") or {}
        timing.cached_tokens = int(details.get("cache_read") or 0)
        timing.completion_tokens = int(usage.get("output_tokens") or pieces)
    if timing.prefill_seconds is None and timing.first_piece_seconds is not None:
        # the first piece needs the prompt read and one token written
        step = (timing.decode_seconds or 0.0) / max(timing.completion_tokens, 1)
        timing.prefill_seconds = max(timing.first_piece_seconds - step, 0.0)
    if timing.decode_seconds is None and timing.first_piece_seconds is not None:
        timing.decode_seconds = max(timing.seconds - timing.first_piece_seconds, 0.0)


def _chat_openai(
    *, model: str, api_key: str, base_url: str, settings: Settings, official: bool
) -> BaseChatModel:
    kwargs: dict[str, Any] = {}
    if official:
        kwargs["max_tokens"] = settings.max_answer_tokens
    else:
        # OpenAI-compatible servers (llama.cpp, vLLM, older Ollama) read "max_tokens";
        # ChatOpenAI sends "max_completion_tokens".
        kwargs["extra_body"] = {"max_tokens": settings.max_answer_tokens}
    return _timed_chat_openai_class()(
        model=model,
        api_key=api_key,  # type: ignore[arg-type]
        base_url=base_url,
        temperature=settings.temperature,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
        stream_usage=True,
        **kwargs,
    )


@functools.cache
def _timed_chat_openai_class() -> type[BaseChatModel]:
    from langchain_openai import ChatOpenAI

    class TimedChatOpenAI(ChatOpenAI):
        """``ChatOpenAI`` that keeps the ``timings`` a llama.cpp server sends with its last
        chunk (langchain drops unknown fields) in the chunk's ``response_metadata``."""

        def _convert_chunk_to_generation_chunk(self, chunk: dict, default_chunk_class: type,
                                               base_generation_info: dict | None) -> Any:
            out = super()._convert_chunk_to_generation_chunk(chunk, default_chunk_class, base_generation_info)
            timings = chunk.get("timings")
            if out is not None and isinstance(timings, dict):
                out.message.response_metadata["timings"] = timings
            return out

    return TimedChatOpenAI
