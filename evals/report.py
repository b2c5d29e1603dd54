"""Turn an :class:`~evals.runner.EvalRun` into metrics and files.

``write_report(run, out)`` writes ``metrics.json`` (every metric, per configuration,
overall and by ``type``, ``lang``, ``dataset``, ``part`` and dataset/lang/part ``slice``),
``results.jsonl`` (one line per configuration and case), ``report.md`` (headline table, the
held-out table — the project beside the plain floor, per dataset, language and part — the
breakdowns, latency, failures, and what produced the numbers: settings, models, prompt
hashes, project version, date) and PNG plots (``metrics.png``: metric bars per
configuration; ``latency.png``: latency distribution; ``refusal.png``: the refusal
precision/recall curve of the answerability score, when the answers carry one).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evals import metrics
from evals.floor import FLOOR
from evals.runner import CaseResult, EvalRun

log = logging.getLogger(__name__)

LATENCY_STAGES = ("total", "retrieve", "condense", "generate", "verify", "first_token", "quick", "model")


def summarize_results(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Every metric over one set of case results (one configuration, or a slice of one)."""
    answerable = [r for r in results if not r.unanswerable]
    with_sources = [r for r in answerable if r.sources]
    with_evidence = [r for r in with_sources if r.has_evidence]
    answered = [r for r in results if r.answered or (r.error and r.correct is not None)]
    answered_answerable = [r for r in answered if not r.unanswerable]
    out: dict[str, Any] = {
        "n": len(results),
        "n_answerable": len(answerable),
        "n_unanswerable": len(results) - len(answerable),
        "errors": sum(1 for r in results if r.error),
        "n_retrieval": len(with_sources),
    }
    for k in (1, 5, 10):
        out[f"recall@{k}"] = metrics.mean(metrics.recall_at(r.doc_rank, k) for r in with_sources)
    out["mrr"] = metrics.mean(metrics.reciprocal_rank(r.doc_rank) for r in with_sources)
    out["n_passage"] = len(with_evidence)
    for k in (1, 5, 10):
        out[f"passage_recall@{k}"] = metrics.mean(metrics.recall_at(r.passage_rank, k) for r in with_evidence)
    out["passage_mrr"] = metrics.mean(metrics.reciprocal_rank(r.passage_rank) for r in with_evidence)

    out["n_answered"] = len(answered)
    if answered:
        correct = [r for r in answered_answerable if r.correct]
        out["accuracy"] = len(correct) / len(answered_answerable) if answered_answerable else None
        out["correct_with_citation"] = (
            sum(1 for r in correct if r.citation_correct) / len(answered_answerable) if answered_answerable else None
        )
        out["short_accuracy"] = (  # the short answer alone, without the quote after it
            sum(1 for r in answered_answerable if r.short_correct) / len(answered_answerable) if answered_answerable else None
        )
        out["citation_correct"] = sum(1 for r in correct if r.citation_correct) / len(correct) if correct else None
        total_citations = sum(len(r.citations) for r in answered)
        out["citations_total"] = total_citations
        out["citation_valid"] = (
            sum(r.citations_valid for r in answered) / total_citations if total_citations else None
        )
        out["groups_matched"] = metrics.mean(
            r.groups_matched / len(r.answers) for r in answered_answerable if r.answers
        )
        squad = [r for r in answered_answerable if r.f1 is not None]
        out["n_squad"] = len(squad)
        out["exact_match"] = metrics.mean(r.exact_match for r in squad)
        out["f1"] = metrics.mean(r.f1 for r in squad)
        out.update(metrics.refusal_stats((r.unanswerable, bool(r.refused)) for r in answered))
        # refusal recall per kind of unanswerable case (removed passage, the seeds' own...)
        kinds: dict[str, dict[str, Any]] = {}
        for r in answered:
            if r.unanswerable:
                k = kinds.setdefault(r.type, {"n": 0, "refused": 0})
                k["n"] += 1
                k["refused"] += int(bool(r.refused))
        for k in kinds.values():
            k["recall"] = k["refused"] / k["n"]
        out["refusal_by_type"] = kinds
        # the concise answer: words before the quote, over the answers given (not refusals)
        given = [r for r in answered if not r.refused and r.answer_words is not None]
        out["n_given"] = len(given)
        out["median_answer_words"] = metrics.median(r.answer_words for r in given)
        out["mean_answer_words"] = metrics.mean(r.answer_words for r in given)
        out["fallback_answers"] = sum(1 for r in answered if r.notice)
        # who refused the answerable questions: the evidence gate, the engine, or the check
        out["false_refusals_by"] = {
            by: sum(1 for r in answered_answerable if r.refused and r.refusal_by == by)
            for by in ("gate", "engine", "check")
        }
        out["true_refusals_by"] = {
            by: sum(1 for r in answered if r.unanswerable and r.refused and r.refusal_by == by)
            for by in ("gate", "engine", "check")
        }
        out.update(_score_summary(answered))
        prompt = [r.usage.get("prompt_tokens", r.usage.get("input_tokens", 0)) for r in answered if r.usage]
        completion = [r.usage.get("completion_tokens", r.usage.get("output_tokens", 0)) for r in answered if r.usage]
        out["tokens"] = {
            "answers_with_usage": len(prompt),
            "prompt_total": sum(prompt),
            "completion_total": sum(completion),
            "prompt_mean": metrics.mean(prompt),
            "completion_mean": metrics.mean(completion),
        }
        out["two_phase"] = two_phase(answered)
    latency: dict[str, Any] = {
        "retrieval_call": metrics.latency_summary([r.retrieve_seconds for r in results if r.retrieve_seconds is not None])
    }
    for stage in LATENCY_STAGES:
        values = [r.timings[stage] for r in answered if stage in r.timings]
        if values:
            latency[stage] = metrics.latency_summary(values)
    out["latency"] = latency
    return out


