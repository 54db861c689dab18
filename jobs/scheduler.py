"""The scheduler entry point: `python -m jobs.scheduler` enqueues SCHEDULE's jobs on time (APScheduler)."""
from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler

from bot.store.kv import get_redis, wait_for_redis
from jobs.queues import enqueue
from jobs.schedule import SCHEDULE

log = logging.getLogger(__name__)


def main() -> None:
    """Run forever, enqueueing each periodic job at its interval (never twice at once)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    wait_for_redis(get_redis())
    scheduler = BlockingScheduler(timezone="UTC")
    for item in SCHEDULE:
        # A fixed key: while one run is still queued, the next tick doesn't pile another on.
        scheduler.add_job(enqueue, "interval", seconds=item.seconds, args=(item.queue, item.func),
                          kwargs={"key": f"periodic:{item.func.__name__}"}, id=item.func.__name__,
                          max_instances=1, coalesce=True)
        log.info("every %ss: %s", item.seconds, item.func.__qualname__)
    scheduler.start()


if __name__ == "__main__":
    main()
