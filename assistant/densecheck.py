"""A self-check of the vector store's dense search, and its repair.

Chroma's HNSW index can disagree with the vectors it stores (issue 14: after a killed ingest,
9 of 35 reopened stores ranked differently from an exact cosine search; see Chroma's open
HNSW persistence issues). The catalog keeps every chunk's vector beside the store
(:mod:`assistant.catalog`), so the check is cheap and independent of Chroma: a few chunks,
chosen at random, must find themselves by dense search (their own vector, distance ~0).
When one does not, the collection is rebuilt: a new collection gets every record, with the
catalog's vector (Chroma's own where the catalog has none), and takes the old one's name.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import numpy as np

from assistant.catalog import Catalog
from assistant.errors import StoreError
from assistant.store import ChromaStore, _call

log = logging.getLogger(__name__)

__all__ = ["DenseCheck", "check_dense", "rebuild_collection"]

SAMPLE = 8  # chunks a check queries (each one dense query)
SELF_DISTANCE = 1e-3  # a vector's cosine distance to itself, with float32 and HNSW rounding


@dataclass(frozen=True)
class DenseCheck:
    sampled: int
    missed: tuple[str, ...]  # chunk ids the dense search did not find by their own vector
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return not self.missed


def check_dense(store: ChromaStore, catalog: Catalog, sample: int = SAMPLE) -> DenseCheck:
    """Query the store with ``sample`` chunks' own catalog vectors; list those not found."""
    rows = catalog.sample_vectors(sample)
    missed = []
    for chunk_id, blob in rows:
        vector = np.frombuffer(blob, dtype=np.float32).tolist()
        hits = store.query(vector, 3)
        found = any(h.chunk_id == chunk_id for h in hits)
        # a chunk with an identical twin (same text, same vector) may come second
        if not found and not (hits and (hits[0].distance or 0.0) <= SELF_DISTANCE):
            missed.append(chunk_id)
    return DenseCheck(len(rows), tuple(missed))


def rebuild_collection(store: ChromaStore, catalog: Catalog, page: int = 1000) -> int:
    """Rebuild the store's collection from its records and the catalog's vectors; returns the
    number of records. The old collection is dropped only once the new one holds them all."""
    client, name = store.client, store.collection_name
    old = store.collection
    temp = f"{name}--rebuild-{uuid.uuid4().hex[:8]}"
    new = _call(store.where, lambda: client.create_collection(
        temp, metadata=dict(old.metadata or {}), embedding_function=None))
    copied, offset = 0, 0
    while True:
        got = _call(store.where, lambda o=offset: old.get(
            include=["metadatas", "documents", "embeddings"], limit=page, offset=o))
        ids = list(got["ids"])
        if not ids:
            break
        ours = catalog.vectors_of(ids)
        vectors = [np.frombuffer(ours[c], dtype=np.float32).tolist() if c in ours else list(map(float, v))
                   for c, v in zip(ids, got["embeddings"], strict=True)]
        _call(store.where, lambda i=ids, v=vectors, g=got: new.add(
            ids=i, embeddings=v, documents=g["documents"], metadatas=g["metadatas"]))
        copied += len(ids)
        offset += len(ids)
        if len(ids) < page:
            break
    if int(_call(store.where, new.count)) != int(_call(store.where, old.count)):
        _call(store.where, lambda: client.delete_collection(temp))
        raise StoreError(f"the rebuilt collection {temp} did not get every record of {name}; "
                         "the old one is kept")
    _call(store.where, lambda: client.delete_collection(name))
    _call(store.where, lambda: new.modify(name=name))
    store.collection = new
    if store.ef_search is not None:  # a new collection starts with Chroma's own breadth
        store.set_search_breadth(store.ef_search)
    return copied
