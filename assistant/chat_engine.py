"""Answer engines backed by a chat model: OpenAI, any OpenAI-compatible server, or the local
llama.cpp server (:mod:`assistant.llama_server`) — one code path, langchain's ``ChatOpenAI``.

The engine renders the prompts in ``prompts/`` (``system_vi`` / ``system_en``, ``answer``,
``condense``), streams the reply, hides the refusal token from the stream (setting
``result.refused``), and records the model, prompt hash and token usage. Citations are
checked afterwards by :mod:`assistant.citations`, as for every engine.

Errors are translated into the assistant's own: a 401 becomes :class:`AuthenticationError`,
an unreachable server :class:`ModelUnavailableError` (both naming the URL), anything else
from the API :class:`ModelError`. Retries with exponential backoff on 429, 5xx and
connection errors are done by the ``openai`` client (``max_retries``), before any text is
streamed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.context import Focus
from assistant.errors import AuthenticationError, ConfigError, ModelError, ModelUnavailableError
from assistant.prompts import Prompt, load_prompt
from assistant.settings import Settings
from assistant.text import fold
from assistant.types import ChatMessage, GenerationRequest, GenerationResult, Passage

__all__ = ["REFUSAL_TOKEN", "ChatEngine", "format_passages"]

log = logging.getLogger(__name__)

REFUSAL_TOKEN = "NO_ANSWER"
_REFUSAL_RE = re.compile(r"\bNO[_ ]ANSWER\b\.?", re.IGNORECASE)
_LANGUAGE_NAMES = {"vi": "Vietnamese (tiếng Việt)", "en": "English"}
OPENAI_DEFAULT_URL = "https://api.openai.com/v1"


def format_passages(
    passages: list[Passage], *, max_chars: int = 1600, texts: list[str] | None = None
) -> str:
    """Number the passages [1]..[n], each with its article date and title; ``texts``
    replaces the passages' own text (e.g. focused excerpts from :mod:`assistant.context`)."""
    blocks = []
    for i, p in enumerate(passages, start=1):
        head = f"[{i}]"
        if p.date:
            head += f" ({p.date})"
        if p.title:
            head += f" {p.title.strip()}"
        text = " ".join((p.text if texts is None else texts[i - 1]).split())
        if len(text) > max_chars:
            text = text[:max_chars].rsplit(" ", 1)[0] + " …"
        blocks.append(f"{head}\n{text}")
    return "\n\n".join(blocks)


def _format_history(history: list[ChatMessage], *, max_turns: int = 6) -> str:
    lines = []
    for message in history[-max_turns:]:
        role = "User" if message["role"] == "user" else "Assistant"
        content = re.sub(r"\s*\[\d+\]", "", str(message["content"])).strip()
        if len(content) > 600:
            content = content[:600].rsplit(" ", 1)[0] + " …"
        lines.append(f"{role}: {content}")
    return "\n".join(lines)


_PRONOUNS = set(
    "ong ba anh chi ay do nay ho no chung he she they it its his her their them there that this "
    "what which who".split()
)


_ASKING_RE = re.compile(
    r"\?|\b(?:ai|gi|nao|bao nhieu|bao gio|o dau|dau|sao|khong|chua|who|whom|whose|what|which|"
    r"when|where|why|how)\b"
)


def _asks(text: str) -> bool:
    return bool(_ASKING_RE.search(fold(text)))


def _plausible_rewrite(question: str, rewrite: str, history: list[ChatMessage]) -> bool:
    """A rewrite keeps the follow-up's own words (only pronouns replaced), still asks
    something, and is not simply an earlier question repeated — small models do all three
    ("Ông ấy đã gặp vị Đại sứ nào?" came back as the statement "Nguyễn Doãn Anh đã làm việc
    với Đại sứ Russian.")."""
    if not rewrite or len(rewrite) > 4 * len(question) + 200:
        return False
    if _asks(question) and not _asks(rewrite):
        return False
    key = " ".join(re.findall(r"\w+", fold(rewrite)))
    if any(key == " ".join(re.findall(r"\w+", fold(str(m["content"])))) for m in history):
        return False
    own = {w for w in re.findall(r"\w+", fold(question)) if w not in _PRONOUNS}
    kept = own & set(key.split())
    return len(kept) >= 0.6 * len(own)


