"""Run llama.cpp's OpenAI-compatible server for a local GGUF model.

:class:`LlamaServer` starts llama-cpp-python's server (``llama_cpp.server``) on a free
127.0.0.1 port, waits until ``/v1/models`` answers and stops the process on
:meth:`LlamaServer.stop`, on leaving a ``with`` block, or at interpreter exit.

The server never outlives the process that started it. It runs behind a *lifeline*: its
standard input is a pipe whose only writer is the starting process, and a thread in the
server exits the moment that pipe closes — which the kernel does however the starting
process ends (``close()`` forgotten, an exception, ``os._exit``, SIGKILL), from whatever
thread the server was started. (``PR_SET_PDEATHSIG``, used before, fires when the *thread*
that started the child ends, so it could not be used from worker threads.)

:func:`lease_shared_server` keeps one server per model per process, started lazily under a
lock and shared by every engine and thread; each user holds a :class:`ServerLease`, and the
server stops when the last lease is released or garbage-collected (an ``Assistant`` dropped
without ``close()``). The server handles one completion at a time, so concurrent requests
queue instead of mixing.

Speed on a shared CPU: :func:`free_cores` counts the cores other processes leave free
(runnable threads, not our own) and the server gets that many threads for both prompt
processing and generation — on two busy cores one thread decodes several times faster than
two that keep waiting for each other. llama-cpp-python reuses the KV cache of the longest
common prefix of consecutive prompts by itself ("prefix-match hit" in its log), so prompts
that start with the same fixed text pay for it once. :meth:`LlamaServer.timings_since` reads
what the server measured for a completion from its log: prompt tokens (and how many came
from the cache), prompt-processing and generation time.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from assistant.cores import free_cores
from assistant.errors import ModelUnavailableError
from assistant.llama_timings import ServerTimings, parse_timings

__all__ = [
    "LlamaServer",
    "ServerLease",
    "ServerTimings",
    "free_cores",
    "free_port",
    "lease_shared_server",
    "llama_cpp_installed",
    "shared_server",
    "stop_shared_servers",
]

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'hoitin[local]'"
# environment variables llama_cpp.server reads for settings we give it ourselves (or must
# not inherit: a user's PORT or API_KEY would change where it listens or lock us out)
_SERVER_ENV = frozenset({"API_KEY", "HOST", "PORT", "CONFIG_FILE", "MODEL", "MODEL_ALIAS"})


def llama_cpp_installed() -> bool:
    """Whether llama-cpp-python (with its server) can be imported, without importing it."""
    import importlib.util

    return (
        importlib.util.find_spec("llama_cpp") is not None
        and importlib.util.find_spec("uvicorn") is not None
        and importlib.util.find_spec("sse_starlette") is not None
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


# The server's entry point, run as ``python -c``: a daemon thread reads the lifeline (stdin)
# and ends the process when it closes, i.e. when the process holding its other end is gone.
_LIFELINE = """\
import os, sys, threading
def _watch():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)
threading.Thread(target=_watch, name="lifeline", daemon=True).start()
from llama_cpp.server.__main__ import main
main()
"""


class LlamaServer:
    """One ``llama_cpp.server`` process serving one model under the alias ``alias``.

    ``n_threads`` (prompt processing and generation): by default :func:`free_cores` when the
    server starts."""

    def __init__(
        self,
        model_path: Path | str,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        alias: str = "local",
        api_key: str | None = None,
        startup_timeout: float = 120.0,
        extra_args: Sequence[str] = (),
        python: str | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.host = host
        self.port = port
        self.n_ctx = n_ctx
        self._threads = n_threads
        self.alias = alias
        self.api_key = api_key
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        self.python = python or sys.executable
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None
        self._lock = threading.Lock()

    @property
    def n_threads(self) -> int:
        """The thread count the server runs (or will run) with."""
        if self._threads is None:
            self._threads = free_cores()
        return self._threads

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def command(self) -> list[str]:
        threads = str(self.n_threads)
        cmd = [
            self.python, "-c", _LIFELINE,
            "--model", str(self.model_path),
            "--host", self.host,
            "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
            "--n_threads", threads,
            "--n_threads_batch", threads,  # prompt processing; the server's default is every core
            "--model_alias", self.alias,
            # By default the server ends a streaming answer early (a bare [DONE]) when another
            # request arrives; queue requests instead.
            "--interrupt_requests", "False",
        ]  # fmt: skip
        return cmd + self.extra_args  # never the API key: a command line is public (ps)

    def environment(self) -> dict[str, str]:
        """The server's environment: ours, with the API key as ``API_KEY`` (llama_cpp.server
        reads its settings from the environment too) and without the variables it would
        take for its own settings instead of our command line."""
        env = {k: v for k, v in os.environ.items() if k.upper() not in _SERVER_ENV}
        if self.api_key:
            env["API_KEY"] = self.api_key
        return env

    def start(self) -> LlamaServer:
        """Start the server (if not running) and wait until it answers."""
        with self._lock:
            if self.running:
                return self
            if not self.model_path.is_file():
                raise ModelUnavailableError(f"no GGUF model at {self.model_path}")
            if not llama_cpp_installed():
                raise ModelUnavailableError(
                    f"llama-cpp-python with its server is not installed: run {INSTALL_HINT}"
                )
            attempts = 1 if self.port else 3
            for attempt in range(attempts):
                if not self.port or attempt:
                    self.port = free_port(self.host)
                try:
                    self._launch()
                    break
                except ModelUnavailableError:
                    if attempt + 1 == attempts or "address already in use" not in self.log_tail():
                        raise
                    log.info("port %s was taken; trying another", self.port)
            atexit.register(self.stop)
            return self

    def _launch(self) -> None:
        fd, log_name = tempfile.mkstemp(prefix="llama-server-", suffix=".log")
        self.log_path = Path(log_name)
        started = time.monotonic()
        log.info("starting llama.cpp server for %s on %s (%d threads)", self.model_path.name,
                 self.base_url, self.n_threads)
        with os.fdopen(fd, "wb") as log_file:
            self.process = subprocess.Popen(
                self.command(),
                env=self.environment(),
                stdin=subprocess.PIPE,  # the lifeline: only this process holds its write end
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        deadline = started + self.startup_timeout
        while True:
            code = self.process.poll()
            if code is not None:
                self._terminate()
                raise ModelUnavailableError(
                    f"the llama.cpp server exited with code {code} while starting "
                    f"(model {self.model_path}); its log ends with:\n{self.log_tail()}"
                )
            try:
                reply = httpx.get(f"{self.base_url}/models", headers=headers, timeout=2.0)
                if reply.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self._terminate()
                raise ModelUnavailableError(
                    f"the llama.cpp server at {self.base_url} did not answer within "
                    f"{self.startup_timeout:.0f} s; its log ends with:\n{self.log_tail()}"
                )
            time.sleep(0.2)
        log.info("llama.cpp server up at %s in %.1f s", self.base_url, time.monotonic() - started)

    def log_tail(self, lines: int = 20) -> str:
        if not self.log_path or not self.log_path.is_file():
            return "(no log)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"

    # --- what the server measured -------------------------------------------------------

    def log_size(self) -> int:
        """Where the log ends now: pass it to :meth:`timings_since` after a completion."""
        try:
            return self.log_path.stat().st_size if self.log_path else 0
        except OSError:
            return 0

    def timings_since(self, offset: int) -> ServerTimings | None:
        """The timings of the last completion the server finished after ``offset`` (a
        :meth:`log_size`), read from its log; None when there is none. The server finishes
        one completion at a time and logs its timings before its last chunk is sent, so
        right after a stream ends its last timings are that stream's."""
        if not self.log_path:
            return None
        try:
            with self.log_path.open("rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", errors="replace")
        except OSError:
            return None
        return parse_timings(text)

    # --- stopping -----------------------------------------------------------------------

    def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()  # cut the lifeline: the server exits by itself
        if process.poll() is None:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server (safe to call twice) and remove its log."""
        with self._lock:
            self._terminate()
            if self.log_path is not None:
                with contextlib.suppress(OSError):
                    self.log_path.unlink()
                self.log_path = None
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<LlamaServer {self.model_path.name} {state} {self.base_url}>"


# --- one server per model per process, leased -------------------------------------------------


@dataclass
class _Shared:
    server: LlamaServer
    leases: set[int]
    pinned: bool = False  # taken with shared_server(): runs until stop_shared_servers()


_shared: dict[Path, _Shared] = {}
_shared_lock = threading.Lock()
_lease_ids = itertools.count(1)


class ServerLease:
    """A claim on the process-wide server of one model (see :func:`lease_shared_server`).

    :meth:`release` gives it back; so does garbage collection of the lease. The server stops
    when the last lease is gone (unless it was also taken with :func:`shared_server`)."""

    def __init__(self, key: Path, server: LlamaServer) -> None:
        self.server = server
        self._id = next(_lease_ids)
        self._finalizer = weakref.finalize(self, _release, key, self._id)

    def release(self) -> None:
        self._finalizer()

    @property
    def released(self) -> bool:
        return not self._finalizer.alive


def _get_shared(model_path: Path | str, options: dict[str, object]) -> tuple[Path, _Shared]:
    key = Path(model_path).resolve()
    entry = _shared.get(key)
    if entry is None:
        entry = _shared[key] = _Shared(LlamaServer(key, **options), set())  # type: ignore[arg-type]
    if not entry.server.running:
        entry.server.start()
    return key, entry


def lease_shared_server(model_path: Path | str, **options: object) -> ServerLease:
    """A lease on the process-wide server for ``model_path``, started on first use
    (thread-safe); ``options`` are :class:`LlamaServer`'s, used when it starts."""
    with _shared_lock:
        key, entry = _get_shared(model_path, options)
        lease = ServerLease(key, entry.server)
        entry.leases.add(lease._id)
        return lease


def _release(key: Path, lease_id: int) -> None:
    """Give a lease back; stop the server when it was the last one. Runs from
    ``ServerLease.release`` or from the garbage collector (in any thread): the wait for the
    server to exit happens in a thread of its own."""
    with _shared_lock:
        entry = _shared.get(key)
        if entry is None or lease_id not in entry.leases:
            return
        entry.leases.discard(lease_id)
        if entry.leases or entry.pinned:
            return
        del _shared[key]
    log.info("last user of %s gone; stopping its llama.cpp server", key.name)
    threading.Thread(target=entry.server.stop, name="llama-server-stop", daemon=True).start()


def shared_server(model_path: Path | str, **options: object) -> LlamaServer:
    """The process-wide server for ``model_path``, started on first use (thread-safe); it
    runs until :func:`stop_shared_servers` or interpreter exit, whatever its leases do."""
    with _shared_lock:
        _, entry = _get_shared(model_path, options)
        entry.pinned = True
        return entry.server


def stop_shared_servers() -> None:
    with _shared_lock:
        entries = list(_shared.values())
        _shared.clear()
    for entry in entries:
        entry.server.stop()
