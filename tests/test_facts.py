"""The fact extractors (assistant.facts: numbers by value, dates, names; assistant.people: people
and the titles by their names)."""

from __future__ import annotations

import pytest

from assistant.facts import extract_facts, has_date, has_number, number_values
from assistant.people import capitalised_phrases, person_names, titled_names


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


@pytest.mark.parametrize(("sentence", "names"), [
    # words that fold to a family name but are written with other marks are no surname:
    # "Đảng" (party) is not "Đặng", "Vụ" (department) not "Vũ", "Lễ" (ceremony) not "Lê"
    ("Ủy ban Quân sự Trung ương Đảng Cộng sản Trung Quốc được tái lập.", []),
    ("Vụ Hợp tác Quốc tế làm việc với tỉnh.", []),
    ("Lễ Hội Đền Hùng diễn ra vào tháng ba.", []),
    ("Ông Đặng Minh Khôi và ông Vũ Đức Đam dự lễ.", ["Đặng Minh Khôi", "Vũ Đức Đam"]),
    # typed without marks, a name is still known by its folded surname
    ("dai su Dang Minh Khoi tiep doan", ["Dang Minh Khoi"]),
])
def test_a_surname_is_known_with_its_own_marks(sentence: str, names: list[str]) -> None:
    assert person_names(sentence) == names


def test_a_name_after_a_place_keeps_all_its_words() -> None:
    # the capitalised run "Thanh Hóa Nguyễn Doãn Anh" is five words; the name is the last three
    sentence = "Bí thư Tỉnh ủy Thanh Hóa Nguyễn Doãn Anh trao quà lưu niệm tặng Liên hiệp các tổ chức."
    assert person_names(sentence) == ["Nguyễn Doãn Anh"]
    from assistant.spans import short_answer

    assert short_answer(sentence, "Bí thư Tỉnh ủy Thanh Hóa là ai?", "who").text == "Nguyễn Doãn Anh"  # type: ignore[union-attr]


def test_a_latin_name_run_sheds_a_vietnamese_word_before_it() -> None:
    # "Liên bang Nga" ends in a capitalised syllable that joins the run; a Vietnamese sentence
    # may open with one too ("Khi Guglielmo Marconi …")
    assert person_names("Tổng thống Liên bang Nga Vladimir Putin trao tặng Huân chương Hữu nghị.") == ["Vladimir Putin"]
    assert person_names("Khi Guglielmo Marconi thực hiện việc truyền phát vô tuyến.") == ["Guglielmo Marconi"]
    assert person_names("Ông Vladimir Putin phát biểu.") == ["Vladimir Putin"]


def test_a_question_or_function_word_is_no_part_of_a_latin_name() -> None:
    # an English question opens with a capitalised wh-word, a sentence with "The", "In" …
    assert person_names("Which Vietnamese group opened a fresh-milk plant in Kaluga?") == []
    assert person_names("What Russian province signed a memorandum?") == []
    assert person_names("How Vladimir Putin won the election.") == ["Vladimir Putin"]
    assert person_names("In Neil Armstrong's words") == ["Neil Armstrong"]


def test_initials_and_abbreviations_stay_inside_names_and_titles() -> None:
    from assistant.spans import short_answer

    assert person_names("Tổng thống George W. Bush đã ký đạo luật.") == ["George W. Bush"]
    assert person_names("Nhà văn J. R. R. Tolkien sinh năm 1892.") == ["J. R. R. Tolkien"]
    # a capital and a full stop before Vietnamese words is a sentence end, no initial; the last
    # letter of an acronym is none either
    assert person_names("Trẻ cần vitamin C. Sau đó ngủ.") == []
    assert titled_names("The U.S. President Barack Obama spoke.") == [("Barack Obama", "President")]
    sentence = ("Thay mặt chính quyền thành phố St. Petersburg, Phó Chủ tịch Ủy ban Đối ngoại thành phố "
                "St. Petersburg, ông Vyacheslav Kalganov đã đề xuất hợp tác.")
    title = "Phó Chủ tịch Ủy ban Đối ngoại thành phố St. Petersburg"
    assert titled_names(sentence) == [("Vyacheslav Kalganov", title)]
    assert short_answer(sentence, "Who is Vyacheslav Kalganov?", "who").text == title  # type: ignore[union-attr]
    # "TP." (thành phố) belongs to the name after it: no title ends with it; "Chí" of "Hồ Chí
    # Minh" is no honorific ("đồng chí" is one)
    assert titled_names("Chủ tịch UBND TP. Hồ Chí Minh, ông Phan Văn Mãi, phát biểu.") == [
        ("Phan Văn Mãi", "Chủ tịch UBND TP. Hồ Chí Minh")]


def test_a_person_with_a_rarer_surname_is_known_by_an_honorific_or_a_title_in_apposition() -> None:
    # "Tô" and "Đầu" are none of the fourteen common surnames
    members = ("Tham gia đoàn có Thiếu tướng Tô Anh Dũng, Giám đốc Công an tỉnh; đồng chí Đầu Thanh Tùng, "
               "Trưởng Ban Tuyên giáo và bà Thái Hương.")
    assert person_names(members) == ["Tô Anh Dũng", "Đầu Thanh Tùng", "Thái Hương"]
    # a place is neither addressed nor given an office
    assert person_names("Đoàn tỉnh Thái Bình làm việc tại Hà Nội, nơi Bí thư Tỉnh ủy phát biểu.") == []


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


