"""XQuAD-vi (development half) as an external benchmark, read in place.

The data stays where it is (default ``../shared/data/xquad-vi-dev``, or the folder given,
or ``$HOITIN_XQUAD_DIR``): ``passages.jsonl`` (``{"id", "title", "text"}``) and
``questions.jsonl`` (``{"id", "question", "answers", "context_id", "title"}``). The
passages are written to a temporary ``.jsonl`` corpus for indexing; nothing is copied into
the repository. Each question becomes a :class:`~evals.dataset.Case` whose source is its
``context_id`` and whose answers are one group of alternatives (SQuAD semantics: any gold
span counts), scored also with exact match and token F1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from evals.dataset import Case, DatasetError

DEFAULT_XQUAD_DIR = Path("../shared/data/xquad-vi-dev")
ENV_VAR = "HOITIN_XQUAD_DIR"


def xquad_dir(path: Path | str | None = None) -> Path:
    """The folder to read: ``path``, else ``$HOITIN_XQUAD_DIR``, else the shared default."""
    if path is not None:
        return Path(path)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_XQUAD_DIR


def is_xquad_dir(path: Path | str) -> bool:
    path = Path(path)
    return path.is_dir() and (path / "questions.jsonl").is_file() and (path / "passages.jsonl").is_file()


def _read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        raise DatasetError(
            f"{path}: not found; point --dataset (or ${ENV_VAR}) at the xquad-vi-dev folder "
            "holding passages.jsonl and questions.jsonl"
        )
    records = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise DatasetError(f"{path}:{number}: expected a JSON object")
            record["_line"] = number
            records.append(record)
    return records


def load_passages(folder: Path | str | None = None) -> list[dict[str, str]]:
    """The passages as ``{"id", "title", "text"}`` dicts."""
    path = xquad_dir(folder) / "passages.jsonl"
    out = []
    for r in _read_jsonl(path):
        if not r.get("id") or not r.get("text"):
            raise DatasetError(f"{path}:{r['_line']}: a passage needs 'id' and 'text'")
        out.append({"id": str(r["id"]), "title": str(r.get("title", "")).replace("_", " "),
                    "text": str(r["text"])})
    return out


def load_questions(folder: Path | str | None = None, limit: int | None = None) -> list[Case]:
    """The questions as cases (``type`` "xquad", ``lang`` "vi", ``squad`` true)."""
    path = xquad_dir(folder) / "questions.jsonl"
    cases = []
    for r in _read_jsonl(path):
        origin = f"{path}:{r['_line']}"
        answers = r.get("answers")
        if not isinstance(answers, list) or not answers or not all(isinstance(a, str) and a.strip() for a in answers):
            raise DatasetError(f"{origin}: 'answers' must be a non-empty list of strings")
        if not r.get("question") or not r.get("context_id"):
            raise DatasetError(f"{origin}: a question needs 'question' and 'context_id'")
        cases.append(Case(
            id=str(r["id"]), question=str(r["question"]).strip(), answers=[list(dict.fromkeys(answers))],
            sources=[str(r["context_id"])], type="xquad", lang="vi", squad=True, origin=origin,
        ))
        if limit is not None and len(cases) >= limit:
            break
    return cases


def write_corpus(dest: Path | str, folder: Path | str | None = None) -> Path:
    """Write the passages as one ``.jsonl`` corpus file under ``dest`` (a folder); return it."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / "xquad-vi-dev.jsonl"
    with target.open("w", encoding="utf-8") as fh:
        for p in load_passages(folder):
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    return target
