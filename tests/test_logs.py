"""The entry points' logging set-up: thresholds applied where records are written."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from assistant.logs import setup_logging


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (root.level, root.handlers[:], logging.getLogger("assistant").level)
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.setLevel(saved[0])
    for handler in saved[1]:
        root.addHandler(handler)
    logging.getLogger("assistant").setLevel(saved[2])


def emit() -> None:
    chatty = logging.getLogger("bm25s.test")  # bm25s sets its own loggers to DEBUG
    chatty.setLevel(logging.DEBUG)
    chatty.debug("library debug")
    logging.getLogger("httpx.test").info("library info")
    logging.getLogger("httpx.test").warning("library warning")
    logging.getLogger("assistant.ui.app").info("own info")
    logging.getLogger("assistant.index").debug("own debug")
    logging.getLogger("assistantish").info("not ours")


def test_warning_level_keeps_libraries_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(logging.WARNING)
    emit()
    err = capsys.readouterr().err
    assert err.splitlines() == ["WARNING httpx.test: library warning"]


def test_a_server_command_shows_its_own_info_lines_only(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(logging.WARNING)
    setup_logging(logging.WARNING, own_level=logging.INFO)  # replaces the first set-up
    emit()
    err = capsys.readouterr().err
    assert err.splitlines() == ["WARNING httpx.test: library warning", "INFO assistant.ui.app: own info"]


def test_debug_shows_everything(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(logging.DEBUG)
    emit()
    err = capsys.readouterr().err
    assert "library debug" in err and "own debug" in err and "not ours" in err
