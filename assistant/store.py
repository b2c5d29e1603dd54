"""The vector store seam: Chroma, on disk (PersistentClient) or as a server (HttpClient).

Only this module imports chromadb. Embeddings are computed by our own embedder and passed
in explicitly, so Chroma never tries to download its default model. The collection records
which embedder filled it; opening it with another one is an error, not silent garbage.

Beside the chunk collection lives a small side collection, ``<name>--manifest``
(:class:`SideCollection`), holding the versioned manifest (:mod:`assistant.manifest`): it
travels with the chunks, so every process that can reach the store shares it.

Only Chroma's own errors and connection failures become :class:`StoreError` /
:class:`StoreUnavailableError`; anything else (a programming error) propagates as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
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
    embedding: list[float] | None = None


class ChromaStore:
    """One Chroma collection holding chunks and their embeddings."""

    def __init__(self, client: Any, collection_name: str, embedder: str, *, where: str,
                 ef_search: int | None = None):
        self.client = client
        self.where = where  # "path" or "host:port", for messages
        self.collection_name = collection_name
        self.embedder = embedder
        self.collection = _call(where, lambda: client.get_or_create_collection(
            collection_name,
            metadata={"embedder": embedder, "hnsw:space": "cosine"},
            embedding_function=None,
        ))
        stored = (self.collection.metadata or {}).get("embedder")
        if stored and stored != embedder:
            raise StoreError(
                f"collection {collection_name!r} at {where} was built with embedder {stored!r}, "
                f"not {embedder!r}; use another ASSISTANT_COLLECTION or re-create the store"
            )
        try:
            self.max_batch_size = int(client.get_max_batch_size())
        except (*_known_errors(), AttributeError):  # older servers
            self.max_batch_size = 1000
        self._side: SideCollection | None = None
        self.ef_search = ef_search  # the search breadth this store sets (None: Chroma's own)
        if ef_search is not None:
            self.set_search_breadth(ef_search)

    def set_search_breadth(self, ef_search: int) -> None:
        """Set the collection's HNSW ``ef_search`` (kept by Chroma with the collection) unless
        it already has it. Chroma's default, 100, loses some true nearest neighbours
        (``Settings.hnsw_ef_search``); a server that cannot change it is left as it is."""
        config = getattr(self.collection, "configuration", None) or {}
        if (config.get("hnsw") or {}).get("ef_search") == ef_search:
            return
        try:
            self.collection.modify(configuration={"hnsw": {"ef_search": ef_search}})
        except Exception as exc:  # a search setting never stops a store from opening
            log.warning("could not set the search breadth of %r at %s to %d: %s",
                        self.collection_name, self.where, ef_search, _short(exc))

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
            except (*_known_errors(), ValueError) as exc:  # ValueError: a bad host name
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
            except (*_known_errors(), OSError) as exc:
                raise StoreError(f"cannot open the vector store at {path}: {_short(exc)}") from exc
        return cls(client, settings.collection, embedder, where=where, ef_search=settings.hnsw_ef_search)

    # --- writes ------------------------------------------------------------------------

    def add(self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]]) -> None:
        for start in range(0, len(chunks), self.max_batch_size):
            batch = chunks[start : start + self.max_batch_size]
            vectors = embeddings[start : start + self.max_batch_size]
            _call(self.where, lambda b=batch, v=vectors: self.collection.upsert(
                ids=[c.chunk_id for c in b],
                documents=[c.text for c in b],
                metadatas=[c.metadata() for c in b],
                embeddings=[list(x) for x in v],
            ))

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self.max_batch_size):
            part = list(ids[start : start + self.max_batch_size])
            _call(self.where, lambda p=part: self.collection.delete(ids=p))

    # --- reads -------------------------------------------------------------------------

    def count(self) -> int:
        return int(_call(self.where, self.collection.count))

    def iter_all(self, *, documents: bool = False, page: int = 5000) -> Iterator[StoredChunk]:
        """Every stored chunk (metadata, and text if asked), page by page."""
        include = ["metadatas", "documents"] if documents else ["metadatas"]
        offset = 0
        while True:
            got = _call(self.where, lambda o=offset: self.collection.get(include=include, limit=page, offset=o))
            ids = got["ids"]
            if not ids:
                return
            docs = got.get("documents") or [""] * len(ids)
            for cid, meta, text in zip(ids, got["metadatas"], docs, strict=True):
                yield StoredChunk(cid, text or "", dict(meta or {}))
            if len(ids) < page:
                return
            offset += len(ids)

    def get(self, ids: Sequence[str], *, embeddings: bool = False) -> list[StoredChunk]:
        """The chunks with these ids that the store holds (in the order asked)."""
        if not ids:
            return []
        include = ["metadatas", "documents", "embeddings"] if embeddings else ["metadatas", "documents"]
        found: dict[str, StoredChunk] = {}
        for start in range(0, len(ids), self.max_batch_size):
            part = list(ids[start : start + self.max_batch_size])
            got = _call(self.where, lambda p=part: self.collection.get(ids=p, include=include))
            vectors = got.get("embeddings") if embeddings else None
            for n, (cid, meta, text) in enumerate(zip(got["ids"], got["metadatas"], got["documents"], strict=True)):
                vector = [float(x) for x in vectors[n]] if vectors is not None else None
                found[cid] = StoredChunk(cid, text or "", dict(meta or {}), embedding=vector)
        return [found[i] for i in ids if i in found]

    def existing(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` the collection holds (no documents or vectors are read)."""
        out: set[str] = set()
        for start in range(0, len(ids), self.max_batch_size):
            part = list(ids[start : start + self.max_batch_size])
            got = _call(self.where, lambda p=part: self.collection.get(ids=p, include=[]))
            out.update(got["ids"])
        return out

    def query(
        self, embedding: Sequence[float], k: int, where: dict[str, Any] | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[StoredChunk]:
        """The ``k`` nearest chunks, among ``ids`` and/or those matching ``where`` if given."""
        n = self.count() if ids is None else len(ids)
        if n == 0:
            return []
        got = _call(self.where, lambda: self.collection.query(
            query_embeddings=[list(embedding)],
            n_results=min(k, n),
            where=where or None,
            ids=list(ids) if ids is not None else None,
            include=["metadatas", "documents", "distances"],
        ))
        return [
            StoredChunk(cid, text or "", dict(meta or {}), float(dist))
            for cid, meta, text, dist in zip(
                got["ids"][0], got["metadatas"][0], got["documents"][0], got["distances"][0], strict=True
            )
        ]


    # --- the side collection ---------------------------------------------------------------

    def side(self) -> SideCollection:
        """The manifest's collection (created on first use)."""
        if self._side is None:
            name = f"{self.collection_name}--manifest"
            collection = _call(self.where, lambda: self.client.get_or_create_collection(
                name, metadata={"hnsw:space": "l2"}, embedding_function=None))
            self._side = SideCollection(collection, self.where, self.max_batch_size)
        return self._side


class SideCollection:
    """Small records (id, JSON text, flat metadata) in a Chroma collection of their own.

    Chroma wants a vector per record; each gets a 1-d placeholder."""

    def __init__(self, collection: Any, where: str, max_batch_size: int):
        self.collection = collection
        self.where = where
        self.max_batch_size = max_batch_size

    def upsert(self, records: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        for start in range(0, len(records), self.max_batch_size):
            part = records[start : start + self.max_batch_size]
            _call(self.where, lambda p=part: self.collection.upsert(
                ids=[r[0] for r in p], documents=[r[1] for r in p], metadatas=[r[2] for r in p],
                embeddings=[[float(i % 997)] for i in range(len(p))],
            ))

    def get(self, ids: Sequence[str] | None = None, where: dict[str, Any] | None = None,
            page: int = 2000) -> list[tuple[str, str, dict[str, Any]]]:
        """Records by id, or every record matching ``where`` (page by page)."""
        if ids is not None:
            out = []
            for start in range(0, len(ids), self.max_batch_size):
                part = list(ids[start : start + self.max_batch_size])
                got = _call(self.where, lambda p=part: self.collection.get(
                    ids=p, include=["documents", "metadatas"]))
                out.extend(zip(got["ids"], got["documents"], got["metadatas"], strict=True))
            return [(i, d or "", dict(m or {})) for i, d, m in out]
        out, offset = [], 0
        while True:
            got = _call(self.where, lambda o=offset: self.collection.get(
                where=where, include=["documents", "metadatas"], limit=page, offset=o))
            rows = list(zip(got["ids"], got["documents"], got["metadatas"], strict=True))
            out.extend((i, d or "", dict(m or {})) for i, d, m in rows)
            if len(rows) < page:
                return out
            offset += len(rows)

    def count(self) -> int:
        return int(_call(self.where, self.collection.count))


def _known_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean "the store failed", as opposed to a bug in the caller."""
    import httpx
    from chromadb.errors import ChromaError

    return (ChromaError, httpx.HTTPError, ConnectionError, TimeoutError)


def _call(where: str, fn: Callable[[], Any]) -> Any:
    """Run one Chroma call; its known failures become StoreError/StoreUnavailableError."""
    try:
        return fn()
    except _known_errors() as exc:
        raise _store_error(exc, where) from exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _store_error(exc: BaseException, where: str) -> StoreError:
    import httpx

    if isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError):
        return StoreUnavailableError(f"lost the Chroma server at {where}: {_short(exc)}")
    return StoreError(f"Chroma at {where} failed: {_short(exc)}")
