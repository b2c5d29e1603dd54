"""The answer engine backed by a chat model: OpenAI, any OpenAI-compatible server, or the
local llama.cpp server (:mod:`assistant.llama_server`) — one code path, through a
:class:`~assistant.chat_client.ChatClient`.

For each question the engine

1. picks numbered evidence sentences from the passages (:mod:`assistant.evidence_sentences`:
   the quick answer's sentences first, then the best-scoring ones, within a token budget);
2. asks for a structured answer (:mod:`assistant.structured`): a fixed system prompt — the
   same text every time, so llama.cpp reuses its KV cache for it — then the evidence, the
   recent conversation, the question and the answer language; decoding is constrained to the
   answer's JSON schema where the server supports it (``json_schema`` for OpenAI-style
   servers, llama-cpp-python's ``json_object`` + schema for the local one, plain text with
   ``[n]`` markers when a server rejects both — the working format is remembered);
3. records the claims, the evidence, the output format and the call's timing (prompt tokens,
   cached tokens, prompt-processing and generation time) on the ``GenerationResult``, and
   yields the claims as text with passage markers.

Verifying the claims against their sentences is :mod:`assistant.claims`' job, in the
assistant, as for every engine. Known failures of the model call come out as
:class:`~assistant.errors.ModelError` subclasses (:mod:`assistant.model_errors`); anything
else propagates as it is.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage

from assistant.chat_client import OPENAI_DEFAULT_URL, ChatClient
from assistant.errors import AuthenticationError, ModelError
from assistant.evidence_sentences import SentenceScorer, format_evidence, select_evidence
from assistant.messages import prompts_hash, structured_messages
from assistant.prompts import Prompt, load_prompt
from assistant.settings import Settings
from assistant.structured import FORMATS, parse_reply, render, response_format
from assistant.types import (
    EvidenceSentence,
    GenerationRequest,
    GenerationResult,
    ModelTiming,
    Passage,
)

__all__ = ["ChatEngine"]

log = logging.getLogger(__name__)

MAX_REPLY_TOKENS = 120  # a short structured answer: ~20-40 tokens; a long one is cut


class ChatEngine:
    """An :class:`~assistant.generation.AnswerEngine` over a langchain chat model.

    ``chat`` is a :class:`ChatClient`, a langchain chat model, or a zero-argument factory
    returning one (called once, on first use: the local engine assembles its model and
    starts its server only when the first question comes). ``scorer`` ranks the passages'
    sentences for the evidence (None: in passage order); ``evidence_tokens`` and
    ``max_sentences`` bound it. ``output`` forces one output format of
    :data:`assistant.structured.FORMATS` (default: the most constrained the server takes).
    """

    def __init__(
        self,
        chat: ChatClient | BaseChatModel | Callable[[], BaseChatModel],
        *,
        name: str,
        model: str = "",
        base_url: str = "",
        scorer: SentenceScorer | None = None,
        evidence_tokens: int = 200,
        max_sentences: int = 5,
        output: str | None = None,
        max_tokens: int | None = MAX_REPLY_TOKENS,
    ) -> None:
        self.client = chat if isinstance(chat, ChatClient) else ChatClient(chat, model=model, base_url=base_url)
        self.name = name
        self.model = model or self.client.model
        self.scorer = scorer
        self.evidence_tokens = evidence_tokens
        self.max_sentences = max_sentences
        self.max_tokens = max_tokens
        if output is not None and output not in FORMATS:
            raise ValueError(f"unknown output format {output!r}; use one of {', '.join(FORMATS)}")
        # llama-cpp-python's server takes its own response_format shape; others OpenAI's
        first = output or ("json_object" if self.client.local else "json_schema")
        self.formats = [first] if output else list(FORMATS[FORMATS.index(first):])
        self._formats_lock = threading.Lock()
        self._prompts = {key: load_prompt(key) for key in ("structured_system", "structured_answer")}

    @classmethod
    def openai(cls, settings: Settings, *, scorer: SentenceScorer | None = None) -> ChatEngine:
        """OpenAI, or any OpenAI-compatible server at ``OPENAI_BASE_URL``."""
        return cls(ChatClient.openai(settings), name="openai", scorer=scorer,
                   evidence_tokens=settings.context_tokens)

    @classmethod
    def local(cls, settings: Settings, *, scorer: SentenceScorer | None = None) -> ChatEngine:
        """The bundled (or user) GGUF model behind a llama.cpp server started on demand."""
        return cls(ChatClient.local(settings), name="local", scorer=scorer,
                   evidence_tokens=settings.context_tokens)

    @property
    def model_name(self) -> str:
        return self.model

    @property
    def base_url(self) -> str:
        return self.client.base_url

    @property
    def chat_model(self) -> BaseChatModel:
        return self.client.chat_model

    @property
    def output_format(self) -> str:
        """The output format the next call uses."""
        return self.formats[0]

    def warm_up(self) -> None:
        """Build the chat model now (assemble the model, start the server) instead of lazily."""
        self.client.warm_up()

    def close(self) -> None:
        self.client.close()

    def prompt_hash(self, *prompts: Prompt) -> str:
        return prompts_hash(*prompts)

    # --- what the model reads ------------------------------------------------------------

    def evidence(self, request: GenerationRequest) -> list[EvidenceSentence]:
        """The numbered sentences the model reads for ``request``."""
        question = request.standalone_question or request.question
        scorer: SentenceScorer | None = self.scorer
        if request.reading is not None:  # the assistant's reader already ranked these sentences
            ranked = [(s.passage, s.text) for s in request.reading.sentences]

            def scorer(q: str, ps: list[Passage]) -> list[tuple[int, str]]:
                return ranked
        return select_evidence(
            question, request.passages, scorer, budget_tokens=self.evidence_tokens or 200,
            max_sentences=self.max_sentences, first=request.quotes, exclude=request.exclude,
        )

    def messages(self, request: GenerationRequest, evidence: list[EvidenceSentence] | None = None) -> list[BaseMessage]:
        """What the model reads for ``request``: the fixed instructions, then the evidence."""
        evidence = self.evidence(request) if evidence is None else evidence
        return structured_messages(
            self._prompts["structured_system"], self._prompts["structured_answer"], request,
            format_evidence(evidence, request.passages),
        )

    # --- the AnswerEngine seam -----------------------------------------------------------

    def stream(self, request: GenerationRequest, result: GenerationResult) -> Iterator[str]:
        system, answer = self._prompts["structured_system"], self._prompts["structured_answer"]
        result.engine = self.name
        result.model = self.model
        result.prompt_name = f"{system.name}+{answer.name}"
        result.prompt_hash = self.prompt_hash(system, answer)
        if not request.passages:
            result.refused = True
            return
        evidence = self.evidence(request)
        result.evidence = evidence
        messages = self.messages(request, evidence)
        text = self._call(messages, result)
        reply = parse_reply(text)
        result.claims = reply.claims
        if reply.problems:
            log.info("the model's reply: %s", "; ".join(reply.problems))
        if reply.found is False and not reply.claims:
            result.refused = True
            return
        if reply.claims:
            yield render(reply.claims, evidence)

    def _call(self, messages: list[BaseMessage], result: GenerationResult) -> str:
        """The whole reply, in the most constrained format the server takes."""
        while True:
            kind = self.output_format
            timing = ModelTiming()
            try:
                text = "".join(self.client.stream_timed(
                    messages, timing, response_format=response_format(kind), max_tokens=self.max_tokens,
                ))
            except AuthenticationError:
                raise
            except ModelError as exc:  # a 500 naming response_format is a rejected format too
                with self._formats_lock:
                    if _rejected_request(exc) and len(self.formats) > 1 and self.formats[0] == kind:
                        log.warning("%s rejected the %s output format (%s); trying %s", self.base_url
                                    or OPENAI_DEFAULT_URL, kind, exc, self.formats[1])
                        self.formats.pop(0)
                        continue
                raise
            result.output_format = kind
            result.timing = timing
            result.usage = {"completion_tokens": timing.completion_tokens} if timing.completion_tokens else {}
            if timing.prompt_tokens:
                result.usage["prompt_tokens"] = timing.prompt_tokens
                result.usage["total_tokens"] = timing.prompt_tokens + timing.completion_tokens
            return text


def _rejected_request(error: ModelError) -> bool:
    """The server rejected the request itself (400 or 422), as servers that do not know a
    ``response_format`` do — or failed naming ``response_format`` (llama-cpp-python answers
    some validation errors of the body with 500); other failures are not a reason to try
    another format."""
    status, cause = None, error.__cause__
    while cause is not None and status is None:  # langchain may wrap the openai error
        status = getattr(cause, "status_code", None)
        cause = cause.__cause__ or cause.__context__
    return status in (400, 422) or (status is not None and "response_format" in str(error))
