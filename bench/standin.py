"""A fast, deterministic stand-in embedder for index-only timings (NOT a semantic model).

Each word (folded) is hashed (crc32) to one of 4,096 fixed random 384-d directions; a text's
vector is the normalised sum. Texts that share words get similar vectors, so retrieval
still behaves like retrieval, but embedding 84k chunks takes seconds instead of hours.
"""

from __future__ import annotations

import zlib

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.text import fold

_BUCKETS = 4096


class StandInEmbeddings(Embeddings):
    name = "bench/standin-384"

    def __init__(self, dimensions: int = 384, seed: int = 0):
        self.dimensions = dimensions
        self._table = np.random.default_rng(seed).standard_normal((_BUCKETS, dimensions)).astype(np.float32)

    def _embed(self, text: str) -> np.ndarray:
        ids = [zlib.crc32(w.encode()) % _BUCKETS for w in fold(text).split()]
        vec = self._table[ids].sum(axis=0) if ids else np.ones(self.dimensions, np.float32)
        return vec / (np.linalg.norm(vec) or 1.0)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(t).tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text).tolist()
