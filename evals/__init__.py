"""The eval suite: datasets, offline metrics, a runner, reports and the ``assistant eval`` command.

The core package (``assistant``) never imports this one; this one drives the public API
(``Assistant.from_settings`` / ``ingest`` / ``retrieve`` / ``ask``) like any user would.

Python use::

    from evals import load_dataset, EvalConfig, run_eval, write_report

    cases = load_dataset("evals/datasets/seeds.jsonl")
    run = run_eval(cases, corpus="corpus", configs=[EvalConfig("extractive", "hybrid")])
    write_report(run, "reports/seeds")

The held-out protocol (:mod:`evals.heldout`, :mod:`evals.splits`, the floor in
:mod:`evals.floor`)::

    held = assemble(HeldoutSpec.preset(), workdir)          # corpus + cases, every case with its part
    run = run_eval(held.select("report"), corpus=held.corpus,
                   configs=configurations("extractive", "hybrid", baselines=False, floor=True))
"""

from __future__ import annotations

from evals.dataset import Case, DatasetError, check_against_corpus, load_dataset, load_datasets
from evals.heldout import Heldout, HeldoutSpec, assemble
from evals.report import summarize, write_report
from evals.runner import CaseResult, EvalConfig, EvalRun, configurations, run_eval

__all__ = [
    "Case",
    "CaseResult",
    "DatasetError",
    "EvalConfig",
    "EvalRun",
    "Heldout",
    "HeldoutSpec",
    "assemble",
    "check_against_corpus",
    "configurations",
    "load_dataset",
    "load_datasets",
    "run_eval",
    "summarize",
    "write_report",
]
