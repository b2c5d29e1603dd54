"""What a chat model reads: the prompts of :mod:`assistant.prompts` filled in.

- :func:`structured_messages` — the fixed instructions for a structured, cited answer
  (``structured_system``: the same text for every question, so the model's server reuses
  its KV cache for it), then the numbered evidence sentences, the recent conversation, the
  question and the answer language (``structured_answer``). The evidence is quoted data: it
  stands between two markers with a random tag made for each request (:func:`quote_markers`),
  which text inside an article cannot know in advance to close early, and the prompts say
  that instructions inside it are not to be followed. Sentences that address an AI or
  instruct it (:mod:`assistant.injection`) are never among the evidence (the request's
  ``exclude``; OWASP LLM01: segregate external content);
- :func:`condense_message` — the recent conversation and a follow-up question (``condense``).
"""

from __future__ import annotations

import hashlib
import re
import secrets

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.prompts import Prompt
from assistant.types import ChatMessage, GenerationRequest

__all__ = [
    "LANGUAGE_NAMES",
    "answer_language",
    "condense_message",
    "format_history",
    "prompts_hash",
    "quote_markers",
    "structured_messages",
]

LANGUAGE_NAMES = {"vi": "Vietnamese (tiếng Việt)", "en": "English"}


def answer_language(request: GenerationRequest) -> str:
    """The language to answer in ("vi" unless the question is in a language we prompt for)."""
    return request.language if request.language in LANGUAGE_NAMES else "vi"


def format_history(history: list[ChatMessage], *, max_turns: int = 6) -> str:
    """The last turns as "User: ..." / "Assistant: ..." lines, citation markers removed."""
    lines = []
    for message in history[-max_turns:]:
        role = "User" if message["role"] == "user" else "Assistant"
        content = re.sub(r"\s*\[\d+\]", "", str(message["content"])).strip()
        if len(content) > 600:
            content = content[:600].rsplit(" ", 1)[0] + " …"
        lines.append(f"{role}: {content}")
    return "\n".join(lines)


def quote_markers(tag: str | None = None) -> tuple[str, str]:
    """The opening and closing markers around the passages: ``tag`` (by default 8 random
    hex digits, new for every request) makes them impossible to forge from inside an article."""
    tag = tag or secrets.token_hex(4)
    return f"<<<ARTICLES {tag}>>>", f"<<<END ARTICLES {tag}>>>"


def structured_messages(
    system: Prompt,
    answer: Prompt,
    request: GenerationRequest,
    evidence: str,
    *,
    markers: tuple[str, str] | None = None,
) -> list[BaseMessage]:
    """The fixed system message and the user message with ``evidence`` (formatted numbered
    sentences) asking for a structured answer to ``request``. The system message renders the
    same for every request: the prompt's cacheable prefix. The evidence stands between
    ``markers`` (default: :func:`quote_markers`, random per call)."""
    opening, closing = markers or quote_markers()
    question = request.question if request.history else (request.standalone_question or request.question)
    conversation = ""
    if request.history:
        conversation = f"\nConversation so far:\n{format_history(request.history, max_turns=4)}\n"
    return [
        SystemMessage(content=system.render()),
        HumanMessage(
            content=answer.render(
                evidence=f"{opening}\n{evidence}\n{closing}",
                open=opening,
                close=closing,
                conversation=conversation,
                question=question,
                language_name=LANGUAGE_NAMES[answer_language(request)],
            )
        ),
    ]


def condense_message(prompt: Prompt, question: str, history: list[ChatMessage]) -> HumanMessage:
    """The message asking to rewrite a follow-up ``question`` as a standalone one."""
    return HumanMessage(content=prompt.render(history=format_history(history), question=question))


def prompts_hash(*prompts: Prompt) -> str:
    """A short hash of several prompts' text together (recorded on every answer)."""
    h = hashlib.sha256()
    for prompt in prompts:
        h.update(prompt.text.encode("utf-8"))
    return h.hexdigest()[:12]
