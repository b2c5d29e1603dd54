"""Eval datasets: JSONL question sets and conversations, loaded and validated.

One case a line::

    {"id": "q01", "lang": "vi", "type": "factoid",
     "question": "Ai dẫn đầu đoàn công tác cấp cao tỉnh Thanh Hóa sang Liên bang Nga?",
     "answers": [["Nguyễn Doãn Anh"]], "sources": ["<doc id>"], "evidence": "..."}

- ``answers``: groups of alternatives; every group must be matched by one of its
  alternatives. A flat list of strings is one group. ``[]`` means unanswerable (the right
  result is a refusal).
- ``sources``: document ids; any one counts as a hit. ``evidence``: a verbatim span of a
  source, used to score retrieval at passage level.
- ``type`` and ``lang``: free labels for the breakdowns.

Every case also carries its ``dataset`` (the file's stem, e.g. "seeds") and its ``part``
of the one development split ("tune" or "report", :func:`evals.splits.part_of`: a seeded
hash of the case id, or of the conversation id for a conversation's turns).

A conversation is ``{"id", "turns": [{"question", "answers", "sources"?, "evidence"?}, ...]}``;
it becomes one :class:`Case` per turn (``conversation`` and ``turn`` set), and the runner
asks each turn with the previous turns as history.

Every problem is reported as ``file:line: what is wrong`` (:class:`DatasetError`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.language import detect_language
from assistant.text import normalize
from evals.splits import part_of

_CASE_KEYS = {"id", "question", "answers", "sources", "evidence", "type", "lang", "squad"}
_CONVERSATION_KEYS = {"id", "turns", "type", "lang"}
_TURN_KEYS = {"question", "answers", "sources", "evidence", "type", "lang"}


class DatasetError(ValueError):
    """A dataset file that cannot be used; the message names ``file:line``."""


@dataclass(frozen=True)
class Case:
    """One question to ask (a single question, or one turn of a conversation)."""

    id: str
    question: str
    answers: list[list[str]]  # groups of alternatives; [] = unanswerable
    sources: list[str] = field(default_factory=list)
    evidence: str | None = None
    type: str = "factoid"
    lang: str = "vi"
    conversation: str | None = None  # id of the conversation this turn belongs to
    turn: int = 0  # 0-based turn number within the conversation
    squad: bool = False  # also score SQuAD exact match / token F1 (extractive benchmarks)
    origin: str = ""  # "file:line"
    dataset: str = ""  # "seeds", "conversations", "xquad", "xquad-en", ...
    part: str = ""  # "tune" or "report" (evals.splits); "" when unknown

    @property
    def unanswerable(self) -> bool:
        return not self.answers

    @property
    def alternatives(self) -> list[str]:
        """Every accepted answer string, flattened (for EM/F1)."""
        return [alt for group in self.answers for alt in group]


def _fail(origin: str, message: str) -> DatasetError:
    return DatasetError(f"{origin}: {message}")


def parse_answers(value: Any, origin: str) -> list[list[str]]:
    """``["a", "b"]`` -> ``[["a", "b"]]``; ``[["a"], ["b", "c"]]`` stays; ``[]`` -> ``[]``."""
    if not isinstance(value, list):
        raise _fail(origin, f"'answers' must be a list (of strings or of lists of strings), got {type(value).__name__}")
    if not value:
        return []
    if all(isinstance(v, str) for v in value):
        groups = [list(value)]
    elif all(isinstance(v, list) for v in value):
        groups = [list(v) for v in value]
    else:
        raise _fail(
            origin,
            "'answers' mixes strings and lists; use a flat list of strings (one group) "
            'or a list of groups, e.g. [["6,25", "6.25"], ["0,12"]]',
        )
    for n, group in enumerate(groups, start=1):
        if not group:
            raise _fail(origin, f"answer group {n} is empty; remove it, or use \"answers\": [] for an unanswerable case")
        for alt in group:
            if not isinstance(alt, str):
                raise _fail(origin, f"answer group {n} holds a {type(alt).__name__}; alternatives must be strings")
            if not alt.strip():
                raise _fail(origin, f"answer group {n} holds an empty string")
    return groups


def _str_list(value: Any, key: str, origin: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(origin, f"'{key}' must be a list of non-empty strings (document ids)")
    return list(value)


def _optional_str(record: dict[str, Any], key: str, origin: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(origin, f"'{key}' must be a string, got {type(value).__name__}")
    return value


def _question(record: dict[str, Any], origin: str) -> str:
    question = record.get("question")
    if not isinstance(question, str) or not question.strip():
        raise _fail(origin, "'question' is missing or empty")
    return question.strip()


def _case(record: dict[str, Any], origin: str, *, case_id: str, conversation: str | None = None,
          turn: int = 0, defaults: dict[str, Any] | None = None, dataset: str = "") -> Case:
    defaults = defaults or {}
    question = _question(record, origin)
    if "answers" not in record:
        raise _fail(origin, "'answers' is missing (use [] for an unanswerable question)")
    answers = parse_answers(record["answers"], origin)
    sources = _str_list(record.get("sources"), "sources", origin)
    evidence = _optional_str(record, "evidence", origin)
    if evidence is not None and not evidence.strip():
        raise _fail(origin, "'evidence' is an empty string; drop the key instead")
    lang = _optional_str(record, "lang", origin) or defaults.get("lang") or detect_language(question)
    ctype = _optional_str(record, "type", origin) or defaults.get("type") or (
        "unanswerable" if not answers else "factoid"
    )
    squad = record.get("squad", False)
    if not isinstance(squad, bool):
        raise _fail(origin, "'squad' must be true or false")
    return Case(
        id=case_id, question=question, answers=answers, sources=sources, evidence=evidence,
        type=ctype, lang=lang, conversation=conversation, turn=turn, squad=squad, origin=origin,
        dataset=dataset, part=part_of(case_id, sources=sources, conversation=conversation),
    )


def dataset_name(path: Path | str) -> str:
    """The name a dataset file goes by in reports: its stem ("evals/datasets/seeds.jsonl" -> "seeds")."""
    return Path(str(path)).stem


def parse_record(record: Any, origin: str, dataset: str = "") -> list[Case]:
    """One JSONL record -> one case, or one case per conversation turn."""
    if not isinstance(record, dict):
        raise _fail(origin, f"expected a JSON object, got {type(record).__name__}")
    case_id = record.get("id")
    if not isinstance(case_id, str | int) or isinstance(case_id, bool) or not str(case_id).strip():
        raise _fail(origin, "'id' is missing (every case needs a unique id)")
    case_id = str(case_id)
    if "turns" in record:
        unknown = set(record) - _CONVERSATION_KEYS
        if unknown:
            raise _fail(origin, f"unknown key(s) {sorted(unknown)} in a conversation; allowed: {sorted(_CONVERSATION_KEYS)}")
        turns = record["turns"]
        if not isinstance(turns, list) or not turns:
            raise _fail(origin, "'turns' must be a non-empty list of {\"question\", \"answers\", ...}")
        defaults = {"lang": record.get("lang"), "type": record.get("type") or "conversation"}
        cases = []
        for n, turn in enumerate(turns):
            where = f"{origin} (turn {n + 1})"
            if not isinstance(turn, dict):
                raise _fail(where, "each turn must be a JSON object")
            unknown = set(turn) - _TURN_KEYS
            if unknown:
                raise _fail(where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_TURN_KEYS)}")
            cases.append(_case(turn, where, case_id=f"{case_id}#{n + 1}", conversation=case_id,
                               turn=n, defaults=defaults, dataset=dataset))
        return cases
    unknown = set(record) - _CASE_KEYS
    if unknown:
        raise _fail(origin, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_CASE_KEYS)} (or 'turns' for a conversation)")
    return [_case(record, origin, case_id=case_id, dataset=dataset)]


def parse_lines(lines: Iterable[str], name: str) -> list[Case]:
    """Cases from JSONL lines; ``name`` (a file name) names them in errors and gives the
    cases their ``dataset`` (its stem)."""
    cases: list[Case] = []
    seen: dict[str, str] = {}
    dataset = dataset_name(name)
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        origin = f"{name}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _fail(origin, f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        for case in parse_record(record, origin, dataset):
            if case.id in seen:
                raise _fail(origin, f"duplicate id {case.id!r} (first at {seen[case.id]})")
            seen[case.id] = origin
            cases.append(case)
    return cases


def load_dataset(path: Path | str) -> list[Case]:
    """Load and validate one JSONL dataset file."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such dataset file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    cases = parse_lines(text.splitlines(), str(path))
    if not cases:
        raise DatasetError(f"{path}: no cases in the file")
    return cases


