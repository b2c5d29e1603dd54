"""``assistant eval``: run the eval suite from the command line.

Register it on the main typer app with ``register(app)`` (adds the ``eval`` and
``eval-compare`` commands), or run ``python -m evals ...`` directly. Examples::

    assistant eval --dataset evals/datasets/seeds.jsonl --baselines --out reports/seeds
    assistant eval --dataset evals/datasets/seeds.jsonl --dataset evals/datasets/conversations.jsonl
    assistant eval --dataset xquad --baselines --out reports/xquad          # ../shared/data/xquad-vi-dev
    assistant eval --dataset xquad --retrieval-only --limit 100
    assistant eval --dataset evals/datasets/seeds.jsonl --engine local --out reports/local
    assistant eval-compare reports/extractive reports/local --out reports/engines.md
"""

from __future__ import annotations

import logging
import random
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from evals import xquad
from evals.dataset import Case, DatasetError, check_against_corpus, load_datasets
from evals.report import headline_table, write_report
from evals.runner import EvalError, configurations, engine_choices, run_eval

log = logging.getLogger(__name__)

DEFAULT_CORPUS = Path("corpus")


def _resolve_datasets(datasets: Sequence[Path], limit: int | None,
                      sample: int | None = None) -> tuple[list[Case], Path | None, list[Path]]:
    """Cases from every dataset; the XQuAD folder (if one is given) for the corpus."""
    cases: list[Case] = []
    files: list[Path] = []
    xquad_folder: Path | None = None
    for d in datasets:
        if str(d).lower() in {"xquad", "xquad-vi", "xquad-vi-dev"}:
            d = xquad.xquad_dir()
        if d.is_dir():
            if not xquad.is_xquad_dir(d):
                raise DatasetError(f"{d}: a dataset folder must hold passages.jsonl and questions.jsonl (XQuAD layout)")
            xquad_folder = d
            cases.extend(xquad.load_questions(d))
            files.append(d / "questions.jsonl")
        else:
            files.append(d)
    jsonl_files = [f for f in files if xquad_folder is None or f.parent != xquad_folder]
    cases.extend(load_datasets(jsonl_files) if jsonl_files else [])
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        raise DatasetError("the datasets given share case ids; give each case a unique id")
    if sample is not None and sample < len(cases):
        cases = _sample(cases, sample)
    if limit is not None:
        cases = _limit(cases, limit)
    return cases, xquad_folder, files


def _limit(cases: list[Case], limit: int) -> list[Case]:
    """The first ``limit`` cases, never cutting a conversation in half."""
    out: list[Case] = []
    for case in cases:
        if len(out) >= limit and (case.conversation is None or case.turn == 0):
            break
        out.append(case)
    return out


def _sample(cases: list[Case], n: int, seed: int = 0) -> list[Case]:
    """About ``n`` cases drawn at random (``seed``) in proportion from each question type
    and from the conversations, which are kept whole; in their original order."""
    units: list[list[Case]] = []
    for case in cases:
        if case.conversation is not None and case.turn > 0 and units and units[-1][0].conversation == case.conversation:
            units[-1].append(case)
        else:
            units.append([case])
    strata: dict[str, list[list[Case]]] = {}
    for unit in units:
        strata.setdefault("conversation" if unit[0].conversation else unit[0].type, []).append(unit)
    rng = random.Random(seed)
    keep: set[str] = set()
    for name in sorted(strata):
        group = strata[name]
        quota = max(1, round(n * sum(len(u) for u in group) / len(cases)))
        rng.shuffle(group)
        taken = 0
        for unit in group:
            if taken >= quota:
                break
            keep.update(c.id for c in unit)
            taken += len(unit)
    return [c for c in cases if c.id in keep]


def _corpus_folder(corpus: Path | None, xquad_folder: Path | None, workdir: Path) -> Path:
    """The folder to index. XQuAD passages are written to ``workdir``; a ``--corpus`` given
    as well is linked beside them as distractor documents."""
    if xquad_folder is None:
        folder = corpus or DEFAULT_CORPUS
        if not folder.exists():
            raise EvalError(f"corpus folder {folder} does not exist; pass --corpus PATH")
        return folder
    target = workdir / "corpus"
    xquad.write_corpus(target, xquad_folder)
    if corpus is not None:
        files = [corpus] if corpus.is_file() else [p for p in corpus.rglob("*") if p.is_file()]
        for f in files:
            if f.suffix.lower() in {".md", ".txt", ".jsonl"} and f.name.lower() != "readme.md":
                (target / f.name).symlink_to(f.resolve())
    return target


def _check_seed_corpus(cases: Sequence[Case], corpus: Path) -> list[str]:
    from assistant.corpus import load_corpus

    docs = {d.doc_id: d.text for d in load_corpus(corpus).documents}
    return check_against_corpus([c for c in cases if c.type != "xquad"], docs)


