"""The record of every outbound message, and its delivery state machine.

pending → sending → sent; sending → deferred (rate limit, transient error) → sending …; sending → failed.
A message is claimed with one conditional UPDATE, so two workers never send it both.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import peewee as pw

from bot.clock import utcnow
from bot.queues import DELIVERY, enqueue
from bot.store.db import database
from bot.store.models import Invitation, OutboundMessage

LEASE_SECONDS = 120  # longer than one send with its retries; a worker killed mid-send frees it after this


def record(key: str, payload: dict[str, Any], *, purpose: str, channel: str = "member",
           invitation: Invitation | None = None, state: str = "pending") -> tuple[OutboundMessage, bool]:
    """Store a message to send under its idempotency key; return (message, created)."""
    target = payload.get("touser") or payload.get("external_userid") or ""  # a list for mass-message tasks
    recipient = "|".join(target) if isinstance(target, list) else str(target)
    try:
        with database.atomic():
            return OutboundMessage.create(
                idempotency_key=key, channel=channel, recipient=recipient, msgtype=payload["msgtype"],
                payload=payload, purpose=purpose, invitation=invitation, state=state,
            ), True
    except pw.IntegrityError:
        return OutboundMessage.get(OutboundMessage.idempotency_key == key), False


def schedule(message_id: int, delay: float | None = None) -> None:
    """Enqueue delivery of a recorded message (again), optionally after delay seconds."""
    enqueue(DELIVERY, "jobs.delivery.deliver", message_id, key=f"deliver:{message_id}", delay=delay)


def send(key: str, payload: dict[str, Any], *, purpose: str, channel: str = "member",
         invitation: Invitation | None = None) -> tuple[OutboundMessage, bool]:
    """Record a message under its idempotency key and queue its delivery; (message, created): a repeat key sends
    nothing."""
    message, created = record(key, payload, purpose=purpose, channel=channel, invitation=invitation)
    if created:
        schedule(message.id)
    return message, created


def claim(message_id: int) -> bool:
    """Take the message for sending; False when it is sent, failed, or another worker holds it."""
    now = utcnow()
    taken = (
        OutboundMessage.update(
            state="sending",
            lease_until=now + dt.timedelta(seconds=LEASE_SECONDS),
            attempts=OutboundMessage.attempts + 1,
        )
        .where(
            (OutboundMessage.id == message_id)
            & (
                OutboundMessage.state.in_(["pending", "deferred"])
                | ((OutboundMessage.state == "sending") & (OutboundMessage.lease_until < now))
            )
        )
        .execute()
    )
    return taken == 1


def mark_sent(message_id: int, result: dict[str, Any]) -> None:
    """Record a successful send with WeCom's msgid and response_code."""
    OutboundMessage.update(
        state="sent", sent_at=utcnow(), lease_until=None, last_error="",
        wecom_msgid=str(result.get("msgid", "")), response_code=str(result.get("response_code", "")),
    ).where(OutboundMessage.id == message_id).execute()


def mark_deferred(message_id: int, delay: float, reason: str, *, tried: bool = True) -> None:
    """Put the message back to wait delay seconds. tried=False: nothing was sent (a rate limit's wait, the quiet
    hours), so the claim's attempt is given back — waits never use up the tries a real failure has."""
    changes: dict = {"attempts": OutboundMessage.attempts - 1} if not tried else {}
    OutboundMessage.update(
        state="deferred", lease_until=None, last_error=reason[:500],
        next_attempt_at=utcnow() + dt.timedelta(seconds=delay), **changes,
    ).where(OutboundMessage.id == message_id).execute()


def mark_failed(message_id: int, reason: str) -> None:
    """Give up on the message: WeCom refused it for good."""
    OutboundMessage.update(state="failed", lease_until=None, last_error=reason[:500]).where(
        OutboundMessage.id == message_id
    ).execute()


def due(limit: int = 500) -> list[int]:
    """Return ids of messages that should be (re)tried now: stalled, deferred past due, or lease expired."""
    now = utcnow()
    stale = now - dt.timedelta(seconds=60)
    query = (
        OutboundMessage.select(OutboundMessage.id)
        .where(
            ((OutboundMessage.state == "pending") & (OutboundMessage.created_at < stale))
            | ((OutboundMessage.state == "deferred") & (OutboundMessage.next_attempt_at <= now))
            | ((OutboundMessage.state == "sending") & (OutboundMessage.lease_until < now))
        )
        .order_by(OutboundMessage.id)
        .limit(limit)
    )
    return [row.id for row in query]
