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
        answer = bot.ask("Ai dẫn đầu đoàn công tác cấp cao tỉnh Thanh Hóa sang Liên bang Nga?")
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
