"""Delivery jobs: send recorded outbound messages through the rate limiter, exactly once."""
from __future__ import annotations

import functools
import logging

from bot import outbox
from bot.cards import text_message
from bot.client import WeComClient
from bot.errors import RateLimited, WeComError
from bot.ratelimit import OutboundLimiter
from bot.store.db import db_session
from bot.store.kv import get_redis
from bot.store.models import OutboundMessage
from config.settings import get_settings
from jobs.queues import DELIVERY, enqueue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
DUPLICATE_CHECK = {"enable_duplicate_check": 1, "duplicate_check_interval": 1800}


@functools.lru_cache(maxsize=1)
def wecom() -> WeComClient:
    """Return this process's WeCom client."""
    settings = get_settings()
    return WeComClient(settings, get_redis(settings))


@functools.lru_cache(maxsize=1)
def limiter() -> OutboundLimiter:
    """Return this process's outbound limiter."""
    return OutboundLimiter(get_redis())


def backoff(attempts: int) -> float:
    """Seconds to wait before attempt number attempts+1 after a transient failure."""
    return float(min(15 * 2 ** max(attempts - 1, 0), 3600))


def send_text(touser: str, content: str, key: str) -> str:
    """Record a text message to touser under key and deliver it."""
    with db_session():
        message, _ = outbox.record(f"text:{key}", text_message(touser, content), purpose="reply")
    return deliver(message.id)


def schedule(message_id: int, delay: float | None = None) -> None:
    """Enqueue delivery of a recorded message (again), optionally after delay seconds."""
    enqueue(DELIVERY, deliver, message_id, key=f"deliver:{message_id}", delay=delay)


def deliver(message_id: int) -> str:
    """Send one recorded message unless it was already sent; return its resulting state."""
    with db_session():
        message = OutboundMessage.get_or_none(OutboundMessage.id == message_id)
        if message is None or message.state in ("sent", "failed"):
            return message.state if message else "missing"
        if not outbox.claim(message_id):
            return "busy"
        message = OutboundMessage.get_by_id(message_id)
        members = [m for m in message.recipient.split("|") if m]
        try:
            limiter().acquire("message/send", members)
            result = wecom().send(_with_duplicate_check(message))
        except RateLimited as exc:
            outbox.mark_deferred(message_id, exc.retry_after, str(exc))
            schedule(message_id, exc.retry_after)
            return "deferred"
        except WeComError as exc:
            return _after_error(message, exc)
        invalid = {u for u in str(result.get("invaliduser") or "").split("|") if u}
        if invalid and invalid >= set(members):
            reason = f"not a member of the company: {'|'.join(sorted(invalid))}"
            outbox.mark_failed(message_id, reason)
            _after(message, delivered=False, reason=reason)
            return "failed"
        outbox.mark_sent(message_id, result)
        _after(message, delivered=True)
        return "sent"


def _with_duplicate_check(message: OutboundMessage) -> dict:
    """Ask WeCom to drop a repeat when an earlier try may have reached it (a retry, or any card).

    A worker killed mid-send leaves the outcome unknown; WeCom's own duplicate check (30 min, far longer
    than the outbox lease) then keeps the resend from reaching the person twice. First-try texts go
    without it, so the same short reply to two identical questions is not swallowed.
    """
    if message.attempts > 1 or message.msgtype == "template_card":
        return {**message.payload, **DUPLICATE_CHECK}
    return message.payload


def _after_error(message: OutboundMessage, exc: WeComError) -> str:
    if exc.transient and message.attempts < MAX_ATTEMPTS:
        delay = backoff(message.attempts)
        log.warning("message %s deferred %.0fs: %s", message.id, delay, exc)
        outbox.mark_deferred(message.id, delay, str(exc))
        schedule(message.id, delay)
        return "deferred"
    log.error("message %s failed: %s", message.id, exc)
    outbox.mark_failed(message.id, str(exc))
    _after(message, delivered=False, reason=str(exc))
    return "failed"


def _after(message: OutboundMessage, *, delivered: bool, reason: str = "") -> None:
    if message.purpose == "invitation" and message.invitation_id:
        from jobs import invitations  # imported here: invitations enqueues delivery jobs

        invitations.delivery_settled(message.invitation_id, delivered, reason)


def requeue_due() -> int:
    """Enqueue delivery of every stalled or due message (the scheduler runs this every minute)."""
    with db_session():
        ids = outbox.due()
    for message_id in ids:
        schedule(message_id)
    return len(ids)
