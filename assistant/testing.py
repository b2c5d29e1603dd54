"""Offline fakes for tests (and for users' own tests): a deterministic embedder.

They serve unit tests; every real part has its own tests against the real thing.
"""

from __future__ import annotations

import hashlib
import math

from langchain_core.embeddings import Embeddings

from assistant.text import fold, words


class FakeEmbeddings(Embeddings):
    """Bag-of-words hashing embedder: same text, same vector; shared words, similar vectors."""

    name = "fake"

    def __init__(self, dimensions: int = 64):
        self.dimensions = dimensions

    def _embed(self, text: str) -> list[float]:
        vec = [0.0] * self.dimensions
        for token in words(fold(text)):
            digest = hashlib.md5(token.encode("utf-8")).digest()
            vec[digest[0] % self.dimensions] += 1.0 if digest[1] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)
