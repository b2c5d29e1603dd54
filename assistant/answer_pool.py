"""Answers computed in worker threads, streamed to an asyncio event loop as they are produced.

:meth:`Assistant.stream` returns an :class:`Answer` whose iteration blocks on the model
(a local model can take 20 s). :class:`AnswerPool` runs it in one of ``workers`` threads
and hands each of its steps (:class:`~assistant.types.AnswerEvent`: the quick answer's
pieces, "the model is working", the model's verified answer or why it was not used) to the
event loop through an :class:`asyncio.Queue`, so a server's loop never waits on a model and
keeps serving other requests meanwhile. Every answer holds
the index's read lock (:func:`assistant.locks.index_lock`) while it runs; when its consumer
goes away (a client disconnects) the worker stops at the next piece.

Pool size: ``ASSISTANT_API_WORKERS``, else :func:`answer_workers` by engine.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from assistant.assistant import Assistant
from assistant.errors import AssistantError
from assistant.locks import index_lock
from assistant.retrieval import Filters
from assistant.settings import Settings
from assistant.types import Answer, AnswerEvent, ChatMessage

__all__ = ["DEFAULT_WORKERS", "MAX_WAITING", "AnswerPool", "BusyError", "answer_workers"]

log = logging.getLogger(__name__)

# local: llama.cpp generates one answer at a time; a second worker retrieves and checks
# meanwhile. extractive: CPU-bound; a few more threads than 2 cores, so short answers do not
# queue behind long ones. openai: the threads mostly wait on the remote server.
DEFAULT_WORKERS = {"local": 2, "extractive": 4, "openai": 8}
MAX_WAITING = 64  # answers waiting for a worker before new ones are turned away


class BusyError(AssistantError):
    """Too many answers are waiting for a worker; retry shortly."""


def answer_workers(settings: Settings, engine: str) -> int:
    """Answers computed at once: ``ASSISTANT_API_WORKERS``, else :data:`DEFAULT_WORKERS`."""
    return settings.api_workers or DEFAULT_WORKERS.get(engine, 4)


class AnswerPool:
    """Answers computed in worker threads; their pieces reach the event loop as they come."""

    def __init__(self, bot: Assistant, workers: int, *, max_waiting: int = MAX_WAITING) -> None:
        self.bot = bot
        self.lock = index_lock(bot)
        self.workers = workers
        self.max_waiting = max_waiting
        self.active = 0  # answers running or waiting for a worker (changed on the loop only)
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="hoitin-answer")

    async def answer(
        self,
        question: str,
        history: list[ChatMessage],
        *,
        k: int | None = None,
        filters: Filters | None = None,
        quick: bool = False,
    ) -> AsyncIterator[AnswerEvent | Answer]:
        """The answer's steps as they happen, then the finished :class:`Answer`.

        Errors raised by the assistant (a dead store, ...) are raised here, in the loop."""
        if self.active >= self.workers + self.max_waiting:
            raise BusyError(f"the server is busy ({self.active} answers under way); retry shortly")
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        stop = threading.Event()  # set when the consumer has gone: the worker stops early

        def put(kind: str, value: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, (kind, value))
            except RuntimeError:  # the event loop is closed: the server is shutting down
                stop.set()

        def work() -> None:
            if stop.is_set():  # the client left while the answer waited for a worker
                return
            try:
                with self.lock.reading():
                    answer = self.bot.stream(question, history, k=k, filters=filters, quick=quick)
                    pieces = answer.events()
                    try:
                        for piece in pieces:
                            if stop.is_set():
                                log.info("the client left; stopped answering %r", question[:60])
                                return
                            put("piece", piece)
                    finally:
                        getattr(pieces, "close", lambda: None)()  # ends the model's stream too
                put("done", answer)
            except BaseException as exc:
                put("error", exc)

        self.active += 1
        future = loop.run_in_executor(self._executor, work)
        future.add_done_callback(self._release)
        try:
            while True:
                kind, value = await queue.get()
                if kind == "error":
                    raise value
                yield value
                if kind == "done":
                    return
        finally:
            stop.set()

    def _release(self, _: object) -> None:
        self.active -= 1

    async def finished(self, question: str, history: list[ChatMessage], **kw: Any) -> Answer:
        """The finished answer (its pieces are not kept)."""
        return await last_answer(self.answer(question, history, **kw))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


async def last_answer(items: AsyncIterator[AnswerEvent | Answer]) -> Answer:
    """Consume :meth:`AnswerPool.answer` and return the finished :class:`Answer`."""
    async for item in items:
        if isinstance(item, Answer):
            return item
    raise RuntimeError("the answer ended without finishing")  # pragma: no cover
