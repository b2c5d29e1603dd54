"""One table over several eval reports: ``assistant eval-compare reports/a reports/b ...``.

Each folder is the ``--out`` of an ``assistant eval`` run (its ``metrics.json``). The table
has a row per configuration: the share of answerable questions answered correctly *with a
verified citation to a gold source*, plain accuracy, the share answered by the short answer
alone (the text before the quote; with a model, the quick answer's share beside it), refusal
accuracy / precision / recall, false refusals (and who refused: the evidence gate, the engine, or the citation
check), latency (p50/p95 of the whole answer and of the first visible text, the quick
answer's first piece), how many model answers passed verification and were used, the final
answer's time over the prefill+decode bound (see :func:`evals.report.two_phase`) and the
mean prompt size.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.floor import FLOOR
from evals.report import fmt, fmt_latency

__all__ = ["compare_table", "load_rows"]

COLUMNS = (
    "engine", "model", "retriever", "n", "right + cited", "accuracy", "short right", "refusal acc", "refusal P", "refusal R",
    "false refusals", "by gate/engine/check", "p50 s", "p95 s", "first text p50 s", "first text p95 s",
    "model used", "ratio to bound p50", "prompt tokens", "errors",
)


def load_rows(folders: Sequence[Path | str]) -> list[dict[str, Any]]:
    """``{"label", "engine", "model", "overall", "meta"}`` for every configuration of every report."""
    rows = []
    for folder in folders:
        path = Path(folder) / "metrics.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: give folders written by `assistant eval --out`")
        data = json.loads(path.read_text(encoding="utf-8"))
        meta = data.get("meta", {})
        for name, config in data.get("configs", {}).items():
            if name == FLOOR:  # retrieval only: nothing to compare engines on
                continue
            description = meta.get("configs", {}).get(name, {}).get("description", {})
            model = description.get("model") or ""
            if description.get("base_url") and config.get("engine") == "openai":
                model = f"{model} @ {description['base_url']}"
            if description.get("context_tokens"):
                model += f" (context {description['context_tokens']} tok)"
            rows.append({
                "label": str(folder), "config": name, "engine": config.get("engine", name),
                "retriever": config.get("retriever", ""),
                "model": model, "overall": config["overall"], "meta": meta,
            })
    return rows


def compare_table(rows: Sequence[dict[str, Any]]) -> str:
    """A markdown table, one row per configuration."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|---" * len(COLUMNS) + "|"]
    for row in rows:
        m = row["overall"]
        latency = m.get("latency", {})
        tokens = m.get("tokens") or {}
        two = m.get("two_phase") or {}
        speed = two.get("speed") or {}
        cells = [
            row["engine"], row["model"].replace("|", "/"), row["retriever"], fmt(m.get("n")),
            fmt(m.get("correct_with_citation")), fmt(m.get("accuracy")),
            fmt(m.get("short_accuracy")) + (f" (quick {fmt(two.get('quick_short_accuracy'))})" if two else ""),
            fmt(m.get("refusal_accuracy")),
            fmt(m.get("refusal_precision")), fmt(m.get("refusal_recall")), fmt(m.get("false_refusal_rate")),
            "/".join(str(n) for n in (m.get("false_refusals_by") or {}).values()) or "–",
            fmt_latency(latency.get("total"), "p50"), fmt_latency(latency.get("total"), "p95"),
            fmt_latency(latency.get("first_token"), "p50"), fmt_latency(latency.get("first_token"), "p95"),
            f"{two['model_used']}/{two['model_asked']}" if two else "–",
            fmt_latency(speed.get("bound_ratio"), "p50"),
            fmt(tokens.get("prompt_mean"), 0) if tokens.get("prompt_total") else "–",  # servers
            # streaming without usage report none
            fmt(m.get("errors")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
