"""The HTTP API's request and response bodies (see :mod:`assistant.server`).

The chat completion shapes are OpenAI's, so any OpenAI client can call hoitin as a model;
hoitin adds ``citations``, ``refused``, ``quick`` and ``answered_by`` to the response (and
to the last stream chunk), ``phase`` to stream chunks, and accepts ``filters`` in the
request. These models are what ``/openapi.json`` documents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.retrieval import Filters

MODEL_ID = "hoitin"

USAGE_DOC = (
    "Token counts as the answer engine reports them for the answer's model call: "
    "`prompt_tokens`, `completion_tokens`, `total_tokens` from the chat model's server; "
    "only `completion_tokens` (one per streamed piece) when the server reports nothing while "
    "streaming; `null` when no model wrote the answer (the extractive engine, or a refusal "
    "before any model call). Never estimated by the API."
)


# --- shared pieces ----------------------------------------------------------------------------


class FiltersIn(BaseModel):
    """Restrict retrieval to some articles, publishers or a date range (inclusive)."""

    model_config = ConfigDict(extra="forbid")

    doc_ids: list[str] = Field(default_factory=list, description="Only these articles (ids from GET /v1/documents).")
    sources: list[str] = Field(default_factory=list, description="Only these publishers, e.g. \"Báo Thanh Hóa\".")
    date_from: dt.date | None = Field(None, description="Articles dated on or after (YYYY-MM-DD).")
    date_to: dt.date | None = Field(None, description="Articles dated on or before (YYYY-MM-DD).")

    @model_validator(mode="after")
    def _ordered(self) -> FiltersIn:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        return self

    def to_filters(self) -> Filters | None:
        filters = Filters(
            doc_ids=tuple(self.doc_ids),
            sources=tuple(self.sources),
            date_from=self.date_from.isoformat() if self.date_from else "",
            date_to=self.date_to.isoformat() if self.date_to else "",
        )
        return None if filters.empty else filters


class CitationOut(BaseModel):
    """The passage behind one ``[n]`` marker of the answer."""

    index: int = Field(description="The n of the [n] marker in the answer text.")
    doc_id: str = Field(description="The article's id (GET /v1/documents).")
    title: str
    date: str = Field(description="The article's date, YYYY-MM-DD, or \"\" when it gives none.")
    url: str
    source: str = Field(description="The publisher.")
    quote: str = Field(description="The sentence of the passage the answer relies on.")
    text: str = Field(description="The whole cited passage.")


class ErrorDetail(BaseModel):
    message: str = Field(description="What is wrong, in one sentence, with the fix when there is one.")
    type: str = Field(description="invalid_request_error, authentication_error, not_found_error, "
                                  "conflict_error, server_busy, service_unavailable or server_error.")
    code: str | None = None
    param: str | None = None


class ErrorResponse(BaseModel):
    """Every error, OpenAI-style."""

    error: ErrorDetail


# --- chat completions -----------------------------------------------------------------------


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class MessageIn(BaseModel):
    """A chat turn. ``user`` and ``assistant`` turns are the conversation; ``system`` and
    ``developer`` turns are accepted and ignored (hoitin answers from the articles with its
    own instructions); tool turns are refused."""

    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completion request. Unknown fields are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(MODEL_ID, description=f"Must be {MODEL_ID!r} (GET /v1/models).")
    messages: list[MessageIn] = Field(
        min_length=1,
        description="The conversation; the last message is the user's question. Earlier "
        "user/assistant turns make follow-up questions work.",
    )
    stream: bool = Field(False, description="Send server-sent events, ending with `data: [DONE]`.")
    stream_options: StreamOptions | None = None
    n: int | None = Field(None, description="Only 1 is supported.")
    temperature: float | None = Field(None, description="Accepted; the server's engine settings apply.")
    max_tokens: int | None = Field(None, description="Accepted; the server's engine settings apply.")
    max_completion_tokens: int | None = Field(None, description="Accepted; ignored.")
    filters: FiltersIn | None = Field(None, description="hoitin extension: restrict retrieval.")


class ChatMessageOut(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str = Field(description="The final answer, with [n] markers for its citations: the "
                         "model's when it passed verification, else the quick (extractive) one.")


class QuickOut(BaseModel):
    """The quick answer: the extractive engine's, within a fraction of a second."""

    answer: str = Field(description="Its text with [n] markers; "" when it found none.")
    refused: bool
    citations: list[CitationOut]


