"""A Vietnamese question typed without diacritics gets its marks back from the passages."""

from __future__ import annotations

import pytest

from assistant.diacritics import restore_marks

PASSAGE = (
    "Ông Nguyễn Tiến Thành cũng nêu những lĩnh vực mà hai bên có nhiều tiềm năng hợp tác như lĩnh vực y tế, "
    "chuyển đổi số. Đoàn công tác tỉnh Thái Bình đã làm việc với Phòng Thương mại Moskva; nhà máy sữa đặt tại "
    "Kaluga. Máy bay hạ cánh."
)


@pytest.mark.parametrize(("typed", "restored"), [
    # a name typed in lower case takes the passages' capitals ("nga" is not in them)
    ("thai binh hop tac voi nga ve linh vuc gi", "Thái Bình hợp tác với nga về lĩnh vực gì"),
    # capitals and punctuation typed stay as typed
    ("Thai Binh muon hop tac trong nhung linh vuc nao?", "Thái Bình muốn hợp tác trong những lĩnh vực nào?"),
    # the words that ask come from the question kinds, whatever the passages hold
    ("nha may sua dat o dau", "nhà máy sữa đặt ở đâu"),
    ("co bao nhieu may bay", "có bao nhiêu máy bay"),  # "máy bay" is the passage's, "mấy" is not
    # a word found nowhere keeps its letters; digits and names in Latin letters stay
    ("xyzzy tai Kaluga nam 2025", "xyzzy tại Kaluga năm 2025"),
])
def test_marks_come_back_from_the_passages(typed: str, restored: str) -> None:
    assert restore_marks(typed, [PASSAGE]) == restored


def test_words_with_marks_or_with_nothing_to_restore_from_are_left_alone() -> None:
    # a follow-up's rewrite puts a name in with its marks ("ông ấy" -> the person): it stays
    assert restore_marks("Nguyễn Tiến Thành hop tac voi ai", [PASSAGE]) == "Nguyễn Tiến Thành hợp tác với ai"
    assert restore_marks("hop tac", []) == "hop tac"
    # punctuation ends a run: "nhà máy" is not read across the comma in the question
    assert restore_marks("nha, may bay", [PASSAGE]).startswith("nhà, máy")


def test_an_unmarked_question_is_answered_like_the_marked_one(seed_bot) -> None:
    marked = seed_bot.ask("Thái Bình muốn hợp tác với Nga trong những lĩnh vực nào?")
    for typed in ("thai binh muon hop tac voi nga trong nhung linh vuc nao", "Thai Binh hop tac voi Nga ve linh vuc gi?"):
        answer = seed_bot.ask(typed)
        assert not answer.refused, (typed, answer.evidence)
        assert answer.search_query != typed and "hợp tác" in answer.search_query  # read with its marks
        assert answer.passages[0].doc_id == marked.passages[0].doc_id
        assert answer.citations and answer.citations[0].doc_id == marked.passages[0].doc_id
        # the gate judges it as it judges the marked question (without the marks: 0.52 vs 0.97)
        assert answer.evidence is not None and marked.evidence is not None
        assert answer.evidence.score > marked.evidence.score - 0.2, (answer.evidence, marked.evidence)
    # a question typed with its marks is searched as typed, even where a word lacks one
    typed = "Thái Bình hợp tác với Nga về lĩnh vuc gi?"
    assert seed_bot.ask(typed).search_query == typed
    # the public retrieve() searches the same way
    assert seed_bot.retrieve("thai binh hop tac voi nga ve linh vuc gi")[0].doc_id == marked.passages[0].doc_id


def test_an_unmarked_follow_up_is_read_with_marks_after_its_rewrite(seed_bot) -> None:
    """The rewrite of "ong ay ..." holds the person's name with its marks; the rest of what
    the user typed still gets its marks back."""
    from assistant import ChatMessage

    first = seed_bot.ask("Ai dẫn đầu đoàn công tác tỉnh Thái Bình sang Moskva?")
    assert "Nguyễn Tiến Thành" in first.text
    history = [ChatMessage(role="user", content=first.question), ChatMessage(role="assistant", content=first.text)]
    follow = seed_bot.ask("ong ay da lam viec voi ai o Moskva", history)
    assert "Nguyễn Tiến Thành" in follow.standalone_question, follow.standalone_question
    assert "làm việc" in follow.search_query, follow.search_query
    assert not follow.refused and "Platonov" in follow.text, follow.text


def test_an_office_asked_by_name_is_answered_with_its_holder_with_or_without_marks(seed_bot) -> None:
    for question in ("Thống đốc tỉnh Kaluga tên là gì?", "thong doc tinh kaluga ten la gi"):
        answer = seed_bot.ask(question)
        assert answer.text.startswith("Vladislav Valerievich Shapsha — “"), answer.text