_TWO_OFFICIALS = ("Vui mừng được đón tiếp đồng chí Bí thư Tỉnh ủy Nguyễn Doãn Anh và đoàn công tác tỉnh Thanh "
                  "Hóa, Đại sứ Đặng Minh Khôi cho biết Việt Nam và Nga đang kỷ niệm 75 năm quan hệ ngoại giao.")
_DELEGATION = ("Tham gia đoàn công tác có các đồng chí: Lê Tiến Lam, Phó Chủ tịch Thường trực HĐND tỉnh; "
               "Nguyễn Ngọc Tiến, Trưởng Ban Nội chính Tỉnh ủy; Đại tá Vũ Văn Tùng, Chỉ huy trưởng Bộ Chỉ huy "
               "Quân sự tỉnh.")
_LEADER = ("Đoàn đại biểu cấp cao tỉnh Thanh Hóa do đồng chí Nguyễn Doãn Anh, Ủy viên Trung ương Đảng, Bí thư "
           "Tỉnh ủy làm trưởng đoàn đã làm việc với Đại sứ quán Việt Nam tại Liên bang Nga.")
_CHAMBER = ("Đoàn tỉnh Thái Bình do Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch Hội đồng Nhân dân tỉnh Nguyễn "
            "Tiến Thành dẫn đầu đã làm việc với lãnh đạo Phòng Thương mại và Công nghiệp Moskva do ông Vladimir "
            "Platonov, Chủ tịch Phòng Thương mại và Công nghiệp Moskva dẫn đầu.")


@pytest.mark.parametrize(("sentence", "question", "expected"), [
    # the office asked for, in either language, picks the person, not the nearest name
    (_TWO_OFFICIALS, "Who is Vietnam's ambassador to Russia?", "Đặng Minh Khôi"),
    (_TWO_OFFICIALS, "Ai là Đại sứ Việt Nam tại Nga?", "Đặng Minh Khôi"),
    (_TWO_OFFICIALS, "Who is the provincial party secretary?", "Nguyễn Doãn Anh"),
    (_DELEGATION, "Trưởng Ban Nội chính Tỉnh ủy trong đoàn là ai?", "Nguyễn Ngọc Tiến"),
    (_DELEGATION, "Who is the commander of the provincial military command?", "Vũ Văn Tùng"),
    # a deputy is not the office itself, and a person given only another office is no answer
    (_DELEGATION, "Ai là Chủ tịch HĐND tỉnh?", None),
    (_TWO_OFFICIALS, "Ai là Thống đốc tỉnh Kaluga?", None),
    # an office of a place the passage never names is held by no one in it
    (_TWO_OFFICIALS, "Ai là Bí thư Tỉnh ủy Nghệ An?", None),
    (_TWO_OFFICIALS, "Who is the party secretary of Nghệ An province?", None),
    (_TWO_OFFICIALS, "Ai là Bí thư Tỉnh ủy Thanh Hóa?", "Nguyễn Doãn Anh"),
    # the body decides between two holders of the same office
    (_CHAMBER, "Who is the chairman of the Moscow Chamber of Commerce and Industry?", "Vladimir Platonov"),
    (_CHAMBER, "Ai là Chủ tịch HĐND tỉnh Thái Bình?", "Nguyễn Tiến Thành"),
    (_CHAMBER, "Who chairs the Moscow Chamber of Commerce and Industry?", "Vladimir Platonov"),  # the verb
    # "head" names no office of its own: the head of a delegation is given his standing one
    (_LEADER, "Ai là trưởng đoàn công tác tỉnh Thanh Hóa?", "Nguyễn Doãn Anh"),
    (_LEADER, "Who was the head of the Thanh Hóa delegation?", "Nguyễn Doãn Anh"),
    # a question naming no office keeps the nearest person
    (_CHAMBER, "Ai dẫn đầu đoàn tỉnh Thái Bình?", "Nguyễn Tiến Thành"),
    # an office named for the one who met someone is the question's subject, not its answer
    (_TWO_OFFICIALS, "Bí thư Tỉnh ủy Thanh Hóa đã gặp ai?", "Đặng Minh Khôi"),
    (_TWO_OFFICIALS, "Whom did the provincial party secretary meet?", "Đặng Minh Khôi"),
    (_CHAMBER, "Chủ tịch Phòng Thương mại và Công nghiệp Moskva đã làm việc với ai?", "Nguyễn Tiến Thành"),
    # … whatever place his role window takes in ("tại Liên bang Nga, đồng chí …"); no one else is named
    ("Trong chương trình công tác tại Liên bang Nga, đồng chí Nguyễn Doãn Anh, Bí thư Tỉnh ủy và đoàn tỉnh Thanh "
     "Hóa đã làm việc với Ban lãnh đạo Hiệp hội các nhà doanh nghiệp Việt Nam.",
     "Bí thư Tỉnh ủy Thanh Hóa đã gặp ai tại Liên bang Nga?", None),
])
def test_a_who_question_naming_an_office_is_answered_by_its_holder(sentence: str, question: str,
                                                                    expected: str | None) -> None:
    from assistant.spans import short_answer

    span = short_answer(sentence, question, "who")
    assert (span.text if span else None) == expected, span


_SHARES = ("Kim ngạch xuất khẩu sang thị trường Nga 9 tháng năm 2025 mới đạt 6,25 triệu USD, bằng 0,12% tổng kim "
           "ngạch xuất khẩu của tỉnh.")
_KOREA = "Năm nay Hàn Quốc đầu tư 37 dự án trong 9 tháng."


