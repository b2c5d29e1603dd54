"""Load clients for a running ``assistant serve``: API clients (OpenAI-style chat completions,
one in four streamed) and UI clients (the chat page's own queue protocol, as the browser
speaks it: ``POST /gradio_api/queue/join`` then the ``/gradio_api/queue/data`` event stream).

A UI client behaves like a person opening the page: a new session (session hash), a few
questions in it, then the tab is closed and another one opened — so a long load creates many
sessions, which is what a server has to forget. Used by ``tests/test_server_process.py`` and
the memory benchmark ``tests/serve_memory.py``, as is :func:`served`, which runs
``assistant serve`` itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from _procs import stop, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS_FILE = ROOT / "evals" / "datasets" / "seeds.jsonl"
CORPUS = ROOT / "corpus"
UI_QUESTIONS_PER_SESSION = 3


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    return env | {"GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"} | extra


@contextmanager
def served(workdir: Path, store: Path | None = None, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """``assistant serve`` (extractive engine) over copies of the seed corpus (and of
    ``store``, when given: an index of it; else the server indexes the corpus first) in
    ``workdir``; yields its URL, process and log file, and stops it (SIGTERM) at the end."""
    shutil.copytree(CORPUS, workdir / "corpus")
    if store is not None:
        shutil.copytree(store, workdir / "vs")
    port = free_port()
    environment_ = environment(
        ASSISTANT_CORPUS_DIR=str(workdir / "corpus"), ASSISTANT_VECTORSTORE_DIR=str(workdir / "vs"),
        ASSISTANT_DATA_DIR=str(workdir / "data"), ASSISTANT_LLM="extractive", **env)
    log = workdir / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)],
                                cwd=workdir, env=environment_, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/healthz", proc, log, seconds=600, what="assistant serve")
        yield url, proc, log
    finally:
        stop(proc)


def seed_questions() -> list[str]:
    return [json.loads(line)["question"]
            for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    p50, p95 = np.percentile(values, [50, 95])
    return {"p50": round(float(p50), 3), "p95": round(float(p95), 3), "max": round(max(values), 3)}


@dataclass
class LoadResult:
    records: list[dict[str, Any]] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [r for r in self.records if not r["ok"]]

    def summary(self) -> dict[str, Any]:
        api = [r for r in self.records if r["kind"] == "api"]
        ui = [r for r in self.records if r["kind"] == "ui"]
        return {
            "requests": len(self.records), "api_requests": len(api), "ui_questions": len(ui),
            "ui_sessions": len({r["session"] for r in ui}),
            "errors": len(self.errors), "error_samples": [e.get("error") for e in self.errors[:5]],
            "refused": sum(1 for r in self.records if r.get("refused")),
            "wall_seconds": round(self.wall_seconds, 1),
            "throughput_rps": round(len(self.records) / self.wall_seconds, 2) if self.wall_seconds else 0.0,
            "latency_seconds": percentiles([r["seconds"] for r in self.records]),
            "api_non_streamed_latency_seconds": percentiles([r["seconds"] for r in api if not r["stream"]]),
            "api_streamed_first_piece_seconds": percentiles([r["first"] for r in api if "first" in r]),
            "ui_latency_seconds": percentiles([r["seconds"] for r in ui]),
        }


def api_request(http: httpx.Client, question: str, stream: bool) -> dict[str, Any]:
    """One chat completion; the record says whether it succeeded and how long it took."""
    body = {"model": "hoitin", "stream": stream, "messages": [{"role": "user", "content": question}]}
    record: dict[str, Any] = {"kind": "api", "stream": stream, "ok": False}
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
    return record


class ChatPage:
    """The chat page's ask function as the browser calls it (Gradio's queue protocol)."""

    def __init__(self, http: httpx.Client):
        config = http.get("/config").json()
        question = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "question")
        dep = next(d for d in config["dependencies"] if [question["id"], "submit"] in d["targets"])
        self.fn_index, self.trigger_id, self.inputs = dep["id"], question["id"], len(dep["inputs"])
        self.http = http

    def ask(self, question: str, session_hash: str) -> list[dict[str, Any]]:
        """Ask in the session ``session_hash``; returns the event messages, the last one
        ``process_completed`` (or an error message)."""
        data: list[Any] = [question, None, [], [], "", ""][: self.inputs]
        body = {"data": data, "event_data": None, "fn_index": self.fn_index,
                "trigger_id": self.trigger_id, "session_hash": session_hash}
        # as a browser's JSON.stringify writes it: a lone surrogate as a \ud800 escape
        joined = self.http.post("/gradio_api/queue/join", content=json.dumps(body).encode("ascii"),
                                headers={"content-type": "application/json"})
        joined.raise_for_status()
        messages: list[dict[str, Any]] = []
        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session_hash}) as r:
            for line in r.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                messages.append(message)
                if message.get("msg") in ("process_completed", "unexpected_error", "close_stream"):
                    break
        return messages


def ui_request(page: ChatPage, question: str, session: str) -> dict[str, Any]:
    record: dict[str, Any] = {"kind": "ui", "session": session, "stream": True, "ok": False}
    t = time.perf_counter()
    try:
        messages = page.ask(question, session)
        last = messages[-1] if messages else {}
        record["ok"] = last.get("msg") == "process_completed" and bool(last.get("success", True))
        if not record["ok"]:
            record["error"] = json.dumps(last, ensure_ascii=False)[:300]
    except Exception as exc:
        record["error"] = f"{type(exc).__name__}: {exc}"[:300]
    record["seconds"] = time.perf_counter() - t
    return record


def run_load(url: str, *, clients: int, seconds: float, ui_clients: int = 0,
             questions: list[str] | None = None, timeout: float = 120.0) -> LoadResult:
    """``clients`` API clients and ``ui_clients`` UI clients ask the seed questions in turn
    for ``seconds`` (no new request after that; requests under way finish)."""
    questions = questions or seed_questions()
    result = LoadResult()
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + seconds
    total = clients + ui_clients

    def api_client(n: int) -> None:
        i = n
        with httpx.Client(base_url=url, timeout=timeout) as http:
            while time.monotonic() < deadline:
                record = api_request(http, questions[i % len(questions)], i % 4 == 0)
                i += total
                with lock:
                    result.records.append(record)

    def ui_client(n: int) -> None:
        i = n
        with httpx.Client(base_url=url, timeout=timeout) as http:
            page = ChatPage(http)
            while time.monotonic() < deadline:
                session = uuid.uuid4().hex[:11]  # a new tab
                for _ in range(UI_QUESTIONS_PER_SESSION):
                    if time.monotonic() >= deadline:
                        break
                    record = ui_request(page, questions[i % len(questions)], session)
                    i += total
                    with lock:
                        result.records.append(record)

    threads = [threading.Thread(target=api_client, args=(n,)) for n in range(clients)]
    threads += [threading.Thread(target=ui_client, args=(clients + n,)) for n in range(ui_clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 10 * timeout)
    result.wall_seconds = time.monotonic() - started
    return result
