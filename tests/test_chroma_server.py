"""The same code path against a real Chroma server (`chroma run`) started by the test."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import CORPUS, free_port

from assistant import Assistant, Settings, StoreUnavailableError
from assistant.testing import FakeEmbeddings

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture
def chroma_server(tmp_path: Path):
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not start: " + (tmp_path / "chroma.log").read_text()[-2000:])
    yield port
    proc.terminate()
    proc.wait(timeout=20)


def test_ingest_and_answer_through_a_chroma_server(chroma_server: int, tmp_path: Path, e5) -> None:
    settings = Settings(
        corpus_dir=CORPUS, vectorstore_dir=tmp_path / "vs", data_dir=tmp_path / "data",
        llm="extractive", chroma_host="127.0.0.1", chroma_port=chroma_server,
    )
    with Assistant.from_settings(settings, embeddings=e5) as bot:
        report = bot.ingest()
        assert report.added == 5
        assert bot.index.store.count() == report.chunks_total
        assert bot.ingest().unchanged == 5
        # the search breadth is set on the server's collection too
        assert bot.index.store.collection.configuration["hnsw"]["ef_search"] == settings.hnsw_ef_search
        answer = bot.ask("Who led the Thanh Hóa delegation to Russia?")
        assert not answer.refused
        assert "Nguyễn Doãn Anh" in answer.text
    # a second client (another process would do the same) sees the same collection
    with Assistant.from_settings(settings, embeddings=e5) as other:
        assert other.index.store.count() == report.chunks_total
        assert other.ingest().chunks_added == 0


def test_server_down_names_host_and_port(tmp_path: Path) -> None:
    port = free_port()  # nothing listens here
    settings = Settings(vectorstore_dir=tmp_path / "vs", llm="extractive", chroma_host="127.0.0.1", chroma_port=port)
    with pytest.raises(StoreUnavailableError, match=f"127.0.0.1:{port}"):
        Assistant.from_settings(settings, embeddings=FakeEmbeddings())


def test_two_processes_on_one_server_answer_from_the_same_articles(chroma_server: int, tmp_path: Path) -> None:
    """One ingest worker, one reader (each with its own local folder, as on two machines): an
    article the worker ingests is found by the running reader within seconds."""
    import json
    import os
    import shutil

    from conftest import ROOT

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    common = {"PYTHONPATH": str(ROOT), "ASSISTANT_CHROMA_HOST": "127.0.0.1",
              "ASSISTANT_CHROMA_PORT": str(chroma_server), "ASSISTANT_CORPUS_DIR": str(corpus),
              "ASSISTANT_REFRESH_SECONDS": "1"}
    worker = ROOT / "tests" / "_worker.py"

    def env(name: str) -> dict[str, str]:
        return base | common | {"ASSISTANT_VECTORSTORE_DIR": str(tmp_path / name / "vs"),
                                "ASSISTANT_DATA_DIR": str(tmp_path / name / "data")}

    first = subprocess.run([sys.executable, str(worker), "ingest"], env=env("writer"), text=True,
                           capture_output=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    assert json.loads(first.stdout.strip().splitlines()[-1])["added"] == 5
    sentence = "Tàu ngầm Kilo mang số hiệu 187 cập cảng Cam Ranh"
    reader = subprocess.Popen([sys.executable, str(worker), "watch", sentence, "90"], env=env("reader"),
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready = json.loads(reader.stdout.readline())
        assert ready == {"ready": True, "documents": 5}  # built from the server, nothing local
        article = tmp_path / "inbox" / "tau-ngam.md"
        article.parent.mkdir()
        article.write_text(f"---\ntitle: Tàu ngầm\ndate: 2025-12-02\n---\n{sentence}.\n", encoding="utf-8")
        added = time.monotonic()
        second = subprocess.run([sys.executable, str(worker), "ingest", str(article)], env=env("writer"),
                                text=True, capture_output=True, timeout=300)
        assert second.returncode == 0, second.stderr[-2000:]
        out, err = reader.communicate(timeout=120)
        seen = time.monotonic() - added
    finally:
        if reader.poll() is None:
            reader.kill()
    found = json.loads(out.strip().splitlines()[-1])
    assert found["found"] is True, err[-2000:]
    assert found["documents"] == 6
    assert seen < 30, f"the reader saw the article {seen:.1f} s after the ingest started"
    print(f"\nthe reader found the article {seen:.1f} s after the worker's ingest started "
          f"({found['seconds']:.1f} s of watching)")
