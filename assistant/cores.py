"""How many CPU cores this process may use right now.

On a shared machine a llama.cpp server given every core decodes several times slower than
one given only the free ones: its threads keep waiting for each other behind other
processes. :func:`free_cores` counts the cores other processes leave free (runnable
threads in ``/proc/stat``, not our own; the load average where that cannot be read).
"""

from __future__ import annotations

import contextlib
import os
import time

__all__ = ["free_cores"]


def _runnable_elsewhere() -> float | None:
    """Threads of *other* processes ready to run now (Linux; None elsewhere): the kernel's
    count of runnable threads minus ours, the median of a few samples over 0.2 s."""
    samples: list[int] = []
    for i in range(5):
        try:
            with open("/proc/stat", encoding="ascii") as f:
                running = next(int(line.split()[1]) for line in f if line.startswith("procs_running"))
            ours = 0
            for task in os.listdir("/proc/self/task"):
                with contextlib.suppress(OSError), open(f"/proc/self/task/{task}/stat", encoding="ascii") as f:
                    ours += f.read().rsplit(")", 1)[-1].split()[0] == "R"
        except (OSError, StopIteration, ValueError):
            return None
        samples.append(max(0, running - max(ours, 1)))
        if i < 4:
            time.sleep(0.05)
    return float(sorted(samples)[len(samples) // 2])


def free_cores() -> int:
    """CPU cores this process may use that other processes leave free right now (at least
    1): the cores of its affinity mask minus the threads other processes have ready to run
    (the one-minute load average where that cannot be read)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    busy = _runnable_elsewhere()
    if busy is None:
        try:
            busy = os.getloadavg()[0]
        except OSError:
            busy = 0.0
    return max(1, min(cores, round(cores - busy)))
