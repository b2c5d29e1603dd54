"""Checking a model's claims: roles next to names, numbers with units, dates, names; the
structured reply and the numbered evidence it cites. Sentences are written like the news
articles' (fictional people and places where a real one is not needed)."""

from __future__ import annotations

import pytest

from assistant.claims import claim_problems, verify_claims
from assistant.evidence_sentences import format_evidence, select_evidence
from assistant.role_check import role_problem
from assistant.structured import ANSWER_SCHEMA, parse_reply, render, response_format
from assistant.titles import asks_about_another, role_asked, role_of, role_subject
from assistant.types import Claim, EvidenceSentence, Passage
from assistant.units import quantities, same_quantity

SECRETARY = "Bí thư Tỉnh ủy Thanh Hóa Nguyễn Doãn Anh phát biểu tại buổi làm việc."
LEADER = (
    "Đoàn đại biểu cấp cao tỉnh Thanh Hóa do đồng chí Nguyễn Doãn Anh, Ủy viên Trung ương Đảng, "
    "Bí thư Tỉnh ủy làm trưởng đoàn đã có buổi làm việc với Đại sứ quán."
)
MEETING = ("Bí thư Tỉnh ủy Nguyễn Doãn Anh gặp mặt Đại sứ Đặc mệnh toàn quyền Việt Nam tại Liên bang Nga "
           "Đặng Minh Khôi.")
DEPUTY = ("Ngày 10/10, đoàn doanh nghiệp tỉnh Thái Bình do Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch Hội đồng "
          "Nhân dân tỉnh Nguyễn Tiến Thành dẫn đầu đã làm việc tại Moskva.")
GOVERNOR = "Lãnh đạo tỉnh Nghệ An vừa tiếp đón Ngài Vladislav Valerievich Shapsha – Thống đốc tỉnh Kaluga, Liên bang Nga."
MINISTRY = "Đoàn do Uỷ viên Trung ương Đảng, Thứ trưởng Bộ ngoại giao Lê Hoài Trung dẫn đầu."
CHAMBER = "Chủ tịch Phòng Thương mại và Công nghiệp Moskva, ông Vladimir Platonov khẳng định sẵn sàng hỗ trợ."
EXPORTS = ("Kim ngạch xuất khẩu của Thanh Hóa sang Nga 9 tháng năm 2025 đạt 6,25 triệu USD, chiếm 0,12% "
           "tổng kim ngạch xuất khẩu của tỉnh.")


def problem(name: str, claim: str, sentence: str) -> str | None:
    return role_problem(role_of(name, claim), role_of(name, sentence), sentence)


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "claim", "sentence"),
    [
        ("Nguyễn Doãn Anh", "Nguyễn Doãn Anh là Bí thư Tỉnh ủy Thanh Hóa.", SECRETARY),
        ("Nguyễn Doãn Anh", "Nguyễn Doãn Anh, Bí thư Tỉnh ủy Thanh Hóa, dẫn đầu đoàn.", LEADER),
        ("Nguyen Doan Anh", "Nguyen Doan Anh, Secretary of the Thanh Hoa Provincial Party Committee, spoke.", SECRETARY),
        ("Nguyen Doan Anh", "Thanh Hoa Provincial Party Secretary Nguyen Doan Anh spoke.", SECRETARY),
        ("Dang Minh Khoi", "Vietnam's Ambassador to Russia is Dang Minh Khoi.", MEETING),
        ("Đặng Minh Khôi", "Đại sứ Việt Nam tại Nga là ông Đặng Minh Khôi.", MEETING),
        ("Nguyễn Tiến Thành", "Phó Bí thư Thường trực Tỉnh ủy Thái Bình Nguyễn Tiến Thành dẫn đầu đoàn.", DEPUTY),
        ("Nguyen Tien Thanh", "Nguyen Tien Thanh, Chairman of the Thai Binh People's Council, led it.", DEPUTY),
        ("Vladislav Valerievich Shapsha", "Thống đốc tỉnh Kaluga là Vladislav Valerievich Shapsha.", GOVERNOR),
        ("Lê Hoài Trung", "Deputy Foreign Minister Le Hoai Trung led the delegation.", MINISTRY),
        ("Vladimir Platonov", "Vladimir Platonov, Chairman of the Moscow Chamber of Commerce, offered help.", CHAMBER),
    ],
)
def test_a_role_the_sentence_gives_is_accepted_in_either_language(name: str, claim: str, sentence: str) -> None:
    assert problem(name, claim, sentence) is None


