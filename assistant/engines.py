"""Pick the answer engine for ``settings.llm``.

- ``openai``: :meth:`ChatEngine.openai` — needs ``OPENAI_API_KEY`` or ``OPENAI_BASE_URL``.
- ``local``: :meth:`ChatEngine.local` when llama-cpp-python and the model are installed;
  otherwise the fallback engine, with a notice saying what to install.
- ``auto``: ``openai`` when a key or base URL is set, else the fallback. The bundled local
  models are not chosen by ``auto``: on the reporting split of the development data their
  two-phase answers are right and cited less often than the extractive engine's (1.5B: 0.644
  against 0.822; README, "Answer engines") at ~19 s instead of 0.2 s a question; they are
  one setting away (``ASSISTANT_LLM=local``).
- ``extractive``: the fallback (the no-model engine).

The checks here are cheap (no model is assembled, no server started); the local engine does
that on its first question. :func:`build_condenser` picks the follow-up condenser,
:func:`build_translator` the question translator (``ASSISTANT_TRANSLATE_QUESTIONS``).
"""

from __future__ import annotations

import logging

from assistant.condense import Condenser, EntityCondenser
from assistant.errors import ConfigError
from assistant.evidence_sentences import SentenceScorer
from assistant.generation import AnswerEngine
from assistant.llama_server import INSTALL_HINT, llama_cpp_installed
from assistant.local_models import BUNDLED, local_model_available, local_model_name
from assistant.settings import Settings
from assistant.translation import ChatTranslator, Translator

__all__ = ["build_condenser", "build_engine", "build_translator", "local_unavailable_reason"]

log = logging.getLogger(__name__)


def _openai_configured(settings: Settings) -> bool:
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    return bool(key.strip()) or bool(settings.openai_base_url)


def local_unavailable_reason(settings: Settings) -> str | None:
    """Why the local engine cannot run (with what to install), or None when it can."""
    if not llama_cpp_installed():
        return f"llama-cpp-python is not installed (run {INSTALL_HINT})"
    if not local_model_available(settings):
        model = BUNDLED.get(settings.local_model.strip())
        if model is not None:
            return f"the model {model.name} is not installed (run {model.install_hint})"
        return (
            f"no local model {settings.local_model!r}: set ASSISTANT_LOCAL_MODEL to an existing "
            f".gguf file or to {' or '.join(BUNDLED)}"
        )
    return None


def build_engine(
    settings: Settings,
    *,
    fallback: AnswerEngine,
    scorer: SentenceScorer | None = None,
) -> tuple[AnswerEngine, str]:
    """Return ``(engine, notice)``; the notice is "" unless the engine is not the one asked for.
    ``scorer`` (see :mod:`assistant.evidence_sentences`) ranks the sentences a chat model reads."""
    choice = settings.llm
    if choice == "extractive":
        return fallback, ""
    # the chat model stack (langchain's chat models, openai) loads only when a model may answer
    from assistant.chat_engine import ChatEngine
    if choice == "openai":
        if not _openai_configured(settings):
            raise ConfigError(
                "ASSISTANT_LLM=openai needs OPENAI_API_KEY (for OpenAI) or OPENAI_BASE_URL "
                "(for an OpenAI-compatible server such as llama.cpp, vLLM or Ollama)"
            )
        return ChatEngine.openai(settings, scorer=scorer), ""
    if choice == "local":
        reason = local_unavailable_reason(settings)
        if reason is None:
            return ChatEngine.local(settings, scorer=scorer), ""
        notice = (
            f"The local model is unavailable: {reason}. Answering with the {fallback.name} engine."
        )
        log.warning(notice)
        return fallback, notice
    if choice == "auto":
        if _openai_configured(settings):
            return ChatEngine.openai(settings, scorer=scorer), ""
        log.info("no OpenAI key or server is set; answering with the %s engine (the measured "
                 "default; ASSISTANT_LLM=local for the bundled model)", fallback.name)
        return fallback, ""
    raise ConfigError(
        f"unknown ASSISTANT_LLM={choice!r}: use auto, extractive, local or openai "
        f"(local model: {local_model_name(settings)})"
    )


def build_condenser(engine: AnswerEngine) -> Condenser:
    """The condenser for ``engine``: the entity heuristic, for every engine. The quick answer
    comes first and cannot wait for a model's rewrite; a chat model reads the conversation
    itself (see :func:`assistant.messages.structured_messages`). A :class:`ChatCondenser`
    can still be given to :class:`~assistant.assistant.Assistant` explicitly."""
    return EntityCondenser()


def build_translator(settings: Settings, engine: AnswerEngine) -> tuple[Translator | None, str]:
    """``(translator, notice)`` for ``settings.translate_questions``: the answer engine's chat
    model translates when there is one; with the extractive engine, the bundled local model
    does when it is installed (its server starts on the first English question), else there
    is no translator and the notice says why. The caller closes the translator."""
    if not settings.translate_questions:
        return None, ""
    client = getattr(engine, "client", None)  # a chat engine's; shared, closed with the engine
    if client is not None:
        return ChatTranslator(client), ""
    reason = local_unavailable_reason(settings)
    if reason is not None:
        notice = f"English questions are not translated: {reason}."
        log.warning(notice)
        return None, notice
    from assistant.chat_client import ChatClient

    return ChatTranslator(ChatClient.local(settings), owns_client=True), ""
