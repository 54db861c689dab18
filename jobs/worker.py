"""The RQ worker entry point: `python -m jobs.worker [queue …]` serves the named queues, most urgent first.

With no names it serves every queue. The Procfile runs two: `worker` (commands, delivery: people wait on
them) and `scorer` (scoring: minutes of CPU), so a long transcription never delays a chat reply. A worker
that serves scoring checks the offline models first and refuses to start without them. A worker that serves
scoring alone (the scorer) runs its jobs in its own process, keeping the models loaded between jobs, under a
supervisor that restarts it (jobs/scorer.py); any other worker forks a work horse per job, as RQ does.
"""
from __future__ import annotations

import logging
import socket
import sys

from rq import Worker
from rq.worker import BaseWorker

from bot.ops import recover
from bot.queues import ALL_QUEUES, SCORING, get_queue
from bot.store.db import init_database
from bot.store.kv import connect, get_redis, wait_for_redis
from config.settings import get_settings
from jobs.scorer import RECYCLE_AFTER, ScoringWorker, supervise


def main(argv: list[str] | None = None) -> int:
    """Connect, then work forever (with RQ's scheduler for delayed and retried jobs)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    names = list(argv if argv is not None else sys.argv[1:]) or list(ALL_QUEUES)
    unknown = sorted(set(names) - set(ALL_QUEUES))
    if unknown:
        print(f"unknown queue(s) {unknown}; known: {list(ALL_QUEUES)}", file=sys.stderr)
        return 2
    settings = get_settings()
    if SCORING in names:
        from scoring import models

        problems = models.check(settings)
        if problems:
            print("the scoring worker cannot start:\n  " + "\n  ".join(problems), file=sys.stderr)
            return 1
        models.configure_environment(settings)
    ordered = [name for name in ALL_QUEUES if name in names]
    if ordered == [SCORING]:
        return supervise(lambda: serve(ordered, ScoringWorker, max_jobs=RECYCLE_AFTER), forget=forget)
    return serve(ordered, Worker)


def forget(pid: int) -> None:
    """Clear the RQ registration of a worker process of this host that has ended (its warm shutdown's
    register_death, done for it when it died without one), on a connection of its own (the supervisor forks)."""
    connection = connect(get_settings().redis_url)
    try:
        for worker in Worker.all(connection=connection):
            if worker.pid == pid and worker.hostname == socket.gethostname():
                worker.register_death()
    finally:
        connection.close()


def serve(names: list[str], kind: type[BaseWorker], max_jobs: int | None = None) -> int:
    """Connect (in the process that will do the work), then work until stopped or max_jobs are done."""
    settings = get_settings()
    init_database(settings.database_url)
    connection = get_redis(settings)
    wait_for_redis(connection)
    worker = kind([get_queue(name) for name in names], connection=connection,
                  exception_handlers=[recover.retry_outages])  # Redis or the database away: later
    worker.work(with_scheduler=True, max_jobs=max_jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
