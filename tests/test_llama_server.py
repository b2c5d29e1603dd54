"""The llama.cpp server wrapper: command line, start/stop, failures, sharing, concurrency."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from assistant.errors import ModelUnavailableError
from assistant.llama_server import (
    LlamaServer,
    free_cores,
    free_port,
    lease_shared_server,
    parse_timings,
    shared_server,
    stop_shared_servers,
)
from tests._llm import needs_llama, needs_small_model, small_model_path


def test_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = LlamaServer(tmp_path / "m.gguf", port=8123, n_threads=2, api_key="secret")
    cmd = server.command()
    assert "secret" not in " ".join(cmd) and "--api_key" not in cmd  # a command line is public
    monkeypatch.setenv("PORT", "9999")  # a user's own PORT / API_KEY must not reach the server
    monkeypatch.setenv("API_KEY", "someone-elses")
    env = server.environment()
    assert env["API_KEY"] == "secret" and "PORT" not in env
    assert "API_KEY" not in LlamaServer(tmp_path / "m.gguf").environment()
    assert cmd[1] == "-c" and "lifeline" in cmd[2] and "llama_cpp.server" in cmd[2]
    pairs = dict(zip(cmd[3::2], cmd[4::2], strict=False))
    assert pairs["--model"] == str(tmp_path / "m.gguf")
    assert pairs["--host"] == "127.0.0.1" and pairs["--port"] == "8123"
    assert pairs["--n_ctx"] == "4096" and pairs["--n_threads"] == "2"
    assert pairs["--n_threads_batch"] == "2"  # prompt processing too (its default is every core)
    assert pairs["--model_alias"] == "local"
    assert pairs["--interrupt_requests"] == "False"
    assert server.base_url == "http://127.0.0.1:8123/v1"


def test_threads_default_to_the_free_cores(tmp_path: Path) -> None:
    import os

    cores = len(os.sched_getaffinity(0))
    assert 1 <= free_cores() <= cores
    assert 1 <= LlamaServer(tmp_path / "m.gguf").n_threads <= cores


LOG = """INFO:     127.0.0.1:38144 - "POST /v1/chat/completions HTTP/1.1" 200 OK
llama_perf_context_print:        load time =       0.35 ms
llama_perf_context_print: prompt eval time =       0.04 ms /    67 tokens (    0.00 ms per token, 1595238.10 tokens per second)
llama_perf_context_print:        eval time =   52916.78 ms /    49 runs   ( 1079.93 ms per token,     0.93 tokens per second)
llama_perf_context_print:       total time =   66852.13 ms /   116 tokens
llama_perf_context_print:    graphs reused =         48
INFO:     127.0.0.1:46786 - "POST /v1/chat/completions HTTP/1.1" 200 OK
Llama.generate: 58 prefix-match hit, remaining 9 prompt tokens to eval
llama_perf_context_print:        load time =       0.35 ms
llama_perf_context_print: prompt eval time =    5908.42 ms /     9 tokens (  656.49 ms per token,     1.52 tokens per second)
llama_perf_context_print:        eval time =   31842.73 ms /    53 runs   (  600.81 ms per token,     1.66 tokens per second)
llama_perf_context_print:       total time =   41698.98 ms /    62 tokens
"""


def test_the_servers_timings_are_read_from_its_log() -> None:
    last = parse_timings(LOG)
    assert last is not None
    assert (last.prompt_tokens, last.cached_tokens, last.evaluated_tokens) == (67, 58, 9)
    assert (last.prompt_ms, last.completion_tokens, last.completion_ms) == (5908.42, 53, 31842.73)
    first = parse_timings(LOG[: LOG.index("INFO:     127.0.0.1:46786")])
    assert first is not None and first.cached_tokens == 0 and first.prompt_tokens == 67
    assert first.prompt_ms is None  # booked under generation right after loading: not a measurement
    assert parse_timings("INFO: nothing yet") is None


def test_free_port_is_bindable() -> None:
    import socket

    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match=r"no GGUF model"):
        LlamaServer(tmp_path / "missing.gguf").start()


@needs_llama
def test_bad_model_file_fails_with_the_log_tail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf file" * 100)
    server = LlamaServer(bad, startup_timeout=60)
    with pytest.raises(ModelUnavailableError, match=r"exited with code .*log ends with") as info:
        server.start()
    assert "bad.gguf" in str(info.value)
    assert not server.running


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_model_path(tmp_path_factory)


def ask(url: str, prompt: str, *, key: str = "none", max_tokens: int = 24) -> str:
    client = OpenAI(base_url=url, api_key=key, max_retries=0, timeout=120)
    pieces = []
    stream = client.chat.completions.create(
        model="local",
        messages=[{"role": "user", "content": prompt}],
        temperature=0,
        max_tokens=max_tokens,
        stream=True,
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    return "".join(pieces)


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.llm
@needs_llama
@needs_small_model
def test_start_answer_stop(model: Path) -> None:
    server = LlamaServer(model, n_threads=2)
    with server:
        assert server.running
        models = httpx.get(f"{server.base_url}/models", timeout=5).json()
        assert [m["id"] for m in models["data"]] == ["local"]
        assert ask(server.base_url, "What is 2 + 2? Answer with the number only.").strip()
        process = server.process
    assert not server.running
    assert process is not None and process.poll() is not None
    server.stop()  # twice is fine


@pytest.mark.slow
@pytest.mark.server
@needs_llama
@needs_small_model
def test_startup_timeout_kills_the_server(model: Path) -> None:
    server = LlamaServer(model, startup_timeout=0.05)
    with pytest.raises(ModelUnavailableError, match=r"did not answer within"):
        server.start()
    assert not server.running


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.llm
@needs_llama
@needs_small_model
def test_shared_server_concurrent_users(model: Path) -> None:
    """Threads share one server; concurrent answers equal the sequential ones (not cut off,
    not mixed)."""
    prompts = [
        "List the first five even numbers, separated by commas.",
        "Write the word 'banana' three times, separated by spaces.",
        "What is the capital of France? Answer in one short sentence.",
    ]
    try:
        servers: list[LlamaServer] = []
        lock = threading.Lock()

        def get() -> None:
            s = shared_server(model, n_threads=2)
            with lock:
                servers.append(s)

        threads = [threading.Thread(target=get) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len({id(s) for s in servers}) == 1
        url = servers[0].base_url

        sequential = [ask(url, p, max_tokens=40) for p in prompts]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=3) as pool:
            concurrent = list(pool.map(lambda p: ask(url, p, max_tokens=40), prompts))
        assert concurrent == sequential
        assert all(len(text) > 5 for text in concurrent)
        assert time.perf_counter() - started < 120
    finally:
        stop_shared_servers()
    assert not servers[0].running


@pytest.mark.slow
@pytest.mark.server
@needs_llama
@needs_small_model
def test_api_key_is_enforced_and_never_on_the_command_line(model: Path) -> None:
    key = "s3cret-key-4711"
    with LlamaServer(model, api_key=key, n_threads=2) as server:
        assert server.process is not None
        cmdline = Path(f"/proc/{server.process.pid}/cmdline").read_bytes()  # what ps shows
        assert b"llama_cpp.server" in cmdline and key.encode() not in cmdline
        assert httpx.get(f"{server.base_url}/models", timeout=5).status_code == 401
        wrong = httpx.get(f"{server.base_url}/models", headers={"Authorization": "Bearer wrong"}, timeout=5)
        assert wrong.status_code == 401
        assert ask(server.base_url, "Say hi.", key=key, max_tokens=4)


# --- no leaked servers --------------------------------------------------------------------------

CHILD = """
import os, sys, threading
from assistant.chat_engine import ChatEngine
from assistant.settings import Settings

