"""The scheduler entry point: `python -m jobs.scheduler` enqueues the periodic jobs on time (APScheduler)."""
from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.queues import enqueue
from bot.store.kv import get_redis, wait_for_redis
from config.settings import Settings, get_settings
from jobs.schedule import periodic_jobs

log = logging.getLogger(__name__)


def build(scheduler: BaseScheduler, settings: Settings) -> BaseScheduler:
    """Add every periodic job to scheduler: each enqueues its RQ job (never twice at once)."""
    for item in periodic_jobs(settings):
        # A fixed key: while one run is still queued, the next tick doesn't pile another on.
        options = {"args": (item.queue, item.func), "kwargs": {"key": f"periodic:{item.func.__name__}"},
                   "id": item.func.__name__, "max_instances": 1, "coalesce": True}
        if item.daily_at:
            hour, minute = (int(x) for x in item.daily_at.split(":"))
            scheduler.add_job(enqueue, CronTrigger(hour=hour, minute=minute, timezone="Asia/Shanghai"), **options)
            log.info("daily at %s Beijing time: %s", item.daily_at, item.func.__qualname__)
        else:
            scheduler.add_job(enqueue, "interval", seconds=item.seconds, **options)
            log.info("every %ss: %s", item.seconds, item.func.__qualname__)
    return scheduler


def main() -> None:
    """Run forever."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    wait_for_redis(get_redis())
    build(BlockingScheduler(timezone="UTC"), get_settings()).start()


if __name__ == "__main__":
    main()