@pytest.mark.parametrize(("sentence", "question", "expected"), [
    # a percentage or a decimal on its own is an answer (it was dropped for holding no letters)
    (_SHARES, "Xuất khẩu sang Nga chiếm bao nhiêu phần trăm tổng kim ngạch xuất khẩu của tỉnh?", "0,12%"),
    (_SHARES, "What percentage of the province's exports went to Russia?", "0,12%"),
    # what the question counts picks the number that counts it, not the nearest one
    (_KOREA, "Hàn Quốc đầu tư trong bao nhiêu tháng?", "9"),
    (_KOREA, "Hàn Quốc đầu tư bao nhiêu dự án?", "37"),
])
def test_a_number_question_gets_the_number_that_measures_what_it_asks(sentence: str, question: str,
                                                                       expected: str) -> None:
    from assistant.spans import short_answer

    span = short_answer(sentence, question, "number")
    assert span is not None and span.text == expected, span


def test_a_unit_word_before_another_number_measures_that_one() -> None:
    from assistant.spans import candidates

    texts = {span.text for span in candidates("Xuất khẩu 9 tháng năm 2025 đạt 6,25 triệu USD, tăng 30% so với")}
    assert "9 tháng" in texts and "9 tháng năm" not in texts  # "năm" is 2025's
    assert "30%" in texts and not any(t.startswith("30% ") for t in texts)  # a share takes no unit
    assert "6,25 triệu USD" in texts


def test_a_year_takes_no_words_after_it_but_a_year_shaped_count_does() -> None:
    from assistant.spans import short_answer

    founded = "Sàn giao dịch đầu tiên được thành lập vào năm 1817 và tiếp tục giao dịch cho đến Thế Chiến II."
    span = short_answer(founded, "Sàn giao dịch được thành lập khi nào?", "when")
    assert span is not None and span.text == "năm 1817"  # not "năm 1817 và tiếp"
    crowd = "Có 2000 người tham gia lễ hội năm 2015."
    assert short_answer(crowd, "Lễ hội diễn ra năm nào?", "when").text == "năm 2015"  # type: ignore[union-attr]
    count = short_answer(crowd, "Có bao nhiêu người tham gia lễ hội?", "number")
    assert count is not None and count.text == "2000"  # a count of people, though it looks like a year


@pytest.mark.parametrize(("sentence", "question", "qtype", "expected"), [
    # a year with its noun of time: "1990" would misread "the 1990s"
    ("Tesla chết năm 1943 tại New York.", "Tesla chết khi nào?", "when", "năm 1943"),
    ("Người ta quan tâm lại đến Tesla vào những năm 1990.", "Khi nào người ta quan tâm lại đến Tesla?", "when",
     "những năm 1990"),
    ("Phong trào lên cao vào cuối thập niên 1960.", "Phong trào lên cao khi nào?", "when", "cuối thập niên 1960"),
    ("Vào 1946, đội vô địch.", "Đội vô địch khi nào?", "when", "1946"),  # no noun of time before it
    # a whole date, with its day and month, without "ngày" too
    ("Thử nghiệm đầu tiên diễn ra vào 27 tháng 1 năm 1967 tại Florida.", "Thử nghiệm diễn ra khi nào?", "when",
     "27 tháng 1 năm 1967"),
    ("Ủy ban được thành lập vào tháng 7, 1961.", "Ủy ban được thành lập khi nào?", "when", "tháng 7, 1961"),
    # asked when, the whole date; asked the year, the year
    ("Thử nghiệm bắt đầu vào sáng ngày 27 tháng 1 năm 1967, và gặp sự cố.", "Thử nghiệm bắt đầu khi nào?", "when",
     "ngày 27 tháng 1 năm 1967"),
    ("Thử nghiệm bắt đầu vào sáng ngày 27 tháng 1 năm 1967, và gặp sự cố.", "Thử nghiệm bắt đầu năm nào?", "when",
     "năm 1967"),
    # a range, not its end alone
    ("Động cơ đạt 27-30% hiệu suất của động cơ áp suất cao.", "Động cơ đạt bao nhiêu phần trăm hiệu suất?", "number",
     "27-30%"),
    ("Nhà hát hoạt động từ năm 1870 đến 1939.", "Nhà hát hoạt động khi nào?", "when", "năm 1870 đến 1939"),
    ("The theatre ran from 1870 to 1939.", "When did the theatre run?", "when", "1870 to 1939"),
])
def test_a_number_or_year_comes_with_what_it_is_said_with(sentence: str, question: str, qtype: str,
                                                            expected: str) -> None:
    from assistant.spans import short_answer

    span = short_answer(sentence, question, qtype)
    assert span is not None and span.text == expected


@pytest.mark.parametrize(("vietnamese", "english"), [
    ("tháng 2 năm 2014", "February 2014"),
    ("ngày 27 tháng 1 năm 1967", "27 January 1967"),
    ("20/11/2025", "20 November 2025"),
    ("6/7", "6 July"),
    ("năm 1946", "1946"),
    ("những năm 1990", "1990s"),
    ("cuối thập niên 1960", "late 1960s"),
    ("cuối năm 2014", "late 2014"),
    ("năm 1870 đến 1939", "1870 to 1939"),
    ("6,25 triệu USD", "6,25 triệu USD"),  # not a time: as it is
])
def test_a_time_is_written_in_english_words(vietnamese: str, english: str) -> None:
    from assistant.facts import english_time

    assert english_time(vietnamese) == english


