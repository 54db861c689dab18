"""The scorer process (jobs/scorer.py): jobs run in the process that keeps the models, with the heartbeats a
forking worker keeps, under a supervisor that starts another scorer when one dies and stops on SIGTERM."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest

from tests.conftest import wait_until
from tests.support.paths import REPO

pytestmark = pytest.mark.sqlite_only  # Redis and processes; the database is not what is tested


def slow(seconds: float) -> int:
    """A job that takes a while, as a transcription does; it says which process ran it."""
    time.sleep(seconds)
    return os.getpid()


@pytest.mark.parametrize("kind", ["ScoringWorker", "SimpleWorker"])
def test_a_long_job_keeps_its_heartbeat_and_is_never_taken_for_abandoned(env, monkeypatch, kind):
    """While a job runs in the scorer's own process, the recovery sweep sees a live job; RQ's plain SimpleWorker
    (the control) beats only at the start, so the sweep would put a long transcription back to be done twice."""
    import rq
    from rq.job import Job

    from bot.ops import recover
    from bot.queues import SCORING, get_queue
    from bot.store.kv import get_redis
    from jobs import scorer

    monkeypatch.setattr(recover, "HEARTBEAT_STALE", 0.8)  # RQ's is 90 s against a 30 s beat: the same proportion
    queue = get_queue(SCORING)
    job = queue.enqueue(slow, 2.5)
    worker = getattr(scorer, kind, None) or getattr(rq, kind)
    worker = worker([queue], connection=get_redis(), job_monitoring_interval=0.25)
    beats, verdicts, done = set(), [], threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen = Job.fetch(job.id, connection=get_redis())
            if seen.get_status() == "started":
                beats.add(seen.last_heartbeat)
                verdicts.append(recover.abandoned(seen, get_redis()))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        worker.work(burst=True, logging_level="WARNING")
    finally:
        done.set()
        watcher.join()
    finished = Job.fetch(job.id, connection=get_redis())
    assert finished.get_status() == "finished" and finished.return_value() == os.getpid()  # no fork
    assert len(verdicts) >= 15
    if kind == "ScoringWorker":
        assert len(beats) >= 5 and not any(verdicts)
        assert queue.started_job_registry.get_job_ids() == []  # no late beat brought the finished run back
    else:
        assert any(verdicts)


def broken() -> None:
    raise ValueError("a recording no decoder can read")


@pytest.mark.parametrize("case", ["raises", "times out"])
def test_a_job_that_fails_or_overruns_ends_failed_and_its_heartbeat_with_it(env, case):
    """The scorer's own process survives a job that raises, and one past its timeout (RQ's alarm, in this process
    since there is no work horse to kill); neither is left started, and no heartbeat thread runs on."""
    from rq.job import Job

    from bot.queues import SCORING, get_queue
    from bot.store.kv import get_redis
    from jobs.scorer import ScoringWorker

    queue = get_queue(SCORING)
    job = queue.enqueue(broken) if case == "raises" else queue.enqueue(slow, 5, job_timeout=1)
    ScoringWorker([queue], connection=get_redis(), job_monitoring_interval=0.2).work(burst=True,
                                                                                     logging_level="WARNING")
    failed = Job.fetch(job.id, connection=get_redis())
    assert failed.get_status() == "failed" and queue.started_job_registry.get_job_ids() == []
    assert ("ValueError" if case == "raises" else "JobTimeoutException") in failed.latest_result().exc_string
    assert not [t for t in threading.enumerate() if t.name == f"heartbeat-{job.id}"]  # the beat ended with the job


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def scorer_children(parent: psutil.Process) -> list[psutil.Process]:
    return [child for child in parent.children() if alive(child)]


def registered_pids() -> set[int]:
    from rq import Worker

    from bot.store.kv import get_redis

    return {worker.pid for worker in Worker.all(connection=get_redis())}


def test_the_scorer_is_started_again_when_it_dies_and_stops_with_its_supervisor(env, tmp_path):
    log = (tmp_path / "scorer.log").open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "jobs.worker", "scoring"], cwd=REPO, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    supervisor = psutil.Process(proc.pid)
    try:
        wait_until(lambda: len(scorer_children(supervisor)) == 1, 60, 0.1)
        [first] = scorer_children(supervisor)
        wait_until(lambda: first.pid in registered_pids(), 60, 0.1)  # the child is the RQ worker
        assert proc.pid not in registered_pids()
        left = wait_until(lambda: first.children(), 30, 0.1)  # RQ's scheduler, a process of its own

        first.kill()  # a segfault or the OOM killer, in the middle of whatever it did
        wait_until(lambda: [c.pid for c in scorer_children(supervisor)] not in ([], [first.pid]), 30, 0.1)
        [second] = scorer_children(supervisor)
        wait_until(lambda: second.pid in registered_pids(), 60, 0.1)
        assert proc.poll() is None
        wait_until(lambda: not any(alive(p) for p in left), 10, 0.1)  # not left running, orphaned
        # killed, it never said goodbye to RQ: the supervisor cleared its registration for it
        wait_until(lambda: first.pid not in registered_pids(), 10, 0.1)

        proc.send_signal(signal.SIGTERM)  # honcho or systemd stopping it: both end, cleanly
        assert proc.wait(30) == 0
        wait_until(lambda: not alive(second), 30, 0.1)
        wait_until(lambda: second.pid not in registered_pids(), 10, 0.1)  # it said goodbye to RQ
    finally:
        if proc.poll() is None:
            for process in [supervisor, *supervisor.children(recursive=True)]:
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.kill()
            proc.wait(10)
    text = (tmp_path / "scorer.log").read_text("utf-8", errors="replace")
    assert "scorer process ended (signal 9); starting another in 1 s" in text


def test_a_scorer_whose_supervisor_is_killed_ends_too(env, tmp_path):
    """SIGKILL to the supervisor alone (a process manager gone wrong): the scorer gets SIGTERM from Linux
    (its parent-death signal) and ends instead of working on unsupervised."""
    log = (tmp_path / "scorer.log").open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "jobs.worker", "scoring"], cwd=REPO, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    supervisor = psutil.Process(proc.pid)
    family = [supervisor]
    try:
        wait_until(lambda: len(scorer_children(supervisor)) == 1, 60, 0.1)
        [scorer] = scorer_children(supervisor)
        family += [scorer, *scorer.children(recursive=True)]
        wait_until(lambda: scorer.pid in registered_pids(), 60, 0.1)
        proc.kill()
        proc.wait(10)
        wait_until(lambda: not alive(scorer), 30, 0.1)
        wait_until(lambda: scorer.pid not in registered_pids(), 10, 0.1)  # a warm shutdown: it said goodbye
    finally:
        for process in family:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