@pytest.mark.parametrize(
    ("name", "claim", "sentence", "says"),
    [
        # the flagship confusion: the right title, the wrong province
        ("Nguyễn Doãn Anh", "Bí thư Tỉnh ủy Nghệ An là Nguyễn Doãn Anh.", SECRETARY, "Nghệ An"),
        ("Nguyen Doan Anh", "Nghe An Party Secretary Nguyen Doan Anh spoke.", SECRETARY, "Nghe An"),
        # one person's title given to another
        ("Đặng Minh Khôi", "Đặng Minh Khôi là Bí thư Tỉnh ủy.", MEETING, "secretary"),
        ("Nguyễn Doãn Anh", "Đại sứ Nguyễn Doãn Anh gặp đoàn.", MEETING, "ambassador"),
        # deputy is another role
        ("Nguyễn Tiến Thành", "Bí thư Tỉnh ủy Nguyễn Tiến Thành dẫn đầu đoàn.", DEPUTY, "secretary"),
        ("Le Hoai Trung", "Foreign Minister Le Hoai Trung led the delegation.", MINISTRY, "minister"),
        # another body
        ("Nguyễn Tiến Thành", "Chủ tịch UBND tỉnh Nguyễn Tiến Thành dẫn đầu đoàn.", DEPUTY, "people's committee"),
        ("Vladislav Valerievich Shapsha", "Thống đốc tỉnh Nghệ An là Vladislav Valerievich Shapsha.", GOVERNOR, "Nghệ An"),
        ("Vladislav Shapsha", "Nghe An Governor Vladislav Shapsha visited.", GOVERNOR, "Nghe An"),
        # a title the sentence does not give at all
        ("Vladimir Platonov", "Thống đốc Vladimir Platonov khẳng định.", CHAMBER, "governor"),
    ],
)
def test_role_confusion_is_caught(name: str, claim: str, sentence: str, says: str) -> None:
    found = problem(name, claim, sentence)
    assert found is not None and says in found, found


def test_a_claim_without_a_role_has_nothing_to_check() -> None:
    assert problem("Nguyễn Doãn Anh", "Nguyễn Doãn Anh dẫn đầu đoàn.", MEETING) is None
    assert not role_of("Nguyễn Doãn Anh", "Nguyễn Doãn Anh dẫn đầu đoàn.")


# --- numbers with units -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "same"),
    [
        ("6,25 triệu USD", True),
        ("6.25 million USD", True),
        ("US$6.25 million", True),
        ("6.250.000 USD", True),
        ("6,25", True),  # the number as written
        ("6,25 tỷ USD", False),  # another scale
        ("6,25 triệu rúp", False),  # another currency
        ("6,52 triệu USD", False),
    ],
)
def test_numbers_compare_after_scaling_and_by_unit(claim: str, same: bool) -> None:
    (stated,) = quantities("đạt 6,25 triệu USD")
    (claimed,) = quantities(claim)
    assert same_quantity(claimed, stated, "đạt 6,25 triệu USD") is same


def test_percent_and_dates_are_read_apart() -> None:
    found = quantities("Ngày 20/11/2025, tăng trưởng 7% và 1.559 người")
    assert [(q.text, q.unit) for q in found] == [("7", "percent"), ("1.559", None)]


# --- claims against their sentences -----------------------------------------------------------


