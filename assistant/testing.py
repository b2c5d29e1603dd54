"""Offline fakes for tests — the project's and yours: no model, no network, no randomness.

- :class:`FakeAnswerEngine` — an answer engine (:class:`~assistant.generation.AnswerEngine`)
  that replies from a script and records every request it was given, like
  ``httpx.MockTransport`` or simonw/llm's ``MockModel``;
- :class:`ScriptedChatModel` — a langchain chat model with scripted replies, to test the
  real :class:`~assistant.chat_engine.ChatEngine` (prompts, refusal token, usage) offline;
- :class:`FakeEmbeddings` — a deterministic bag-of-words embedder.

Every answer still goes through the real retrieval, evidence gate and citation check::

    from assistant import Assistant, Settings
    from assistant.testing import FakeAnswerEngine, FakeEmbeddings

    engine = FakeAnswerEngine(["Nguyễn Doãn Anh dẫn đầu đoàn [1]."])
    settings = Settings(corpus_dir="corpus", vectorstore_dir=tmp_path / "vs", llm="extractive")
    bot = Assistant.from_settings(settings, embeddings=FakeEmbeddings(), engine=engine)
    bot.ingest()
    answer = bot.ask("Ai dẫn đầu đoàn công tác Thanh Hóa sang Nga?")
    assert engine.requests[0].passages          # what the engine was shown
    assert answer.citations or answer.refused   # [1] checked against passage 1

They serve unit tests; every real part has its own tests against the real thing.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from assistant.text import fold, words
from assistant.types import GenerationRequest, GenerationResult

__all__ = ["FakeAnswerEngine", "FakeEmbeddings", "Reply", "ScriptedChatModel"]


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


# --- a scripted answer engine ----------------------------------------------------------------

# A reply: text (streamed in pieces), explicit pieces, None (the engine refuses), or an
# exception raised when the engine is called.
Reply = str | Sequence[str] | BaseException | None


class FakeAnswerEngine:
    """An answer engine that replies from a script and records every request.

    ``FakeAnswerEngine(["Nguyễn Doãn Anh [1].", None, ModelUnavailableError("down")])``
    answers the first question with that text (streamed in ``chunk_size`` pieces), refuses
    the second (``result.refused``, as a model writing its refusal token does) and raises
    on the third — the assistant then answers with its extractive engine, which is how to
    test that path. ``enqueue([...])`` adds replies; ``handler`` (a function of the
    :class:`~assistant.types.GenerationRequest`) answers once the script is used up, like
    ``httpx.MockTransport``'s handler. With neither, a call fails with a message saying so.

    ``requests`` holds every request (question, rewritten question, numbered passages,
    history, language); ``prompts`` their standalone questions.
    """

    def __init__(
        self,
        replies: Sequence[Reply] = (),
        *,
        handler: Callable[[GenerationRequest], Reply] | None = None,
        name: str = "fake",
        model: str = "fake",
        chunk_size: int = 8,
    ) -> None:
        self.name = name
        self.model_name = model
        self.handler = handler
        self.chunk_size = chunk_size
        self.queue: list[Reply] = list(replies)
        self.requests: list[GenerationRequest] = []

    def enqueue(self, replies: Sequence[Reply]) -> FakeAnswerEngine:
        self.queue.extend(replies)
        return self

    @property
    def prompts(self) -> list[str]:
        """The standalone question of every request so far."""
        return [r.standalone_question for r in self.requests]

    def _next(self, request: GenerationRequest) -> Reply:
        self.requests.append(request)
        if self.queue:
            return self.queue.pop(0)
        if self.handler is not None:
            return self.handler(request)
        raise RuntimeError("FakeAnswerEngine has no reply left; pass replies, enqueue([...]) or a handler")

    def stream(self, request: GenerationRequest, result: GenerationResult) -> Iterator[str]:
        result.engine, result.model, result.prompt_name = self.name, self.model_name, "fake"
        reply = self._next(request)
        if isinstance(reply, BaseException):
            raise reply
        if reply is None:
            result.refused = True
            return
        if isinstance(reply, str):
            step = max(1, self.chunk_size)
            reply = [reply[i : i + step] for i in range(0, len(reply), step)]
        result.usage = {"completion_tokens": len(reply)}
        yield from reply


# --- a scripted chat model ------------------------------------------------------------------

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
    ``handler`` (a function of the messages) replies once the script is used up, e.g. to
    cite the evidence sentence that holds a name.
    """

    model_name: str = "scripted"
    chunk_size: int = 8
    report_usage: bool = True
    queue: list[Any] = Field(default_factory=list)
    history: list[list[BaseMessage]] = Field(default_factory=list)
    hold: Any = None
    hold_timeout: float = 120.0
    delay: float = 0.0
    handler: Any = None

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
        if not self.queue and self.handler is not None:
            item = self.handler(list(messages))
        elif not self.queue:
            raise RuntimeError("ScriptedChatModel has no output left; call enqueue([...]) or give a handler")
        else:
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
