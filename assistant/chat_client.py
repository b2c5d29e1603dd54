"""A chat model as the assistant calls it: langchain's ``ChatOpenAI`` (OpenAI, any
OpenAI-compatible server, or the local llama.cpp server), built on first use, with its
known failures translated (:mod:`assistant.model_errors`).

The answer engine (:mod:`assistant.chat_engine`) and the follow-up condenser
(:mod:`assistant.condense`) share one :class:`ChatClient`. Retries with exponential backoff
on 429, 5xx and connection errors are done by the ``openai`` client (``max_retries``),
before any text is streamed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage

from assistant.errors import AssistantError, ConfigError, ModelUnavailableError
from assistant.model_errors import translate_model_error
from assistant.settings import Settings

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
        from assistant.llama_server import shared_server
        from assistant.local_models import local_model_name, resolve_local_model

        def factory() -> BaseChatModel:
            path = resolve_local_model(settings)
            server = shared_server(path, n_threads=settings.local_threads)
            client.base_url = server.base_url
            return _chat_openai(
                model=server.alias,
                api_key=server.api_key or "local",
                base_url=server.base_url,
                settings=settings,
                official=False,
            )

        client = cls(factory, model=local_model_name(settings))
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

    def close(self) -> None:
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


def _chat_openai(
    *, model: str, api_key: str, base_url: str, settings: Settings, official: bool
) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    kwargs: dict[str, Any] = {}
    if official:
        kwargs["max_tokens"] = settings.max_answer_tokens
    else:
        # OpenAI-compatible servers (llama.cpp, vLLM, older Ollama) read "max_tokens";
        # ChatOpenAI sends "max_completion_tokens".
        kwargs["extra_body"] = {"max_tokens": settings.max_answer_tokens}
    return ChatOpenAI(
        model=model,
        api_key=api_key,  # type: ignore[arg-type]
        base_url=base_url,
        temperature=settings.temperature,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
        stream_usage=True,
        **kwargs,
    )
