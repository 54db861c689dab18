"""The RQ worker entry point: `python -m jobs.worker` serves every queue, most urgent first."""
from __future__ import annotations

import logging

from rq import Worker

from bot.store.db import init_database
from bot.store.kv import get_redis, wait_for_redis
from config.settings import get_settings
from jobs.queues import ALL_QUEUES, get_queue


def main() -> None:
    """Connect, then work forever (with RQ's scheduler for delayed and retried jobs)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    init_database(settings.database_url)
    connection = get_redis(settings)
    wait_for_redis(connection)
    worker = Worker([get_queue(name) for name in ALL_QUEUES], connection=connection)
    worker.work(with_scheduler=True)


if __name__ == "__main__":
    main()