def two_phase(answered: Sequence[CaseResult]) -> dict[str, Any] | None:
    """The quick answer against the final one, what became of the model's answers, and how
    close the model's answers came to the speed bound.

    Rates are measured in the same run, from what the model's server measured for these very
    answers (the local llama.cpp server's log; a server's ``timings``; else the client):
    prefill = evaluated prompt tokens / prompt seconds, decode = completion tokens /
    generation seconds, summed over the run. An answer's bound is what the hardware needs at
    those rates: ``prompt tokens / prefill + completion tokens / decode``; its ratio is the
    time from the question to the final answer (retrieval, the quick answer, the model call,
    the checks) over that bound. ``bound_ratio`` counts the whole prompt (the formula of the
    issue: a prompt prefix the server kept in its KV cache is paid less than the bound
    assumes); ``uncached_bound_ratio`` counts only the prompt tokens the server evaluated."""
    asked = [r for r in answered if r.model_used is not None]
    if not asked:
        return None
    answerable = [r for r in answered if not r.unanswerable and r.quick_correct is not None]
    out: dict[str, Any] = {
        "model_asked": len(asked),
        "model_used": sum(1 for r in asked if r.model_used),
        "model_found_nothing": sum(1 for r in asked if r.model_found is False),
        "quick_accuracy": (sum(1 for r in answerable if r.quick_correct) / len(answerable)) if answerable else None,
        "final_accuracy": (sum(1 for r in answerable if r.correct) / len(answerable)) if answerable else None,
        "quick_short_accuracy": (sum(1 for r in answerable if r.quick_short_correct) / len(answerable))
        if answerable else None,
        "model_wrong_over_quick_right": sum(1 for r in answerable if r.quick_correct and not r.correct),
        "model_right_over_quick_wrong": sum(1 for r in answerable if r.correct and not r.quick_correct),
    }
    reasons: dict[str, int] = {}
    for r in asked:
        if not r.model_used and r.model_reason:
            key = r.model_reason.split(":")[0][:80]
            reasons[key] = reasons.get(key, 0) + 1
    out["not_used_because"] = dict(sorted(reasons.items(), key=lambda kv: -kv[1]))
    timed = [r for r in asked if r.model_timing.get("prefill_seconds") and r.model_timing.get("decode_seconds")
             and r.model_timing.get("prompt_tokens") and "total" in r.timings]
    if timed:
        evaluated = sum(t["prompt_tokens"] - t.get("cached_tokens", 0) for t in (r.model_timing for r in timed))
        prefill_s = sum(r.model_timing["prefill_seconds"] for r in timed)
        decoded = sum(r.model_timing["completion_tokens"] for r in timed)
        decode_s = sum(r.model_timing["decode_seconds"] for r in timed)
        prefill_rate = evaluated / prefill_s if prefill_s else None
        decode_rate = decoded / decode_s if decode_s else None
        full, uncached = [], []
        if prefill_rate and decode_rate:
            for r in timed:
                t = r.model_timing
                write = t["completion_tokens"] / decode_rate
                full.append(r.timings["total"] / (t["prompt_tokens"] / prefill_rate + write))
                uncached.append(r.timings["total"] / ((t["prompt_tokens"] - t.get("cached_tokens", 0)) / prefill_rate + write))
        out["speed"] = {
            "answers_timed": len(timed),
            "sources": sorted({r.model_timing.get("source", "") for r in timed}),
            "threads": sorted({t for r in timed if (t := r.model_timing.get("threads"))}),
            "prefill_tokens_per_s": prefill_rate,
            "decode_tokens_per_s": decode_rate,
            "prompt_tokens_mean": metrics.mean(r.model_timing["prompt_tokens"] for r in timed),
            "cached_tokens_mean": metrics.mean(r.model_timing.get("cached_tokens", 0) for r in timed),
            "completion_tokens_mean": metrics.mean(r.model_timing["completion_tokens"] for r in timed),
            "bound_ratio": metrics.latency_summary(full),
            "uncached_bound_ratio": metrics.latency_summary(uncached),
        }
    return out