def test_claim_problems_cover_names_roles_numbers_and_dates() -> None:
    assert claim_problems("Nguyễn Doãn Anh là Bí thư Tỉnh ủy Thanh Hóa.", [SECRETARY], SECRETARY) == []
    assert any("Nghệ An" in p for p in claim_problems("Bí thư Tỉnh ủy Nghệ An là Nguyễn Doãn Anh.", [SECRETARY], SECRETARY))
    assert claim_problems("Exports reached 6.25 million USD, 0.12% of the total.", [EXPORTS], EXPORTS) == []
    assert any("6,25" in p for p in claim_problems("Kim ngạch đạt 6,25 tỷ USD.", [EXPORTS], EXPORTS))
    assert any("Lê Văn Tám" in p for p in claim_problems("Ông Lê Văn Tám dẫn đầu đoàn.", [LEADER], LEADER))
    dated = "Ngày 24/11, đoàn làm việc tại Moskva."
    assert claim_problems("On November 24, 2025, the delegation worked in Moscow.", [dated], dated, ["2025-11-25"]) == []
    assert any("25/11" in p for p in claim_problems("Ngày 25/11, đoàn làm việc tại Moskva.", [dated], dated))
    assert any("2024" in p for p in claim_problems("Ngày 24/11/2024, đoàn làm việc.", [dated], dated, ["2025-11-25"]))


PASSAGES = [
    Passage(chunk_id="a", doc_id="a", title="Thanh Hóa làm việc với Đại sứ quán", date="2025-11-25", text=f"{LEADER} {MEETING}"),
    Passage(chunk_id="b", doc_id="b", title="Thanh Hóa và người Việt tại Nga", date="2025-11-25", text=EXPORTS),
]
EVIDENCE = [EvidenceSentence(1, 1, LEADER), EvidenceSentence(2, 1, MEETING), EvidenceSentence(3, 2, EXPORTS)]


def test_a_bare_name_claims_the_role_the_question_asks_about() -> None:
    ask = "Who is Vietnam's ambassador to the Russian Federation?"
    wrong = verify_claims([Claim("Nguyễn Doãn Anh", [2])], EVIDENCE, PASSAGES, question=ask)
    assert not wrong.passed and "ambassador" in wrong.reason
    right = verify_claims([Claim("Đặng Minh Khôi", [2])], EVIDENCE, PASSAGES, question=ask)
    assert right.passed
    # a question without a title asks nothing of the name
    assert verify_claims([Claim("Nguyễn Doãn Anh", [1])], EVIDENCE, PASSAGES, question="Ai dẫn đầu đoàn?").passed


def test_a_titled_name_claims_the_role_the_question_asks_about_too() -> None:
    """Role confusion the title alone cannot show: the answer gives the man the title his own
    sentence gives him, but the question asked for another office."""
    sentence = ("Sáng 6/7, đoàn công tác của Bộ ngoại giao Việt Nam do Uỷ viên Trung ương Đảng, Thứ trưởng Bộ "
                "ngoại giao Lê Hoài Trung dẫn đầu đã có buổi làm việc với tỉnh Thanh Hoá. Chủ tịch UBND tỉnh "
                "Nguyễn Đình Xứng tiếp và làm việc với đoàn.")
    ask = "Chủ tịch UBND tỉnh Thanh Hóa là ai?"
    confused = claim_problems("Thứ trưởng Bộ ngoại giao Lê Hoài Trung.", [sentence], sentence, question=ask)
    assert confused and "Lê Hoài Trung" in confused[0]
    assert claim_problems("Chủ tịch UBND tỉnh Nguyễn Đình Xứng.", [sentence], sentence, question=ask) == []
    assert claim_problems("Nguyễn Đình Xứng.", [sentence], sentence, question=ask) == []
    # nor does a question that names someone with their office ask that office of the answer,
    # nor "head of the delegation" (no office of its own)
    led = "Ai dẫn đầu đoàn Bộ Ngoại giao làm việc với Chủ tịch UBND tỉnh Nguyễn Đình Xứng?"
    assert claim_problems("Thứ trưởng Bộ ngoại giao Lê Hoài Trung.", [sentence], sentence, question=led) == []
    head = "Ai là trưởng đoàn công tác của Bộ Ngoại giao?"
    assert claim_problems("Thứ trưởng Bộ ngoại giao Lê Hoài Trung.", [sentence], sentence, question=head) == []