def load_datasets(paths: Sequence[Path | str]) -> list[Case]:
    """Load several files; ids must be unique across them."""
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for path in paths:
        for case in load_dataset(path):
            if case.id in seen:
                raise DatasetError(f"{case.origin}: duplicate id {case.id!r} (first at {seen[case.id]})")
            seen[case.id] = case.origin
            cases.append(case)
    return cases


def check_against_corpus(cases: Sequence[Case], documents: dict[str, str]) -> list[str]:
    """Problems between a dataset and a corpus (``doc id -> cleaned text``), as messages.

    - every source is a known document;
    - the evidence occurs verbatim (after tone-mark normalisation) in one of the sources;
    - every answer group has an alternative that occurs in one of the sources.
    """
    from evals.metrics import contains  # local: metrics imports nothing from here

    problems: list[str] = []
    normalized = {doc_id: normalize(text) for doc_id, text in documents.items()}
    for case in cases:
        missing = [s for s in case.sources if s not in documents]
        if missing:
            problems.append(f"{case.origin}: unknown source(s) {missing}")
        known = [s for s in case.sources if s in documents]
        if case.evidence and known and not any(normalize(case.evidence) in normalized[s] for s in known):
            problems.append(f"{case.origin}: evidence not found verbatim in {known}")
        for n, group in enumerate(case.answers, start=1):
            if known and not any(contains(documents[s], alt) for s in known for alt in group):
                problems.append(f"{case.origin}: answer group {n} {group} not found in {known}")
    return problems
