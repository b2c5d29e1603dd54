"""Query translation: an English question put into Vietnamese before it is searched and read.

The articles are Vietnamese. English questions reach them through the multilingual dense
model and the English weights of the ranker and the reader (:mod:`assistant.retrieval`,
:mod:`assistant.reader`), but BM25 and the reader's word-overlap signals find nothing to
match in an English question. With ``ASSISTANT_TRANSLATE_QUESTIONS=true`` an English
question is translated by a chat model (:func:`assistant.engines.build_translator`: the
engine's, or the bundled local model) with the ``translate_question`` prompt — instructions
and example turns, the same every time, so llama.cpp keeps them in its KV cache — and
:func:`search_query` gives the text that is retrieved and read. The answer keeps the
question's language. Off by default: with the bundled 1.5B model it costs accuracy, with a
faithful translation English questions do as well as Vietnamese ones (README, "Query
translation").

A :class:`Translator` has one method, :meth:`~Translator.translate`. When the model is
unavailable (:class:`~assistant.errors.ModelUnavailableError`) the question is searched as
asked; other model errors (a wrong key) propagate, as they do from the engine.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from assistant.errors import ModelUnavailableError
from assistant.lru import LRUCache
from assistant.prompts import Prompt, load_prompt
from assistant.text import nfc

if TYPE_CHECKING:  # the chat model stack loads only when a model is used
    from langchain_core.messages import BaseMessage

    from assistant.chat_client import ChatClient

__all__ = ["ChatTranslator", "Translator", "search_query", "search_text"]

log = logging.getLogger(__name__)

MAX_TRANSLATION_CHARS = 600  # a question's translation; a longer reply is a model rambling
# a label a small model may put before its answer ("Vietnamese:", "Việtnamese:", "English:")
_LABEL_RE = re.compile(r"^\w{2,12}\s*:\s*")


@runtime_checkable
class Translator(Protocol):
    """Anything that puts an English question into Vietnamese."""

    def translate(self, question: str) -> str:
        """The Vietnamese question ("" when there is none to give)."""
        ...


class ChatTranslator:
    """Translates with the chat model behind ``client`` (one short call, cached by question)."""

    def __init__(self, client: ChatClient, *, prompt: Prompt | None = None, cache_size: int = 1024,
                 owns_client: bool = False) -> None:
        self.client = client
        self.owns_client = owns_client  # close() closes the client (and its local server)
        self.prompt = prompt or load_prompt("translate_question")
        self._cache: LRUCache[str, str] = LRUCache(cache_size)

    def translate(self, question: str) -> str:
        key = nfc(question.strip())
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        reply = self.client.invoke(self.messages(key))
        lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
        text = nfc(_LABEL_RE.sub("", lines[0]).strip().strip('"“”')) if lines else ""
        if len(text) > MAX_TRANSLATION_CHARS:
            log.info("the translation of %r is too long to be one question; not used", key[:80])
            text = ""
        self._cache[key] = text
        return text

    def messages(self, question: str) -> list[BaseMessage]:
        """The prompt's first paragraph as the system message, its example pairs as earlier
        turns (the same every time: llama.cpp keeps them in its KV cache), then ``question``."""
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        system, *examples = [p.strip() for p in self.prompt.text.strip().split("\n\n")]
        turns: list[BaseMessage] = [SystemMessage(content=system)]
        for example in examples:
            english, _, vietnamese = example.partition("\n")
            turns += [HumanMessage(content=_LABEL_RE.sub("", english).strip()),
                      AIMessage(content=_LABEL_RE.sub("", vietnamese).strip())]
        return [*turns, HumanMessage(content=question)]

    def close(self) -> None:
        if self.owns_client:
            self.client.close()


def search_query(question: str, translation: str) -> str:
    """The text searched and read for ``question``: its ``translation`` alone, so the
    Vietnamese weights of the ranker and the reader apply (the question and its translation
    together were no better on the tuning part); the question itself when there is none."""
    return translation or question


def search_text(translator: Translator | None, question: str, language: str) -> str:
    """What is searched and read for ``question`` written in ``language``: with a translator,
    an English question with its translation (:func:`search_query`); the question as asked
    when there is none, or the model is unavailable."""
    if translator is None or language != "en":
        return question
    try:
        return search_query(question, translator.translate(question))
    except ModelUnavailableError as exc:
        log.warning("translating the question failed (%s); searching it as asked", exc)
        return question