def eval_command(
    dataset: Annotated[list[Path], typer.Option(
        "--dataset", "-d",
        help="A JSONL dataset, or an XQuAD folder ('xquad' = ../shared/data/xquad-vi-dev). Repeatable.")],
    corpus: Annotated[Path | None, typer.Option(
        help="Folder of articles to index (default: corpus/). With XQuAD: extra distractor documents.")] = None,
    engine: Annotated[str, typer.Option(
        help="Answer engine (a Settings.llm value: " + ", ".join(engine_choices() or ("extractive",)) + ").")] = "extractive",
    retriever: Annotated[str, typer.Option(help="hybrid, dense or bm25.")] = "hybrid",
    baselines: Annotated[bool, typer.Option(
        "--baselines/--no-baselines", help="Also run BM25-only and dense-only retrieval on the same questions.")] = False,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: reports/eval-<time>).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N cases.")] = None,
    sample: Annotated[int | None, typer.Option(
        min=1, help="About N cases at random (seed 0), in proportion from each question type and "
        "from the conversations (kept whole).")] = None,
    store: Annotated[Path | None, typer.Option(
        help="Chroma folder to index into (collection 'hoitin-eval'); default: a temporary folder.")] = None,
    retrieval_only: Annotated[bool, typer.Option(
        "--retrieval-only", help="Score retrieval only; do not call the answer engine.")] = False,
    allow_fallback: Annotated[bool, typer.Option(
        "--allow-fallback", help="Score a fallback engine when the one asked for is unavailable.")] = False,
    top_k: Annotated[int | None, typer.Option("--top-k", "-k", min=1, help="Passages given to the engine.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    """Run the eval suite: retrieval, answer, citation and refusal metrics, with baselines.

    Writes metrics.json, results.jsonl, report.md, metrics.png and latency.png to --out.

    Examples:

      assistant eval -d evals/datasets/seeds.jsonl --baselines --out reports/seeds

      assistant eval -d xquad --baselines --out reports/xquad
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if verbose:  # `assistant` set logging up at WARNING; lower it on the logger and handlers
        root = logging.getLogger()
        root.setLevel(logging.INFO)
        for handler in root.handlers:
            handler.setLevel(logging.INFO)
    try:
        configs = configurations(engine, retriever, baselines=baselines, answer=not retrieval_only)
        cases, xquad_folder, files = _resolve_datasets(dataset, limit, sample)
        out = out or Path("reports") / f"eval-{datetime.now():%Y%m%d-%H%M%S}"
        with tempfile.TemporaryDirectory(prefix="hoitin-eval-") as tmp:
            folder = _corpus_folder(corpus, xquad_folder, Path(tmp))
            if xquad_folder is None:
                for problem in _check_seed_corpus(cases, folder)[:20]:
                    console.print(f"[yellow]dataset warning:[/] {problem}")
            overrides: dict[str, Any] = {}
            if top_k is not None:
                overrides["top_k"] = top_k
            console.print(f"Evaluating {len(cases)} cases x {len(configs)} configurations "
                          f"({', '.join(c.name for c in configs)}) on {folder}")
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console, transient=False) as progress:
                tasks = {c.name: progress.add_task(c.name, total=len(cases)) for c in configs}

                def advance(name: str, done: int, total: int) -> None:
                    progress.update(tasks[name], completed=done, total=total)

                run = run_eval(cases, corpus=folder, configs=configs, store=store, settings_overrides=overrides,
                               progress=advance, allow_fallback=allow_fallback, datasets=files)
            if limit is not None:
                run.meta["limit"] = limit
            if sample is not None:
                run.meta["sample"] = {"n": sample, "seed": 0, "ids": [c.id for c in cases]}
            if xquad_folder is not None:
                run.meta["corpus"] = f"{xquad_folder}/passages.jsonl" + (f" + {corpus}" if corpus else "")
            summary = write_report(run, out)
    except (DatasetError, EvalError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    except Exception as exc:
        from assistant.errors import AssistantError

        if isinstance(exc, AssistantError):
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from None
        raise
    typer.echo(headline_table(summary))
    console.print(f"Report: {out / 'report.md'}")


def compare_command(
    reports: Annotated[list[Path], typer.Argument(help="Folders written by `assistant eval --out`.")],
    out: Annotated[Path | None, typer.Option(help="Also write the table to this markdown file.")] = None,
) -> None:
    """One table over several eval reports (e.g. one per engine).

    Example: assistant eval-compare reports/extractive reports/local-0.5b --out reports/engines.md
    """
    from evals.compare import compare_table, load_rows

    try:
        table = compare_table(load_rows(reports))
    except (FileNotFoundError, KeyError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(table + "\n", encoding="utf-8")
    typer.echo(table)


def register(app: typer.Typer, name: str = "eval") -> None:
    """Add the ``eval`` and ``eval-compare`` commands to ``app`` (the ``assistant`` CLI)."""
    app.command(name, no_args_is_help=True)(eval_command)
    app.command(f"{name}-compare", no_args_is_help=True)(compare_command)


app = typer.Typer(add_completion=False, help="hoitin eval suite")
app.command(no_args_is_help=True)(eval_command)  # `python -m evals` is `assistant eval`


def main() -> None:  # pragma: no cover - thin wrapper
    app()