engine = ChatEngine.local(Settings(local_model=sys.argv[1], local_threads=1))
worker = threading.Thread(target=engine.warm_up)  # started from a short-lived worker thread
worker.start()
worker.join()
print(engine.client.server.pid, flush=True)
sys.stdin.readline()  # the test has seen the server alive; "killed" never gets past here
if sys.argv[2] == "os._exit":
    os._exit(0)
# "exit": the interpreter exits normally; close() is never called
"""


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.2)
    return not alive(pid)


@pytest.mark.slow
@pytest.mark.server
@needs_llama
@needs_small_model
@pytest.mark.parametrize("ending", ["exit", "os._exit", "killed"])
def test_a_process_that_ends_without_closing_leaves_no_server(model: Path, ending: str) -> None:
    import os
    import signal
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", CHILD, str(model), ending], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.strip().isdigit(), f"the child did not start its server: {child.stderr.read() if child.stderr else ''}"
        pid = int(line)
        assert alive(pid)
        if ending == "killed":
            os.kill(child.pid, signal.SIGKILL)  # no atexit, no finally: only the kernel cleans up
        elif child.stdin:
            child.stdin.write("go\n")  # now end, the way the parameter says
            child.stdin.flush()
        child.wait(timeout=60)
        assert gone_within(pid, 15), f"the llama.cpp server {pid} outlived its parent ({ending})"
    finally:
        if child.poll() is None:
            child.kill()


@pytest.mark.slow
@pytest.mark.server
@needs_llama
@needs_small_model
def test_the_server_stops_when_its_last_user_is_garbage_collected(model: Path) -> None:
    import gc

    from assistant.chat_client import ChatClient
    from assistant.settings import Settings

    client = ChatClient.local(Settings(local_model=str(model), local_threads=1))
    worker = threading.Thread(target=client.warm_up)
    worker.start()
    worker.join()
    server = client.server
    assert server is not None and server.pid is not None
    pid = server.pid
    other = lease_shared_server(model)  # a second user of the same server
    assert other.server is server
    del client
    gc.collect()
    time.sleep(1)
    assert alive(pid)  # the other user still has it
    del other
    gc.collect()
    assert gone_within(pid, 15)
