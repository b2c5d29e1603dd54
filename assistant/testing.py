"""Offline fakes for tests (and for users' own tests): a deterministic embedder.

They serve unit tests; every real part has its own tests against the real thing.
"""

from __future__ import annotations

import hashlib
import math
import time

from langchain_core.embeddings import Embeddings

from assistant.text import fold, words


class FakeEmbeddings(Embeddings):
    """Bag-of-words hashing embedder: same text, same vector; shared words, similar vectors."""

    name = "fake"

    def __init__(self, dimensions: int = 64):
        self.dimensions = dimensions

    def _embed(self, text: str) -> list[float]:
        vec = [0.0] * self.dimensions
        for token in words(fold(text)):
            digest = hashlib.md5(token.encode("utf-8")).digest()
            vec[digest[0] % self.dimensions] += 1.0 if digest[1] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


# --- a scripted chat model ------------------------------------------------------------------

from collections.abc import Iterator, Sequence  # noqa: E402
from typing import Any  # noqa: E402

from langchain_core.language_models.chat_models import BaseChatModel  # noqa: E402
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage  # noqa: E402
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult  # noqa: E402
from pydantic import Field  # noqa: E402

Scripted = str | list[str] | BaseException


class ScriptedChatModel(BaseChatModel):
    """A chat model that replies with scripted outputs, in order, and records its prompts.

    ``enqueue(["first reply", ["streamed ", "in ", "pieces"], TimeoutError()])`` scripts
    three calls: a string (streamed in ``chunk_size`` pieces), explicit stream pieces, and an
    exception raised when the call is made. Every call's messages are kept in ``history``.
    Token usage (words, roughly) is reported on the last chunk, like OpenAI's stream_usage.

    ``hold`` (a ``threading.Event``) makes a slow model on demand: a stream yields its first
    piece, then waits until the event is set (at most ``hold_timeout`` seconds, then fails);
    ``delay`` seconds pass before each later piece, as with a model writing at a real pace.
    """

    model_name: str = "scripted"
    chunk_size: int = 8
    report_usage: bool = True
    queue: list[Any] = Field(default_factory=list)
    history: list[list[BaseMessage]] = Field(default_factory=list)
    hold: Any = None
    hold_timeout: float = 120.0
    delay: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def enqueue(self, outputs: Sequence[Scripted]) -> ScriptedChatModel:
        self.queue.extend(outputs)
        return self

    @property
    def prompts(self) -> list[str]:
        """The text of the last message of every call so far."""
        return [str(messages[-1].content) for messages in self.history]

    def _next(self, messages: list[BaseMessage]) -> list[str]:
        self.history.append(list(messages))
        if not self.queue:
            raise RuntimeError("ScriptedChatModel has no output left; call enqueue([...]) first")
        item = self.queue.pop(0)
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, str):
            step = max(1, self.chunk_size)
            return [item[i : i + step] for i in range(0, len(item), step)] or [""]
        return list(item)

    def _usage(self, messages: list[BaseMessage], pieces: list[str]) -> dict[str, int]:
        prompt = sum(len(str(m.content).split()) for m in messages)
        completion = len("".join(pieces).split())
        return {
            "input_tokens": prompt,
            "output_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        pieces = self._next(messages)
        message = AIMessage(
            content="".join(pieces),
            usage_metadata=self._usage(messages, pieces) if self.report_usage else None,  # type: ignore[arg-type]
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        pieces = self._next(messages)
        for n, piece in enumerate(pieces):
            if n == 1 and self.hold is not None and not self.hold.wait(self.hold_timeout):
                raise TimeoutError(f"ScriptedChatModel was held for {self.hold_timeout} s")
            if n and self.delay:
                time.sleep(self.delay)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        if self.report_usage:
            usage = self._usage(messages, pieces)
            yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=usage))  # type: ignore[arg-type]