class ModelCheckOut(BaseModel):
    """What became of the chat model's answer."""

    used: bool = Field(description="The final answer is the model's.")
    reason: str = Field(description="Why the model's answer is not used ("" when it is).")
    repaired: list[str] = Field(description="Citations the check re-pointed, e.g. \"claim 2: sentence [3]->[5]\".")
    dropped: list[str] = Field(description="Claims removed as unsupported.")
    problems: list[str] = Field(description="What the check found, claim by claim.")
    model_text: str = Field(description="The model's reply as written.")
    found: bool | None = Field(description="The model's own verdict: the evidence answers the question.")


class Choice(BaseModel):
    index: int = 0
    message: ChatMessageOut
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class ChatCompletion(BaseModel):
    """OpenAI's chat completion, plus ``citations`` and ``refused``."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[Choice]
    usage: dict[str, int] | None = Field(None, description=USAGE_DOC)
    system_fingerprint: str | None = None
    citations: list[CitationOut] = Field(
        description="hoitin extension: one entry per [n] marker in the answer; [] for a refusal."
    )
    refused: bool = Field(
        description="hoitin extension: true when the articles do not hold the answer (the "
        "content then says so, and citations is [])."
    )
    quick: QuickOut = Field(description="hoitin extension: the quick answer.")
    answered_by: Literal["quick", "model"] = Field(
        description="hoitin extension: whose answer the content is.")
    model_check: ModelCheckOut | None = Field(
        None, description="hoitin extension: what became of the model's answer (null: no model).")
    notices: list[str] = Field(default_factory=list, description="hoitin extension: what was changed or happened on the way, one sentence each (control characters removed from the question, the question cut, a fallback engine answered).")


class ChunkDelta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: ChunkDelta
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One server-sent event of a streamed answer (``data: {...}``).

    The deltas come in two phases (``phase`` says which): first the quick answer's text as
    the extractive engine produces it (``quick``); then, when a chat model is configured, one
    chunk with an empty delta while the model writes (``model``), and — only if the model's
    answer passes verification — that answer as one delta, after a blank line (``final``).
    A client that only joins the deltas therefore reads the quick answer, followed by the
    model's verified answer when there is one. When the quick answer is withdrawn (it found
    nothing, or its check failed) and no model answer replaces it, the refusal follows as a
    ``final`` delta. The last chunk before ``data: [DONE]`` adds ``answer`` (the final text
    alone), ``citations`` (the final answer's), ``refused``, ``quick``, ``answered_by`` and
    ``model_check``."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str = MODEL_ID
    choices: list[ChunkChoice]
    usage: dict[str, int] | None = Field(None, description=USAGE_DOC)
    phase: Literal["quick", "model", "final"] | None = Field(
        None, description="hoitin extension: quick (the quick answer's deltas), model (a model "
        "is writing; empty delta), final (the model's verified answer, or a refusal).")
    citations: list[CitationOut] | None = Field(None, description="hoitin extension, last chunk only.")
    refused: bool | None = Field(None, description="hoitin extension, last chunk only.")
    answer: str | None = Field(None, description="hoitin extension, last chunk only: the final answer.")
    quick: QuickOut | None = Field(None, description="hoitin extension, last chunk only.")
    answered_by: Literal["quick", "model"] | None = Field(None, description="hoitin extension, last chunk only.")
    model_check: ModelCheckOut | None = Field(None, description="hoitin extension, last chunk only.")
    answer: str | None = Field(None, description="hoitin extension, last chunk only: the checked answer.")
    notices: list[str] | None = Field(None, description="hoitin extension, last chunk only: see ChatCompletion.")


class ModelCard(BaseModel):
    id: str = MODEL_ID
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "hoitin"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


# --- hoitin's own endpoints -----------------------------------------------------------------


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class RetrieveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(description="What to look for, in Vietnamese or English.")
    k: int | None = Field(None, ge=1, le=50, description="Passages to return (default: ASSISTANT_TOP_K).")
    filters: FiltersIn | None = None
    mode: Literal["hybrid", "dense", "bm25"] | None = Field(
        None, description="Retriever (default: ASSISTANT_RETRIEVER)."
    )


class PassageOut(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    date: str
    source: str
    url: str
    text: str
    score: float = Field(description="Retrieval score, higher is better (RRF for hybrid, BM25, or cosine).")
    dense_similarity: float | None = Field(None, description="Cosine similarity to the query, when known.")
    start: int = Field(description="Character offset of the passage in the cleaned article.")
    end: int


class RetrieveResponse(BaseModel):
    query: str = Field(description="The query as searched (cleaned).")
    notices: list[str] = Field(default_factory=list, description="hoitin extension: what was changed or happened on the way, one sentence each (control characters removed from the question, the question cut, a fallback engine answered).")
    passages: list[PassageOut]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    history: list[Turn] = Field(default_factory=list, description="Earlier turns, for follow-ups.")
    k: int | None = Field(None, ge=1, le=50)
    filters: FiltersIn | None = None
    quick: bool = Field(False, description="Only the quick (extractive) answer: no model call.")


class AskCitation(CitationOut):
    verified: bool | None = Field(None, description="Whether the citation check verified it.")


class AskQuick(BaseModel):
    answer: str
    refused: bool
    citations: list[AskCitation]


class ModelTimingOut(BaseModel):
    """The model call: tokens and seconds, as measured by ``source``."""

    prompt_tokens: int | None
    cached_tokens: int
    completion_tokens: int
    prefill_seconds: float | None
    decode_seconds: float | None
    first_piece_seconds: float | None
    seconds: float
    source: str = Field(description="\"server log\" (the local llama.cpp server), \"server\" "
                        "(a llama.cpp server's timings) or \"client\".")
    threads: int | None


class AskResponse(BaseModel):
    """The same object as ``assistant ask --json``: the final answer (``answer``,
    ``citations``), the quick one (``quick``), and what became of the model's."""

    answer: str
    refused: bool
    engine: str
    model: str
    answered_by: Literal["quick", "model"]
    citations: list[AskCitation]
    quick: AskQuick
    model_check: ModelCheckOut | None
    model_timing: ModelTimingOut | None
    timings: dict[str, float] = Field(description="Seconds: retrieve, first_token (first visible "
                                      "text), quick, generate, model, verify, total.")
    usage: dict[str, int] = Field(description=USAGE_DOC.replace("`null`", "`{}`"))
    prompt_hash: str
    notices: list[str] = Field(default_factory=list, description="hoitin extension: what was changed or happened on the way, one sentence each (control characters removed from the question, the question cut, a fallback engine answered).")


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    date: str
    source: str
    url: str
    chunks: int