class _RefusalFilter:
    """Pass streamed text through, holding back anything that may be the refusal token."""

    def __init__(self) -> None:
        self.buffer = ""
        self.seen = False
        self.emitted = ""

    def feed(self, piece: str) -> str:
        self.buffer += piece
        if _REFUSAL_RE.search(self.buffer):
            self.seen = True
            self.buffer = _REFUSAL_RE.sub("", self.buffer)
        # keep back a tail that could be the beginning of the token
        keep = 0
        upper = self.buffer.upper()
        for n in range(min(len(REFUSAL_TOKEN) + 1, len(upper)), 0, -1):
            tail = upper[-n:]
            if REFUSAL_TOKEN.startswith(tail.replace(" ", "_")):
                keep = n
                break
        cut = len(self.buffer) - keep
        while cut > 0 and self.buffer[cut - 1].isspace():  # spaces may precede the token
            cut -= 1
        out, self.buffer = self.buffer[:cut], self.buffer[cut:]
        if not self.emitted:
            out = out.lstrip()
        self.emitted += out
        return out

    def flush(self) -> str:
        out = _REFUSAL_RE.sub("", self.buffer)
        if _REFUSAL_RE.search(self.buffer):
            self.seen = True
        self.buffer = ""
        if not self.emitted:
            out = out.lstrip()
        self.emitted += out
        return out.rstrip()


