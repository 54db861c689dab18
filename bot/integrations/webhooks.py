"""Webhooks: a signed POST to other HR systems when a report is ready or a decision is made, once per event.

`emit` records one WebhookDelivery per subscribed webhook under a unique (webhook, event key), so a replayed
event (a retried job, a second worker) delivers once, and queues its delivery. A delivery is tried with a
5-second timeout, to the address checked just before (bot/integrations/destinations.py: never inside the
network unless WEBHOOK_ALLOWED_PRIVATE lists it; a refused address fails the delivery at once); anything but
a 2xx (a redirect too) is retried by RQ after 10 s, 1 min, 5 min, 30 min and 1 h, then marked failed. A
delivery marked sent is never sent again. Candidates in payloads are masked for a masked token's
webhooks, exactly as that token sees them through the API.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import peewee as pw
from rq import Retry, get_current_job
from urllib3.exceptions import HTTPError

from bot.clock import utcnow
from bot.errors import InterviewBotError
from bot.integrations.destinations import DestinationRefused, Unresolved, check, post
from bot.org.access import within
from bot.privacy.roles import RECRUITER, VIEWER, candidate_view
from bot.queues import DELIVERY, enqueue
from bot.store.db import database, db_session
from bot.store.models import ApiToken, Candidate, Decision, Position, Report, Webhook, WebhookDelivery
from config.settings import get_settings

log = logging.getLogger(__name__)

EVENTS = ("report.ready", "decision.made",
          # after the second round (bot/decisions/hires.py): one of each per invitation at most
          "offer.made", "offer.accepted", "offer.declined", "offer.withdrawn", "candidate.hired")
RETRY = Retry(max=5, interval=[10, 60, 300, 1800, 3600])
TIMEOUT = 5         # seconds for the receiver to answer
STALLED = 600       # a delivery never tried this long after its event lost its job: queue it again
REPORT_PATH = "/api/v1/reports/{}"


class DeliveryFailed(InterviewBotError):
    """The receiver did not take the event (not a 2xx, a timeout, no connection); RQ tries again."""


def _never_raises(func: Callable[..., int]) -> Callable[..., int]:
    """A webhook problem must not undo the report or decision that caused it; what was recorded is re-queued
    by requeue_stalled."""

    @functools.wraps(func)
    def wrapper(*args: Any) -> int:
        try:
            return func(*args)
        except Exception:
            log.exception("webhook event of %s not recorded", func.__name__)
            return 0

    return wrapper


@_never_raises
def report_ready(report: Report) -> int:
    """Announce a new report (never raises)."""
    interview = report.interview
    invitation = interview.invitation
    return emit("report.ready", f"interview:{interview.id}", {
        "interview_id": interview.id, "candidate_id": invitation.candidate_id,
        "position": {"slug": invitation.position.slug, "title": invitation.position.title},
        "total": report.total, "recommendation": report.recommendation,
        "report_url": get_settings().public_base_url + REPORT_PATH.format(interview.id)}, invitation.position)


@_never_raises
def decision_made(decision: Decision) -> int:
    """Announce a final decision, pass or reject (never raises)."""
    return emit("decision.made", f"interview:{decision.interview_id}", {
        "interview_id": decision.interview_id, "outcome": decision.outcome, "decided_by": decision.decided_by,
        "decided_at": iso(decision.decided_at)}, decision.interview.invitation.position)


def emit(event: str, key: str, data: dict[str, Any], position: Position | None = None) -> int:
    """Record event for every live webhook subscribed to it and queue the deliveries; return how many are new.

    A "candidate_id" in data becomes a "candidate" shown as each webhook's token may see them; an event about a
    position reaches only the webhooks whose token may see that position (a token bound to 上海分行 hears nothing
    of 北京分行)."""
    with db_session():
        new = _record(event, key, data, position)
    for delivery_id in new:
        queue(delivery_id)
    return len(new)


def _record(event: str, key: str, data: dict[str, Any], position: Position | None) -> list[int]:
    hooks = [h for h in (Webhook.select(Webhook, ApiToken).join(ApiToken)
                         .where(Webhook.active & ApiToken.revoked_at.is_null()))
             if event in h.events and (position is None or h.token.unit_id is None
                                       or within(h.token.unit, RECRUITER).sees(position))]
    candidate = Candidate.get_or_none(Candidate.id == data["candidate_id"]) if "candidate_id" in data else None
    new = []
    for hook in hooks:
        payload = dict(data)
        if candidate is not None:
            payload["candidate"] = candidate_view(candidate, RECRUITER if hook.token.role == "full" else VIEWER)
        try:
            with database.atomic():
                new.append(WebhookDelivery.create(webhook=hook, event=event, event_key=f"{event}:{key}"[:128],
                                                  payload=payload).id)
        except pw.IntegrityError:  # this event reached this webhook before
            continue
    return new


def queue(delivery_id: int) -> None:
    """Queue one delivery (its job id is fixed, so a repeat is one job)."""
    enqueue(DELIVERY, "jobs.delivery.deliver_webhook", delivery_id, key=f"webhook:{delivery_id}", retry=RETRY,
            timeout=60)


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes POSTed (the same on every attempt; the timestamp travels in a header)."""
    envelope = {"event": delivery.event, "id": delivery.id, "created_at": iso(delivery.created_at),
                "data": delivery.payload}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Interview-Signature value: sha256=HMAC-SHA256(secret, "{timestamp}.{body}")."""
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def deliver_webhook(delivery_id: int) -> str:
    """POST one delivery unless it was sent (or given up) already; raise to have RQ retry a failure."""
    with db_session():
        delivery = WebhookDelivery.get_or_none(WebhookDelivery.id == delivery_id)
        if delivery is None or delivery.state != "pending":
            return delivery.state if delivery else "missing"
        hook = delivery.webhook
        if not hook.active or hook.token.revoked_at is not None:
            _settle(delivery_id, "failed", "the webhook was deleted or its token revoked")
            return "failed"
        WebhookDelivery.update(attempts=WebhookDelivery.attempts + 1).where(
            WebhookDelivery.id == delivery_id).execute()
        body, url, secret, event = body_of(delivery), hook.url, hook.secret, delivery.event
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "interview-bot-webhooks/1",
               "X-Interview-Event": event, "X-Interview-Delivery": str(delivery_id),
               "X-Interview-Timestamp": timestamp, "X-Interview-Signature": signature(secret, timestamp, body)}
    try:
        error = _post(url, body, headers)
    except DestinationRefused as exc:
        if not isinstance(exc, Unresolved):  # inside the network now (DNS rebinding): trying again changes nothing
            log.warning("webhook delivery %s refused: %s", delivery_id, exc)
            _settle(delivery_id, "failed", f"refused: {exc}")
            return "failed"
        error = str(exc)
    if not error:
        _settle(delivery_id, "sent", "")
        return "sent"
    job = get_current_job()
    if job is not None and job.retries_left:
        _settle(delivery_id, "pending", error)
        raise DeliveryFailed(f"webhook delivery {delivery_id}: {error}")
    log.warning("webhook delivery %s failed for good: %s", delivery_id, error)
    _settle(delivery_id, "failed", error)
    return "failed"


def _post(url: str, body: bytes, headers: dict[str, str]) -> str:
    """POST to url's checked address (bot.integrations.destinations); return what went wrong, "" when taken."""
    destination = check(url, get_settings().webhook_allowed_private)
    try:
        status = post(destination, body, headers, TIMEOUT)
    except HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if 300 <= status < 400:
        return f"HTTP {status} (redirects are not followed)"
    return "" if 200 <= status < 300 else f"HTTP {status}"


def _settle(delivery_id: int, state: str, error: str) -> None:
    with db_session():
        values: dict[str, Any] = {"state": state, "last_error": error[:500]}
        if state == "sent":
            values["delivered_at"] = utcnow()
        WebhookDelivery.update(**values).where(
            (WebhookDelivery.id == delivery_id) & (WebhookDelivery.state == "pending")).execute()


def requeue_stalled() -> int:
    """Queue again the deliveries recorded but never tried (their job was lost); the scheduler may run this."""
    with db_session():
        cutoff = utcnow() - dt.timedelta(seconds=STALLED)
        ids = [d.id for d in WebhookDelivery.select(WebhookDelivery.id).where(
            (WebhookDelivery.state == "pending") & (WebhookDelivery.attempts == 0)
            & (WebhookDelivery.created_at < cutoff))]
    for delivery_id in ids:
        queue(delivery_id)
    return len(ids)


def iso(moment: dt.datetime | None) -> str | None:
    """A stored naive-UTC time as RFC 3339 (the format of the open API and its webhooks)."""
    return None if moment is None else moment.replace(tzinfo=dt.UTC).isoformat()
