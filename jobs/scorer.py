"""The scorer process: scoring jobs run in a process that keeps its models, under a supervisor that restarts it.

An RQ `Worker` forks a fresh work horse for every job, and a fresh process loads Whisper, jieba's dictionary and
the sentence encoder again: seconds per job before any work, which is most of the wait between a candidate's last
answer and the report. `ScoringWorker` runs its jobs in its own process instead (RQ's `SimpleWorker`), so the
models load once, and keeps the heartbeats a forking worker's monitor keeps while a job runs (the recovery sweep
takes a started job whose heartbeat has gone quiet for abandoned, and would put a long transcription back).

The price of no fork is that a crash in one job is the process's. `supervise` therefore runs the worker in a child
process and starts another one when it dies (after a pause that grows while it keeps dying, so a broken model does
not spin) or when it has done `RECYCLE_AFTER` jobs (a leak in a native library cannot grow without bound). A job
the dead child was running is put back by the recovery sweep once the child's pid is gone. SIGTERM or SIGINT to the
supervisor is passed to the child (RQ's warm shutdown: the running job finishes) and ends both; a supervisor that
is killed outright takes the child with it (Linux's parent-death signal), so no scorer runs on unsupervised.
"""
from __future__ import annotations

import ctypes
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from rq import SimpleWorker
from rq.executions import Execution
from rq.job import Job
from rq.queue import Queue
from rq.worker import WorkerStatus

log = logging.getLogger(__name__)

RECYCLE_AFTER = 500        # jobs a scorer process does before a fresh one takes over
RESTART_PAUSES = (1, 2, 5, 10, 30)  # seconds before starting again after a child died, growing while it keeps dying
STEADY_SECONDS = 60        # a child that lived this long resets the pauses


class ScoringWorker(SimpleWorker):
    """An RQ worker that runs each job in its own process, heartbeating while the job runs."""

    _beating: _Heartbeat | None = None
    _stop_early: tuple[int, ...] | list[int] = ()

    def bootstrap(self, *args: Any, **kwargs: Any) -> None:
        """RQ registers the worker here but installs its SIGTERM/SIGINT handlers only later, after starting the
        scheduler: a stop in between (while the scorer starts) would end it unregistered. A stop during start-up
        is noted here and honoured as a warm shutdown when the work loop begins (which unregisters it)."""
        early: list[int] = []
        self._stop_early = early
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda received, _frame: early.append(received))
        super().bootstrap(*args, **kwargs)

    def _install_signal_handlers(self) -> None:
        super()._install_signal_handlers()
        if self._stop_early:  # asked to stop while starting: the loop stops before taking a job
            self.handle_warm_shutdown_request()
            self._stop_requested = True

    def execute_job(self, job: Job, queue: Queue) -> None:
        execution = self.prepare_execution(job)
        self._beating = _Heartbeat(self, job, execution)
        self._beating.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            self._beating.stop()  # already stopped when the job ended; here for a perform_job that raised
        self.set_state(WorkerStatus.IDLE)

    def handle_execution_ended(self, job: Job, queue: Queue, heartbeat_ttl: int) -> None:
        """The job has returned or raised: no beat after this, before RQ writes its outcome back."""
        if self._beating is not None:
            self._beating.stop()
        super().handle_execution_ended(job, queue, heartbeat_ttl)


class _Heartbeat(threading.Thread):
    """Every `job_monitoring_interval` seconds, the worker's, the execution's and the job's heartbeats, as RQ's
    forking worker keeps them while its horse works; stopped (and joined) when the job ends, before RQ writes its
    outcome back, so a late beat never re-registers a finished execution."""

    def __init__(self, worker: ScoringWorker, job: Job, execution: Execution):
        super().__init__(name=f"heartbeat-{job.id}", daemon=True)
        self.worker, self.job, self.execution = worker, job, execution
        self.finished = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        while not self.finished.wait(self.worker.job_monitoring_interval):
            with self.lock:
                if self.finished.is_set():
                    return
                try:
                    self.worker.maintain_heartbeats(self.job, self.execution)
                except Exception:  # Redis away for a moment: the next beat, or the sweep's own judgement
                    log.warning("heartbeat of job %s failed", self.job.id, exc_info=True)

    def stop(self) -> None:
        with self.lock:
            self.finished.set()
        self.join()


def supervise(serve: Callable[[], int], forget: Callable[[int], None] | None = None) -> int:
    """Run serve() in a child process, again whenever the child ends, until SIGTERM or SIGINT; return 0 then.
    forget(pid): called once each child has ended, to clear what it may have left registered (a child that died
    by a signal before RQ installed its handlers, or killed, never said goodbye to RQ)."""
    stopping: list[int] = []
    child = 0
    supervisor = os.getpid()
    pauses = iter(RESTART_PAUSES)

    def forward(signum: int, _frame: object) -> None:
        stopping.append(signum)
        if child:
            try:
                os.kill(child, signum)
            except ProcessLookupError:
                pass

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    while not stopping:
        started = time.monotonic()
        child = os.fork()
        if child == 0:  # the scorer itself: RQ installs its own handlers
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, signal.SIG_DFL)
            code = 1
            try:
                os.setpgid(0, 0)  # its own group: RQ's scheduler process, forked by it, goes with it
                _end_with_parent(supervisor)
                code = serve()
            except BaseException:
                log.exception("the scorer stopped on an error")
            finally:
                logging.shutdown()
                os._exit(code)
        child_pid = child
        try:
            os.setpgid(child, child)  # as the child does: whichever runs first
        except OSError:
            pass
        _, status = os.waitpid(child, 0)
        child = 0
        _kill_group(child_pid)  # what it left behind when it died: RQ's scheduler would run on, orphaned
        if forget is not None:
            try:
                forget(child_pid)
            except Exception:  # Redis away: the registration expires on its own (RQ's worker TTL)
                log.warning("could not clear scorer process %d's registration with RQ", child_pid, exc_info=True)
        if stopping:
            break
        code = os.waitstatus_to_exitcode(status)
        if code == 0:  # it did RECYCLE_AFTER jobs (or was stopped on its own): a fresh one takes over at once
            log.info("scorer process %d ended normally; starting a fresh one", child_pid)
            pauses = iter(RESTART_PAUSES)
            continue
        if time.monotonic() - started >= STEADY_SECONDS:
            pauses = iter(RESTART_PAUSES)
        pause = next(pauses, RESTART_PAUSES[-1])
        log.error("scorer process ended (%s); starting another in %d s",
                  f"signal {-code}" if code < 0 else f"exit {code}", pause)
        _sleep_unless_stopped(pause, stopping)
    return 0


PR_SET_PDEATHSIG = 1  # prctl(2)


def _kill_group(group: int) -> None:
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # nothing left
        pass


def _end_with_parent(parent: int) -> None:
    """Ask Linux to send this process SIGTERM when its parent dies (elsewhere: nothing to ask, nothing done)."""
    libc = ctypes.CDLL(None, use_errno=True)  # the interpreter's own symbols: the C library's among them
    if hasattr(libc, "prctl"):
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


def _sleep_unless_stopped(seconds: float, stopping: list[int]) -> None:
    until = time.monotonic() + seconds
    while not stopping and time.monotonic() < until:
        time.sleep(0.1)
