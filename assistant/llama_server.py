"""Run llama.cpp's OpenAI-compatible server for a local GGUF model.

:class:`LlamaServer` starts ``python -m llama_cpp.server`` on a free 127.0.0.1 port, waits
until ``/v1/models`` answers and stops the process on :meth:`LlamaServer.stop`, on leaving
a ``with`` block, or at interpreter exit. :func:`shared_server` keeps one server per model
per process, started lazily under a lock, shared by every engine and thread; the server
handles one completion at a time, so concurrent requests queue instead of mixing.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from assistant.errors import ModelUnavailableError

__all__ = [
    "LlamaServer",
    "free_port",
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


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: have the kernel send SIGTERM to the server when this process dies."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class LlamaServer:
    """One ``llama_cpp.server`` process serving one model under the alias ``alias``."""

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
        self.n_threads = n_threads or min(os.cpu_count() or 2, 4)
        self.alias = alias
        self.api_key = api_key
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        self.python = python or sys.executable
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        cmd = [
            self.python, "-m", "llama_cpp.server",
            "--model", str(self.model_path),
            "--host", self.host,
            "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.n_threads),
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
        log.info("starting llama.cpp server for %s on %s", self.model_path.name, self.base_url)
        with os.fdopen(fd, "wb") as log_file:
            self.process = subprocess.Popen(
                self.command(),
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                # The kernel ties PR_SET_PDEATHSIG to the creating *thread*: only use it
                # from the main thread, or the server dies with a short-lived worker thread.
                preexec_fn=_die_with_parent
                if sys.platform.startswith("linux")
                and threading.current_thread() is threading.main_thread()
                else None,
            )
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        deadline = started + self.startup_timeout
        while True:
            code = self.process.poll()
            if code is not None:
                self.process = None
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

    def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
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


_shared: dict[Path, LlamaServer] = {}
_shared_lock = threading.Lock()


def shared_server(model_path: Path | str, **options: object) -> LlamaServer:
    """The process-wide server for ``model_path``, started on first use (thread-safe).

    It runs until :func:`stop_shared_servers` or interpreter exit.
    """
    key = Path(model_path).resolve()
    with _shared_lock:
        server = _shared.get(key)
        if server is None:
            server = LlamaServer(key, **options)  # type: ignore[arg-type]
            _shared[key] = server
        if not server.running:
            server.start()
        return server


def stop_shared_servers() -> None:
    with _shared_lock:
        for server in _shared.values():
            server.stop()
        _shared.clear()