def _score_summary(answered: Sequence[CaseResult]) -> dict[str, Any]:
    """The answerability score's refusal curve and the operating points, when scored."""
    scored = [r for r in answered if r.evidence_score is not None and not r.error]
    out: dict[str, Any] = {"n_scored": len(scored)}
    if not scored:
        return out
    curve = metrics.refusal_curve((r.unanswerable, float(r.evidence_score)) for r in scored)  # type: ignore[arg-type]
    out["refusal_curve"] = curve
    out["refusal_average_precision"] = metrics.average_precision(curve)
    gate = [r for r in scored if r.evidence_sufficient is not None]
    if gate:
        stats = metrics.refusal_stats((r.unanswerable, not r.evidence_sufficient) for r in gate)
        out["gate_refusal_precision"] = stats["refusal_precision"]
        out["gate_refusal_recall"] = stats["refusal_recall"]
    return out


def slice_label(r: CaseResult) -> str:
    """``dataset/lang/part`` — the rows of the held-out table."""
    return f"{r.dataset or '-'}/{r.lang}/{r.part or '-'}"


def _breakdown(results: Sequence[CaseResult], key: Callable[[CaseResult], str]) -> dict[str, Any]:
    groups: dict[str, list[CaseResult]] = {}
    for r in results:
        groups.setdefault(key(r), []).append(r)
    return {label: summarize_results(rs) for label, rs in sorted(groups.items())}


def summarize(run: EvalRun) -> dict[str, Any]:
    """``{"meta": ..., "configs": {name: {"overall", "by_type", "by_lang", "by_dataset",
    "by_part", "by_slice"}}}``."""
    configs: dict[str, Any] = {}
    for config in run.configs:
        results = run.for_config(config.name)
        configs[config.name] = {
            "engine": config.engine,
            "retriever": config.retriever,
            "answer": config.answer,
            "baseline": config.baseline,
            "overall": summarize_results(results),
            "by_type": _breakdown(results, lambda r: r.type),
            "by_lang": _breakdown(results, lambda r: r.lang),
            "by_dataset": _breakdown(results, lambda r: r.dataset or "-"),
            "by_part": _breakdown(results, lambda r: r.part or "-"),
            "by_slice": _breakdown(results, slice_label),
        }
    return {"meta": run.meta, "configs": configs}