class DocumentList(BaseModel):
    object: Literal["list"] = "list"
    data: list[DocumentOut]


class ArticleIn(BaseModel):
    """A pasted article (JSON). Files go as multipart/form-data: ``file`` plus the same
    optional fields."""

    model_config = ConfigDict(extra="forbid")

    title: str
    text: str
    date: str = Field("", description="YYYY-MM-DD")
    source: str = ""


class FlaggedOut(BaseModel):
    """An article with sentences that address an AI or instruct it (never quoted or shown to
    a model)."""

    doc_id: str
    count: int = Field(description="Flagged sentences.")
    first: str = Field(description="The first flagged sentence.")
    reason: str
    path: str


class IngestOut(BaseModel):
    added: int
    updated: int
    removed: int
    unchanged: int
    chunks_added: int
    chunks_removed: int
    chunks_total: int
    skipped: list[str]
    seconds: float
    flagged: list[FlaggedOut] = Field(default_factory=list)


class DocumentChange(BaseModel):
    doc_id: str
    title: str
    file: str = Field(description="The file's name in the corpus folder.")
    ingest: IngestOut


class Health(BaseModel):
    status: Literal["ok"]
    engine: str
    model: str
    embedder: str
    index: dict[str, int] = Field(description="documents and chunks in the index.")
    workers: int = Field(description="Answers computed at once (ASSISTANT_API_WORKERS).")
    answering: int = Field(description="Answers running or waiting for a worker right now.")


def schema_components(*models: type[BaseModel]) -> dict[str, Any]:
    """JSON schemas of ``models`` (and what they use) for ``components.schemas``."""
    out: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out
