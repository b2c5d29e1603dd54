"""Prompts: files inside the package, loaded by name, with missing-variable errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import PromptError
from assistant.prompts import load_prompt, prompt_names

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_holds_every_prompt_and_the_top_level_folder_only_points_to_it() -> None:
    assert prompt_names() == ["condense", "structured_answer", "structured_system", "translate_question"]
    assert sorted(p.name for p in (ROOT / "prompts").iterdir()) == ["README.md"]
    assert "assistant/prompts/" in (ROOT / "prompts" / "README.md").read_text(encoding="utf-8")
    answer = load_prompt("structured_answer")
    assert answer.text == (ROOT / "assistant" / "prompts" / "structured_answer.txt").read_text(encoding="utf-8")
    assert answer.variables == {"evidence", "open", "close", "conversation", "question", "language_name"}
    assert load_prompt("structured_system").variables == set()  # a fixed prefix: nothing filled in
    assert load_prompt("translate_question").variables == set()  # so is the translation prompt
    assert len(answer.hash) == 12


def test_a_missing_prompt_names_the_ones_there_are() -> None:
    with pytest.raises(PromptError, match=r"no prompt named 'answr'.*available: condense, structured_answer"):
        load_prompt("answr")


def test_a_missing_variable_is_named() -> None:
    with pytest.raises(PromptError, match=r"'condense' needs history \(given: question\)"):
        load_prompt("condense").render(question="Ai?")


def test_your_own_prompt_folder(tmp_path: Path) -> None:
    (tmp_path / "short.md").write_text("Answer $question in one word.", encoding="utf-8")
    prompt = load_prompt("short", tmp_path)
    assert prompt.render(question="who") == "Answer who in one word."
    assert prompt_names(tmp_path) == ["short"]
    with pytest.raises(PromptError, match="available: short"):
        load_prompt("condense", tmp_path)