@pytest.mark.parametrize(("vietnamese", "english"), [
    ("6,25 triệu USD", "6.25 million USD"),
    ("14,245 tỷ USD", "14.245 billion USD"),  # a comma before a magnitude word is a decimal comma
    ("0,12%", "0.12%"),
    ("17.786.419", "17,786,419"),
    ("1,435", "1,435"),  # either reading: as written
    ("75 năm", "75 years"),
    ("1 năm", "1 year"),
    ("mười năm", "mười năm"),  # "10" is not in the quote
    ("300 tấn", "300 tonnes"),
    ("24 đến 80", "24 to 80"),
    ("22 lần", "22 lần"),  # a word it cannot write keeps the article's words
    ("7.000.000 km vuông", "7.000.000 km vuông"),  # not "7,000,000 km"
])
def test_a_quantity_is_written_in_english_words_when_every_word_can_be(vietnamese: str, english: str) -> None:
    from assistant.units import english_quantity

    assert english_quantity(vietnamese) == english


@pytest.mark.parametrize(("question", "expected"), [
    # a stretch of time tells when, not how much (CLDR's duration units)
    ("How much did Nghệ An export to Russia in 2025?", "2,6 triệu USD"),
    ("Xuất khẩu của Nghệ An sang Nga đạt bao nhiêu?", "2,6 triệu USD"),
    # unless the question asks how long, or counts that unit
    ("Xuất khẩu đạt 2,6 triệu USD trong bao lâu?", "10 tháng"),  # the stretch ends at its unit
    ("Trong bao nhiêu tháng đầu năm?", "10"),
])
def test_a_stretch_of_time_answers_only_a_question_about_time(question: str, expected: str) -> None:
    from assistant.spans import short_answer

    sentence = "Xuất khẩu của doanh nghiệp Nghệ An sang Nga đạt 2,6 triệu USD trong 10 tháng đầu năm 2025."
    span = short_answer(sentence, question, "number")
    assert span is not None and span.text == expected, span


def test_the_passage_names_the_place_of_the_office_asked_about() -> None:
    from assistant.spans import short_answer

    said = "Bí thư Tỉnh ủy Nguyễn Doãn Anh phát biểu tại buổi làm việc."
    question = "Ai là Bí thư Tỉnh ủy Thanh Hóa?"
    assert short_answer(said, question, "who") is None  # nothing here says which province
    span = short_answer(said, question, "who", context="Thanh Hóa làm việc với Đại sứ quán Việt Nam tại Nga\n" + said)
    assert span is not None and span.text == "Nguyễn Doãn Anh", span  # the article's title does
    putin = "Bà Thái Hương được Tổng thống Liên bang Nga Vladimir Putin trao tặng Huân chương Hữu nghị."
    assert short_answer(putin, "Ai là tổng thống Mỹ?", "who", context=putin) is None
    assert short_answer(putin, "Who is the president of Russia?", "who", context=putin) is not None  # an exonym


def test_what_the_question_says_is_not_its_short_answer() -> None:
    from assistant.spans import short_answer

    award = ("Bà Thái Hương mới đây được Tổng thống Liên bang Nga Vladimir Putin trao tặng Huân chương Hữu nghị "
             "tại điện Kremlin.")
    span = short_answer(award, "Who received the Order of Friendship from Putin?", "who")
    assert span is None or "Putin" not in span.text, span
    assert short_answer(award, "Who awarded the Order of Friendship?", "who") is not None  # Putin, asked for
    # a word of the question is not a name it says: "anh" (you, he) is no "Nguyễn Doãn Anh"
    led = short_answer("Đoàn do ông Nguyễn Doãn Anh dẫn đầu.", "Ai dẫn đầu đoàn của anh?", "who")
    assert led is not None and led.text == "Nguyễn Doãn Anh", led
    # "how many" counts things: a share is no count
    tourists = "Hiện chưa có nhà đầu tư Nga nào; khách du lịch Nga mới đạt 1,75% tổng lượng khách quốc tế."
    assert short_answer(tourists, "How many Russian investors are there?", "number") is None
    assert short_answer(tourists, "Có bao nhiêu doanh nghiệp Nga đầu tư?", "number") is None
    shares = "Lượng carbon tích trữ ở đây chiếm 10% tổng lượng của thế giới."
    assert short_answer(shares, "Lượng carbon chiếm bao nhiêu so với thế giới?", "number").text == "10%"  # type: ignore[union-attr]
    assert short_answer(tourists, "What percentage of the tourists are Russian?", "number").text == "1,75%"  # type: ignore[union-attr]


def test_of_two_numbers_the_one_among_the_questions_words_answers() -> None:
    from assistant.spans import short_answer

    sentence = ("Hậu vệ Minh, người 3 lần dự giải vô địch châu Á, dẫn đầu về số lần ghi bàn trong sự nghiệp "
                "thi đấu với 45 lần.")
    goals = short_answer(sentence, "Minh có bao nhiêu lần ghi bàn trong sự nghiệp thi đấu?", "number")
    assert goals is not None and goals.text == "45"  # not the 3 standing next to "Minh"
    cups = short_answer(sentence, "Minh đã dự giải vô địch châu Á bao nhiêu lần?", "number")
    assert cups is not None and cups.text == "3"


def test_a_question_for_the_year_is_not_answered_by_a_day_and_month() -> None:
    from assistant.spans import short_answer

    visit = "(TTV)- Sáng 6/7, đoàn công tác của Bộ ngoại giao do Thứ trưởng Lê Hoài Trung dẫn đầu đã làm việc với tỉnh."
    assert short_answer(visit, "Thứ trưởng Lê Hoài Trung sinh năm nào?", "when") is None
    assert short_answer(visit, "In what year was Lê Hoài Trung born?", "when") is None
    assert short_answer(visit, "Đoàn Bộ Ngoại giao làm việc với tỉnh khi nào?", "when").text == "6/7"  # type: ignore[union-attr]
    born = short_answer("Ông sinh ngày 3 tháng 5 năm 1960 tại Hà Nội.", "Ông sinh năm nào?", "when")
    assert born is not None and "1960" in born.text


