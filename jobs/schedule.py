"""Periodic work: the scheduler process only enqueues these; workers run them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.queues import COMMANDS, DELIVERY
from config.settings import Settings
from jobs import periodic


@dataclass(frozen=True)
class Periodic:
    func: Callable[..., Any]
    queue: str
    seconds: int = 0           # every so many seconds …
    daily_at: str = ""         # … or once a day at "HH:MM" Beijing time (DIGEST_HOUR sets the digest's hour)


def periodic_jobs(settings: Settings) -> list[Periodic]:
    """The periodic work, with the hours the settings choose."""
    return [
        Periodic(periodic.requeue_due, DELIVERY, 60),           # stalled, deferred and orphaned sends
        Periodic(periodic.flush_stale_batches, DELIVERY, 60),   # folded HR notices whose flush job was lost
        Periodic(periodic.expire_invitations, COMMANDS, 600),
        Periodic(periodic.watch_bulk, COMMANDS, 30),            # bulk runs: progress, lost chunks, summary
        Periodic(periodic.match_new_positions, COMMANDS, 60),   # a newly opened position: the pool's best matches
        Periodic(periodic.requeue_webhooks, DELIVERY, 300),     # webhook deliveries whose job was lost
        Periodic(periodic.sweep, COMMANDS, 60),                 # scoring, reports, cards, results whose job was lost
        Periodic(periodic.send_reminders, COMMANDS, 900),       # deadline within REMINDER_HOURS, once per deadline
        Periodic(periodic.resend_unopened, COMMANDS, 900),      # unopened after fallback_hours: the next channel
        Periodic(periodic.remind_second_rounds, COMMANDS, 600),  # second rounds: the day before, once per version
        *([Periodic(periodic.pull_sms, DELIVERY, 60)]  # SMS receipts and replies (上行)
          if settings.sms_provider else []),
        # The digest at DIGEST_HOUR:05, not at :00 or :30 as WeCom asks (docs/wecom.md §3).
        Periodic(periodic.send_digest, COMMANDS, daily_at=f"{settings.digest_hour:02d}:05"),
        Periodic(periodic.apply_retention, COMMANDS, daily_at="03:20"),  # recordings and personal data past retention
        *([Periodic(periodic.sync_organisation, COMMANDS, daily_at="06:40")]  # WeCom's departments, before work
          if settings.organisation_source == "wecom" else []),
    ]
