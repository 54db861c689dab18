"""The periodic jobs (jobs.schedule lists when each runs; the scheduler process only enqueues them)."""
from __future__ import annotations

from bot.bulk import imports, runs
from bot.channels import sms_inbox
from bot.decisions import reminders as second_round
from bot.integrations import webhooks
from bot.invitations import fallback, invites
from bot.ops import recover, reminders
from bot.org import wecom as org_wecom
from bot.privacy import retention
from bot.store.db import db_session
from bot.talent import pool
from bot.wecom import delivery, notify
from config.settings import get_settings


def requeue_due() -> int:
    """Queue every stalled, deferred or orphaned send."""
    return delivery.requeue_due()


def flush_stale_batches() -> int:
    """Flush folded HR notices whose flush job was lost."""
    return notify.flush_stale_batches()


def expire_invitations() -> int:
    """Mark invitations past their deadline as expired."""
    return invites.expire_invitations()


def watch_bulk() -> int:
    """Bulk runs: progress, lost chunks, and the summary when done; uploaded sheets whose import job was lost."""
    return runs.watch() + imports.requeue_lost()


def pull_sms() -> dict[str, int]:
    """SMS delivery receipts and candidates' replies from the provider."""
    return sms_inbox.pull()


def match_new_positions() -> int:
    """Send HR the talent pool's best matches for a newly opened position."""
    return pool.match_new_positions()


def requeue_webhooks() -> int:
    """Queue webhook deliveries whose job was lost."""
    return webhooks.requeue_stalled()


def sweep() -> dict[str, int]:
    """Put back scoring, reports, cards and results whose job was lost."""
    return recover.sweep()


def send_reminders() -> int:
    """Remind candidates whose deadline is near."""
    return reminders.send_reminders()


def remind_second_rounds() -> int:
    """Remind candidates and interviewers of tomorrow's second rounds (from 18:00 Beijing time the day before)."""
    return second_round.send_second_round_reminders()


def resend_unopened() -> int:
    """Send invitations unopened past their position's fallback hours once more over the next channel."""
    return fallback.resend_unopened()


def send_digest() -> int:
    """Send each recruiter with activity the daily digest."""
    return reminders.send_digest()


def apply_retention() -> dict[str, int]:
    """Delete what is past its retention period (the daily run)."""
    return retention.apply_retention()


def sync_organisation() -> dict[str, int]:
    """Read the organisation units from WeCom's departments again (ORGANISATION_SOURCE=wecom)."""
    with db_session():
        return org_wecom.sync(delivery.wecom(), get_settings())
