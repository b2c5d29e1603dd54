"""XQuAD-vi (development half) as an external benchmark, read in place.

The data stays where it is (default ``../shared/data/xquad-vi-dev``, or the folder given,
or ``$HOITIN_XQUAD_DIR``): ``passages.jsonl`` (``{"id", "title", "text"}``) and
``questions.jsonl`` (``{"id", "question", "answers", "context_id", "title"}``). The
passages are written to a temporary ``.jsonl`` corpus for indexing; nothing is copied into
the repository. Each question becomes a :class:`~evals.dataset.Case` whose source is its
``context_id`` and whose answers are one group of alternatives (SQuAD semantics: any gold
span counts), scored also with exact match and token F1.

The same questions in English (default ``../shared/data/xquad-en-vi-dev``, or
``$HOITIN_XQUAD_EN_DIR``; ``questions.jsonl`` with ``answers`` = the Vietnamese spans and
``answers_en`` = the English ones) are the dataset ``xquad-en``: one group holding both
languages' spans (an English answer or a quoted Vietnamese span is right), ``lang`` "en",
case id ``<id>-en`` (the Vietnamese twin keeps ``<id>``).
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from evals.dataset import Case, DatasetError
from evals.splits import part_of

DEFAULT_XQUAD_DIR = Path("../shared/data/xquad-vi-dev")
DEFAULT_XQUAD_EN_DIR = Path("../shared/data/xquad-en-vi-dev")
ENV_VAR = "HOITIN_XQUAD_DIR"
EN_ENV_VAR = "HOITIN_XQUAD_EN_DIR"
EN_SUFFIX = "-en"  # the English twin of question <id> is case <id>-en


def xquad_dir(path: Path | str | None = None) -> Path:
    """The folder to read: ``path``, else ``$HOITIN_XQUAD_DIR``, else the shared default."""
    if path is not None:
        return Path(path)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_XQUAD_DIR


def xquad_en_dir(path: Path | str | None = None) -> Path:
    """The English questions' folder: ``path``, else ``$HOITIN_XQUAD_EN_DIR``, else the shared default."""
    if path is not None:
        return Path(path)
    env = os.environ.get(EN_ENV_VAR)
    return Path(env) if env else DEFAULT_XQUAD_EN_DIR


def is_xquad_dir(path: Path | str) -> bool:
    path = Path(path)
    return path.is_dir() and (path / "questions.jsonl").is_file() and (path / "passages.jsonl").is_file()


def _read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        raise DatasetError(
            f"{path}: not found; point --dataset (or ${ENV_VAR}) at the xquad-vi-dev folder "
            "holding passages.jsonl and questions.jsonl"
        )
    return read_jsonl(path)


def read_jsonl(path: Path) -> list[dict]:
    """Every JSON object of a JSONL file (gzip-compressed when its name ends in .gz), each
    with its line number as ``_line``; a bad line is a :class:`DatasetError` naming it."""
    opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
    records = []
    with opener(path, "rt", encoding="utf-8") as fh:
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


def _spans(r: dict, key: str, origin: str, *, required: bool = True) -> list[str]:
    value = r.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not value or not all(isinstance(a, str) and a.strip() for a in value):
        raise DatasetError(f"{origin}: '{key}' must be a non-empty list of strings")
    return list(dict.fromkeys(value))


def load_questions(folder: Path | str | None = None, limit: int | None = None) -> list[Case]:
    """The questions as cases (dataset and ``type`` "xquad", ``lang`` "vi", ``squad`` true)."""
    path = xquad_dir(folder) / "questions.jsonl"
    cases = []
    for r in _read_jsonl(path):
        origin = f"{path}:{r['_line']}"
        answers = _spans(r, "answers", origin)
        if not r.get("question") or not r.get("context_id"):
            raise DatasetError(f"{origin}: a question needs 'question' and 'context_id'")
        sources = [str(r["context_id"])]
        cases.append(Case(
            id=str(r["id"]), question=str(r["question"]).strip(), answers=[answers],
            sources=sources, type="xquad", lang="vi", squad=True, origin=origin,
            dataset="xquad", part=part_of(str(r["id"]), sources=sources),
        ))
        if limit is not None and len(cases) >= limit:
            break
    return cases


def load_questions_en(folder: Path | str | None = None, limit: int | None = None) -> list[Case]:
    """The English questions as cases (dataset ``xquad-en``, ``type`` "xquad", ``lang`` "en"):
    one answer group of the English spans and the Vietnamese ones."""
    path = xquad_en_dir(folder) / "questions.jsonl"
    cases = []
    for r in _read_jsonl(path):
        origin = f"{path}:{r['_line']}"
        answers = _spans(r, "answers", origin) + _spans(r, "answers_en", origin, required=False)
        if not r.get("question") or not r.get("context_id") or not r.get("id"):
            raise DatasetError(f"{origin}: a question needs 'id', 'question' and 'context_id'")
        sources = [str(r["context_id"])]
        cases.append(Case(
            id=f"{r['id']}{EN_SUFFIX}", question=str(r["question"]).strip(),
            answers=[list(dict.fromkeys(answers))], sources=sources, type="xquad", lang="en",
            squad=True, origin=origin, dataset="xquad-en", part=part_of(str(r["id"]), sources=sources),
        ))
        if limit is not None and len(cases) >= limit:
            break
    return cases


def twin_id(case_id: str) -> str:
    """The question id shared by a Vietnamese case and its English twin."""
    return case_id.removesuffix(EN_SUFFIX)


def write_corpus(dest: Path | str, folder: Path | str | None = None, *,
                 exclude: Collection[str] = ()) -> Path:
    """Write the passages (but those in ``exclude``) as one ``.jsonl`` corpus file under
    ``dest`` (a folder); return it."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / "xquad-vi-dev.jsonl"
    skip = set(exclude)
    with target.open("w", encoding="utf-8") as fh:
        for p in load_passages(folder):
            if p["id"] not in skip:
                fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    return target
