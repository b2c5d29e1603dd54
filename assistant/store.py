"""The vector store seam: Chroma, on disk (PersistentClient) or as a server (HttpClient).

Only this module imports chromadb. Embeddings are computed by our own embedder and passed
in explicitly, so Chroma never tries to download its default model. The collection records
which embedder filled it; opening it with another one is an error, not silent garbage.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import StoreError, StoreUnavailableError
from assistant.settings import Settings
from assistant.types import Chunk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    text: str
    metadata: dict[str, Any]
    distance: float | None = None


class ChromaStore:
    """One Chroma collection holding chunks and their embeddings."""

    def __init__(self, client: Any, collection_name: str, embedder: str, *, where: str):
        self.client = client
        self.where = where  # "path" or "host:port", for messages
        self.collection_name = collection_name
        self.embedder = embedder
        try:
            self.collection = client.get_or_create_collection(
                collection_name,
                metadata={"embedder": embedder, "hnsw:space": "cosine"},
                embedding_function=None,
            )
        except Exception as exc:
            raise _store_error(exc, where) from exc
        stored = (self.collection.metadata or {}).get("embedder")
        if stored and stored != embedder:
            raise StoreError(
                f"collection {collection_name!r} at {where} was built with embedder {stored!r}, "
                f"not {embedder!r}; use another ASSISTANT_COLLECTION or re-create the store"
            )
        try:
            self.max_batch_size = int(client.get_max_batch_size())
        except Exception:  # older servers
            self.max_batch_size = 1000

    @classmethod
    def from_settings(cls, settings: Settings, embedder: str) -> ChromaStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if settings.chroma_host:
            where = f"{settings.chroma_host}:{settings.chroma_port}"
            try:
                client = chromadb.HttpClient(
                    host=settings.chroma_host,
                    port=settings.chroma_port,
                    ssl=settings.chroma_ssl,
                    settings=chroma_settings,
                )
                client.heartbeat()
            except Exception as exc:
                raise StoreUnavailableError(
                    f"cannot reach the Chroma server at {where} ({_short(exc)}); is `chroma run "
                    f"--host {settings.chroma_host} --port {settings.chroma_port}` running?"
                ) from exc
        else:
            path = Path(settings.vectorstore_dir)
            where = str(path)
            try:
                path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            except Exception as exc:
                raise StoreError(f"cannot open the vector store at {path}: {_short(exc)}") from exc
        return cls(client, settings.collection, embedder, where=where)

    # --- writes ------------------------------------------------------------------------

    def add(self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]]) -> None:
        for start in range(0, len(chunks), self.max_batch_size):
            batch = chunks[start : start + self.max_batch_size]
            vectors = embeddings[start : start + self.max_batch_size]
            try:
                self.collection.upsert(
                    ids=[c.chunk_id for c in batch],
                    documents=[c.text for c in batch],
                    metadatas=[c.metadata() for c in batch],
                    embeddings=[list(v) for v in vectors],
                )
            except Exception as exc:
                raise _store_error(exc, self.where) from exc

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self.max_batch_size):
            try:
                self.collection.delete(ids=list(ids[start : start + self.max_batch_size]))
            except Exception as exc:
                raise _store_error(exc, self.where) from exc

    # --- reads -------------------------------------------------------------------------

    def count(self) -> int:
        try:
            return int(self.collection.count())
        except Exception as exc:
            raise _store_error(exc, self.where) from exc

    def iter_all(self, *, documents: bool = False, page: int = 5000) -> Iterator[StoredChunk]:
        """Every stored chunk (metadata, and text if asked), page by page."""
        include = ["metadatas", "documents"] if documents else ["metadatas"]
        offset = 0
        while True:
            try:
                got = self.collection.get(include=include, limit=page, offset=offset)
            except Exception as exc:
                raise _store_error(exc, self.where) from exc
            ids = got["ids"]
            if not ids:
                return
            docs = got.get("documents") or [""] * len(ids)
            for cid, meta, text in zip(ids, got["metadatas"], docs, strict=True):
                yield StoredChunk(cid, text or "", dict(meta or {}))
            if len(ids) < page:
                return
            offset += len(ids)

    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        if not ids:
            return []
        try:
            got = self.collection.get(ids=list(ids), include=["metadatas", "documents"])
        except Exception as exc:
            raise _store_error(exc, self.where) from exc
        found = {
            cid: StoredChunk(cid, text or "", dict(meta or {}))
            for cid, meta, text in zip(got["ids"], got["metadatas"], got["documents"], strict=True)
        }
        return [found[i] for i in ids if i in found]

    def query(
        self, embedding: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[StoredChunk]:
        n = self.count()
        if n == 0:
            return []
        try:
            got = self.collection.query(
                query_embeddings=[list(embedding)],
                n_results=min(k, n),
                where=where or None,
                include=["metadatas", "documents", "distances"],
            )
        except Exception as exc:
            raise _store_error(exc, self.where) from exc
        return [
            StoredChunk(cid, text or "", dict(meta or {}), float(dist))
            for cid, meta, text, dist in zip(
                got["ids"][0], got["metadatas"][0], got["documents"][0], got["distances"][0], strict=True
            )
        ]


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _store_error(exc: Exception, where: str) -> StoreError:
    name = type(exc).__name__.lower()
    if "connect" in name or "connect" in str(exc).lower():
        return StoreUnavailableError(f"lost the Chroma server at {where}: {_short(exc)}")
    return StoreError(f"Chroma at {where} failed: {_short(exc)}")
