"""Table-driven tests of the citation verifier (assistant.citations)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from assistant.citations import check_answer, normalize_markers
from assistant.types import Passage

# Passages copied from the seed articles (001: the embassy visit; 000: the Russian trade
# figures; 003: Thái Bình in Moscow).
EMBASSY = Passage(
    chunk_id="001-0",
    doc_id="001_9d4aaab2d26252d3",
    title="Bí thư Tỉnh ủy Nguyễn Doãn Anh làm việc với Đại sứ quán Việt Nam tại Liên bang Nga",
    date="2025-11-25",
    text=(
        "Trong khuôn khổ chuyến thăm và làm việc tại Liên bang Nga từ ngày 20/11, Đoàn đại "
        "biểu cấp cao tỉnh Thanh Hóa do đồng chí Nguyễn Doãn Anh, Ủy viên Trung ương Đảng, Bí "
        "thư Tỉnh ủy làm trưởng đoàn đã có buổi làm việc với Đại sứ quán Việt Nam tại Liên "
        "bang Nga.\n\nBí thư Tỉnh ủy Nguyễn Doãn Anh gặp mặt Đại sứ Đặc mệnh toàn quyền Việt "
        "Nam tại Liên bang Nga Đặng Minh Khôi."
    ),
)
TRADE = Passage(
    chunk_id="000-3",
    doc_id="000_060b34d39035a389",
    title="Đoàn công tác cấp cao tỉnh Thanh Hoá làm việc với Liên hiệp các tổ chức người Việt Nam",
    date="2025-11-25",
    text=(
        "Hiện chưa có nhà đầu tư nào của Liên bang Nga đầu tư trực tiếp trên địa bàn tỉnh Thanh "
        "Hóa; kim ngạch xuất khẩu sang thị trường Nga 9 tháng năm 2025 mới đạt 6,25 triệu USD, "
        "bằng 0,12% tổng kim ngạch xuất khẩu của tỉnh; lượng khách du lịch Nga đến với Thanh "
        "Hóa trong 9 tháng mới đạt 1.559 lượt."
    ),
)
THAI_BINH = Passage(
    chunk_id="003-1",
    doc_id="003_897ddb659241ac18",
    title="Tỉnh Thái Bình thúc đẩy hợp tác, đầu tư với các địa phương của Liên bang Nga",
    date="",
    text=(
        "Ngày 10/10, tại thủ đô nước Nga, đoàn các lãnh đạo và doanh nghiệp tỉnh Thái Bình do "
        "Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch Hội đồng Nhân dân tỉnh Nguyễn Tiến Thành dẫn "
        "đầu đã có buổi làm việc với lãnh đạo Phòng Thương mại và Công nghiệp Moskva do ông "
        "Vladimir Platonov dẫn đầu. Kinh tế của tỉnh duy trì tốc độ tăng trưởng khoảng hơn 7%, "
        "công nghiệp chiếm tỷ trọng tới 42%."
    ),
)
NGHE_AN = Passage(
    chunk_id="004-1",
    doc_id="004_82c4cd05e8b3febe",
    title="Thúc đẩy hợp tác công nghiệp – công nghệ cao giữa Nghệ An và Kaluga (Liên bang Nga)",
    date="2025-11-24",
    text=(
        "Kim ngạch xuất khẩu của doanh nghiệp Nghệ An sang thị trường Nga đạt 2,6 triệu USD "
        "trong 10 tháng đầu năm 2025. Tập đoàn TH chính thức vận hành nhà máy sữa tươi tại thủ "
        "đô Mát-xcơ-va và tỉnh Kaluga từ tháng 5/2025."
    ),
)
PASSAGES = [EMBASSY, TRADE, THAI_BINH, NGHE_AN]


@dataclass
class Case:
    id: str
    answer: str
    text: str  # expected text after the check
    supported: bool = True
    cited: list[int] = field(default_factory=list)  # expected citation indexes
    repaired: list[str] = field(default_factory=list)
    dropped: int = 0
    invalid: list[str] = field(default_factory=list)
    language: str = "vi"


CASES = [
    Case(
        id="correct-citation",
        answer="Đoàn Thanh Hóa do Bí thư Tỉnh ủy Nguyễn Doãn Anh dẫn đầu [1].",
        text="Đoàn Thanh Hóa do Bí thư Tỉnh ủy Nguyễn Doãn Anh dẫn đầu [1].",
        cited=[1],
    ),
    Case(
        id="wrong-passage-repaired",
        answer="Kim ngạch xuất khẩu sang Nga 9 tháng năm 2025 đạt 6,25 triệu USD [1].",
        text="Kim ngạch xuất khẩu sang Nga 9 tháng năm 2025 đạt 6,25 triệu USD [2].",
        cited=[2],
        repaired=["[1]->[2]"],
    ),
    Case(
        id="changed-number-dropped",
        answer=(
            "Đoàn do ông Nguyễn Doãn Anh dẫn đầu [1]. "
            "Kim ngạch xuất khẩu sang Nga đạt 7,25 triệu USD [2]."
        ),
        text="Đoàn do ông Nguyễn Doãn Anh dẫn đầu [1].",
        cited=[1],
        dropped=1,
    ),
    Case(
        id="changed-date-dropped",
        answer="Ông Nguyễn Doãn Anh làm việc với Đại sứ Đặng Minh Khôi [1]. Đoàn sang Nga từ ngày 21/11 [1].",
        text="Ông Nguyễn Doãn Anh làm việc với Đại sứ Đặng Minh Khôi [1].",
        cited=[1],
        dropped=1,
    ),
    Case(
        id="invented-name-dropped",
        answer="Đại sứ Đặng Minh Khôi tiếp đoàn [1]. Đại sứ Trần Văn Bình cũng có mặt [1].",
        text="Đại sứ Đặng Minh Khôi tiếp đoàn [1].",
        cited=[1],
        dropped=1,
    ),
    Case(
        id="everything-unsupported",
        answer="Kim ngạch đạt 9,9 triệu USD [2].",
        text="Kim ngạch đạt 9,9 triệu USD [2].",
        supported=False,
        cited=[2],
        dropped=1,
    ),
    Case(
        id="out-of-range-marker",
        answer="Ông Vladimir Platonov dẫn đầu Phòng Thương mại và Công nghiệp Moskva [7].",
        text="Ông Vladimir Platonov dẫn đầu Phòng Thương mại và Công nghiệp Moskva [3].",
        cited=[3],
        invalid=["[7]"],
        repaired=["->[3]"],
    ),
    Case(
        id="multi-marker-comma-space",
        answer="Cả hai đoàn Thanh Hóa và Thái Bình đều sang Nga [1, 3].",
        text="Cả hai đoàn Thanh Hóa và Thái Bình đều sang Nga [1][3].",
        cited=[1, 3],
    ),
    Case(
        id="multi-marker-comma",
        answer="Cả hai đoàn Thanh Hóa và Thái Bình đều sang Nga [1,3].",
        text="Cả hai đoàn Thanh Hóa và Thái Bình đều sang Nga [1][3].",
        cited=[1, 3],
    ),
    Case(
        id="multi-marker-adjacent-with-useless-one",
        answer="Tăng trưởng kinh tế của Thái Bình khoảng hơn 7% [3][4].",
        text="Tăng trưởng kinh tế của Thái Bình khoảng hơn 7% [3].",
        cited=[3],
        repaired=["[3][4]->[3]"],
    ),
    Case(
        id="marker-after-full-stop",
        answer="Đoàn sang Nga từ ngày 20/11. [1] Nghệ An xuất khẩu 2,6 triệu USD. [4]",
        text="Đoàn sang Nga từ ngày 20/11 [1]. Nghệ An xuất khẩu 2,6 triệu USD [4].",
        cited=[1, 4],
    ),
    Case(
        id="tone-mark-variant-in-answer",
        answer="Kim ngạch xuất khẩu của Thanh Hoá sang Nga đạt 6,25 triệu USD [2].",
        text="Kim ngạch xuất khẩu của Thanh Hoá sang Nga đạt 6,25 triệu USD [2].",
        cited=[2],
    ),
    Case(
        id="tone-mark-variant-in-passage-title",
        answer="Đoàn công tác cấp cao tỉnh Thanh Hóa làm việc với người Việt tại Nga [2].",
        text="Đoàn công tác cấp cao tỉnh Thanh Hóa làm việc với người Việt tại Nga [2].",
        cited=[2],
    ),
    Case(
        id="english-answer-vietnamese-names",
        answer=(
            "The Thanh Hóa delegation to Russia was led by Provincial Party Secretary "
            "Nguyễn Doãn Anh [1]. He met Ambassador Đặng Minh Khôi [1]."
        ),
        text=(
            "The Thanh Hóa delegation to Russia was led by Provincial Party Secretary "
            "Nguyễn Doãn Anh [1]. He met Ambassador Đặng Minh Khôi [1]."
        ),
        cited=[1],
        language="en",
    ),
    Case(
        id="english-answer-folded-names-wrong-passage",
        answer="The delegation was led by Nguyen Doan Anh, who met Ambassador Dang Minh Khoi [3].",
        text="The delegation was led by Nguyen Doan Anh, who met Ambassador Dang Minh Khoi [1].",
        cited=[1],
        repaired=["[3]->[1]"],
        language="en",
    ),
    Case(
        id="english-number-format",
        answer="Exports to Russia in the first nine months of 2025 were 6.25 million USD, 0.12% of the total [2].",
        text="Exports to Russia in the first nine months of 2025 were 6.25 million USD, 0.12% of the total [2].",
        cited=[2],
        language="en",
    ),
    Case(
        id="english-number-in-full",
        answer="Exports reached USD 6,250,000 [2].",
        text="Exports reached USD 6,250,000 [2].",
        cited=[2],
        language="en",
    ),
    Case(
        id="english-date-words",
        answer="The visit to Russia began on November 20 [1]. TH started its Kaluga plant in May 2025 [4].",
        text="The visit to Russia began on November 20 [1]. TH started its Kaluga plant in May 2025 [4].",
        cited=[1, 4],
        language="en",
    ),
    Case(
        id="thousands-separator-variants",
        answer="Thanh Hóa đón 1,559 lượt khách Nga [2]. Tức là 1559 lượt [2].",
        text="Thanh Hóa đón 1,559 lượt khách Nga [2]. Tức là 1559 lượt [2].",
        cited=[2],
    ),
    Case(
        id="article-date-counts",
        answer="Tính đến ngày 25/11/2025, chưa có nhà đầu tư Nga nào đầu tư trực tiếp vào Thanh Hóa [2].",
        text="Tính đến ngày 25/11/2025, chưa có nhà đầu tư Nga nào đầu tư trực tiếp vào Thanh Hóa [2].",
        cited=[2],
    ),
    Case(
        id="no-facts-overlap-kept",
        answer="Đoàn đại biểu cấp cao đã có buổi làm việc với Đại sứ quán [1].",
        text="Đoàn đại biểu cấp cao đã có buổi làm việc với Đại sứ quán [1].",
        cited=[1],
    ),
    Case(
        id="no-facts-overlap-repointed",
        answer="Nhà máy sữa tươi chính thức vận hành tại thủ đô [1].",
        text="Nhà máy sữa tươi chính thức vận hành tại thủ đô [4].",
        cited=[4],
        repaired=["[1]->[4]"],
    ),
    Case(
        id="no-facts-no-overlap-dropped",
        answer="Đoàn do ông Nguyễn Doãn Anh dẫn đầu [1]. Thời tiết hôm đó rất đẹp và trời nắng ấm [1].",
        text="Đoàn do ông Nguyễn Doãn Anh dẫn đầu [1].",
        cited=[1],
        dropped=1,
    ),
    Case(
        id="uncited-fact-attached",
        answer="Nghệ An xuất khẩu 2,6 triệu USD sang Nga.",
        text="Nghệ An xuất khẩu 2,6 triệu USD sang Nga [4].",
        cited=[4],
        repaired=["->[4]"],
    ),
    Case(
        id="uncited-fact-in-two-passages-cites-the-first",
        answer="Trưởng đoàn Thanh Hóa là Nguyễn Doãn Anh.",
        text="Trưởng đoàn Thanh Hóa là Nguyễn Doãn Anh [1].",
        cited=[1],
        repaired=["->[1]"],
    ),
    Case(
        id="uncited-fact-in-no-passage-left-alone",
        answer="Hanoi has a population of approximately 1,300,000 people.",
        text="Hanoi has a population of approximately 1,300,000 people.",
        supported=False,
        language="en",
    ),
    Case(
        id="uncited-sentence-without-facts-cited-by-its-words",
        answer="Tập đoàn TH vận hành nhà máy sữa tươi tại tỉnh Kaluga.",
        text="Tập đoàn TH vận hành nhà máy sữa tươi tại tỉnh Kaluga [4].",
        cited=[4],
        repaired=["->[4]"],
    ),
    Case(
        id="uncited-sentence-without-facts-sharing-few-words-stays-unsupported",
        answer="Nhà máy sữa được xây dựng với công nghệ hiện đại nhất thế giới.",
        text="Nhà máy sữa được xây dựng với công nghệ hiện đại nhất thế giới.",
        supported=False,
    ),
    Case(
        id="uncited-plain-sentence-untouched",
        answer="Theo các bài báo:\n- Đoàn do ông Nguyễn Doãn Anh dẫn đầu [1].",
        text="Theo các bài báo:\n- Đoàn do ông Nguyễn Doãn Anh dẫn đầu [1].",
        cited=[1],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_check_answer(case: Case) -> None:
    checked = check_answer(case.answer, PASSAGES, language=case.language)
    assert checked.text == case.text
    assert checked.supported is case.supported
    assert [c.index for c in checked.citations] == case.cited
    assert checked.verification.repaired == case.repaired
    assert len(checked.verification.dropped) == case.dropped
    assert checked.verification.invalid_markers == case.invalid


def test_citation_fields_and_quote() -> None:
    checked = check_answer("Kim ngạch đạt 6,25 triệu USD [2].", PASSAGES)
    (citation,) = checked.citations
    assert citation.index == 2
    assert citation.doc_id == TRADE.doc_id
    assert citation.chunk_id == TRADE.chunk_id
    assert citation.date == "2025-11-25"
    assert citation.verified is True
    assert "6,25 triệu USD" in citation.quote
    assert checked.verification.ok


def test_quote_is_the_best_sentence() -> None:
    checked = check_answer("Ông Nguyễn Doãn Anh gặp Đại sứ Đặng Minh Khôi [1].", PASSAGES)
    assert checked.citations[0].quote.startswith("Bí thư Tỉnh ủy Nguyễn Doãn Anh gặp mặt")


def test_citation_numbering_is_kept() -> None:
    checked = check_answer("Ông Vladimir Platonov dẫn đầu [3].", PASSAGES)
    assert [c.index for c in checked.citations] == [3]
    assert checked.citations[0].doc_id == THAI_BINH.doc_id


def test_unsupported_kept_when_not_dropping() -> None:
    answer = "Đoàn do ông Nguyễn Doãn Anh dẫn đầu [1]. Kim ngạch đạt 7,25 triệu USD [2]."
    checked = check_answer(answer, PASSAGES, drop_unsupported=False)
    assert checked.text == answer
    assert {c.index: c.verified for c in checked.citations} == {1: True, 2: False}
    assert not checked.verification.ok


def test_cross_lingual_sentence_without_facts_is_kept_unverified() -> None:
    checked = check_answer("The delegation worked with the embassy [1].", PASSAGES, language="en")
    assert checked.text == "The delegation worked with the embassy [1]."
    assert checked.citations[0].verified is None
    assert checked.supported
    assert checked.verification.checked == 0


def test_empty_answer_and_no_passages() -> None:
    assert not check_answer("", PASSAGES).supported
    checked = check_answer("Đoàn do ông Nguyễn Doãn Anh dẫn đầu [1].", [])
    assert checked.text == "Đoàn do ông Nguyễn Doãn Anh dẫn đầu."
    assert checked.verification.invalid_markers == ["[1]"]
    assert checked.citations == []


@pytest.mark.parametrize(
    ("text", "count", "expected", "invalid"),
    [
        ("A [1][2].", 4, "A [1][2].", []),
        ("A [1, 2].", 4, "A [1][2].", []),
        ("A [1,2] và B [2 , 3].", 4, "A [1][2] và B [2][3].", []),
        ("A [1] [2].", 4, "A [1][2].", []),
        ("A [1][1].", 4, "A [1].", []),
        ("A [1-3].", 4, "A [1][2][3].", []),
        ("A [Passage 2].", 4, "A [2].", []),
        ("A [5].", 4, "A.", ["[5]"]),
        ("A [0][2].", 4, "A [2].", ["[0]"]),
    ],
)
def test_normalize_markers(text: str, count: int, expected: str, invalid: list[str]) -> None:
    assert normalize_markers(text, count) == (expected, invalid)