def primary_config(summary: dict[str, Any]) -> str | None:
    """The configuration the held-out table reports: the first that is not a baseline."""
    for name, data in summary["configs"].items():
        if not data.get("baseline") and name != FLOOR:
            return name
    return None


# --- formatting ----------------------------------------------------------------------------


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def fmt_latency(summary: dict[str, Any] | None, key: str) -> str:
    if not summary or summary.get(key) is None:
        return "–"
    return f"{summary[key]:.3f}"


HEADLINE_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("n", lambda m: fmt(m["n"])),
    ("R@1", lambda m: fmt(m.get("recall@1"))),
    ("R@5", lambda m: fmt(m.get("recall@5"))),
    ("R@10", lambda m: fmt(m.get("recall@10"))),
    ("MRR", lambda m: fmt(m.get("mrr"))),
    ("passage R@5", lambda m: fmt(m.get("passage_recall@5"))),
    ("accuracy", lambda m: fmt(m.get("accuracy"))),
    ("right + cited", lambda m: fmt(m.get("correct_with_citation"))),
    ("citations valid", lambda m: fmt(m.get("citation_valid"))),
    ("EM", lambda m: fmt(m.get("exact_match"))),
    ("F1", lambda m: fmt(m.get("f1"))),
    ("refusal P", lambda m: fmt(m.get("refusal_precision"))),
    ("refusal R", lambda m: fmt(m.get("refusal_recall"))),
    ("false refusals", lambda m: fmt(m.get("false_refusal_rate"))),
    ("p50 s", lambda m: fmt_latency(m["latency"].get("total") or m["latency"].get("retrieval_call"), "p50")),
    ("p95 s", lambda m: fmt_latency(m["latency"].get("total") or m["latency"].get("retrieval_call"), "p95")),
]


