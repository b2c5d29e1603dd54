"""The one language detector (assistant.language), on questions, answers and passages."""

from __future__ import annotations

import pytest

from assistant.citations import check_answer
from assistant.language import detect_language
from assistant.types import Passage


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Who led the Thanh Hóa delegation to Russia?", "en"),
        ("Ai dẫn đầu đoàn công tác Thanh Hóa sang Nga?", "vi"),
        ("thanh hoa xuat khau sang nga bao nhieu", "vi"),
        ("How much did Nghệ An export to Russia?", "en"),
        ("Which two US corporations have large projects being prepared for investment in Thanh Hóa?", "en"),
        ("Bí thư Tỉnh ủy Nguyễn Doãn Anh led the Thanh Hóa delegation to Russia [1].", "en"),
        ("Did Nguyễn Doãn Anh meet Đặng Minh Khôi in Moscow?", "en"),
        ("Ông Nguyễn Doãn Anh đã gặp Đại sứ Đặng Minh Khôi ở Moskva.", "vi"),
        ("THANH HÓA XUẤT KHẨU SANG NGA BAO NHIÊU?", "vi"),
    ],
)
def test_detect_language(question: str, lang: str) -> None:
    assert detect_language(question) == lang


def test_english_passage_about_vietnamese_people_is_english() -> None:
    # The citation check reads each passage's language with the same detector: an English
    # article naming "Nguyễn Doãn Anh" is English, so an English claim without facts is
    # checked against it (shared words), not kept unverified as a cross-language claim.
    passage = Passage(
        chunk_id="en-0",
        doc_id="en",
        text="The delegation led by Nguyễn Doãn Anh worked with the embassy in Moscow and "
        "discussed cooperation in trade, tourism and education.",
    )
    assert detect_language(passage.text) == "en"
    checked = check_answer("The delegation discussed cooperation in trade and tourism [1].", [passage], language="en")
    assert checked.supported and checked.citations[0].verified is True, checked.verification
    unrelated = check_answer("The weather was cold and windy all week [1].", [passage], language="en")
    assert not unrelated.supported, unrelated.verification
