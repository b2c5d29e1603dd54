"""A chat model's answer as a small structured output: claims, each citing evidence sentences.

The model is asked for JSON matching :data:`ANSWER_SCHEMA`::

    {"found": true, "answer": "Bí thư Tỉnh ủy Nguyễn Doãn Anh", "sentences": [2]}

``found`` is the model's verdict on whether the evidence answers the question; ``answer`` is
the answer in a few words, in the question's language (a name with its title, a number with
its unit, a date — two parts when the question asks two things); ``sentences`` are the
numbers of the evidence sentences (:mod:`assistant.evidence_sentences`) it rests on. That is
one claim; the longer form ``{"found", "claims": [{"sentences", "text"}, ...]}`` is read too
(a larger model, or a server that ignores the schema, may write it). A short answer is what
a 1.5B model gets right: asked for sentences, it copies the evidence sentence whole, and it
costs fewer tokens to write. Decoding is constrained to the schema where the server can:

- llama-cpp-python's server (the local engine) takes ``response_format`` as
  ``{"type": "json_object", "schema": ...}`` and turns the schema into a llama.cpp grammar
  (its ``ChatCompletionRequestResponseFormat``: ``type`` is "text" or "json_object");
- OpenAI, vLLM, llama.cpp's own ``llama-server`` and recent Ollama take OpenAI's
  ``{"type": "json_schema", "json_schema": {"name", "schema", "strict"}}``;
- a server that takes neither gets a plain-text request: the answer with ``[n]`` markers
  after each sentence, or the refusal token.

:data:`FORMATS` is the order tried; :func:`parse_reply` reads any of them (a JSON reply
wrapped in prose or code fences included) into :class:`~assistant.types.Claim` objects, and
:func:`render` writes verified claims as text with ``[n]`` *passage* markers, the form every
front end shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.text import split_sentences
from assistant.types import Claim, EvidenceSentence

__all__ = ["ANSWER_SCHEMA", "FORMATS", "REFUSAL_TOKEN", "ParsedReply", "parse_reply", "render", "response_format"]

# What a model may write instead of an answer when it is not asked for JSON (or ignores it).
REFUSAL_TOKEN = "NO_ANSWER"

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "found": {"type": "boolean"},
        "answer": {"type": "string"},
        "sentences": {"type": "array", "items": {"type": "integer"}},
    },
    "required": ["found", "answer", "sentences"],
    "additionalProperties": False,
}

# Output formats, most constrained first: OpenAI's json_schema, llama-cpp-python's
# json_object with a schema, plain text with markers.
FORMATS = ("json_schema", "json_object", "text")


def response_format(kind: str) -> dict[str, Any] | None:
    """The ``response_format`` request field for an output format (None: plain text)."""
    if kind == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "cited_answer", "schema": ANSWER_SCHEMA, "strict": True}}
    if kind == "json_object":
        return {"type": "json_object", "schema": ANSWER_SCHEMA}
    return None


@dataclass
class ParsedReply:
    """A model's reply read as claims. ``found`` is None when the reply did not say."""

    claims: list[Claim] = field(default_factory=list)
    found: bool | None = None
    form: str = ""  # "json" or "text"
    problems: list[str] = field(default_factory=list)


_MARKER_RE = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_FENCE_RE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


def _json_object(text: str) -> dict[str, Any] | None:
    body = _FENCE_RE.sub("", text.strip())
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = json.loads(body[start : end + 1], strict=False)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _numbers(value: Any) -> list[int]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [int(value)]
    if isinstance(value, str):
        return [int(x) for x in re.findall(r"\d+", value)]
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item)]
    return []


def _tidy(text: str) -> str:
    """A claim without its markers, spaces before punctuation, or the space a small model
    puts inside a number ("500, 000": a group of three digits that starts with 0 is no
    number of its own)."""
    text = re.sub(r"\s+([.!?,;:])", r"\1", _MARKER_RE.sub("", text)).strip()
    return re.sub(r"(\d[.,]) (0\d\d)(?!\d)", r"\1\2", text)


def parse_reply(text: str) -> ParsedReply:
    """Claims from a JSON reply (see :data:`ANSWER_SCHEMA`) or, failing that, from plain text
    whose sentences end with ``[n]`` markers (then ``n`` are sentence numbers too)."""
    data = _json_object(text)
    if data is not None and "claims" not in data and isinstance(data.get("answer"), str):
        # the short form: {"found", "answer", "sentences"} is one claim
        data = {"found": data.get("found"), "claims": [{"text": data["answer"], "sentences": data.get("sentences")}]
                if data["answer"].strip() else []}
    if data is not None and ("claims" in data or "found" in data):
        reply = ParsedReply(form="json")
        found = data.get("found")
        reply.found = found if isinstance(found, bool) else None
        claims = data.get("claims")
        if not isinstance(claims, list):
            claims = []
            reply.problems.append("'claims' is not a list")
        for item in claims:
            if not isinstance(item, dict):
                reply.problems.append(f"a claim is not an object: {item!r}"[:120])
                continue
            claim_text = _tidy(" ".join(str(item.get("text") or "").split()))
            if claim_text:
                reply.claims.append(Claim(text=claim_text, sentences=list(dict.fromkeys(_numbers(item.get("sentences"))))))
        if reply.found is False and reply.claims:
            reply.problems.append("found is false but the reply has claims")
        return reply
    reply = ParsedReply(form="text")
    body = text.strip()
    if re.search(rf"\b{REFUSAL_TOKEN}\b", body.replace(" ", "_"), re.IGNORECASE):
        body = re.sub(r"\bNO[_ ]ANSWER\b\.?", "", body, flags=re.IGNORECASE).strip()
        if not body:
            reply.found = False
            return reply
    pending: list[int] = []
    for a, b in split_sentences(body):
        sentence = body[a:b].strip()
        numbers = [int(n) for group in _MARKER_RE.findall(sentence) for n in re.findall(r"\d+", group)]
        claim_text = _tidy(sentence)
        if not re.search(r"\w", claim_text):  # markers alone belong to the sentence before
            if reply.claims:
                reply.claims[-1].sentences += [n for n in numbers if n not in reply.claims[-1].sentences]
            else:
                pending += numbers
            continue
        reply.claims.append(Claim(text=claim_text, sentences=list(dict.fromkeys(pending + numbers))))
        pending = []
    reply.found = True if reply.claims else None
    return reply


def render(claims: Sequence[Claim], evidence: Sequence[EvidenceSentence] = ()) -> str:
    """The claims as one text, each followed by the ``[n]`` markers of the *passages* its
    sentences come from (``claim.passages``, else looked up in ``evidence``), placed before
    its final punctuation."""
    by_number = {e.number: e for e in evidence}
    parts: list[str] = []
    for claim in claims:
        passages = claim.passages or list(dict.fromkeys(by_number[n].passage for n in claim.sentences if n in by_number))
        marks = "".join(f"[{p}]" for p in passages)
        text = claim.text.strip()
        punct = re.search(r"[.!?…]+[\"”’)]*$", text)
        if punct:
            head, tail = text[: punct.start()].rstrip(), punct.group(0)
        else:
            head, tail = text, "."
        parts.append(f"{head} {marks}{tail}" if marks else f"{head}{tail}")
    return " ".join(parts)
