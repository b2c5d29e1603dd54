"""The eval suite: datasets, offline metrics, a runner, reports and the ``assistant eval`` command.

The core package (``assistant``) never imports this one; this one drives the public API
(``Assistant.from_settings`` / ``ingest`` / ``retrieve`` / ``ask``) like any user would.

Python use::

    from evals import load_dataset, EvalConfig, run_eval, write_report

    cases = load_dataset("evals/datasets/seeds.jsonl")
    run = run_eval(cases, corpus="corpus", configs=[EvalConfig("extractive", "hybrid")])
    write_report(run, "reports/seeds")
"""

from __future__ import annotations

from evals.dataset import Case, DatasetError, check_against_corpus, load_dataset, load_datasets
from evals.report import summarize, write_report
from evals.runner import CaseResult, EvalConfig, EvalRun, run_eval

__all__ = [
    "Case",
    "CaseResult",
    "DatasetError",
    "EvalConfig",
    "EvalRun",
    "check_against_corpus",
    "load_dataset",
    "load_datasets",
    "run_eval",
    "summarize",
    "write_report",
]