@pytest.mark.parametrize(("question", "expected"), [
    ("Kaluga có bao nhiêu khu công nghiệp?", "ba"),  # the question says what it counts
    ("How many industrial parks does Kaluga have?", "ba khu công"),  # it says nothing in Vietnamese
])
def test_a_numeral_written_as_a_word_answers_how_many(question: str, expected: str | None) -> None:
    from assistant.spans import short_answer

    sentence = "Kaluga hiện có ba khu công nghiệp lớn, nhiều nhà máy sản xuất quy mô quốc tế."
    span = short_answer(sentence, question, "number")
    assert (span.text if span else None) == expected


def test_a_numeral_word_that_is_part_of_another_word_or_an_article_is_no_count() -> None:
    from assistant.spans import short_answer

    # "tư" of "đầu tư" (invest) and "một" (a) count nothing; "hai" before a noun does
    sentence = "Tỉnh kêu gọi đầu tư vào một khu công nghiệp và hai cảng biển."
    assert short_answer(sentence, "Tỉnh có bao nhiêu cảng biển?", "number").text == "hai"  # type: ignore[union-attr]
    assert short_answer("Tỉnh kêu gọi đầu tư vào một khu công nghiệp.", "Có bao nhiêu khu?", "number") is None


def test_a_preposition_or_conjunction_measures_no_number() -> None:
    from assistant.spans import short_answer

    sentence = "Lady Gaga, người chiến thắng giải Grammy sáu lần và được đề cử Oscar, hát quốc ca."
    assert short_answer(sentence, "How many Grammys has Lady Gaga won?", "number").text == "sáu lần"  # type: ignore[union-attr]
    assert short_answer("Dân số là 17.786.419 và đang tăng.", "Dân số là bao nhiêu?", "number").text == "17.786.419"  # type: ignore[union-attr]


def test_a_stretch_of_time_ends_the_measure() -> None:
    from assistant.spans import short_answer

    # "năm" (years) measures 75; "thiết" is the first syllable of the verb "thiết lập"
    sentence = "Việt Nam và Nga đang kỷ niệm 75 năm thiết lập quan hệ ngoại giao."
    assert short_answer(sentence, "How many years of diplomatic ties?", "number").text == "75 năm"  # type: ignore[union-attr]
    assert short_answer("Tỉnh có ba năm liền tăng trưởng.", "How many years?", "number").text == "ba năm"  # type: ignore[union-attr]
    # a unit that is no stretch of time goes on measuring: "6,25 triệu USD"
    assert short_answer("Kim ngạch đạt 6,25 triệu USD.", "How much?", "number").text == "6,25 triệu USD"  # type: ignore[union-attr]


def test_a_count_of_another_thing_does_not_answer() -> None:
    from assistant.spans import short_answer

    sentence = "Hiện nay, Thanh Hoá có 132 dự án FDI với tổng số vốn là 14,245 tỷ USD."
    assert short_answer(sentence, "Thanh Hóa có bao nhiêu trường đại học?", "number") is None
    assert short_answer(sentence, "Thanh Hóa có bao nhiêu dự án FDI?", "number").text == "132"  # type: ignore[union-attr]
    # a word of magnitude measures nothing: "2,6 triệu người" counts people
    assert short_answer("Tỉnh có 132 dự án và 2,6 triệu người.", "Tỉnh có bao nhiêu người?", "number").text == "2,6"  # type: ignore[union-attr]
    # an abbreviated unit may be the counted one; an English question names its thing in English
    assert short_answer("Động cơ tiêu thụ khoảng 8,8 lb hơi nước.", "Động cơ dùng bao nhiêu pound hơi nước?", "number").text == "8,8"  # type: ignore[union-attr]
    assert short_answer(sentence, "How many FDI projects does Thanh Hóa have?", "number").text == "132 dự án"  # type: ignore[union-attr]


def test_a_titled_person_is_no_place() -> None:
    from assistant.spans import short_answer

    sentence = ("Bà Thái Hương mới đây được Tổng thống Liên bang Nga Vladimir Putin trao tặng Huân chương "
                "Hữu nghị tại điện Kremlin.")
    assert short_answer(sentence, "Huân chương Hữu nghị được trao ở đâu?", "where").text == "Kremlin"  # type: ignore[union-attr]
    # a run that only looks like a person's name may be the place
    assert short_answer("Ông sống ở New York.", "Where did he live?", "where").text == "New York"  # type: ignore[union-attr]
    # nor is the capitalised head of a title ("Phó Bí" of "Phó Bí thư") a place
    from assistant.spans import candidates

    sentence = "Hôm qua, đoàn tỉnh Thái Bình do Phó Bí thư Thường trực Tỉnh ủy Nguyễn Tiến Thành dẫn đầu."
    assert [c.text for c in candidates(sentence) if c.kind == "name"] == ["Thái Bình", "Nguyễn Tiến Thành"]


def test_a_name_keeps_the_dot_of_its_abbreviation() -> None:
    from assistant.questions import analyse
    from assistant.spans import candidates, short_answer

    sentence = "Trước đó, tại St. Petersburg, đoàn công tác của tỉnh Thái Bình đã làm việc với thành phố."
    question = "Thái Bình hợp tác với thành phố nào của Nga?"
    assert short_answer(sentence, question, analyse(question).qtype).text == "St. Petersburg"  # type: ignore[union-attr]
    # an acronym's dot ends a sentence the splitter missed: no name across it
    assert "EU. Nga" not in [c.text for c in candidates("Họ làm việc với EU. Nga đồng ý.")]


