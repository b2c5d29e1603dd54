"""The feedback log: a user's rating of an answer, one JSON object per line.

Each record holds what is needed to replay and judge the answer later without the UI: the
question, the answer as shown, its citations (with the passages), who answered, timings,
the filters in force and the settings (``Assistant.describe()``).
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.redact import mask_values
from assistant.retrieval import Filters
from assistant.types import Answer

RATINGS: dict[str, str] = {
    "helpful": "✓ Helpful",
    "wrong": "✗ Wrong answer",
    "wrong_citation": "✗ Wrong citation",
}


class FeedbackLog:
    """Appends one JSON object per line to a file; safe across the server's threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
                f.flush()


def answer_record(answer: Answer, filters: Filters | None) -> dict[str, Any]:
    """What a session keeps about its last finished answer, for a rating to come (plain JSON)."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [asdict(c) for c in answer.citations],
        "engine": answer.engine,
        "model": answer.model,
        "answered_by": answer.answered_by,  # the quick (extractive) answer or the model's
        "quick": answer.quick,
        "timings": dict(answer.timings),
        "filters": asdict(filters) if filters is not None else None,
        "notices": mask_values(list(answer.notices)),
    }


def feedback_record(last: dict[str, Any], rating: str, settings: dict[str, Any]) -> dict[str, Any]:
    """One line of the log: ``last`` (see :func:`answer_record`) rated ``rating`` now."""
    if rating not in RATINGS:
        raise ValueError(f"unknown rating {rating!r}")
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "question": last["question"],
        "answer": last["answer"],
        "refused": last["refused"],
        "citations": last["citations"],
        "rating": rating,
        "engine": last["engine"],
        "model": last["model"],
        "timings": last["timings"],
        "filters": last["filters"],
        "notices": last.get("notices", []),
        "settings": mask_values(settings),
    }