@pytest.mark.parametrize(
    ("question", "heads", "bodies"),
    [
        # the office named after the copula, or the subject's before it, up to a verb
        ("Ai là Bí thư Tỉnh ủy Nghệ An?", {"secretary"}, {"provincial party committee"}),
        ("Who is the chairman of the Moscow Chamber of Commerce and Industry?", {"chair"}, {"chamber of commerce"}),
        ("Chủ tịch UBND tỉnh Nghệ An tiếp đoàn Bộ Ngoại giao là ai?", {"chair"}, {"people's committee"}),
        ("Ai là người đứng đầu đoàn công tác của Bộ Ngoại giao?", {"head"}, {"foreign affairs"}),
        # a verb that makes them hold it, after a copula of its own
        ("Ai được bổ nhiệm làm Thứ trưởng Bộ Ngoại giao?", {"minister"}, {"foreign affairs"}),
        ("Who was appointed as Deputy Minister of Foreign Affairs?", {"minister"}, {"foreign affairs"}),
        ("Who was hired to be the deputy director of the Office?", {"director"}, set()),
        ("Ai trở thành Thống đốc tỉnh Kaluga?", {"governor"}, set()),
        # a passive verb of appointment, the office its complement
        ("Who was elected governor?", {"governor"}, set()),
        ("Who has been appointed ambassador to Russia?", {"ambassador"}, set()),
        ("Ai được bầu Chủ tịch UBND tỉnh Nghệ An?", {"chair"}, {"people's committee"}),
        # the same verbs active: "ai" / "who" appointed the office's holder
        ("Who appointed the governor?", set(), set()),
        ("Ai bổ nhiệm Đại sứ?", set(), set()),
        # whom another person met or thanked holds no office the question names
        ("Bí thư Tỉnh ủy Thanh Hóa đã gặp ai tại Moskva?", set(), set()),
        ("Whom did the Thanh Hóa party chief thank?", set(), set()),
        ("Who did the governor of Kaluga meet in Nghệ An?", set(), set()),
    ],
)
def test_the_office_asked_for_is_read_from_the_phrase_that_names_it(question: str, heads: set[str],
                                                                    bodies: set[str]) -> None:
    asked = role_asked(question)
    assert {h for units, _ in asked.units for h in units} == heads
    assert asked.bodies == bodies


@pytest.mark.parametrize(
    ("question", "another"),
    [
        ("Ai là Bí thư Tỉnh ủy Nghệ An?", False),
        ("Ai được bổ nhiệm làm Đại sứ?", False),  # the office is theirs, by a verb's own copula
        ("Ai được bổ nhiệm Đại sứ?", False),
        ("Who was elected governor?", False),
        ("Bí thư Tỉnh ủy Thanh Hóa đã gặp ai?", True),
        ("Who appointed the governor?", True),
        ("Who did the governor meet?", True),
    ],
)
def test_a_question_asks_about_another_when_who_is_another_verbs_subject_or_object(question: str,
                                                                                   another: bool) -> None:
    assert asks_about_another(question) is another


def test_the_office_a_question_names_for_its_subject_is_read_to_its_verb() -> None:
    subject = role_subject("Bí thư Tỉnh ủy Thanh Hóa đã gặp ai tại Đại sứ quán?")
    assert [h for h, _ in subject.units] == [{"secretary"}] and subject.bodies == {"provincial party committee"}
    assert subject.places == ["Thanh Hóa"]  # not the embassy where they met
    assert not role_subject("Bí thư Tỉnh ủy Thanh Hóa là ai?")  # the office asked for is no subject's
    assert not role_subject("Ai dẫn đầu đoàn công tác?")


def test_a_person_asked_for_as_someone_an_official_met_need_not_hold_that_office() -> None:
    """"Whom did the secretary meet?" names the secretary's office, not the answer's."""
    ask = "Bí thư Tỉnh ủy Thanh Hóa đã gặp ai tại Moskva?"
    assert claim_problems("Đại sứ Đặng Minh Khôi.", [MEETING], MEETING, question=ask) == []
    secretary = "Bí thư Tỉnh ủy Thanh Hóa là ai?"
    assert claim_problems("Đại sứ Đặng Minh Khôi.", [MEETING], MEETING, question=secretary)
    # the chairman who received the ministry's delegation is asked for, not someone of the ministry
    sentence = "Chủ tịch UBND tỉnh Nghệ An Nguyễn Văn Lợi tiếp đoàn công tác của Bộ Ngoại giao."
    received = "Chủ tịch UBND tỉnh Nghệ An tiếp đoàn Bộ Ngoại giao là ai?"
    assert claim_problems("Chủ tịch UBND tỉnh Nghệ An Nguyễn Văn Lợi.", [sentence], sentence, question=received) == []


