"""Replay an eval's recorded model answers through today's pipeline; no model is called.

    python -m evals.recheck reports/engines/local-1.5b --out reports/engines/local-1.5b-rechecked

Every case of the report is asked again through the real :class:`assistant.Assistant` —
retrieval, evidence gate, citation check — and scored and reported by the eval's own runner,
with an answer engine that replays what the model wrote then (its structured claims and the
numbered sentences they cite, when the eval recorded them — else its raw answer, whose
``[n]`` then cite passages — its "found nothing", and its rewrite of each follow-up). A
change to the gate, the judge or :mod:`assistant.citations` is so measured on real model
output in a minute instead of the model's half hour. Cases the model was never asked (the
gate refused them then) have nothing to replay and stay refused; a recorded sentence that no
passage of today's retrieval holds is dropped, so claims citing it fail the check.
Latencies in the replayed report are the pipeline's alone, without the model.

A held-out run (``assistant eval --heldout`` or ``-d xquad …``) is replayed over the same
assembled corpus (XQuAD passages with the same ones removed, the same distractors), indexed
into ``--store`` (default: the run's own store) with ``--embed-cache`` as the eval uses it:

    python -m evals.recheck reports/xq-local --store /tmp/hoitin-rep \\
        --embed-cache /tmp/hoitin-dev/embeddings.sqlite --out reports/xq-local-rechecked
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from evals.compare import compare_table, load_rows
from evals.dataset import Case
from evals.report import write_report
from evals.runner import EvalConfig, EvalError, EvalRun, run_eval

__all__ = ["ReplayEngine", "recheck"]


class ReplayEngine:
    """An answer engine that writes, for the case at hand, what a model wrote before; also
    the condenser, replaying the model's rewrite of each follow-up."""

    def __init__(self, name: str, model: str):
        self.name = name
        self.model_name = model
        self.row: dict[str, Any] = {}

    def condense(self, question: str, history: list) -> str:
        return self.row.get("standalone_question") or question

    def stream(self, request: Any, result: Any) -> Iterator[str]:
        from assistant.types import Claim, EvidenceSentence

        result.engine, result.model = self.name, self.model_name
        result.prompt_name, result.prompt_hash = self.row.get("prompt_name", ""), self.row.get("prompt_hash", "")
        raw = self.row.get("model_text") or self.row.get("raw_answer") or ""
        if self.row.get("model_found") is False:  # the model said the evidence holds no answer
            result.refused = True
            return
        if self.row.get("model_claims"):  # a structured answer: its claims cite numbered sentences
            result.claims = [Claim(c["text"], sentences=list(c.get("sentences", [])),
                                   passages=list(c.get("passages", []))) for c in self.row["model_claims"]]
            # each sentence it read, in whichever of today's passages holds it (none: dropped)
            for e in self.row.get("model_evidence", []):
                held = next((n for n, p in enumerate(request.passages, 1) if e["text"] in p.text), None)
                if held is not None:
                    result.evidence.append(EvidenceSentence(e["number"], held, e["text"]))
        if not raw.strip():
            result.refused = True
            return
        yield raw


class _ReplayBot:
    """The assistant, with the replay engine set to each case's row as the runner asks it."""

    def __init__(self, bot: Any, engine: ReplayEngine, rows: list[dict[str, Any]]):
        self.bot, self.engine, self.rows = bot, engine, iter(rows)

    def ask(self, question: str, history: list[Any] | None = None) -> Any:
        row = next(self.rows)
        if row["question"] != question:
            raise EvalError(f"replay out of step: asked {question!r}, recorded {row['question']!r}")
        self.engine.row = row
        return self.bot.ask(question, history)

    def __getattr__(self, name: str) -> Any:  # ingest, retrieve, describe, close
        return getattr(self.bot, name)


def _case(row: dict[str, Any]) -> Case:
    return Case(id=row["case_id"], question=row["question"], answers=row["answers"], sources=row["sources"],
                type=row["type"], lang=row["lang"], conversation=row["conversation"], turn=row["turn"])


def recheck(report: Path, corpus: Path = Path("corpus"), *, store: Path | None = None,
            embed_cache: Path | None = None) -> EvalRun:
    """Replay the report at ``report`` (a folder written by ``assistant eval --out``); a
    held-out run over its assembled corpus in ``store`` (default: the run's own)."""
    from assistant import Assistant
    from evals.embedcache import cached_e5
    from evals.heldout import HeldoutSpec, assemble

    rows = [json.loads(line) for line in (report / "results.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    if not rows:
        raise EvalError(f"{report}/results.jsonl holds no results")
    if "raw_answer" not in rows[0]:
        raise EvalError(f"{report} has no raw answers: it was written by an older eval")
    configs = list(dict.fromkeys(row["config"] for row in rows))
    if len(configs) != 1:
        raise EvalError(f"{report} holds several configurations ({', '.join(configs)}); replay one")
    engine_name, retriever = configs[0].split("/")
    model = next((row["model"] for row in rows if row.get("model")), engine_name)

    embeddings = cached_e5(embed_cache) if embed_cache else None

    def factory(settings: Any) -> _ReplayBot:
        bot = Assistant.from_settings(settings.model_copy(update={"llm": "extractive"}), embeddings=embeddings)
        engine = ReplayEngine(engine_name, model)
        bot.engine = bot.condenser = engine
        return _ReplayBot(bot, engine, rows)

    configs = [EvalConfig(engine_name, retriever)]
    meta = json.loads((report / "metrics.json").read_text(encoding="utf-8")).get("meta", {}) \
        if (report / "metrics.json").exists() else {}
    held_out = meta.get("heldout")
    if not held_out:
        return run_eval([_case(row) for row in rows], corpus=corpus, configs=configs, store=store,
                        bot_factory=factory)
    spec = HeldoutSpec.from_description(held_out)
    with tempfile.TemporaryDirectory(prefix="hoitin-recheck-") as tmp:
        held = assemble(spec, Path(tmp))
        by_id = {c.id: c for c in held.cases}
        missing = [row["case_id"] for row in rows if row["case_id"] not in by_id]
        if missing:
            raise EvalError(f"{len(missing)} recorded cases are not in today's held-out set (e.g. {missing[0]})")
        target = store or (Path(meta["store"]) if meta.get("store") else None)
        return run_eval([by_id[row["case_id"]] for row in rows], corpus=held.corpus, configs=configs,
                        store=target, bot_factory=factory, datasets=held.files)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.recheck", description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="a folder written by `assistant eval --out`")
    parser.add_argument("--out", type=Path, required=True, help="folder for the replayed report")
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--store", type=Path, help="Chroma folder to index into (a held-out run: default its own)")
    parser.add_argument("--embed-cache", type=Path, help="SQLite file of the in-process embedder's vectors")
    args = parser.parse_args(argv)
    try:
        write_report(recheck(args.report, args.corpus, store=args.store, embed_cache=args.embed_cache), args.out)
        table = compare_table(load_rows([args.report, args.out]))
    except (OSError, EvalError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    sys.stdout.write(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