def test_a_count_is_no_sum_of_money() -> None:
    from assistant.spans import short_answer

    sentence = ("Thanh Hóa có 14 dự án của các nhà đầu tư Nhật Bản với một số dự án lớn như: "
                "Liên hợp lọc hóa dầu Nghi Sơn (9,300 tỷ USD).")
    assert short_answer(sentence, "How many Japanese projects are there in Thanh Hóa?", "number").text == "14 dự án"  # type: ignore[union-attr]
    # "how much" may ask for money
    assert short_answer("Nhà máy có vốn 622 triệu USD.", "How much did the plant cost?", "number").text == "622 triệu USD"  # type: ignore[union-attr]


def test_a_share_of_the_thing_asked_is_not_the_thing() -> None:
    from assistant.spans import short_answer

    sentence = "Nhà đầu tư Nhật Bản có tổng vốn đăng ký khoảng 6,55 tỷ USD, chiếm 48% tổng vốn đầu tư FDI."
    assert short_answer(sentence, "Tổng vốn FDI của Nhật Bản là bao nhiêu?", "number").text == "6,55 tỷ USD"  # type: ignore[union-attr]
    assert short_answer(sentence, "Vốn Nhật Bản chiếm bao nhiêu phần trăm tổng vốn FDI?", "number").text == "48%"  # type: ignore[union-attr]
    # a percentage before the clause ends, or before function words only, stays
    growth = "Kinh tế của tỉnh duy trì tốc độ tăng trưởng khoảng 7%, tỉnh đang chuyển đổi cơ cấu."
    assert short_answer(growth, "Kinh tế của tỉnh tăng trưởng bao nhiêu?", "number").text == "7%"  # type: ignore[union-attr]


def test_what_share_asks_for_a_percentage() -> None:
    from assistant.spans import short_answer

    sentence = "Xuất khẩu đạt 1.559 triệu USD, bằng 39% kế hoạch."
    assert short_answer(sentence, "What share of the plan is that?", "number").text == "39%"  # type: ignore[union-attr]


def test_a_percentage_apart_from_its_number_is_a_share() -> None:
    from assistant.spans import short_answer

    sentence = "Lượng khách quốc tế đến tỉnh ít (chiếm 0,7 % tổng lượt khách)."
    assert short_answer(sentence, "Khách quốc tế chiếm bao nhiêu phần trăm?", "number").text == "0,7 %"  # type: ignore[union-attr]
    assert short_answer(sentence, "Tỉnh có bao nhiêu km biên giới?", "number") is None  # a share measures no length


def test_an_office_asked_of_no_one_named_has_no_short_answer() -> None:
    from assistant.questions import analyse
    from assistant.spans import short_answer

    assert analyse("Ông ấy giữ chức vụ gì?").qtype == "who"
    assert analyse("What position does he hold?").qtype == "who"
    # a who-question would take the sentence's person; an office asked of someone the sentence
    # does not name takes no one
    sentence = "Bí thư Tỉnh ủy Nguyễn Doãn Anh gặp Đại sứ Đặng Minh Khôi."
    assert short_answer(sentence, "Ông Lê Văn Tám giữ chức vụ gì?", "who") is None


def test_a_title_after_a_dash_may_run_on_into_the_clause() -> None:
    # an organisation capitalises its first word only; the clause goes on in lower case
    sentence = ("Thống đốc chia sẻ niềm vui khi bà Thái Hương – Chủ tịch Hội đồng chiến lược Tập đoàn TH "
                "mới đây được trao tặng Huân chương Hữu nghị.")
    assert titled_names(sentence) == [("Thái Hương", "Chủ tịch Hội đồng chiến lược Tập đoàn TH")]
    assert titled_names("Ông Phạm Minh Chính – Thủ tướng Chính phủ nhấn mạnh vai trò của doanh nghiệp.") == [
        ("Phạm Minh Chính", "Thủ tướng Chính phủ")]
    assert titled_names("Ông Trần Văn Bình – Giám đốc Công an tỉnh cho biết vụ việc đang được điều tra.") == [
        ("Trần Văn Bình", "Giám đốc Công an")]


@pytest.mark.parametrize(("question", "expected"), [
    # the head of a body is whoever chairs or directs it: the chamber's chairman, not the
    # delegation's leader whom the sentence makes chairman of another body
    ("Who is the head of the Moscow Chamber of Commerce?", "Vladimir Platonov"),
    ("Ai là người đứng đầu Phòng Thương mại và Công nghiệp Moskva?", "Vladimir Platonov"),
    # "head" of no body asked prefers, never rules out: the delegation's leader
    ("Ai là trưởng đoàn Thái Bình?", "Nguyễn Tiến Thành"),
])
def test_the_head_of_a_body_is_the_one_the_sentence_puts_at_its_head(question: str, expected: str) -> None:
    from assistant.spans import short_answer

    sentence = ("Ngày 10/10, đoàn tỉnh Thái Bình do Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch Hội đồng Nhân dân "
                "tỉnh Nguyễn Tiến Thành dẫn đầu đã có buổi làm việc với lãnh đạo Phòng Thương mại và Công nghiệp "
                "Moskva do ông Vladimir Platonov, Chủ tịch Phòng Thương mại và Công nghiệp Moskva dẫn đầu.")
    assert short_answer(sentence, question, "who", context="Moskva").text == expected  # type: ignore[union-attr]