class ChatEngine:
    """An :class:`~assistant.generation.AnswerEngine` over a langchain chat model.

    ``chat_model`` is either a model or a zero-argument factory, called once (thread-safe)
    on first use — the local engine uses that to assemble the model and start the server
    only when the first question comes.
    """

    def __init__(
        self,
        chat_model: BaseChatModel | Callable[[], BaseChatModel],
        *,
        name: str,
        model: str,
        base_url: str = "",
        max_passage_chars: int = 1600,
        focus: Focus | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.base_url = base_url
        self.max_passage_chars = max_passage_chars
        self.focus = focus  # picks what of each passage the model reads (None: all of it)
        self._factory: Callable[[], BaseChatModel] | None
        if isinstance(chat_model, BaseChatModel):
            self._chat_model: BaseChatModel | None = chat_model
            self._factory = None
        else:
            self._chat_model = None
            self._factory = chat_model
        self._lock = threading.Lock()
        self._on_close = on_close
        self._prompts = {
            key: load_prompt(key) for key in ("system_vi", "system_en", "answer", "condense")
        }

    # --- construction --------------------------------------------------------------------

    @classmethod
    def openai(
        cls, settings: Settings, *, focus: Focus | None = None
    ) -> ChatEngine:
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
        return cls(
            chat, name="openai", model=settings.openai_model, base_url=base_url, focus=focus
        )

    @classmethod
    def local(
        cls, settings: Settings, *, focus: Focus | None = None
    ) -> ChatEngine:
        """The bundled (or user) GGUF model behind a llama.cpp server started on demand."""
        from assistant.llama_server import shared_server
        from assistant.local_models import local_model_name, resolve_local_model

        def factory() -> BaseChatModel:
            path = resolve_local_model(settings)
            server = shared_server(path, n_threads=settings.local_threads)
            engine.base_url = server.base_url
            return _chat_openai(
                model=server.alias,
                api_key=server.api_key or "local",
                base_url=server.base_url,
                settings=settings,
                official=False,
            )

        engine = cls(factory, name="local", model=local_model_name(settings), focus=focus)
        return engine

    @property
    def model_name(self) -> str:
        return self.model

    # --- the AnswerEngine protocol -------------------------------------------------------

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

    def prompt_hash(self, *prompts: Prompt) -> str:
        h = hashlib.sha256()
        for prompt in prompts:
            h.update(prompt.text.encode("utf-8"))
        return h.hexdigest()[:12]

    def messages(self, request: GenerationRequest) -> list[BaseMessage]:
        language = request.language if request.language in _LANGUAGE_NAMES else "vi"
        system = self._prompts[f"system_{language}"]
        answer = self._prompts["answer"]
        question = request.standalone_question or request.question
        texts = self.focus(question, request.passages) if self.focus else None
        return [
            SystemMessage(content=system.render(refusal=REFUSAL_TOKEN)),
            HumanMessage(
                content=answer.render(
                    passages=format_passages(
                        request.passages, max_chars=self.max_passage_chars, texts=texts
                    ),
                    question=question,
                    language_name=_LANGUAGE_NAMES[language],
                    refusal=REFUSAL_TOKEN,
                )
            ),
        ]

    def stream(self, request: GenerationRequest, result: GenerationResult) -> Iterator[str]:
        language = request.language if request.language in _LANGUAGE_NAMES else "vi"
        system, answer = self._prompts[f"system_{language}"], self._prompts["answer"]
        result.engine = self.name
        result.model = self.model
        result.prompt_name = f"{system.name}+{answer.name}"
        result.prompt_hash = self.prompt_hash(system, answer)
        if not request.passages:
            result.refused = True
            return
        messages = self.messages(request)
        refusal = _RefusalFilter()
        pieces = 0
        usage: dict[str, int] = {}
        for chunk in self._guarded_stream(messages):
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
        if refusal.seen and not refusal.emitted.strip(" .\n"):
            result.refused = True
        elif refusal.seen:
            log.info("the model wrote an answer and the refusal token; the check decides")

    def condense(self, question: str, history: list) -> str:
        """Rewrite a follow-up into a standalone question (the question itself on failure)."""
        if not history:
            return question
        prompt = self._prompts["condense"]
        message = HumanMessage(
            content=prompt.render(history=_format_history(history), question=question)
        )
        try:
            reply = self._guarded_invoke([message])
        except ModelError:
            raise
        text = reply.strip().strip('"“”').strip()
        text = re.sub(
            r"^(?:rewritten|standalone question|câu hỏi)\s*:\s*", "", text, flags=re.IGNORECASE
        ).strip('"“” ')
        first = text.splitlines()[0].strip() if text else ""
        if not _plausible_rewrite(question, first, history):
            log.info(
                "condense gave an unusable rewrite (%r); using the entity heuristic", first[:80]
            )
            from assistant.extractive import condense_with_entities

            return condense_with_entities(question, history)
        return first

    def close(self) -> None:
        if self._on_close:
            self._on_close()

    # --- errors --------------------------------------------------------------------------

    def _guarded_stream(self, messages: list[BaseMessage]) -> Iterator[Any]:
        try:
            yield from self.chat_model.stream(messages)
        except Exception as exc:
            raise self._failed(exc) from exc

    def _guarded_invoke(self, messages: list[BaseMessage]) -> str:
        try:
            reply = self.chat_model.invoke(messages)
        except Exception as exc:
            raise self._failed(exc) from exc
        return reply.content if isinstance(reply.content, str) else str(reply.content)

    def _failed(self, exc: Exception) -> Exception:
        error = self._translate(exc)
        if isinstance(error, ModelUnavailableError) and self._factory is not None:
            # e.g. the local server died: build the model (and server) again next time
            with self._lock:
                self._chat_model = None
        return error

    def _translate(self, exc: Exception) -> Exception:
        if isinstance(exc, ModelError | ConfigError):
            return exc
        import openai

        url = self.base_url or "the model server"
        if isinstance(exc, openai.AuthenticationError):
            return AuthenticationError(
                f"the server at {url} rejected the API key; set OPENAI_API_KEY "
                f"(or ASSISTANT_OPENAI_API_KEY) to a valid key"
            )
        if isinstance(exc, openai.APITimeoutError):
            return ModelError(
                f"the model at {url} did not answer in time; raise ASSISTANT_REQUEST_TIMEOUT "
                f"or use a smaller model"
            )
        if isinstance(exc, openai.APIConnectionError):
            return ModelUnavailableError(
                f"cannot reach the model server at {url}; start it, or check OPENAI_BASE_URL"
            )
        if isinstance(exc, openai.NotFoundError):
            return ModelUnavailableError(
                f"the server at {url} has no model {self.model!r}; set ASSISTANT_OPENAI_MODEL "
                f"to one it serves"
            )
        if isinstance(exc, openai.RateLimitError):
            return ModelError(
                f"the server at {url} is rate limiting requests and retries did not help; "
                f"wait and try again, or raise ASSISTANT_MAX_RETRIES"
            )
        if isinstance(exc, openai.APIStatusError):
            return ModelError(
                f"the model server at {url} failed ({exc.status_code}): {exc.message}"
            )
        return ModelError(f"the chat model failed: {exc}")


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
