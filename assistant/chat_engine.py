"""The answer engine backed by a chat model: OpenAI, any OpenAI-compatible server, or the
local llama.cpp server (:mod:`assistant.llama_server`) — one code path, through a
:class:`~assistant.chat_client.ChatClient`.

The engine fills the answer prompts in (:mod:`assistant.messages`), streams the reply,
hides the refusal token from the stream (:mod:`assistant.refusal`, setting
``result.refused``), and records the model, prompt hash and token usage. Citations are
checked afterwards by :mod:`assistant.citations`, as for every engine. Known failures of
the model call come out as :class:`~assistant.errors.ModelError` subclasses
(:mod:`assistant.model_errors`); anything else propagates as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage

from assistant.chat_client import ChatClient
from assistant.context import Focus
from assistant.messages import answer_language, answer_messages, prompts_hash
from assistant.prompts import Prompt, load_prompt
from assistant.refusal import RefusalFilter
from assistant.settings import Settings
from assistant.types import GenerationRequest, GenerationResult

__all__ = ["ChatEngine"]

log = logging.getLogger(__name__)


class ChatEngine:
    """An :class:`~assistant.generation.AnswerEngine` over a langchain chat model.

    ``chat`` is a :class:`ChatClient`, a langchain chat model, or a zero-argument factory
    returning one (called once, on first use: the local engine assembles its model and
    starts its server only when the first question comes).
    """

    def __init__(
        self,
        chat: ChatClient | BaseChatModel | Callable[[], BaseChatModel],
        *,
        name: str,
        model: str = "",
        base_url: str = "",
        max_passage_chars: int = 1600,
        focus: Focus | None = None,
    ) -> None:
        self.client = chat if isinstance(chat, ChatClient) else ChatClient(chat, model=model, base_url=base_url)
        self.name = name
        self.model = model or self.client.model
        self.max_passage_chars = max_passage_chars
        self.focus = focus  # picks what of each passage the model reads (None: all of it)
        self._prompts = {key: load_prompt(key) for key in ("system_vi", "system_en", "answer")}

    @classmethod
    def openai(cls, settings: Settings, *, focus: Focus | None = None) -> ChatEngine:
        """OpenAI, or any OpenAI-compatible server at ``OPENAI_BASE_URL``."""
        return cls(ChatClient.openai(settings), name="openai", focus=focus)

    @classmethod
    def local(cls, settings: Settings, *, focus: Focus | None = None) -> ChatEngine:
        """The bundled (or user) GGUF model behind a llama.cpp server started on demand."""
        return cls(ChatClient.local(settings), name="local", focus=focus)

    @property
    def model_name(self) -> str:
        return self.model

    @property
    def base_url(self) -> str:
        return self.client.base_url

    @property
    def chat_model(self) -> BaseChatModel:
        return self.client.chat_model

    def warm_up(self) -> None:
        """Build the chat model now (assemble the model, start the server) instead of lazily."""
        self.client.warm_up()

    def close(self) -> None:
        self.client.close()

    def prompt_hash(self, *prompts: Prompt) -> str:
        return prompts_hash(*prompts)

    def _answer_prompts(self, request: GenerationRequest) -> tuple[Prompt, Prompt]:
        return self._prompts[f"system_{answer_language(request)}"], self._prompts["answer"]

    def messages(self, request: GenerationRequest) -> list[BaseMessage]:
        """What the model reads for ``request``: the system prompt, passages and question."""
        system, answer = self._answer_prompts(request)
        question = request.standalone_question or request.question
        texts = self.focus(question, request.passages) if self.focus else None
        return answer_messages(
            system, answer, request, max_passage_chars=self.max_passage_chars, texts=texts
        )

    # --- the AnswerEngine seam -----------------------------------------------------------

    def stream(self, request: GenerationRequest, result: GenerationResult) -> Iterator[str]:
        system, answer = self._answer_prompts(request)
        result.engine = self.name
        result.model = self.model
        result.prompt_name = f"{system.name}+{answer.name}"
        result.prompt_hash = self.prompt_hash(system, answer)
        if not request.passages:
            result.refused = True
            return
        refusal = RefusalFilter()
        pieces = 0
        usage: dict[str, int] = {}
        for chunk in self.client.stream(self.messages(request)):
            if chunk.usage_metadata:
                usage = {
                    "prompt_tokens": int(chunk.usage_metadata.get("input_tokens", 0)),
                    "completion_tokens": int(chunk.usage_metadata.get("output_tokens", 0)),
                    "total_tokens": int(chunk.usage_metadata.get("total_tokens", 0)),
                }
            text = chunk.content if isinstance(chunk.content, str) else ""
            if not text:
                continue
            pieces += 1
            out = refusal.feed(text)
            if out:
                yield out
        tail = refusal.flush()
        if tail:
            yield tail
        if not usage and pieces:
            # The server did not report usage while streaming: one chunk is one token.
            usage = {"completion_tokens": pieces}
        result.usage = usage
        if refusal.refused:
            result.refused = True
        elif refusal.seen:
            log.info("the model wrote an answer and the refusal token; the check decides")
