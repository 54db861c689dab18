"""The RQ worker entry point: `python -m jobs.worker [queue …]` serves the named queues, most urgent first.

With no names it serves every queue. The Procfile runs two: `worker` (commands, delivery: people wait on
them) and `scorer` (scoring: minutes of CPU), so a long transcription never delays a chat reply. A worker
that serves scoring checks the offline models first and refuses to start without them.
"""
from __future__ import annotations

import logging
import sys

from rq import Worker

from bot.ops import recover
from bot.queues import ALL_QUEUES, SCORING, get_queue
from bot.store.db import init_database
from bot.store.kv import get_redis, wait_for_redis
from config.settings import get_settings


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
    init_database(settings.database_url)
    connection = get_redis(settings)
    wait_for_redis(connection)
    ordered = [name for name in ALL_QUEUES if name in names]
    worker = Worker([get_queue(name) for name in ordered], connection=connection,
                    exception_handlers=[recover.retry_outages])  # Redis or the database away: later
    worker.work(with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
