"""What a chat model reads: the prompts of :mod:`assistant.prompts` filled in.

- :func:`answer_messages` — the system prompt of the answer's language, then the numbered,
  dated passages and the question (``answer``). The passages are quoted data: they stand
  between two markers with a random tag made for each request (:func:`quote_markers`), which
  text inside an article cannot know in advance to close early, and the prompt says that
  instructions inside them are not to be followed. Sentences that address an AI or instruct
  it (:mod:`assistant.injection`) are left out (OWASP LLM01: segregate external content);
- :func:`condense_message` — the recent conversation and a follow-up question (``condense``).
"""

from __future__ import annotations

import hashlib
import re
import secrets

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.injection import is_flagged, without_flagged
from assistant.prompts import Prompt
from assistant.refusal import REFUSAL_TOKEN
from assistant.types import ChatMessage, GenerationRequest, Passage

__all__ = [
    "LANGUAGE_NAMES",
    "answer_language",
    "answer_messages",
    "condense_message",
    "format_history",
    "format_passages",
    "prompts_hash",
    "quote_markers",
]

LANGUAGE_NAMES = {"vi": "Vietnamese (tiếng Việt)", "en": "English"}


def answer_language(request: GenerationRequest) -> str:
    """The language to answer in ("vi" unless the question is in a language we prompt for)."""
    return request.language if request.language in LANGUAGE_NAMES else "vi"


def format_passages(
    passages: list[Passage], *, max_chars: int = 1600, texts: list[str] | None = None
) -> str:
    """Number the passages [1]..[n], each with its article date and title; ``texts``
    replaces the passages' own text (e.g. focused excerpts from :mod:`assistant.context`).
    Flagged sentences (:mod:`assistant.injection`) are left out, shown as "…"."""
    blocks = []
    for i, p in enumerate(passages, start=1):
        head = f"[{i}]"
        if p.date:
            head += f" ({p.date})"
        if p.title and not is_flagged(p.title):
            head += f" {p.title.strip()}"
        text = " ".join(without_flagged(p.text if texts is None else texts[i - 1]).split())
        if len(text) > max_chars:
            text = text[:max_chars].rsplit(" ", 1)[0] + " …"
        blocks.append(f"{head}\n{text}")
    return "\n\n".join(blocks)


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


def answer_messages(
    system: Prompt,
    answer: Prompt,
    request: GenerationRequest,
    *,
    max_passage_chars: int = 1600,
    texts: list[str] | None = None,
    markers: tuple[str, str] | None = None,
) -> list[BaseMessage]:
    """The system and user messages asking for a cited answer to ``request``; the passages
    stand between ``markers`` (default: :func:`quote_markers`, random per call)."""
    question = request.standalone_question or request.question
    opening, closing = markers or quote_markers()
    passages = format_passages(request.passages, max_chars=max_passage_chars, texts=texts)
    return [
        SystemMessage(content=system.render(refusal=REFUSAL_TOKEN)),
        HumanMessage(
            content=answer.render(
                passages=f"{opening}\n{passages}\n{closing}",
                open=opening,
                close=closing,
                question=question,
                language_name=LANGUAGE_NAMES[answer_language(request)],
                refusal=REFUSAL_TOKEN,
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