def test_the_holder_of_the_office_a_question_names() -> None:
    from assistant.spans import office_holder

    caption = "Bí thư Tỉnh ủy Nguyễn Khắc Thận và Ngài Thống đốc Vladislav Valerievich Shapsha tặng quà lưu niệm."
    nghe_an = "Thúc đẩy hợp tác giữa Nghệ An và Kaluga"
    assert office_holder(caption, "Ai là Bí thư Tỉnh ủy Nghệ An?", context=nghe_an).text == "Nguyễn Khắc Thận"  # type: ignore[union-attr]
    assert office_holder(caption, "Who is the governor of Kaluga?", context=nghe_an).text == "Vladislav Valerievich Shapsha"  # type: ignore[union-attr]
    # no one here is the ambassador; no office of a place the passage never names; "trưởng
    # đoàn" (head) names no office; a question naming no office has no holder
    assert office_holder(caption, "Ai là Đại sứ Việt Nam tại Nga?", context=nghe_an) is None
    assert office_holder(caption, "Ai là Bí thư Tỉnh ủy Thanh Hóa?", context=nghe_an) is None
    assert office_holder(caption, "Ai là trưởng đoàn?", context=nghe_an) is None
    assert office_holder(caption, "Ai tặng quà lưu niệm?", context=nghe_an) is None


@pytest.mark.parametrize(("question", "expected"), [
    ("Nguyễn Doãn Anh là ai?", "Bí thư Tỉnh ủy"),
    ("Nguyen Doan Anh la ai", "Bí thư Tỉnh ủy"),  # typed without marks
    ("Who is Đặng Minh Khôi?", "Đại sứ Đặc mệnh toàn quyền Việt Nam tại Liên bang Nga"),
    ("Ông Đặng Minh Khôi là ai?", "Đại sứ Đặc mệnh toàn quyền Việt Nam tại Liên bang Nga"),
    # not asking who someone is: the other person
    ("Nguyễn Doãn Anh gặp ai?", "Đặng Minh Khôi"),
    # asking the office someone holds asks the same
    ("Nguyễn Doãn Anh giữ chức vụ gì?", "Bí thư Tỉnh ủy"),
    ("What position does Đặng Minh Khôi hold?", "Đại sứ Đặc mệnh toàn quyền Việt Nam tại Liên bang Nga"),
    ("Chức danh của ông Đặng Minh Khôi là gì?", "Đại sứ Đặc mệnh toàn quyền Việt Nam tại Liên bang Nga"),
])
def test_who_a_named_person_is_is_the_title_the_sentence_gives_them(question: str, expected: str) -> None:
    from assistant.spans import short_answer

    sentence = "Bí thư Tỉnh ủy Nguyễn Doãn Anh gặp mặt Đại sứ Đặc mệnh toàn quyền Việt Nam tại Liên bang Nga Đặng Minh Khôi."
    span = short_answer(sentence, question, "who")
    assert span is not None and span.text == expected, span


@pytest.mark.parametrize("question", [
    "Ông Kalganov giữ chức vụ gì?", "What position does Kalganov hold?", "Who is Kalganov?",
    "Ông Vyacheslav Kalganov là ai?",
])
def test_a_person_named_again_by_the_last_word_of_the_name(question: str) -> None:
    from assistant.spans import office_holder, short_answer

    # news names a person in full once, then by the last word ("ông Kalganov", "ông Thành")
    sentence = ("Thay mặt chính quyền thành phố St. Petersburg, Phó Chủ tịch Ủy ban Đối ngoại thành phố "
                "St. Petersburg, ông Vyacheslav Kalganov đã đề xuất hợp tác.")
    title = "Phó Chủ tịch Ủy ban Đối ngoại thành phố St. Petersburg"
    assert short_answer(sentence, question, "who").text == title  # type: ignore[union-attr]
    # the sentence to lead with when the best one names him without a title
    assert office_holder(sentence, question).text == title  # type: ignore[union-attr]
    assert short_answer("Ông Kalganov đề nghị tỉnh gửi danh sách sản phẩm.", question, "who") is None


def test_a_pronoun_or_another_persons_last_name_is_no_name_asked() -> None:
    from assistant.spans import office_holder, short_answer

    sentence = "Bí thư Tỉnh ủy Nguyễn Doãn Anh gặp mặt Đại sứ Đặng Minh Khôi."
    # "Anh ấy" opens with a pronoun, not the name "Anh"; "Nguyễn Văn Anh" is another man
    assert short_answer(sentence, "Anh ấy giữ chức vụ gì?", "who") is None
    span = short_answer(sentence, "Nguyễn Văn Anh là ai?", "who")
    assert span is None or span.text != "Bí thư Tỉnh ủy"
    assert office_holder(sentence, "Ai có mặt tại buổi gặp?") is None  # no office nor person asked: no holder


def test_a_title_ends_with_the_place_it_is_of() -> None:
    # a caption's verb after "tỉnh Kaluga" is no part of the title
    assert titled_names("Ngài Vladislav Valerievich Shapsha – Thống đốc tỉnh Kaluga phát biểu.") == [
        ("Vladislav Valerievich Shapsha", "Thống đốc tỉnh Kaluga")]
    assert titled_names("Ông Lê Văn Nam – Chủ tịch UBND thành phố Hà Nội cho biết thêm về dự án mới.") == [
        ("Lê Văn Nam", "Chủ tịch UBND thành phố Hà Nội")]
    # lower-case words of a body's name after a place stay ("… tỉnh Nghệ An khóa XIX" is no place end)
    assert titled_names("Ông Lê Văn Nam – Bí thư Tỉnh ủy Nghệ An, phát biểu.") == [("Lê Văn Nam", "Bí thư Tỉnh ủy Nghệ An")]


