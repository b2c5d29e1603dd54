import pytest

from assistant.text import fold, matching_key, normalize, sentences


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Thanh Hoá", "Thanh Hóa"),
        ("hoà bình", "hòa bình"),
        ("Uỷ viên", "Ủy viên"),
        ("thuỷ", "thủy"),
        ("Thanh Ho\u0061\u0301", "Thanh Hoá"),  # decomposed input
    ],
)
def test_one_tone_mark_placement(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)
    assert matching_key(a) == matching_key(b)


@pytest.mark.parametrize("word", ["người", "khuyến", "hoàn", "quý", "giữa", "Nguyễn", "Đặng"])
def test_normalize_keeps_correct_words(word: str) -> None:
    assert normalize(word) == word


def test_fold_removes_diacritics_and_d_bar() -> None:
    assert fold("Thanh Hóa Đặng Minh Khôi") == "thanh hoa dang minh khoi"


def test_sentences_keep_numbers_and_abbreviations() -> None:
    text = "Kim ngạch đạt 6,25 triệu USD. Tổng 1.559 triệu USD! Đoàn làm việc tại St. Petersburg. Hết"
    assert sentences(text) == [
        "Kim ngạch đạt 6,25 triệu USD.",
        "Tổng 1.559 triệu USD!",
        "Đoàn làm việc tại St. Petersburg.",
        "Hết",
    ]


def test_a_sentence_goes_on_after_a_full_stop_before_a_lower_case_word() -> None:
    # "đ", "ư", "ầ" are lower case: a period before them ends an abbreviation, not a sentence
    text = "Chelsea F.C. được thành lập năm 1905. Đội bóng ở London. Apple Inc. đã ra mắt iPhone. Ấn Độ đông dân."
    assert sentences(text) == [
        "Chelsea F.C. được thành lập năm 1905.",
        "Đội bóng ở London.",
        "Apple Inc. đã ra mắt iPhone.",
        "Ấn Độ đông dân.",
    ]
