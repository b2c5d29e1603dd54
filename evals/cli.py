"""``assistant eval``: run the eval suite from the command line.

Register it on the main typer app with ``register(app)`` (adds the ``eval`` and
``eval-compare`` commands), or run ``python -m evals ...`` directly. Examples::

    assistant eval --heldout --store reports/store --out reports/heldout   # the held-out table
    assistant eval --heldout --split report --engine local --out reports/local-report
    assistant eval --dataset evals/datasets/seeds.jsonl --baselines --out reports/seeds
    assistant eval --dataset evals/datasets/seeds.jsonl --dataset evals/datasets/conversations.jsonl
    assistant eval --dataset xquad --baselines --out reports/xquad          # ../shared/data/xquad-vi-dev
    assistant eval -d xquad-en --unanswerable removal --distractors 40      # English questions
    assistant eval --dataset xquad --retrieval-only --limit 100
    assistant eval --dataset evals/datasets/seeds.jsonl --engine local --out reports/local
    assistant eval-compare reports/extractive reports/local --out reports/engines.md
"""

from __future__ import annotations

import logging
import random
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.text import unmarked
from evals.dataset import Case, DatasetError
from evals.heldout import HELDOUT_DISTRACTORS, HeldoutSpec, assemble, select_split
from evals.report import headline_table, heldout_table, write_report
from evals.runner import EvalError, configurations, engine_choices, run_eval

if TYPE_CHECKING:
    from assistant.index import IngestProgress

log = logging.getLogger(__name__)


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


def _select(cases: list[Case], split: str, sample: int | None, limit: int | None) -> list[Case]:
    """The part asked for, then ``--sample``, then ``--limit``."""
    cases = select_split(cases, split)  # type: ignore[arg-type]
    if not cases:
        raise DatasetError(f"no cases in the {split!r} part of the datasets given")
    if sample is not None and sample < len(cases):
        cases = _sample(cases, sample)
    if limit is not None:
        cases = _limit(cases, limit)
    return cases


def _spec(dataset: Sequence[Path], heldout: bool, corpus: Path | None, distractors: int | None,
          unanswerable: str | None) -> HeldoutSpec:
    if unanswerable is not None and unanswerable not in ("none", "removal"):
        raise DatasetError(f"unknown --unanswerable {unanswerable!r}; choose none or removal")
    if not dataset and not heldout:
        raise DatasetError("give --dataset (xquad, xquad-en, a JSONL file; repeatable) or --heldout")
    if heldout:
        preset = HeldoutSpec.preset(corpus=corpus)
        return HeldoutSpec(
            datasets=tuple(dataset) or preset.datasets, corpus=corpus,
            distractors=preset.distractors if distractors is None else distractors,
            unanswerable=unanswerable or preset.unanswerable,  # type: ignore[arg-type]
        )
    return HeldoutSpec(datasets=tuple(dataset), corpus=corpus, distractors=distractors or 0,
                       unanswerable=unanswerable or "none")  # type: ignore[arg-type]


def _cached_factory(path: Path | None) -> Any:
    """A bot factory whose embedder keeps its vectors in ``path`` (None: the default factory)."""
    if path is None:
        return None
    from assistant import Assistant
    from evals.embedcache import cached_e5

    embeddings = cached_e5(path)
    return lambda settings: Assistant.from_settings(settings, embeddings=embeddings)


