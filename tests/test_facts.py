"""The fact extractors (assistant.facts): numbers by value, dates, names, titles by names."""

from __future__ import annotations

import pytest

from assistant.facts import (
    capitalised_phrases,
    extract_facts,
    has_date,
    has_number,
    number_values,
    person_names,
    titled_names,
)


@pytest.mark.parametrize(
    ("token", "scale", "values"),
    [
        ("6,25", "", {"6.25"}),
        ("6.25", "", {"6.25"}),
        ("1.559", "", {"1559", "1.559"}),
        ("1,559", "", {"1559", "1.559"}),
        ("1559", "", {"1559"}),
        ("1.234.567", "", {"1234567"}),
        ("1.234,5", "", {"1234.5"}),
        ("6,25", "triệu", {"6.25", "6250000"}),
        ("6.25", "million", {"6.25", "6250000"}),
        ("15", "tỷ", {"15", "15000000000"}),
    ],
)
def test_number_values(token: str, scale: str, values: set[str]) -> None:
    assert number_values(token, scale) == values


def test_extract_facts() -> None:
    facts = extract_facts(
        "Ngày 24/11/2025, Bí thư Nguyễn Doãn Anh cho biết xuất khẩu đạt 0,12% (6,25 triệu USD)."
    )
    assert [d for _, d in facts.dates] == [(24, 11, 2025)]
    assert [t for t, _ in facts.numbers] == ["0,12%", "6,25"]
    assert facts.names == ["Nguyễn Doãn Anh"]


def test_extract_dates_forms() -> None:
    text = "20/11, 2025-11-25, ngày 6 tháng 7 năm 2020, tháng 5/2025, November 20, 3rd of May 2024"
    facts = extract_facts(text)
    assert sorted((d for _, d in facts.dates), key=str) == sorted(
        [
            (20, 11, None),
            (25, 11, 2025),
            (6, 7, 2020),
            (None, 5, 2025),
            (20, 11, None),
            (3, 5, 2024),
        ],
        key=str,
    )
    assert facts.numbers == []


def test_english_titles_are_trimmed_from_names() -> None:
    facts = extract_facts(
        "Thanh Hoa Provincial Party Secretary Nguyen Doan Anh met the Russian Ambassador."
    )
    assert facts.names == ["Thanh Hoa", "Nguyen Doan Anh"]


# Sentences from the seed articles (corpus/), as written there.
@pytest.mark.parametrize(
    ("sentence", "pairs"),
    [
        (
            "Thay mặt đoàn công tác tỉnh Thanh Hóa, Bí thư Tỉnh ủy Nguyễn Doãn Anh trân trọng cảm ơn "
            "Đại sứ Đặng Minh Khôi.",
            [("Nguyễn Doãn Anh", "Bí thư Tỉnh ủy"), ("Đặng Minh Khôi", "Đại sứ")],
        ),
        (
            "Bí thư Tỉnh ủy Nguyễn Doãn Anh gặp mặt Đại sứ Đặc mệnh toàn quyền Việt Nam tại Liên bang "
            "Nga Đặng Minh Khôi.",
            [
                ("Nguyễn Doãn Anh", "Bí thư Tỉnh ủy"),
                ("Đặng Minh Khôi", "Đại sứ Đặc mệnh toàn quyền Việt Nam tại Liên bang Nga"),
            ],
        ),
        (
            "Lãnh đạo tỉnh Nghệ An và Ngài Vladislav Valerievich Shapsha – Thống đốc tỉnh Kaluga, "
            "Liên bang Nga đã hội đàm.",
            [("Vladislav Valerievich Shapsha", "Thống đốc tỉnh Kaluga")],
        ),
        (
            "Trước sự đón tiếp của tỉnh Nghệ An, Thống đốc Vladislav Valerievich Shapsha giới thiệu "
            "khái quát về tỉnh Kaluga.",
            [("Vladislav Valerievich Shapsha", "Thống đốc")],
        ),
        ("Governor Vladislav Shapsha met the delegation.", [("Vladislav Shapsha", "Governor")]),
        (
            "Provincial Party Secretary Nguyen Doan Anh led the delegation.",
            [("Nguyen Doan Anh", "Provincial Party Secretary")],
        ),
        ("Phó Chủ tịch UBND tỉnh Nguyễn Văn Thi phát biểu.", [("Nguyễn Văn Thi", "Phó Chủ tịch UBND tỉnh")]),
        # no title next to the name: nothing, rather than a guess
        ("Ngài Vladislav Valerievich Shapsha tin tưởng Tập đoàn TH sẽ đầu tư.", []),
        ("Đại sứ quán Việt Nam tại Liên bang Nga tổ chức buổi gặp mặt.", []),
        # a title word far from the name, across a verb: the nearest title wins
        ("Bộ trưởng Ngoại giao Nga gặp Đại sứ Đặng Minh Khôi.", [("Đặng Minh Khôi", "Đại sứ")]),
    ],
)
def test_titled_names(sentence: str, pairs: list[tuple[str, str]]) -> None:
    assert titled_names(sentence) == pairs


