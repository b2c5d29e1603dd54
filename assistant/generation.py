"""The generation seam: an answer engine turns numbered passages into cited text.

An engine has one method, :meth:`AnswerEngine.stream`, which yields text pieces containing
``[n]`` markers that point at ``request.passages[n-1]``. It records its model, prompt hash,
token usage and (if it judged the passages insufficient) ``refused`` on the
:class:`GenerationResult` it is handed. Checking citations and the refusal gate happen
outside the engine, in :mod:`assistant.citations` and :mod:`assistant.assistant`, so every
engine gets the same checks; rewriting a follow-up question is another seam
(:mod:`assistant.condense`). :class:`assistant.testing.FakeAnswerEngine` is a scripted one
for tests.

An engine raises :class:`~assistant.errors.ModelUnavailableError` when its model cannot
answer now (the assistant then answers with the extractive engine), another
:class:`~assistant.errors.ModelError` when the model failed in a way the user must fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from assistant.types import GenerationRequest, GenerationResult

__all__ = ["AnswerEngine"]


@runtime_checkable
class AnswerEngine(Protocol):
    """Anything that writes a cited answer from numbered passages."""

    name: str

    def stream(self, request: GenerationRequest, result: GenerationResult) -> Iterator[str]:
        """Yield the answer text in pieces; fill ``result`` as you go."""
        ...