def eval_command(
    dataset: Annotated[list[Path] | None, typer.Option(
        "--dataset", "-d",
        help="'xquad' (../shared/data/xquad-vi-dev), 'xquad-en' (../shared/data/xquad-en-vi-dev), "
        "an XQuAD folder, or a JSONL dataset. Repeatable.")] = None,
    heldout: Annotated[bool, typer.Option(
        "--heldout", help=f"The held-out protocol: xquad, xquad-en, the seeds and the conversations "
        f"(unless --dataset is given), --unanswerable removal, --distractors {HELDOUT_DISTRACTORS} "
        "(unless given), with the floor.")] = False,
    split: Annotated[str, typer.Option(
        help="Which part of the development split to run: tune, report or all (evals/splits.py).")] = "all",
    distractors: Annotated[int | None, typer.Option(
        min=0, help="Index the first N viwiki articles (seeded order) as distractors (default 0).")] = None,
    unanswerable: Annotated[str | None, typer.Option(
        help="'removal': leave a quarter of the XQuAD passages out; their questions become "
        "unanswerable cases when the answer occurs nowhere else (default none).")] = None,
    floor: Annotated[bool, typer.Option(
        "--floor/--no-floor", help="Also measure the plain floor: RRF(k=60) of bm25s on \\w+ tokens "
        "and the dense search, on the same chunks.")] = True,
    corpus: Annotated[Path | None, typer.Option(
        help="Folder of articles to index (default: corpus/ with a project dataset). With XQuAD: extra "
        "documents.")] = None,
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
        help="Chroma folder to index into (collection 'hoitin-eval'), kept between runs: a second run "
        "over the same corpus embeds nothing; default: a temporary folder.")] = None,
    retrieval_only: Annotated[bool, typer.Option(
        "--retrieval-only", help="Score retrieval only; do not call the answer engine.")] = False,
    allow_fallback: Annotated[bool, typer.Option(
        "--allow-fallback", help="Score a fallback engine when the one asked for is unavailable.")] = False,
    top_k: Annotated[int | None, typer.Option("--top-k", "-k", min=1, help="Passages given to the engine.")] = None,
    embed_cache: Annotated[Path | None, typer.Option(
        "--embed-cache", help="SQLite file keeping every vector of the in-process embedder between runs "
        "(evals/embedcache.py; development runs over large corpora).")] = None,
    strip_marks: Annotated[bool, typer.Option(
        "--strip-marks", help="Ask the Vietnamese questions without their diacritics, as many people "
        "type them ('Ai dẫn đầu …' -> 'Ai dan dau …'; answers and passages unchanged).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    """Run the eval suite: retrieval, answer, citation and refusal metrics, with baselines.

    Writes metrics.json, results.jsonl, report.md, metrics.png, latency.png (and refusal.png
    when answers carry an answerability score) to --out.

    Examples:

      assistant eval --heldout --split report --store reports/store --out reports/heldout

      assistant eval -d evals/datasets/seeds.jsonl --baselines --out reports/seeds

      assistant eval -d xquad -d xquad-en --unanswerable removal --distractors 40 --out reports/xquad
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
        if split not in ("tune", "report", "all"):
            raise DatasetError(f"unknown --split {split!r}; choose tune, report or all")
        spec = _spec(dataset or [], heldout, corpus, distractors, unanswerable)
        configs = configurations(engine, retriever, baselines=baselines, answer=not retrieval_only, floor=floor)
        out = out or Path("reports") / f"eval-{datetime.now():%Y%m%d-%H%M%S}"
        with tempfile.TemporaryDirectory(prefix="hoitin-eval-") as tmp:
            held = assemble(spec, Path(tmp))
            for problem in held.problems[:20]:
                console.print(f"[yellow]dataset warning:[/] {problem}")
            if held.dropped:
                console.print(f"{len(held.dropped)} removed-passage questions dropped: their answer occurs "
                              "elsewhere in the corpus (listed in metrics.json)")
            cases = _select(held.cases, split, sample, limit)
            if strip_marks:
                cases = [replace(c, question=unmarked(c.question)) if c.lang == "vi" else c for c in cases]
            overrides: dict[str, Any] = {}
            if top_k is not None:
                overrides["top_k"] = top_k
            console.print(f"Evaluating {len(cases)} cases ({split}) x {len(configs)} configurations "
                          f"({', '.join(c.name for c in configs)}) on {held.documents} documents")
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console, transient=False) as progress:
                tasks = {c.name: progress.add_task(c.name, total=len(cases)) for c in configs}
                ingest_task = progress.add_task("ingest (new chunks embedded)", total=None)

                def advance(name: str, done: int, total: int) -> None:
                    progress.update(tasks[name], completed=done, total=total)

                def ingesting(p: IngestProgress) -> None:
                    progress.update(ingest_task, completed=p.files_done, total=p.files_total or None)

                run = run_eval(cases, corpus=held.corpus, configs=configs, store=store, settings_overrides=overrides,
                               progress=advance, allow_fallback=allow_fallback, datasets=held.files,
                               ingest_progress=ingesting, bot_factory=_cached_factory(embed_cache))
            if limit is not None:
                run.meta["limit"] = limit
            if sample is not None:
                run.meta["sample"] = {"n": sample, "seed": 0, "ids": [c.id for c in cases]}
            run.meta["split"] = split
            run.meta["strip_marks"] = strip_marks
            run.meta["heldout"] = held.describe()
            run.meta["corpus"] = ", ".join(f"{k}: {v} documents" for k, v in held.sources.items())
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
    table = heldout_table(summary)
    if table:
        typer.echo("")
        typer.echo(table)
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
