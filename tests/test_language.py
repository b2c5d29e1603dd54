"""The one language detector (assistant.language), on questions, answers and passages."""

from __future__ import annotations

import pytest

from assistant.citations import check_answer
from assistant.language import detect_language
from assistant.questions import analyse
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
        # typed without marks: "la" and "ai" are on both stopword lists and tell nothing
        ("thong doc tinh kaluga la ai", "vi"),
        ("Nguyen Doan Anh la ai", "vi"),
        # "the", "that" and "do" are on the Vietnamese list too; "who" is English only
        ("Who designed the systems that the company installed?", "en"),
        ("At what price do the shares trade?", "en"),
        # a capital inside starts a name: the "An" of "Nghệ An" is not English; the first
        # word's capital is the sentence's when it is a function word
        ("Còn Nghệ An thì sao?", "vi"),
        ("Nghệ An thì sao?", "vi"),
        ("Ong Nguyen Van Nam giu chuc vu gi?", "vi"),
        ("Is Nghệ An in Vietnam?", "en"),
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


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("Ai dẫn đầu đoàn công tác Thanh Hóa sang Nga?", "who"),
        ("nguyen doan anh la ai", "who"),  # no marks: matched folded
        ("Thanh Hóa xuất khẩu sang Nga bao nhiêu?", "number"),
        ("Có mấy doanh nghiệp tham gia?", "number"),
        ("Khi nào hai tỉnh ký kết?", "when"),
        # folded, "máy" (machine) would be "mấy" (how many), "khí nào" (which gas) "khi nào"
        # (when), "vì … nào" (for which …) "vị … nào" (which person), the English modal "may"
        # Vietnamese "mấy"
        ("Máy tính nào được dùng để điều khiển?", "other"),
        ("Loại khí nào gây ra đám cháy?", "other"),
        ("Vì lý do nào Nga hợp tác với Thái Bình?", "other"),
        ("Who may attend the meeting?", "who"),
        ("What can AI do for newsrooms?", "other"),
        # "tên là gì" asks for a person when it names an office, a thing's name otherwise
        ("Thống đốc tỉnh Kaluga tên là gì?", "who"),
        ("Đại sứ Việt Nam tại Nga tên gì?", "who"),
        ("Nhà máy mới được đặt tên là gì?", "other"),
        # "how" with an adjective of measure asks for a number; how a thing is done does not
        ("How fast is Thai Binh's economy growing?", "number"),
        ("How old are the fossils?", "number"),
        ("How did the two provinces cooperate?", "other"),
        ("How often do the delegations meet?", "other"),  # "yearly" is as likely as a number
        ("Chuyến thăm kéo dài bao lâu?", "number"),
        ("Từ Hà Nội đến Moskva bao xa?", "number"),
        # "which city / province / country" ask where in Vietnamese too; "nào" alone does not
        ("Thái Bình hợp tác với thành phố nào của Nga?", "where"),
        ("Quốc gia nào ký hiệp ước năm 1985?", "where"),
        ("Which province signed the agreement?", "where"),
        ("Doanh nghiệp nào đầu tư vào Kaluga?", "other"),
        # a follow-up made standalone: the kind is its own, not the carried question's
        ("Lúc đó ai là Thống đốc tỉnh Kaluga? (Khi nào Tập đoàn TH vận hành nhà máy sữa ở Kaluga?)", "who"),
        ("Who did they meet there? (Nguyễn Tiến Thành; Thái Bình)", "who"),
        # English fronts what it asks: a later "when" opens a clause of time, not the question
        ("Who was governor when the plant opened?", "who"),
        ("How old was the governor when he took office?", "number"),
        ("How many workers were hired when the plant opened?", "number"),
        ("Which company built the plant when Kaluga expanded?", "other"),
        ("When did the plant open, and who opened it?", "when"),
        ("In what year did the plant open?", "when"),
        ("What was the last name of the director who opened the plant?", "who"),
        ("What was the name of the plant?", "other"),  # a thing's name
        # "mấy" after a noun of time asks which one (a date); before a noun, how many
        ("Đoàn Thái Bình sang Nga vào tháng mấy?", "when"),
        ("Năm mấy Thanh Hóa ký ghi nhớ với tỉnh Tula?", "when"),
        ("Mấy giờ buổi làm việc bắt đầu?", "when"),
        ("Đoàn ở lại Nga mấy tháng?", "number"),
        ("Có mấy doanh nghiệp Việt Nam ở Kaluga?", "number"),
    ],
)
def test_question_kind_is_read_with_the_marks_the_question_has(question: str, qtype: str) -> None:
    assert analyse(question).qtype == qtype


@pytest.mark.parametrize(
    ("question", "script"),
    [
        ("Кто губернатор Калужской области?", "Cyrillic script"),
        ("Кто такой Nguyễn Doãn Anh?", "Cyrillic script"),  # a Latin name inside Russian
        ("КТО ГУБЕРНАТОР?", "Cyrillic script"),  # all in capitals: no word is a name
        ("谁是卡卢加州州长？", "Chinese characters"),
        ("カルーガ州の知事は誰ですか", "Japanese kana"),
        ("칼루가 주지사는 누구입니까?", "the Korean alphabet"),
        ("Ποιος είναι ο κυβερνήτης της Καλούγκα;", "Greek script"),
        ("من هو حاكم كالوغا؟", "Arabic script"),
        ("Ai dẫn đầu đoàn công tác Thanh Hóa sang Nga?", None),
        ("Who led the Thanh Hóa delegation to Russia?", None),
        ("thanh hoa xuat khau sang nga bao nhieu", None),
        ("NGUYỄN DOÃN ANH LÀ AI", None),
        ("Ông Путин là ai?", None),  # a name in Cyrillic inside Vietnamese
        ("Ông 习近平 là ai?", None),  # fewer Chinese letters than Vietnamese ones
        ("Thống đốc Kaluga (Калуга) là ai?", None),
        ("Who is the governor of Kaluga (Калуга)?", None),
        ("2025?", None),
    ],
)
def test_foreign_script(question: str, script: str | None) -> None:
    from assistant.language import foreign_script

    assert foreign_script(question) == script


def test_no_development_question_is_in_a_foreign_script() -> None:
    """Every question of the development data (the seed set, the conversations, and XQuAD's
    Vietnamese and English questions when ../shared is beside the clone) is asked, not
    turned away."""
    import json
    from pathlib import Path

    from assistant.language import foreign_script

    root = Path(__file__).resolve().parents[1]
    files = [root / "evals/datasets/seeds.jsonl", root / "evals/datasets/conversations.jsonl",
             *(root.parent / "shared/data" / d / "questions.jsonl" for d in ("xquad-vi-dev", "xquad-en-vi-dev"))]
    questions = []
    for path in (p for p in files if p.exists()):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            turns = record.get("turns") or []
            questions += [record["question"]] if "question" in record else []
            questions += [t["question"] if isinstance(t, dict) else t for t in turns]
    assert len(questions) >= 100
    assert [q for q in questions if foreign_script(q)] == []
