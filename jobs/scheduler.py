"""The scheduler entry point: `python -m jobs.scheduler` enqueues SCHEDULE's jobs on time (APScheduler)."""
from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.store.kv import get_redis, wait_for_redis
from config.settings import get_settings
from jobs.queues import enqueue
from jobs.schedule import SCHEDULE

log = logging.getLogger(__name__)


def main() -> None:
    """Run forever, enqueueing each periodic job at its interval (never twice at once)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    wait_for_redis(get_redis())
    settings = get_settings()
    scheduler = BlockingScheduler(timezone="UTC")
    for item in SCHEDULE:
        # A fixed key: while one run is still queued, the next tick doesn't pile another on.
        options = {"args": (item.queue, item.func), "kwargs": {"key": f"periodic:{item.func.__name__}"},
                   "id": item.func.__name__, "max_instances": 1, "coalesce": True}
        if item.daily_at:
            hour, minute = item.daily_at.split(":")
            if item.func.__name__ == "send_digest":
                hour = str(settings.digest_hour)
            scheduler.add_job(enqueue, CronTrigger(hour=int(hour), minute=int(minute), timezone="Asia/Shanghai"),
                              **options)
            log.info("daily at %s:%s Beijing time: %s", hour, minute, item.func.__qualname__)
        else:
            scheduler.add_job(enqueue, "interval", seconds=item.seconds, **options)
            log.info("every %ss: %s", item.seconds, item.func.__qualname__)
    scheduler.start()


if __name__ == "__main__":
    main()
