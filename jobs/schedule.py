"""Periodic work: the scheduler process only enqueues these; workers run them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from config.settings import Settings
from jobs import bulk, delivery, invitations, notify, periodic, recover, retention, talent, webhooks
from jobs.queues import COMMANDS, DELIVERY


@dataclass(frozen=True)
class Periodic:
    func: Callable[..., Any]
    queue: str
    seconds: int = 0           # every so many seconds …
    daily_at: str = ""         # … or once a day at "HH:MM" Beijing time (DIGEST_HOUR sets the digest's hour)


def periodic_jobs(settings: Settings) -> list[Periodic]:
    """The periodic work, with the hours the settings choose."""
    return [
        Periodic(delivery.requeue_due, DELIVERY, 60),           # stalled, deferred and orphaned sends
        Periodic(notify.flush_stale_batches, DELIVERY, 60),     # folded HR notices whose flush job was lost
        Periodic(invitations.expire_invitations, COMMANDS, 600),
        Periodic(bulk.watch, COMMANDS, 30),                     # bulk runs: progress, lost chunks, summary
        Periodic(talent.match_new_positions, COMMANDS, 60),     # a newly opened position: the pool's best matches
        Periodic(webhooks.requeue_stalled, DELIVERY, 300),      # webhook deliveries whose job was lost
        Periodic(recover.sweep, COMMANDS, 60),                  # scoring, reports, cards, results whose job was lost
        Periodic(periodic.send_reminders, COMMANDS, 900),      # deadline within REMINDER_HOURS, once per deadline
        # The digest at DIGEST_HOUR:05, not at :00 or :30 as WeCom asks (WECOM.md §3).
        Periodic(periodic.send_digest, COMMANDS, daily_at=f"{settings.digest_hour:02d}:05"),
        Periodic(retention.apply_retention, COMMANDS, daily_at="03:20"),  # recordings and personal data past retention
    ]
