# ruff: noqa  (a one-off measurement script, kept as the record of the choice)
"""How the BM25 library was chosen: SQLite FTS5 vs bm25s vs tantivy on viwiki's 84,598 chunks.

    PYTHONPATH=. python bench/lexical_choice.py      (needs `pip install tantivy`; ~10 min)

Same tokens for all three (assistant.lexical.lexical_tokens over title + text), 60 queries of
10 consecutive words from random chunks, top 30. Results of the run on 2026-11-24 are in
bench/lexical_choice.md.
"""
import sys, time, random, sqlite3, statistics, resource  # noqa: E401
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from pathlib import Path
import numpy as np
import viwiki
from assistant.lexical import lexical_tokens
from assistant.index import embedding_text
work = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/hoitin-lexical-choice")
cache = work / "cache"
t = time.time(); chunks = viwiki.chunks(None, cache); print("chunks", len(chunks), "%.1fs" % (time.time() - t), flush=True)
t = time.time()
import pickle
tp = cache / "tokens-all.pickle"
if tp.exists():
    toks = pickle.loads(tp.read_bytes())
else:
    toks = [lexical_tokens(embedding_text(c.title, c.text)) for c in chunks]; tp.write_bytes(pickle.dumps(toks))
print("tokenise %.1fs" % (time.time() - t), flush=True)
rng = random.Random(0)
queries = []
for c in rng.sample(chunks, 60):
    w = c.text.split()
    s = rng.randrange(0, max(1, len(w) - 12))
    queries.append(" ".join(w[s:s + 10]))
qtoks = [lexical_tokens(q) for q in queries]
def pct(xs): xs = sorted(xs); return "p50 %.1f ms p95 %.1f ms" % (1000 * xs[len(xs) // 2], 1000 * xs[int(len(xs) * .95)])
# --- FTS5
db = work / "fts.sqlite"; [p.unlink() for p in db.parent.glob("fts.sqlite*")]
con = sqlite3.connect(db); con.execute("pragma journal_mode=wal")
con.execute("create virtual table fts using fts5(tokens, content='', columnsize=1, detail=full, tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\")")
t = time.time()
with con:
    con.executemany("insert into fts(rowid, tokens) values (?, ?)", ((i + 1, " ".join(tk)) for i, tk in enumerate(toks)))
print("fts5 build %.1fs size %.0f MB" % (time.time() - t, db.stat().st_size / 1e6), flush=True)
def fts_q(tk, k=30):
    terms = sorted(set(tk))
    m = " OR ".join('"' + x.replace('"', '""') + '"' for x in terms)
    return con.execute("select rowid, bm25(fts) as s from fts where fts match ? order by s limit ?", (m, k)).fetchall()
lat = []
fres = []
for tk in qtoks:
    t = time.perf_counter(); fres.append(fts_q(tk)); lat.append(time.perf_counter() - t)
print("fts5 query", pct(lat), flush=True)
t = time.time()
with con:
    con.executemany("insert into fts(rowid, tokens) values (?, ?)", ((10_000_000 + i, " ".join(tk)) for i, tk in enumerate(toks[:10])))
    con.executemany("insert into fts(fts, rowid, tokens) values ('delete', ?, ?)", ((10_000_000 + i, " ".join(tk)) for i, tk in enumerate(toks[:10])))
print("fts5 add+delete 10 chunks %.3fs" % (time.time() - t), flush=True)
con.execute("create virtual table vocab using fts5vocab(fts, 'row')")
t = time.perf_counter(); [con.execute("select doc from vocab where term=?", (x,)).fetchone() for x in qtoks[0]]; print("df lookups %d terms %.1f ms" % (len(qtoks[0]), 1000 * (time.perf_counter() - t)))
# --- bm25s
import bm25s
t = time.time(); m = bm25s.BM25(); m.index(toks, show_progress=False); print("bm25s build %.1fs" % (time.time() - t), flush=True)
lat = []; bres = []
for tk in qtoks:
    t = time.perf_counter(); s = m.get_scores(tk); top = np.argpartition(-s, 29)[:30]; top = top[np.argsort(-s[top])]; lat.append(time.perf_counter() - t); bres.append(top)
print("bm25s query", pct(lat), flush=True)
overlap = [len({r - 1 for r, _ in f[:10]} & set(b[:10].tolist())) / 10 for f, b in zip(fres, bres)]
print("top-10 overlap fts5 vs bm25s %.2f" % statistics.mean(overlap))
# --- tantivy
import tantivy, shutil
d = work / "tantivy"; shutil.rmtree(d, ignore_errors=True); d.mkdir()
sb = tantivy.SchemaBuilder(); sb.add_text_field("t", stored=False, tokenizer_name="whitespace"); sb.add_integer_field("row", stored=True, indexed=True, fast=True)
schema = sb.build(); idx = tantivy.Index(schema, path=str(d))
t = time.time(); w = idx.writer(heap_size=200_000_000, num_threads=1)
for i, tk in enumerate(toks): w.add_document(tantivy.Document(t=" ".join(tk), row=i))
w.commit(); w.wait_merging_threads(); idx.reload(); print("tantivy build %.1fs" % (time.time() - t), flush=True)
s = idx.searcher(); lat = []
for tk in qtoks:
    q = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, "t", x)) for x in set(tk)])
    t = time.perf_counter(); r = s.search(q, 30).hits; lat.append(time.perf_counter() - t)
print("tantivy query", pct(lat), flush=True)
print("peak rss %.0f MB" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3))