def test_person_names_and_phrases() -> None:
    sentence = "Bí thư Tỉnh ủy Nguyễn Doãn Anh gặp Đại sứ tại Liên bang Nga Đặng Minh Khôi."
    assert person_names(sentence) == ["Nguyễn Doãn Anh", "Đặng Minh Khôi"]
    assert capitalised_phrases(sentence) == ["Nguyễn Doãn Anh", "Nga Đặng Minh Khôi"]
    # a title the run swallowed stays in the name here; titled_names splits it off
    assert person_names("Governor Vladimir Platonov spoke.") == ["Governor Vladimir Platonov"]


@pytest.mark.parametrize(
    ("sentence", "number", "date"),
    [
        ("Kim ngạch đạt 6,25 triệu USD.", True, False),
        ("Hai bên ký ba thỏa thuận.", True, False),
        ("Đoàn đến Moskva ngày 20/11.", True, True),
        ("Năm 2025 là năm kỷ niệm.", True, True),
        ("Đoàn làm việc với Đại sứ quán.", False, False),
    ],
)
def test_has_number_and_has_date(sentence: str, number: bool, date: bool) -> None:
    assert has_number(sentence) is number
    assert has_date(sentence) is date


EXPORTS = ("Hiện chưa có nhà đầu tư nào của Liên bang Nga đầu tư trực tiếp trên địa bàn tỉnh; kim ngạch xuất khẩu "
           "sang thị trường Nga 9 tháng năm 2025 đạt 6,25 triệu USD.")


@pytest.mark.parametrize("question", [
    "How much did the province export to Russia in the first nine months of 2025?",
    "Kim ngạch xuất khẩu sang Nga 9 tháng năm 2025 đạt bao nhiêu?",
    "Kim ngạch xuất khẩu sang Nga chín tháng đầu năm đạt bao nhiêu?",
])
def test_a_number_the_question_states_is_not_its_short_answer(question: str) -> None:
    from assistant.spans import short_answer

    span = short_answer(EXPORTS, question, "number")
    assert span is not None and span.text == "6,25 triệu USD", span


@pytest.mark.parametrize(("sentence", "question", "expected"), [
    # a day or a month inside a date is no count: the count the sentence holds, else none
    ("Ngày 10/10, đoàn 12 doanh nghiệp tỉnh Thái Bình đã làm việc tại Moskva.",
     "Dân số tỉnh Thái Bình là bao nhiêu?", "12 doanh nghiệp"),
    ("Ngày 24 tháng 11, tỉnh Nghệ An đã làm việc với tỉnh Kaluga.",
     "Có bao nhiêu người Việt sống ở Nga?", None),
    ("On 20 November the delegation met 150 Vietnamese businesses in Moscow.",
     "How many businesses did the delegation meet?", "150"),
])
def test_a_day_or_month_of_a_date_is_no_count(sentence: str, question: str, expected: str | None) -> None:
    from assistant.spans import short_answer

    span = short_answer(sentence, question, "number")
    assert (span.text if span else None) == expected, span
    when = short_answer(sentence, "Khi nào?", "when")  # the date stays the answer to "when"
    assert when is not None and any(d in when.text for d in ("10/10", "24 tháng 11", "20 November")), when


def test_a_who_question_is_answered_with_a_person_or_by_the_quote_alone() -> None:
    """A sentence that names no person gives a who-question no short answer: the place or
    office it names instead ("Nghi Sơn", "Bộ Ngoại giao") is rarely who was asked for."""
    from assistant.spans import short_answer

    question = "Ai dẫn đầu đoàn công tác cấp cao tỉnh Thanh Hóa sang Liên bang Nga?"
    no_person = ("Tỉnh đã tổ chức thành công Đoàn công tác cấp cao tỉnh Thanh Hóa sang thăm, làm việc tại "
                 "Liên bang Nga; phối hợp với Bộ Ngoại giao để xúc tiến dự án Lọc hóa dầu Nghi Sơn.")
    assert short_answer(no_person, question, "who") is None
    assert short_answer(no_person, "Dự án nằm ở đâu?", "where") is not None  # a place still answers "where"
    person = ("Trong chương trình công tác tại Liên bang Nga, đồng chí Nguyễn Doãn Anh, Bí thư Tỉnh ủy và các "
              "thành viên trong đoàn đại biểu cấp cao tỉnh Thanh Hóa đã làm việc với Bộ Ngoại giao.")
    span = short_answer(person, question, "who")
    assert span is not None and span.text == "Nguyễn Doãn Anh", span
