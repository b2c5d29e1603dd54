"""Re-check recorded answers with the current citation checker: no model is called.

    python -m evals.recheck reports/engines/local-1.5b/results.jsonl

Each answerable or unanswerable case's raw answer (``raw_answer`` in ``results.jsonl``) is
checked again against the passages retrieved for its standalone question, and scored as the
eval scores it. Cases the evidence gate refused stay refused (the gate ran before the model).
This measures a change to :mod:`assistant.citations` on real model output in seconds,
instead of the model's minutes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals import metrics
from evals.runner import base_settings

__all__ = ["recheck"]


def recheck(results: Path, corpus: Path = Path("corpus")) -> dict[str, Any]:
    """``{"before": {...}, "after": {...}, "changed": [...]}`` for one ``results.jsonl``."""
    from assistant import Assistant
    from assistant.citations import check_answer

    rows = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]
    if rows and "raw_answer" not in rows[0]:
        raise ValueError(f"{results} has no raw answers: it was written by an older eval")
    before = {"correct": 0, "right_cited": 0, "false_refusals": 0, "refused_unanswerable": 0}
    after = dict(before)
    changed = []
    with tempfile.TemporaryDirectory(prefix="hoitin-recheck-") as tmp, \
            Assistant.from_settings(base_settings(corpus, Path(tmp), llm="extractive")) as bot:
        bot.ingest()
        for r in rows:
            raw = r.get("raw_answer") or ""
            if r.get("refusal_by") == "gate" or not raw.strip():
                refused, text, citations = True, "", []
            else:
                checked = check_answer(raw, bot.retrieve(r["standalone_question"]), language=r["lang"])
                refused = not (checked.supported and checked.citations)
                text, citations = ("", []) if refused else (checked.text, checked.citations)
            if r["unanswerable"]:
                before["refused_unanswerable"] += bool(r["refused"])
                after["refused_unanswerable"] += refused
                continue
            correct = metrics.answer_correct(text, r["answers"])
            cited = bool(correct and metrics.citation_correct(citations, r["answers"], r["sources"]))
            before["correct"] += bool(r["correct"])
            before["right_cited"] += bool(r["correct"] and r["citation_correct"])
            before["false_refusals"] += bool(r["refused"])
            after["correct"] += correct
            after["right_cited"] += cited
            after["false_refusals"] += refused
            if correct != bool(r["correct"]):
                changed.append({"case_id": r["case_id"], "now_correct": correct, "answer": text or raw})
    answerable = sum(1 for r in rows if not r["unanswerable"])
    unanswerable = len(rows) - answerable

    def rates(counts: dict[str, int]) -> dict[str, float | None]:
        return {
            "accuracy": counts["correct"] / answerable if answerable else None,
            "right_cited": counts["right_cited"] / answerable if answerable else None,
            "false_refusal_rate": counts["false_refusals"] / answerable if answerable else None,
            "refusal_recall": counts["refused_unanswerable"] / unanswerable if unanswerable else None,
        }

    return {"cases": len(rows), "before": rates(before), "after": rates(after), "changed": changed}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.recheck", description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, nargs="+", help="results.jsonl files from `assistant eval`")
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    args = parser.parse_args(argv)
    for path in args.results:
        try:
            out = recheck(path, args.corpus)
        except (OSError, ValueError, KeyError) as exc:
            sys.stderr.write(f"error: {path}: {exc}\n")
            return 2
        sys.stdout.write(json.dumps({"results": str(path), **out}, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
