"""Where an invitation stands for the numbers HR reads, defined once: delivered, not delivered, still open.

The bulk run's progress and `/bulk status`, its summary card, the funnel (`/status` and the dashboard), `/remind`
and `/cancel` all count with these, so they never disagree.

- **Delivered** (已送达): the invitation reached the candidate — its card was delivered, the recruiter was handed
  the link to pass on, or the candidate opened the link however it came. What happens afterwards (declined,
  expired, cancelled by HR) does not make it undelivered.
- **Failed** (未送达): settled without ever reaching the candidate (the card failed for good, no WeCom account,
  cancelled or expired before delivery). **In flight**: the card waits in the outbox (status `created`).
- **Open** (可打开): the candidate's link still opens — not declined, cancelled, completed or past its deadline.
  A card that failed does not close the link: a recruiter may have passed it on.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from bot.store.models import Invitation

OPEN = ("created", "sent", "opened", "started", "failed")  # the link opens until expires_at
NOT_STARTED = ("created", "sent", "opened", "failed")


def delivered() -> pw.Expression:
    """The invitations that reached their candidate."""
    return (Invitation.sent_at.is_null(False) | Invitation.opened_at.is_null(False)
            | Invitation.status.in_(("started", "completed")))


def was_delivered(invitation: Invitation) -> bool:
    """The same test as delivered(), for one invitation already loaded."""
    return bool(invitation.sent_at or invitation.opened_at or invitation.status in ("started", "completed"))


def still_open(now: dt.datetime) -> pw.Expression:
    """The invitations whose link the candidate can still open (now: naive UTC)."""
    return Invitation.status.in_(OPEN) & (Invitation.expires_at >= now)


def tally(where: pw.Expression) -> dict[str, int]:
    """Count the invitations matching where: invited (all), delivered, failed, in flight."""
    query = Invitation.select(Invitation.id).where(where)
    total = query.count()
    reached = query.where(delivered()).count()
    flying = query.where(~delivered() & (Invitation.status == "created")).count()
    return {"invited": total, "delivered": reached, "in_flight": flying, "failed": total - reached - flying}


CHANNELS = ("member", "kf", "external", "wechat", "sms", "email")  # Invitation.channel's values


def by_channel(where: pw.Expression) -> list[tuple[str, int]]:
    """How many of the invitations matching where reached their candidate over each channel, most first."""
    rows = (Invitation.select(Invitation.channel, pw.fn.COUNT(Invitation.id)).where(where & delivered())
            .group_by(Invitation.channel).tuples())
    return sorted(((channel if channel in CHANNELS else "member", n) for channel, n in rows), key=lambda x: -x[1])