def test_a_claim_that_is_only_a_role_must_be_the_role_the_sentence_gives() -> None:
    """A follow-up "what is his post?" answered with a title alone (no name to hang it on):
    the title must be one the cited sentence gives the person asked about."""
    ask = "Nguyễn Doãn Anh giữ chức vụ gì?"
    assert claim_problems("Bí thư Tỉnh ủy.", [LEADER], LEADER, question=ask) == []
    assert claim_problems("Ủy viên Trung ương Đảng, Bí thư Tỉnh ủy.", [LEADER], LEADER, question=ask) == []
    assert claim_problems("Provincial Party Secretary.", [LEADER], LEADER, question=ask) == []
    for wrong in ("Chủ tịch Trung ương Đảng.", "Thủ tướng Bộ ngoại giao."):
        problems = claim_problems(wrong, [LEADER], LEADER, question=ask)
        assert any("role" in p and "secretary" in p for p in problems), (wrong, problems)
    # naming nobody the sentence knows, the role must be one the sentence gives someone
    assert claim_problems("Bí thư Tỉnh ủy.", [LEADER], LEADER, question="Ông ấy giữ chức vụ gì?") == []
    assert claim_problems("Chủ tịch.", [LEADER], LEADER, question="Ông ấy giữ chức vụ gì?")


def test_verified_claims_keep_their_sentences_and_learn_their_passages() -> None:
    verdict = verify_claims([Claim("Đặng Minh Khôi là Đại sứ Việt Nam tại Liên bang Nga.", [2]),
                             Claim("Kim ngạch đạt 6,25 triệu USD.", [3])], EVIDENCE, PASSAGES)
    assert verdict.passed and not verdict.problems
    assert [(c.sentences, c.passages) for c in verdict.claims] == [([2], [1]), ([3], [2])]


def test_a_claim_citing_the_wrong_sentence_is_repointed() -> None:
    verdict = verify_claims([Claim("Kim ngạch đạt 6,25 triệu USD.", [1])], EVIDENCE, PASSAGES)
    assert verdict.passed and verdict.repaired == ["claim 1: sentence [1]->[3]"]
    assert verdict.claims[0].passages == [2]


def test_an_unsupported_later_claim_is_dropped_and_a_wrong_first_claim_sinks_the_answer() -> None:
    verdict = verify_claims([Claim("Đặng Minh Khôi là Đại sứ.", [2]), Claim("Kim ngạch đạt 9 tỷ USD.", [3])],
                            EVIDENCE, PASSAGES)
    assert verdict.passed and verdict.dropped == ["Kim ngạch đạt 9 tỷ USD."]
    wrong = verify_claims([Claim("Bí thư Tỉnh ủy Nghệ An là Nguyễn Doãn Anh.", [1])], EVIDENCE, PASSAGES)
    assert not wrong.passed and "first claim" in wrong.reason and "Nghệ An" in wrong.reason
    assert not verify_claims([], EVIDENCE, PASSAGES).passed


def test_a_digit_matches_a_numeral_written_as_a_word() -> None:
    kaluga = "Kaluga hiện có ba khu công nghiệp lớn."
    assert claim_problems("3", [kaluga], kaluga) == []
    assert claim_problems("Ba khu công nghiệp.", [kaluga], kaluga) == []
    assert claim_problems("4", [kaluga], kaluga)
    assert claim_problems("3", ["Đoàn thăm Ba Lan."], "Đoàn thăm Ba Lan.")  # a name, not a numeral
    assert claim_problems("1", ["Đây là một dự án lớn."], "Đây là một dự án lớn.")  # "một" is mostly "a"


