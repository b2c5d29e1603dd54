"""PassageFocus: what of each passage a chat model reads, within a token budget."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.chat_engine import ChatEngine
from assistant.context import PassageFocus
from assistant.testing import ScriptedChatModel
from assistant.text import sentences
from assistant.tokens import count_tokens
from assistant.types import GenerationRequest, Passage

LONG = Passage(
    chunk_id="a-0",
    doc_id="a",
    title="Thanh Hóa",
    date="2025-11-25",
    text=" ".join(
        [
            f"Câu thứ {i} nói về hợp tác nông nghiệp giữa hai tỉnh trong nhiều năm qua."
            for i in range(12)
        ]
        + ["Đoàn do Bí thư Tỉnh ủy Nguyễn Doãn Anh làm trưởng đoàn."]
        + [f"Câu kết {i} nói về du lịch và văn hóa của địa phương." for i in range(12)]
    ),
)
SHORT = Passage(
    chunk_id="b-0",
    doc_id="b",
    title="Nghệ An",
    date="2025-11-20",
    text="Nghệ An tiếp Thống đốc tỉnh Kaluga. Hai bên bàn về công nghiệp.",
)


def by_keyword(keyword: str):
    """A scorer that ranks sentences containing ``keyword`` first, then by position."""

    def score(question: str, passages: list[Passage]) -> Sequence[tuple[int, str]]:
        found = [(n, s) for n, p in enumerate(passages, 1) for s in sentences(p.text)]
        return sorted(found, key=lambda item: keyword not in item[1])

    return score


def test_whole_passages_when_they_fit() -> None:
    focus = PassageFocus(by_keyword("Doãn"), budget_tokens=10_000)
    assert focus("q", [LONG, SHORT]) == [" ".join(LONG.text.split()), SHORT.text]


def test_zero_budget_means_whole_passages() -> None:
    assert PassageFocus(by_keyword("x"), budget_tokens=0)("q", [LONG]) == [LONG.text]


def test_keeps_the_best_sentences_within_budget_and_marks_gaps() -> None:
    focus = PassageFocus(by_keyword("Doãn"), budget_tokens=120)
    long_text, short_text = focus("Ai dẫn đầu đoàn?", [LONG, SHORT])
    assert "Nguyễn Doãn Anh" in long_text
    assert " … Đoàn do Bí thư" in long_text  # the sentences skipped before it are marked
    assert long_text.endswith("…")  # and the closing ones
    assert count_tokens(long_text) + count_tokens(short_text) <= 120 + 10
    assert count_tokens(long_text) < count_tokens(LONG.text) / 2
    assert short_text  # every passage keeps at least its best sentence: numbering holds


def test_sentences_stay_in_article_order() -> None:
    def reverse(question: str, passages: list[Passage]) -> Sequence[tuple[int, str]]:
        return [(1, s) for s in reversed(sentences(passages[0].text))]

    text = PassageFocus(reverse, budget_tokens=80)("q", [LONG])[0]
    kept = [s for s in sentences(LONG.text) if s in text]
    assert len(kept) >= 2
    assert [text.index(s) for s in kept] == sorted(text.index(s) for s in kept)
    assert text.startswith("…") and not text.endswith("…")  # the closing sentences were kept


def test_chat_engine_prompts_with_the_focused_text() -> None:
    model = ScriptedChatModel()
    focus = PassageFocus(by_keyword("Doãn"), budget_tokens=60)
    engine = ChatEngine(model, name="scripted", model="scripted", focus=focus)
    request = GenerationRequest(
        question="Ai dẫn đầu đoàn?",
        standalone_question="Ai dẫn đầu đoàn?",
        passages=[LONG, SHORT],
        history=[],
        language="vi",
    )
    prompt = engine.messages(request)[1].content
    assert "Nguyễn Doãn Anh" in prompt
    assert "Câu thứ 5 " not in prompt
    assert "[1] (2025-11-25) Thanh Hóa" in prompt and "[2] (2025-11-20) Nghệ An" in prompt
