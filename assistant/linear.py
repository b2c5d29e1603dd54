"""Fitted linear models: the retrieval ranker, the sentence reader and the answerability gate.

Each model is a JSON file in ``assistant/models/`` (package data): feature names, the mean and
scale that standardise them, one weight per feature, a bias, an optional operating
threshold, and where it came from (data, split, command, commit, date, the figures it had on
the data it was fitted on). They are fitted by ``python -m evals.fit`` on the tuning part of
the development data only (see ``evals/splits.py``), never on the reporting part. Loading
checks that the file's features are the ones the code computes, so a model and the code that
feeds it cannot drift apart silently.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ConfigError

__all__ = ["LinearModel", "load_model"]


@dataclass(frozen=True)
class LinearModel:
    """``score(x) = sum(coef * (x - mean) / scale) + bias``; ``probability`` is its logistic."""

    name: str
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    bias: float = 0.0
    threshold: float | None = None  # operating point, on the probability scale
    thresholds: dict[str, float] = field(default_factory=dict)  # per group (e.g. language)
    meta: dict[str, Any] = field(default_factory=dict)

    def threshold_for(self, group: str) -> float | None:
        return self.thresholds.get(group, self.threshold)

    def scores(self, rows: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        x = np.asarray(rows, dtype=np.float64)
        if x.ndim == 1:
            x = x[None, :]
        if x.shape[1] != len(self.features):
            raise ValueError(f"{self.name}: {x.shape[1]} features given, {len(self.features)} expected")
        return ((x - self.mean) / self.scale) @ self.coef + self.bias

    def probabilities(self, rows: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.scores(rows)))

    def probability(self, row: Mapping[str, float] | Sequence[float]) -> float:
        values = [row[f] for f in self.features] if isinstance(row, Mapping) else list(row)
        return float(self.probabilities([values])[0])

    def contributions(self, row: Sequence[float]) -> dict[str, float]:
        """Each feature's share of the score (standardised value x weight), for reasons."""
        z = (np.asarray(row, dtype=np.float64) - self.mean) / self.scale
        return {f: float(v) for f, v in zip(self.features, z * self.coef, strict=True)}

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "features": list(self.features),
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "coef": [float(v) for v in self.coef],
            "bias": float(self.bias),
            "threshold": self.threshold,
            "thresholds": self.thresholds,
            "meta": self.meta,
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        n = len(data["features"])
        arrays = {k: np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")}
        if any(a.shape != (n,) for a in arrays.values()):
            raise ValueError(f"model {data.get('name')!r}: mean/scale/coef must have {n} values")
        if not all(math.isfinite(v) for a in arrays.values() for v in a) or (arrays["scale"] <= 0).any():
            raise ValueError(f"model {data.get('name')!r}: non-finite values or a scale <= 0")
        return cls(
            name=str(data["name"]),
            features=tuple(data["features"]),
            bias=float(data.get("bias", 0.0)),
            threshold=None if data.get("threshold") is None else float(data["threshold"]),
            thresholds={str(k): float(v) for k, v in (data.get("thresholds") or {}).items()},
            meta=dict(data.get("meta") or {}),
            **arrays,
        )


@cache
def load_model(name: str, features: tuple[str, ...]) -> LinearModel:
    """The packaged model ``assistant/models/<name>.json``; its feature names must equal
    ``features`` (the ones the calling code computes, in order)."""
    try:
        text = resources.files("assistant").joinpath("models", f"{name}.json").read_text(encoding="utf-8")
        model = LinearModel.from_json(json.loads(text))
    except FileNotFoundError as exc:
        raise ConfigError(f"the fitted model {name!r} is missing from assistant/models/; "
                          "run `python -m evals.fit` to fit it") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"the fitted model assistant/models/{name}.json is broken: {exc}") from exc
    if model.features != features:
        raise ConfigError(
            f"assistant/models/{name}.json was fitted on other features than the code computes "
            f"({len(model.features)} vs {len(features)}); re-fit it with `python -m evals.fit`"
        )
    return model