def test_who_a_named_person_is_has_no_short_answer_when_the_sentence_gives_no_title() -> None:
    from assistant.spans import short_answer

    # another name is no answer
    assert short_answer("Ông Nguyễn Doãn Anh gặp ông Đặng Minh Khôi tại Moskva.", "Nguyễn Doãn Anh là ai?", "who") is None


def test_a_title_that_is_the_whole_clause_before_an_addressed_name() -> None:
    platonov = "Về phần mình, Chủ tịch Phòng Thương mại và Công nghiệp Moskva, ông Vladimir Platonov khẳng định."
    assert titled_names(platonov) == [("Vladimir Platonov", "Chủ tịch Phòng Thương mại và Công nghiệp Moskva")]
    # the end of a longer clause is no title of the name after it
    assert titled_names("Tại buổi làm việc với Thống đốc, ông Vladimir Platonov nói.") == []


def test_asked_how_long_something_lasts_only_a_stretch_of_time_answers() -> None:
    from assistant.spans import short_answer

    museum = "Bảo tàng mở cửa từ năm 1990 đến 2010, giữa hai lần trùng tu lớn."
    assert short_answer(museum, "Bảo tàng mở cửa được bao lâu?", "number") is None  # not "hai lần trùng"
    visit = "Chuyến thăm kéo dài 5 ngày, với hai buổi làm việc."
    span = short_answer(visit, "Chuyến thăm kéo dài bao lâu?", "number")
    assert span is not None and span.text == "5 ngày"
    bridge = "Cây cầu dài 2 km, có 3 nhịp."
    assert short_answer(bridge, "How long is the bridge?", "number") is not None  # a length may answer


def test_a_question_about_one_year_answered_from_sentences_about_another() -> None:
    from assistant.facts import other_year

    sentence = "Kim ngạch xuất khẩu đạt 2,6 triệu USD trong 10 tháng đầu năm 2025."
    assert other_year("Nghệ An xuất khẩu bao nhiêu trong năm 2024?", [sentence], "") == "2024"
    assert other_year("How much did Nghệ An export in 2025?", [sentence], "") == ""  # the year asked
    assert other_year("Nghệ An xuất khẩu bao nhiêu?", [sentence], "") == ""  # no year asked
    # a sentence without a year may be about it; so may one whose article names the year
    assert other_year("Năm 2020 ai làm việc với Thanh Hóa?", ["Sáng 6/7, đoàn đã làm việc."], "") == ""
    assert other_year("Năm 2020 ai làm việc với Thanh Hóa?", ["Từ năm 2018, đoàn đã làm việc."], "2020-07-06") == ""
    # an amount or a share is no year
    assert other_year("Kim ngạch năm 2024?", ["Kim ngạch đạt 2025 tỷ đồng, tăng 12%."], "") == ""


def test_a_name_says_where_only_after_a_preposition_or_a_unit_of_place() -> None:
    from assistant.spans import short_answer

    sentence = "Trước đó, đoàn đã khảo sát di sản văn hóa UNESCO của Thanh Hóa."
    assert short_answer(sentence, "Đoàn đã đi thăm những nơi nào?", "where") is None  # "UNESCO", "Thanh Hóa" say no where
    assert short_answer("Nhà máy được đặt tại tỉnh Kaluga.", "Nhà máy nằm ở đâu?", "where").text == "Kaluga"  # type: ignore[union-attr]
    assert short_answer("The government sat in Sydney.", "Where did the government sit?", "where").text == "Sydney"  # type: ignore[union-attr]


@pytest.mark.parametrize(("short", "question", "counts"), [
    ("0,12%", "Thị trường Nga chiếm mấy phần trăm kim ngạch xuất khẩu?", True),
    ("17,5%", "What percentage of the province's exports go to Russia?", True),
    ("37 doanh nghiệp", "Có bao nhiêu doanh nghiệp tham gia?", True),
    ("ba", "Tỉnh có bao nhiêu khu công nghiệp?", False),  # a numeral in words: no unit to read
    ("132 dự án", "Có bao nhiêu trường đại học?", False),  # a count of another thing
    ("2,6 triệu USD", "Nghệ An xuất khẩu đạt bao nhiêu?", False),  # the question names nothing to count
])
def test_counts_asked_reads_whether_a_short_answer_is_a_number_of_what_is_counted(
        short: str, question: str, counts: bool) -> None:
    from assistant.spans import counts_asked

    assert counts_asked(short, question) is counts


def test_a_time_on_a_clock_is_one_number() -> None:
    # my own sentence: "4:51" was two numbers, and "51" answered "what did the clock show"
    from assistant.spans import short_answer

    sentence = "Khi đồng hồ còn 4:51, đội Lạc Hà có bóng ở vạch 30 yard và ghi bàn sau 1:02:30 phút thi đấu."
    assert short_answer(sentence, "Đồng hồ còn bao nhiêu khi đội Lạc Hà có bóng ở vạch 30 yard?", "number").text == "4:51"
    assert short_answer(sentence, "Trận đấu còn lại bao lâu khi đội Lạc Hà có bóng?", "number").text == "4:51"
    assert short_answer(sentence, "How much time was left when Lạc Hà had the ball at the 30-yard line?",
                        "number").text == "4:51"
    assert short_answer("Tỷ lệ là 3 trên 4.", "Tỷ lệ là bao nhiêu?", "number").text == "3"  # no colon, no clock