def headline_table(summary: dict[str, Any]) -> str:
    """Markdown table: one row per configuration."""
    cols = [name for name, _ in HEADLINE_COLUMNS]
    lines = ["| configuration | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, data in summary["configs"].items():
        label = f"{name}{' (baseline)' if data['baseline'] else ''}"
        m = data["overall"]
        lines.append(f"| {label} | " + " | ".join(fn(m) for _, fn in HEADLINE_COLUMNS) + " |")
    return "\n".join(lines)


def _ratio(kind: dict[str, Any] | None) -> str:
    if not kind or not kind.get("n"):
        return "–"
    return f"{kind['refused']}/{kind['n']}"


def _other_unanswerable(m: dict[str, Any]) -> dict[str, Any] | None:
    kinds = {k: v for k, v in (m.get("refusal_by_type") or {}).items() if k != "removed"}
    if not kinds:
        return None
    return {"n": sum(v["n"] for v in kinds.values()), "refused": sum(v["refused"] for v in kinds.values())}


def _part_order(label: str) -> tuple[int, str]:
    dataset, lang, part = label.split("/")
    return ({"report": 0, "tune": 1}.get(part, 2), f"{dataset}/{lang}")


def heldout_table(summary: dict[str, Any]) -> str:
    """The project's configuration beside the plain floor (retrieval), with the project's
    answer metrics, one row per dataset/language/part and per part; "" when the run has
    nothing to show."""
    name = primary_config(summary)
    if name is None:
        return ""
    project = summary["configs"][name]
    floor = summary["configs"].get(FLOOR)
    rows: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
    for label in sorted(project["by_slice"], key=_part_order):
        rows.append((label, project["by_slice"][label], (floor or {}).get("by_slice", {}).get(label)))
    for part in ("report", "tune"):
        if part in project["by_part"]:
            rows.append((f"all/all/{part}", project["by_part"][part], (floor or {}).get("by_part", {}).get(part)))
    vs = " / floor" if floor else ""
    head = (f"| dataset | lang | part | n (unanswerable) | R@1{vs} | R@5{vs} | MRR{vs} | accuracy | EM | F1 | "
            "false refusals | refused: removed | refused: other unanswerable | words (median) |")
    lines = [head, "|---" * 14 + "|"]

    def pair(m: dict[str, Any], f: dict[str, Any] | None, key: str) -> str:
        return fmt(m.get(key)) + (f" / {fmt(f.get(key))}" if f is not None else "")

    for label, m, f in rows:
        dataset, lang, part = label.split("/")
        kinds = m.get("refusal_by_type") or {}
        words = m.get("median_answer_words")
        lines.append(
            f"| {dataset} | {lang} | {part} | {m['n']} ({m['n_unanswerable']}) | {pair(m, f, 'recall@1')} | {pair(m, f, 'recall@5')} | "
            f"{pair(m, f, 'mrr')} | {fmt(m.get('accuracy'))} | {fmt(m.get('exact_match'))} | {fmt(m.get('f1'))} | "
            f"{fmt(m.get('false_refusal_rate'))} | {_ratio(kinds.get('removed'))} | "
            f"{_ratio(_other_unanswerable(m))} | {fmt(words, 1) if words is not None else '–'} |"
        )
    return "\n".join(lines)


def _breakdown_table(breakdown: dict[str, Any], title: str) -> str:
    lines = [f"| {title} | n | R@5 | MRR | accuracy | right + cited | refusal acc. |", "|---|---|---|---|---|---|---|"]
    for label, m in breakdown.items():
        lines.append(
            f"| {label} | {m['n']} | {fmt(m.get('recall@5'))} | {fmt(m.get('mrr'))} | {fmt(m.get('accuracy'))} | "
            f"{fmt(m.get('correct_with_citation'))} | {fmt(m.get('refusal_accuracy'))} |"
        )
    return "\n".join(lines)


def _latency_table(summary: dict[str, Any]) -> str:
    lines = ["| configuration | stage | n | p50 s | p95 s | mean s | max s |", "|---|---|---|---|---|---|---|"]
    for name, data in summary["configs"].items():
        for stage, s in data["overall"]["latency"].items():
            if s and s.get("n"):
                lines.append(f"| {name} | {stage} | {s['n']} | {fmt_latency(s, 'p50')} | {fmt_latency(s, 'p95')} | "
                             f"{fmt_latency(s, 'mean')} | {fmt_latency(s, 'max')} |")
    return "\n".join(lines)


def _two_phase_table(summary: dict[str, Any]) -> str:
    lines = []
    for name, data in summary["configs"].items():
        m = data["overall"]
        tp = m.get("two_phase")
        if not tp:
            continue
        speed = tp.get("speed") or {}
        latency = m.get("latency", {})
        lines.append(
            f"| {name} | {tp['model_asked']} | {tp['model_used']} | {tp['model_found_nothing']} | "
            f"{fmt(tp['quick_accuracy'])} | {fmt(tp['final_accuracy'])} | {tp['model_right_over_quick_wrong']}/"
            f"{tp['model_wrong_over_quick_right']} | {fmt_latency(latency.get('first_token'), 'p50')} | "
            f"{fmt_latency(latency.get('total'), 'p50')} | {fmt(speed.get('prefill_tokens_per_s'), 1)} | "
            f"{fmt(speed.get('decode_tokens_per_s'), 1)} | {fmt(speed.get('prompt_tokens_mean'), 0)} "
            f"({fmt(speed.get('cached_tokens_mean'), 0)} cached) | "
            f"{fmt_latency(speed.get('bound_ratio'), 'p50')} / {fmt_latency(speed.get('uncached_bound_ratio'), 'p50')} | "
            + "; ".join(f"{k}: {v}" for k, v in list(tp["not_used_because"].items())[:3]).replace("|", "/") + " |"
        )
    if not lines:
        return ""
    head = ["| configuration | model asked | used | found nothing | quick accuracy | final accuracy | "
            "model fixed/broke | first text p50 s | final p50 s | prefill tok/s | decode tok/s | "
            "prompt tokens | ratio to bound p50 | not used because |", "|---" * 14 + "|"]
    return "\n".join(head + lines)


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= n else text[: n - 1] + "…"


def _failures(run: EvalRun, config_name: str, limit: int = 40) -> str:
    rows = []
    for r in run.for_config(config_name):
        if r.error:
            why = f"error: {r.error}"
        elif r.unanswerable and r.refused is False:
            why = "answered an unanswerable question"
        elif not r.unanswerable and r.answered and not r.correct:
            why = "refused" if r.refused else f"{r.groups_matched}/{len(r.answers)} groups"
        elif not r.unanswerable and r.sources and (r.doc_rank is None or r.doc_rank > 5):
            why = f"source not in top 5 (rank {r.doc_rank or '>10'})"
        else:
            continue
        expected = " ; ".join("/".join(g) for g in r.answers) or "(refusal)"
        rows.append(f"| {r.case_id} | {_short(r.question, 90)} | {_short(expected, 60)} | "
                    f"{_short(r.answer)} | {r.doc_rank or '–'} | {why} |")
    if not rows:
        return "No failures."
    head = ["| id | question | expected | answer | doc rank | why |", "|---|---|---|---|---|---|"]
    more = f"\n\n…and {len(rows) - limit} more (see results.jsonl)." if len(rows) > limit else ""
    return "\n".join(head + rows[:limit]) + more


def render_markdown(run: EvalRun, summary: dict[str, Any]) -> str:
    meta = run.meta
    out = ["# Eval report", ""]
    out.append(f"- Date: {meta.get('date', '')} · project `hoitin` {meta.get('project_version', '')}"
               f" · commit `{meta.get('git_commit') or '?'}` · Python {meta.get('python', '')}")
    for d in meta.get("datasets", []):
        out.append(f"- Dataset: `{d['path']}` (sha256 `{d['sha256'][:12]}`)")
    out.append(f"- Cases: {meta.get('cases')} · corpus: `{meta.get('corpus')}` · store: {meta.get('store')}")
    ingest = meta.get("ingest", {})
    if ingest:
        out.append(f"- Ingest: {ingest.get('chunks_total', '?')} chunks from "
                   f"{ingest.get('added', 0) + ingest.get('unchanged', 0) + ingest.get('updated', 0)} documents"
                   f" in {ingest.get('seconds')} s")
    if meta.get("limit"):
        out.append(f"- Limited to the first {meta['limit']} cases (`--limit`).")
    out.append(f"- Run time: {meta.get('seconds')} s")
    heldout = meta.get("heldout")
    if heldout:
        out.append(f"- Corpus: {heldout['documents']} documents ("
                   + ", ".join(f"{k} {v}" for k, v in heldout.get("sources", {}).items()) + ")"
                   + f"; {heldout['distractors']} viwiki distractors; unanswerable: {heldout['unanswerable']}")
        if heldout["unanswerable"] == "removal":
            out.append(f"- Removed passages: {heldout['removed_passages']} → {heldout['removed_cases']} "
                       f"unanswerable cases (both parts); {heldout['dropped']} removed-passage questions dropped because "
                       "their answer occurs elsewhere in the corpus"
                       + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(heldout["dropped_by"].items())) + ")"
                          if heldout["dropped_by"] else ""))
    if meta.get("split") and meta["split"] != "all":
        out.append(f"- Split: only the `{meta['split']}` part (`--split {meta['split']}`).")
    out += ["", "## Headline", "", headline_table(summary), ""]
    table = heldout_table(summary)
    if table:
        name = primary_config(summary)
        out += ["## Held-out table", "",
                f"`{name}` (R@k/MRR: the project's retriever" + (" / the plain floor: RRF(k=60) of bm25s on "
                "`\\w+` tokens and the project's dense search, same chunks, same run" if FLOOR in summary["configs"]
                else "") + "). Figures of the `tune` part were tuned on; report the `report` part. "
                "Accuracy: a gold span in the answer; EM/F1 on the short answer (the text before the "
                "quote); refused: unanswerable cases refused / asked; words: median words of the short "
                "answer over the answers given.", "", table, ""]
        refusal = summary["configs"][name]["overall"]
        if refusal.get("n_scored"):
            out += [f"Refusal curve: average precision {fmt(refusal.get('refusal_average_precision'))} over "
                    f"{refusal['n_scored']} scored answers.", "", "![refusal precision/recall](refusal.png)", ""]
    out += [
        "Recall@k/MRR: a passage of a source document among the top k (document level); "
        "passage R@5: a top-5 passage holds the case's evidence span. Accuracy: every answer group "
        "matched in the answer text (refusals count as wrong) over answerable cases. Right + cited: "
        "correct and a cited passage of a source document contains the answer. Citations valid: "
        "share of citations whose [n] is in the text, that point at a given passage and were not "
        "rejected by the citation check. EM/F1: SQuAD-style, on the whole answer text. Refusal "
        "P/R: refusing unanswerable cases; false refusals: share of answerable cases refused. "
        "Latency p50/p95: whole `ask` (or the retrieval call when answers were not asked). "
        "The separate retrieval call (k=10, for the recall metrics) runs after `ask`, so its "
        "query embedding is usually cached; the `retrieve` stage inside `ask` is the cold one.",
        "",
        "![metrics per configuration](metrics.png)", "", "![latency](latency.png)", "",
    ]
    for name, data in summary["configs"].items():
        out += [f"## {name}", "", "### By type", "", _breakdown_table(data["by_type"], "type"), "",
                "### By language", "", _breakdown_table(data["by_lang"], "lang"), ""]
        if set(data.get("by_dataset", {})) - {"-"}:
            out += ["### By dataset", "", _breakdown_table(data["by_dataset"], "dataset"), ""]
        if set(data.get("by_part", {})) - {"-"}:
            out += ["### By part", "", _breakdown_table(data["by_part"], "part"), ""]
        m = data["overall"]
        if m.get("n_answered"):
            out += [f"Refusals of answerable cases by gate/engine/check: "
                    f"{'/'.join(str(v) for v in m['false_refusals_by'].values())}; of unanswerable cases: "
                    f"{'/'.join(str(v) for v in m['true_refusals_by'].values())}.", ""]
    out += ["## Latency per stage", "", _latency_table(summary), ""]
    phases = _two_phase_table(summary)
    if phases:
        out += ["## The quick answer and the model's", "", phases, "",
                "First text: question to the first piece of the quick answer. Bound: prompt tokens / "
                "prefill rate + completion tokens / decode rate, rates measured by the model's server "
                "over this run's answers; ratio: question to final answer over the bound, per answer "
                "(whole prompt / only the prompt tokens the server did not have cached).", ""]
    out += ["## What produced these numbers", ""]
    for name, info in meta.get("configs", {}).items():
        desc = info.get("description", {})
        out.append(
            f"- **{name}**: engine `{info['engine']}` (answered by {', '.join(info['engines_seen']) or '–'}; "
            f"models {', '.join(info['models_seen']) or '–'}), retriever `{info['retriever']}`, "
            f"embedder `{desc.get('embedder', '?')}`, top_k {desc.get('top_k', '?')}, "
            f"prompts {', '.join(f'`{p}`' for p in info['prompt_hashes']) or '–'}, "
            f"{info['wall_seconds']} s"
        )
    settings = meta.get("settings", {})
    if settings:
        out += ["", "<details><summary>Settings</summary>", "", "```json",
                json.dumps(settings, ensure_ascii=False, indent=2), "```", "</details>"]
    out += ["", "## Failures", ""]
    for config in run.configs:
        out += [f"### {config.name}", "", _failures(run, config.name), ""]
    return "\n".join(out) + "\n"


