"""Secrets stay secret (issue 14): URLs are shown with their credentials masked everywhere —
the masking function, ``describe()``, notices and errors, logs, the feedback log, eval
reports, the UI and ``/healthz`` — and logins never need a command line."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from _procs import wait_until_up
from conftest import CORPUS, free_port
from test_server import make_bot, running

from assistant import Assistant, Settings
from assistant.chat_engine import ChatEngine
from assistant.errors import ModelUnavailableError
from assistant.logs import MaskingFormatter
from assistant.model_errors import translate_model_error
from assistant.redact import mask_secrets, mask_url, mask_values
from assistant.server import create_app
from assistant.testing import FakeAnswerEngine
from assistant.ui import ChatUI
from assistant.ui.render import render_engine
from tests._llm import needs_llama, needs_small_model, small_model_path

SECRET = "s3cr3t-pa55"
URL = f"https://alice:{SECRET}@llm.example.com:8443/v1?api_key={SECRET}&region=eu"


@pytest.mark.parametrize(("url", "masked"), [
    (URL, "https://alice:***@llm.example.com:8443/v1?api_key=***&region=eu"),
    (f"http://{SECRET}@127.0.0.1:8080/v1", "http://***@127.0.0.1:8080/v1"),
    ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
    (f"https://h/v1?x=a%20b&X-Api-Key={SECRET}&flag", "https://h/v1?x=a%20b&X-Api-Key=***&flag"),
    (f"https://h/v1?token={SECRET}", "https://h/v1?token=***"),
    ("not a url", "not a url"),
    ("", ""),
])
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked
    assert SECRET not in mask_url(url)


def test_mask_secrets_and_values() -> None:
    text = f"cannot reach {URL}; also see http://bob:{SECRET}@other/x)."
    assert SECRET not in mask_secrets(text) and "alice:***@" in mask_secrets(text) and "bob:***@other/x)." in mask_secrets(text)
    nested = {"a": [URL, {"b": (URL,)}], "n": 3, "none": None}
    masked = mask_values(nested)
    assert SECRET not in json.dumps(masked) and masked["n"] == 3 and isinstance(masked["a"][1]["b"], tuple)


def test_model_errors_name_the_url_without_its_credentials() -> None:
    import openai

    error = translate_model_error(openai.APIConnectionError(request=httpx.Request("POST", URL)), url=URL, model="m")
    assert isinstance(error, ModelUnavailableError) and "llm.example.com" in str(error) and SECRET not in str(error)


def _bot_with_secret_url(tmp_path: Path, seed_store: Path, e5: Any) -> tuple[Assistant, Settings]:
    bot, settings = make_bot(tmp_path, seed_store, e5, openai_base_url=URL)
    bot.engine = ChatEngine.openai(settings)  # a real client; never called in these tests
    return bot, settings


def test_describe_feedback_ui_and_notices_mask_the_url(tmp_path: Path, seed_store: Path, e5: Any) -> None:
    bot, settings = _bot_with_secret_url(tmp_path, seed_store, e5)
    try:
        info = bot.describe()
        assert "llm.example.com" in info["base_url"] and SECRET not in json.dumps(info)
        assert SECRET not in render_engine(info)
        # a fallback notice quoting the server's error
        real, bot.engine = bot.engine, FakeAnswerEngine([ModelUnavailableError(f"cannot reach {URL}")], name="openai")
        ui = ChatUI(bot, settings)
        display, _, engine_md, _, session = list(ui.respond("Who led the Thanh Hóa delegation to Russia?", None))[-1]
        assert "answered extractively" in display[-1]["content"] and SECRET not in display[-1]["content"]
        assert SECRET not in engine_md
        bot.engine = real
        ui.record_feedback("helpful", session)
        written = json.loads(settings.feedback_path.read_text(encoding="utf-8"))
        assert "llm.example.com" in written["settings"]["base_url"] and "llm.example.com" in written["notices"][0]
        assert SECRET not in json.dumps(written)
    finally:
        bot.close()


def test_logs_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    formatter = MaskingFormatter("%(message)s")
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: POST %s", (URL,), None)
    assert SECRET not in formatter.format(record) and "alice:***@" in formatter.format(record)


def test_eval_settings_are_masked() -> None:
    from evals.runner import _describe, _settings_dump

    dumped = _settings_dump(Settings(openai_base_url=URL, embedding_base_url=URL, openai_api_key=SECRET))
    text = json.dumps(dumped)
    assert SECRET not in text and dumped["openai_api_key"] == "***" and "llm.example.com" in text

    class Described:
        def describe(self) -> dict[str, Any]:
            return {"base_url": URL}

    assert SECRET not in json.dumps(_describe(Described()))


def test_healthz_and_errors_never_show_the_credentials(tmp_path: Path, seed_store: Path, e5: Any) -> None:
    bot, settings = _bot_with_secret_url(tmp_path, seed_store, e5)
    try:
        bot.engine = FakeAnswerEngine([ModelUnavailableError(f"cannot reach {URL}")] * 3, name="openai")
        failing = FakeAnswerEngine([ModelUnavailableError(f"the server at {URL} failed")] * 3, name="extractive")
        failing.reader = bot.extractive.reader  # type: ignore[attr-defined]  # the gate reads with it
        bot.extractive = failing  # type: ignore[assignment]
        with running(create_app(bot, settings, ui=False)) as url:
            health = httpx.get(url + "/healthz", timeout=60)
            assert health.status_code == 200 and SECRET not in health.text
            r = httpx.post(url + "/v1/chat/completions", timeout=120,
                           json={"messages": [{"role": "user", "content": "Who led the Thanh Hóa delegation to Russia?"}]})
            assert r.status_code == 503 and "llm.example.com" in r.text and SECRET not in r.text
    finally:
        bot.close()


# --- logins never on a command line ----------------------------------------------------------


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    return env | {"GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"} | extra


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    wait_until_up(url + "/", proc, log, seconds=300, ok=(200, 401, 302, 307))


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.parametrize("how", ["env", "file"])
@pytest.mark.parametrize("command", ["serve", "chat"])
def test_login_from_the_environment_or_a_file_is_never_on_the_command_line(
        how: str, command: str, tmp_path: Path, seed_store: Path) -> None:
    import shutil

    shutil.copytree(seed_store, tmp_path / "vs")
    password = f"pw-{SECRET}"
    extra = {"ASSISTANT_CORPUS_DIR": str(CORPUS), "ASSISTANT_VECTORSTORE_DIR": str(tmp_path / "vs"),
             "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_LLM": "extractive"}
    args = [sys.executable, "-m", "assistant", command, "--port", str(port := free_port())]
    if command == "serve":
        args.append("--no-ingest")
    if how == "env":
        extra["ASSISTANT_AUTH"] = f"alice:{password}"
    else:
        secret_file = tmp_path / "login"
        secret_file.write_text(f"alice:{password}\n", encoding="utf-8")
        secret_file.chmod(0o600)
        args += ["--auth-file", str(secret_file)]
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=_environment(**extra), stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, proc, log)
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()  # what ps shows every user
        assert password.encode() not in cmdline
        denied = httpx.post(url + "/login", data={"username": "alice", "password": "wrong"}, timeout=30)
        assert denied.status_code in (400, 401), denied.text
        granted = httpx.post(url + "/login", data={"username": "alice", "password": password}, timeout=30)
        assert granted.status_code == 200, granted.text
        assert httpx.get(url + "/config", timeout=30).status_code == 401  # no session cookie: no page
    finally:
        proc.terminate()
        proc.wait(30)
    assert "Traceback" not in log.read_text(errors="replace")


def test_auth_on_the_command_line_still_works_with_a_warning(tmp_path: Path) -> None:
    from assistant.cli import _login

    assert _login("alice:pw") == ("alice", "pw")
    path = tmp_path / "login"
    path.write_text("bob:pw2\nignored\n", encoding="utf-8")
    assert _login(None, path) == ("bob", "pw2")
    path.write_text("", encoding="utf-8")
    with pytest.raises(Exception, match="empty"):
        _login(None, path)
    with pytest.raises(Exception, match="cannot read"):
        _login(None, tmp_path / "missing")
    path.write_text("no-colon\n", encoding="utf-8")
    with pytest.raises(Exception, match="user:password"):
        _login(None, path)


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.llm
@needs_llama
@needs_small_model
def test_the_eval_server_passes_its_api_key_through_the_environment(tmp_path_factory: pytest.TempPathFactory) -> None:
    """``python -m evals.serve`` starts llama.cpp behind a random key and runs the eval against
    it: the key is in the children's environment, on no command line (``ps`` shows those)."""
    model = small_model_path(tmp_path_factory)
    proc = subprocess.Popen([sys.executable, "-m", "evals.serve", "--model", str(model), "--threads", "1", "--",
                             "--help"], env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen: dict[int, tuple[bytes, bytes]] = {}
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            for child in _children(proc.pid):
                try:
                    seen[child] = (Path(f"/proc/{child}/cmdline").read_bytes(), Path(f"/proc/{child}/environ").read_bytes())
                except OSError:
                    pass
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
        output = proc.communicate(timeout=60)[0].decode(errors="replace")
    assert proc.returncode == 0, output
    server = [env for cmd, env in seen.values() if b"llama_cpp.server" in cmd]
    assert server, (output, [cmd for cmd, _ in seen.values()])
    keys = [v.split(b"=", 1)[1] for v in server[0].split(b"\0") if v.startswith(b"API_KEY=")]
    assert keys and len(keys[0]) >= 16
    assert all(keys[0] not in cmd for cmd, _ in seen.values())
    assert keys[0].decode() not in output