def test_a_year_matches_the_year_of_a_full_date() -> None:
    test = "Thử nghiệm bắt đầu vào sáng ngày 27 tháng 1 năm 1967, và ngay lập tức gặp sự cố."
    assert claim_problems("1967", [test], test) == []  # "When did the test occur?" — "1967"
    assert claim_problems("In 1967.", [test], test) == []
    assert claim_problems("1968", [test], test)
    assert claim_problems("27", [test], test)  # a day alone is no year
    assert claim_problems("năm 1967", ["Năm 1966 có 27 vụ."], "Năm 1966 có 27 vụ.")


# --- the structured reply ---------------------------------------------------------------------


def test_response_formats_for_openai_style_and_llama_cpp_python_servers() -> None:
    openai_style = response_format("json_schema")
    assert openai_style is not None and openai_style["json_schema"]["schema"] is ANSWER_SCHEMA
    assert response_format("json_object") == {"type": "json_object", "schema": ANSWER_SCHEMA}
    assert response_format("text") is None


def test_replies_are_read_as_json_or_as_text_with_markers() -> None:
    short = parse_reply('{"found": true, "answer": "6,25 triệu USD", "sentences": [3]}')
    assert [(c.text, c.sentences) for c in short.claims] == [("6,25 triệu USD", [3])] and short.found
    assert parse_reply('{"found": false, "answer": "", "sentences": []}').claims == []
    json_reply = parse_reply('Sure: {"found": true, "claims": [{"sentences": ["2", 3], "text": "A [2]."}]}')
    assert json_reply.form == "json" and json_reply.found is True
    assert [(c.text, c.sentences) for c in json_reply.claims] == [("A.", [2, 3])]
    text_reply = parse_reply("A sentence [1]. Another one. [2][3]")
    assert text_reply.form == "text" and [c.sentences for c in text_reply.claims] == [[1], [2, 3]]
    assert parse_reply('{"found": false, "claims": []}').found is False
    assert parse_reply("NO_ANSWER").found is False


def test_a_number_a_small_model_spaced_is_read_whole() -> None:
    assert [c.text for c in parse_reply('{"found": true, "answer": "500, 000 people", "sentences": [1]}').claims] \
        == ["500,000 people"]
    assert [c.text for c in parse_reply("In 2013, 500 people came [1].").claims] == ["In 2013, 500 people came."]
    assert [c.text for c in parse_reply('{"found": true, "answer": "1. 050 tấn", "sentences": [1]}').claims] \
        == ["1.050 tấn"]


def test_render_puts_passage_markers_before_the_full_stop() -> None:
    claims = [Claim("Đặng Minh Khôi là Đại sứ.", [2]), Claim("Kim ngạch đạt 6,25 triệu USD", [3, 1])]
    assert render(claims, EVIDENCE) == "Đặng Minh Khôi là Đại sứ [1]. Kim ngạch đạt 6,25 triệu USD [2][1]."


# --- the numbered evidence --------------------------------------------------------------------


def test_evidence_is_numbered_in_reading_order_within_the_budget() -> None:
    many = Passage(chunk_id="m", doc_id="m", title="Nhiều câu", date="2025-01-01",
                   text=" ".join(f"Câu thứ {i} kể một việc của tỉnh." for i in range(1, 30)))

    def scorer(question: str, passages: list[Passage]) -> list[tuple[int, str]]:
        return [(1, "Câu thứ 20 kể một việc của tỉnh."), (2, EXPORTS)]

    evidence = select_evidence("q", [many, PASSAGES[1]], scorer, budget_tokens=100, max_sentences=3,
                               first={1: "Câu thứ 7 kể một việc của tỉnh."})
    assert [(e.number, e.passage) for e in evidence][:2] == [(1, 1), (2, 1)]
    texts = [e.text for e in evidence]
    assert texts[0].startswith("Câu thứ 7") and texts[1].startswith("Câu thứ 20")  # article order
    assert EXPORTS in texts
    block = format_evidence(evidence, [many, PASSAGES[1]])
    assert block.splitlines()[0] == "# Nhiều câu (2025-01-01)"
    assert "# Thanh Hóa và người Việt tại Nga (2025-11-25)" in block
