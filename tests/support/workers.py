"""Real worker processes (`jobs.worker`) beside a test's stack, as production runs them, in office hours.

The stack fixture moves the SMS quiet hours (21:00–08:00 Beijing time) out of the way in the test's own process;
a worker process is a fresh interpreter, so `python -m tests.support.workers <queues>` does the same there before
it starts the ordinary worker: a test's SMS go at once whatever the hour it runs at.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.clock import CN_TZ
from bot.wecom import delivery
from jobs import worker
from tests.support.paths import REPO


def start(logs: list[Path], queues: tuple[str, ...] = ("commands", "delivery")) -> list[subprocess.Popen]:
    """One worker per log file, each in its own process group (its job's work-horse with it), serving queues."""
    return [subprocess.Popen([sys.executable, "-m", "tests.support.workers", *queues], cwd=REPO,
                             stdout=path.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
            for path in logs]


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL the worker and the work-horse running its job, mid-whatever, as a machine that dies: nothing of
    theirs runs on (RQ puts the horse in a process group of its own, so the worker's group alone would spare it)."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    os.killpg(proc.pid, signal.SIGKILL)
    for pid in map(int, children):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(30)


def stop(procs: list[subprocess.Popen]) -> None:
    """Stop the workers still running (SIGTERM: RQ's warm shutdown) and wait for them."""
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        proc.wait(30)


def office_hours() -> dt.datetime:
    """Now, moved to 10:00 Beijing time."""
    return dt.datetime.now(CN_TZ).replace(hour=10)


if __name__ == "__main__":
    delivery.beijing_now = office_hours
    sys.exit(worker.main())