# --- plots ---------------------------------------------------------------------------------

PLOT_METRICS = [
    ("recall@1", "R@1"), ("recall@5", "R@5"), ("recall@10", "R@10"), ("mrr", "MRR"),
    ("passage_recall@5", "passage R@5"), ("accuracy", "accuracy"), ("correct_with_citation", "right+cited"),
    ("f1", "F1"), ("refusal_accuracy", "refusal acc."),
]


def plot_metrics(summary: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary["configs"])
    shown = [(k, label) for k, label in PLOT_METRICS
             if any(summary["configs"][n]["overall"].get(k) is not None for n in names)]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(shown) + 2), 4.2))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        m = summary["configs"][name]["overall"]
        xs = [j + i * width for j in range(len(shown))]
        ys = [m.get(k) or 0.0 for k, _ in shown]
        bars = ax.bar(xs, ys, width=width, label=name)
        for bar, (k, _) in zip(bars, shown, strict=True):
            if m.get(k) is not None:
                ax.annotate(f"{m[k]:.2f}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            ha="center", va="bottom", fontsize=6)
    ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(shown))])
    ax.set_xticklabels([label for _, label in shown], rotation=20, fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("score")
    ax.set_title("Metrics per configuration")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_latency(run: EvalRun, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [c.name for c in run.configs]
    totals = [[r.timings["total"] for r in run.for_config(n) if "total" in r.timings] for n in names]
    retrieval = [[r.retrieve_seconds for r in run.for_config(n) if r.retrieve_seconds is not None] for n in names]
    panels = [("retrieval call, k=10 (after ask: query embedding cached)" if any(totals)
               else "retrieval call, k=10", retrieval)]
    if any(totals):
        panels.insert(0, ("ask, total", totals))
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4), squeeze=False)
    for ax, (title, data) in zip(axes[0], panels, strict=True):
        labels = [n for n, d in zip(names, data, strict=True) if d]
        series = [d for d in data if d]
        if series:
            ax.boxplot(series, showfliers=True)
            ax.set_xticks(range(1, len(labels) + 1))
            ax.set_xticklabels(labels, rotation=15, fontsize=7)
        ax.set_title(title)
        ax.set_ylabel("seconds")
    fig.suptitle("Latency distribution")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_refusal(summary: dict[str, Any], path: Path) -> bool:
    """The refusal precision/recall curve of each answering configuration whose answers
    carry a score, with its operating points; False (nothing written) when none does."""
    curves = [(name, data["overall"]) for name, data in summary["configs"].items()
              if data["overall"].get("refusal_curve")]
    if not curves:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for name, m in curves:
        curve = m["refusal_curve"]
        line = ax.step([p["recall"] for p in curve], [p["precision"] for p in curve], where="post",
                       label=f"{name} (AP {m.get('refusal_average_precision') or 0:.2f})")
        color = line[0].get_color()
        if m.get("refusal_recall") is not None and m.get("refusal_precision") is not None:
            ax.plot([m["refusal_recall"]], [m["refusal_precision"]], "o", color=color, markersize=8,
                    label=f"{name}: refusals as answered")
        if m.get("gate_refusal_recall") is not None and m.get("gate_refusal_precision") is not None:
            ax.plot([m["gate_refusal_recall"]], [m["gate_refusal_precision"]], "x", color=color, markersize=9,
                    label=f"{name}: evidence gate alone")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("refusal recall (unanswerable cases refused)")
    ax.set_ylabel("refusal precision (refusals that were right)")
    ax.set_title("Refusal precision/recall of the answerability score")
    ax.legend(fontsize=7, loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def write_report(run: EvalRun, out: Path | str) -> dict[str, Any]:
    """Write metrics.json, results.jsonl, report.md, metrics.png and latency.png; return the summary."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(run)
    (out / "metrics.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str),
                                      encoding="utf-8")
    with (out / "results.jsonl").open("w", encoding="utf-8") as fh:
        for r in run.results:
            fh.write(json.dumps(r.to_dict(), ensure_ascii=False, default=str) + "\n")
    try:
        plot_metrics(summary, out / "metrics.png")
        plot_latency(run, out / "latency.png")
        plot_refusal(summary, out / "refusal.png")
    except Exception as exc:  # plots are a convenience; the numbers are already written
        log.warning("plotting failed: %s", exc)
    (out / "report.md").write_text(render_markdown(run, summary), encoding="utf-8")
    log.info("wrote %s", out)
    return summary
