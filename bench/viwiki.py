"""The viwiki scale corpus for the benchmarks: articles, and their chunks cached on disk.

``articles(n)`` reads the first ``n`` articles of ``../shared/data/viwiki/articles.jsonl.gz``;
``chunks(n)`` cleans and chunks them exactly as an ingest does (cached under ``cache_dir``,
keyed by ``n`` and the chunk settings), so every benchmark times the same chunks.
"""

from __future__ import annotations

import gzip
import json
import pickle
from pathlib import Path

from assistant.chunking import chunk_document
from assistant.corpus import document_from_text
from assistant.types import Chunk, Document

VIWIKI = Path(__file__).resolve().parents[2] / "shared" / "data" / "viwiki" / "articles.jsonl.gz"
if not VIWIKI.exists():  # a worktree at /work/<name>
    VIWIKI = Path("/work/shared/data/viwiki/articles.jsonl.gz")


def articles(n: int | None = None) -> list[dict]:
    out = []
    with gzip.open(VIWIKI, "rt", encoding="utf-8") as f:
        for line in f:
            out.append(json.loads(line))
            if n is not None and len(out) >= n:
                break
    return out


def documents(n: int | None = None) -> list[Document]:
    return [
        document_from_text(a["id"], a["text"], meta={"title": a["title"]}) for a in articles(n)
    ]


def chunks(n: int | None, cache_dir: Path, chunk_tokens: int = 300, overlap: int = 60) -> list[Chunk]:
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"chunks-{n or 'all'}-{chunk_tokens}-{overlap}.pickle"
    if path.exists():
        return pickle.loads(path.read_bytes())
    out: list[Chunk] = []
    for doc in documents(n):
        out.extend(chunk_document(doc, chunk_tokens=chunk_tokens, overlap=overlap))
    path.write_bytes(pickle.dumps(out))
    return out
