"""Bad bytes in questions (issue 14's trials, re-run): bytes that are not UTF-8 and lone
surrogates are a clear QuestionError (CLI: exit 1 and one line; HTTP: 400; UI: a message),
NUL, control characters and ANSI escapes are removed so the question is answered like the
clean one, and every notice (cleaned, cut) reaches ``--json``, the API and the UI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from conftest import CORPUS
from test_server import make_bot, running

from assistant import Assistant, QuestionError
from assistant.cleaning import clean_history, clean_question, invalid_unicode_at, strip_controls
from assistant.errors import LanguageError
from assistant.server import create_app
from assistant.types import Answer
from assistant.ui import ChatUI

QUESTION = "Ai là trưởng đoàn đại biểu cấp cao tỉnh Thanh Hóa sang Liên bang Nga?"  # the reader answers it
WITH_NUL = "Ai là trưởng đoàn\x00 đại biểu cấp cao tỉnh Thanh Hóa sang Liên bang Nga?"
WITH_ANSI = "\x1b[31mAi là trưởng đoàn đại biểu\x1b[0m cấp cao tỉnh Thanh Hóa sang Liên bang Nga?\x1b]0;title\x07"
NAME = "Nguyễn Doãn Anh"
NOT_UTF8 = b"Ai d\xffn \xe1\xba \x80\x80?".decode("utf-8", "surrogateescape")  # as sys.argv holds it


# --- the function --------------------------------------------------------------------------


def test_invalid_unicode_is_a_question_error() -> None:
    for bad in (NOT_UTF8, "Ai d\ud800n?", "\udfff"):
        assert invalid_unicode_at(bad) is not None
        with pytest.raises(QuestionError, match="not valid text"):
            clean_question(bad)
    with pytest.raises(QuestionError, match="must be text"):
        clean_question(b"bytes")
    with pytest.raises(QuestionError, match="empty"):
        clean_question(" \x00\x1b[0m\u200b\t ")


RUSSIAN = "Кто губернатор Калужской области?"  # my own: "Who is the governor of Kaluga?"


def test_a_question_in_another_alphabet_is_a_language_error() -> None:
    with pytest.raises(LanguageError, match="Cyrillic script; hoitin answers questions in Vietnamese or English"):
        clean_question(RUSSIAN)
    assert issubclass(LanguageError, QuestionError)  # the CLI, API and UI show it as a plain message
    assert clean_question("Ông Путин là ai?").text == "Ông Путин là ai?"  # a name in Cyrillic
    # a conversation's earlier turns are kept whatever their script: only the question is checked
    assert clean_history([{"role": "user", "content": RUSSIAN}]) == [{"role": "user", "content": RUSSIAN}]


def test_controls_escapes_and_invisible_characters_are_removed_with_a_notice() -> None:
    for dirty in (WITH_NUL, WITH_ANSI, "Ai là trưởng đoàn\u200b đại biểu cấp cao tỉnh Thanh Hóa sang Liên bang\u202e Nga?",
                  "Ai là trưởng đoàn \x0b\x0cđại biểu cấp cao tỉnh Thanh Hóa sang Liên bang Nga?"):
        cleaned = clean_question(dirty)
        assert cleaned.text == QUESTION, repr(cleaned.text)
        assert len(cleaned.notices) == 1 and "removed" in cleaned.notices[0]
    same = clean_question("  Ai   dẫn\n đầu?  ")
    assert same.text == "Ai dẫn đầu?" and same.notices == ()  # whitespace is not a notice
    assert strip_controls("a\x1b[1;31mb\x9b2Jc") == ("abc", 10)


def test_a_long_question_is_cut_with_a_notice() -> None:
    cleaned = clean_question("Ai " * 50 + "\x00", max_chars=20)
    assert len(cleaned.text) <= 20
    assert any("cut to its first 20" in n for n in cleaned.notices) and any("removed" in n for n in cleaned.notices)


# --- the assistant -------------------------------------------------------------------------


def test_dirty_questions_are_answered_like_the_clean_one(seed_bot: Assistant) -> None:
    clean = seed_bot.ask(QUESTION)
    assert NAME in clean.text and not clean.notices
    for dirty in (WITH_NUL, WITH_ANSI):
        answer = seed_bot.ask(dirty)
        assert answer.question == QUESTION
        assert answer.text == clean.text and [c.doc_id for c in answer.citations] == [c.doc_id for c in clean.citations]
        data = answer.to_dict()
        assert data["notices"] and "removed" in data["notices"][0] and answer.notice == data["notices"][0]


def test_bad_questions_and_turns_are_question_errors(seed_bot: Assistant) -> None:
    with pytest.raises(QuestionError):
        seed_bot.ask(NOT_UTF8)
    with pytest.raises(QuestionError, match="history turn 1"):
        seed_bot.ask(QUESTION, [{"role": "user", "content": "Ai d\ud800?"}])
    answer = seed_bot.ask("Ông ấy là ai?", [{"role": "user", "content": WITH_NUL},
                                           {"role": "assistant", "content": f"{NAME} [1]\x00"}])
    assert answer.text  # the turns were cleaned, not refused


def test_notice_assignment_adds_and_never_hides_an_earlier_one() -> None:
    answer = Answer("q", iter(()), finish=lambda a: None)
    answer.add_notice("first")
    answer.notice = "second"
    answer.notice = "second"
    assert answer.notices == ["first", "second"] and answer.notice == "first second"


# --- the CLI -------------------------------------------------------------------------------


def cli(args: list[Any], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))} | env
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, env=full, timeout=600)


@pytest.fixture
def cli_env(tmp_path: Path, seed_store: Path) -> dict[str, str]:
    shutil.copytree(seed_store, tmp_path / "vs")
    return {"ASSISTANT_CORPUS_DIR": str(CORPUS), "ASSISTANT_VECTORSTORE_DIR": str(tmp_path / "vs"),
            "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_LLM": "extractive"}


def test_cli_bytes_that_are_not_utf8_are_one_line_and_exit_1(cli_env: dict[str, str]) -> None:
    proc = cli(["ask", b"Ai d\xffn \xe1\xba \x80\x80 Thanh H\xf3a?", "--no-ingest"], cli_env)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 1, stderr
    assert stderr.startswith("error: the question is not valid text") and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) <= 2  # one sentence (rich may wrap it once)


def test_cli_json_answers_a_dirty_question_and_carries_its_notice(cli_env: dict[str, str]) -> None:
    proc = cli(["ask", WITH_ANSI.replace("\x00", ""), "--json", "--no-ingest"], cli_env)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    data = json.loads(proc.stdout)
    assert NAME in data["answer"] and data["notices"] and "removed" in data["notices"][0]


# --- the HTTP API --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, seed_store: Path, e5: Any) -> Any:
    bot, settings = make_bot(tmp_path_factory.mktemp("clean-api"), seed_store, e5)
    with running(create_app(bot, settings, ui=False)) as url:
        yield url
    bot.close()


def raw_post(url: str, body: str) -> httpx.Response:
    return httpx.post(url, content=body.encode("ascii"), headers={"content-type": "application/json"}, timeout=120)


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/chat/completions", '{"messages": [{"role": "user", "content": "Ai d\\ud800n?"}]}'),
    ("/v1/chat/completions", '{"stream": true, "messages": [{"role": "user", "content": "Ai d\\ud800n?"}]}'),
    ("/v1/chat/completions", '{"messages": [{"role": "user", "content": "Ai d\\udfff"}, '
                             '{"role": "assistant", "content": "x"}, {"role": "user", "content": "Ai?"}]}'),
    ("/v1/ask", '{"question": "Ai d\\ud800n?"}'),
    ("/v1/ask", '{"question": "Ai?", "history": [{"role": "user", "content": "\\ud800"}]}'),
    ("/v1/retrieve", '{"query": "Ai d\\ud800n?"}'),
])
def test_api_lone_surrogates_are_400_json(api: str, path: str, body: str) -> None:
    r = raw_post(api + path, body)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and "not valid text" in error["message"]


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": RUSSIAN}]}),
    ("/v1/chat/completions", {"stream": True, "messages": [{"role": "user", "content": RUSSIAN}]}),
    ("/v1/ask", {"question": RUSSIAN}),
])
def test_api_question_in_another_alphabet_is_400_unsupported_language(api: str, path: str, body: dict[str, Any]) -> None:
    r = httpx.post(api + path, json=body, timeout=120)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "unsupported_language" and "Vietnamese or English" in error["message"], error


def test_api_answers_dirty_questions_with_notices(api: str) -> None:
    body = json.dumps({"messages": [{"role": "user", "content": WITH_NUL}]})
    reply = raw_post(api + "/v1/chat/completions", body).json()
    assert NAME in reply["choices"][0]["message"]["content"] and "removed" in reply["notices"][0]
    asked = raw_post(api + "/v1/ask", json.dumps({"question": WITH_ANSI})).json()
    assert NAME in asked["answer"] and "removed" in asked["notices"][0]
    found = raw_post(api + "/v1/retrieve", json.dumps({"query": WITH_NUL})).json()
    assert found["query"] == QUESTION and found["notices"]
    with httpx.stream("POST", api + "/v1/chat/completions", timeout=120,
                      json={"stream": True, "messages": [{"role": "user", "content": WITH_ANSI}]}) as r:
        events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]
    assert "removed" in events[-1]["notices"][0]


# --- the UI --------------------------------------------------------------------------------


def test_ui_shows_a_message_for_invalid_text_and_never_sends_a_surrogate_back(seed_bot: Assistant) -> None:
    ui = ChatUI(seed_bot, seed_bot.settings)
    steps = list(ui.respond("Ai d\ud800n?", None))
    display, sources, engine, box, session = steps[-1]
    assert "not valid text" in display[-1]["content"] and "error-msg" in display[-1]["content"]
    orjson.dumps([display, sources, engine, box])  # what Gradio sends: encodable, no dropped connection
    assert session["turns"] == []


def test_ui_and_python_api_turn_away_a_question_in_another_alphabet(seed_bot: Assistant) -> None:
    with pytest.raises(LanguageError, match="Vietnamese or English"):
        seed_bot.ask(RUSSIAN)
    ui = ChatUI(seed_bot, seed_bot.settings)
    display, _, _, _, session = list(ui.respond(RUSSIAN, None))[-1]
    assert "Vietnamese or English" in display[-1]["content"] and "error-msg" in display[-1]["content"]
    assert session["turns"] == []


def test_ui_answers_a_dirty_question_and_shows_its_notice(seed_bot: Assistant) -> None:
    ui = ChatUI(seed_bot, seed_bot.settings)
    display, _, engine, _, session = list(ui.respond(WITH_NUL, None))[-1]
    assert display[0]["content"] == QUESTION and NAME in display[-1]["content"]
    assert "removed" in display[-1]["content"] and "removed" in engine
    assert session["turns"][0]["content"] == QUESTION
