"""Sending SMS, and reading back delivery receipts and replies, whichever provider SMS_PROVIDER names.

`send` never raises for what the provider or the network does: every answer becomes an SmsOutcome the caller acts
on (sent; retry, with retry_after when the wait is known; opted_out; invalid; setup, with the fix in detail;
failed). `pull_receipts` and `pull_replies` raise SmsPullError when the provider cannot be read.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import NamedTuple

from bot.errors import InterviewBotError
from bot.store.kv import get_redis
from config.settings import Settings

from . import aliyun, limit, tencent
from .codes import Receipt, Reply, SmsOutcome
from .numbers import normalise, segments
from .templates import TemplateError, render, template, template_id, values

__all__ = ["Pending", "Receipt", "Reply", "SmsOutcome", "SmsPullError", "accept_replies", "enabled", "note_wrote",
           "pull_receipts", "pull_replies", "send", "wrote_lately"]

log = logging.getLogger(__name__)
REFERENCE_MAX = 256  # bytes: Tencent's SessionContext takes < 512, Alibaba's OutId less
accept_replies = aliyun.accept_replies
WROTE_SECONDS = 3600  # a candidate who texted us may be answered by SMS for an hour, even in the quiet hours


class SmsPullError(InterviewBotError):
    """Receipts or replies could not be read from the provider (the message says why)."""


class Pending(NamedTuple):
    """An SMS still waiting for its receipt: Alibaba files receipts by number and day (sent_at: naive UTC)."""

    number: str
    provider_id: str
    sent_at: dt.datetime


def enabled(settings: Settings) -> bool:
    """True when SMS is set up: a provider, its endpoint and key, and a signature (settings refuse half of it)."""
    return bool(settings.sms_provider and settings.sms_endpoint and settings.sms_secret_id
                and settings.sms_secret_key and settings.sms_sign_name)


def send(settings: Settings, number: str, kind: str, params: dict[str, str], *, reference: str) -> SmsOutcome:
    """Send the kind's approved template with params to number; reference is our key for the message (Tencent
    SessionContext, Alibaba OutId: receipts carry it back)."""
    if not enabled(settings):
        return SmsOutcome("setup", "disabled", "SMS is off: set SMS_PROVIDER and its keys (docs/sms.md)")
    target = normalise(number)
    if target is None:
        return SmsOutcome("invalid", "number", f"not a mobile number: {number[:40]!r}")
    code = template_id(settings, kind)
    try:
        filled = values(kind, params)
        billed = segments(render(kind, params, settings))
    except TemplateError as exc:
        return SmsOutcome("failed", "params", str(exc))
    if code is None:
        return SmsOutcome("setup", "template", f"SMS_TEMPLATES has no template for {kind}: request the text in "
                          "docs/sms.md and add kind=template_id", segments=billed)
    if not reference or len(reference.encode()) > REFERENCE_MAX:
        return SmsOutcome("failed", "params", f"reference must be 1–{REFERENCE_MAX} bytes", segments=billed)
    redis = get_redis(settings)
    wait = limit.take(redis, target, reference, settings.sms_daily_limit)
    if wait is not None:
        return SmsOutcome("retry", "limit", f"{target} had {settings.sms_daily_limit} SMS in 24 hours "
                          "(SMS_DAILY_LIMIT)", retry_after=wait, segments=billed)
    if settings.sms_provider == "tencent":
        outcome = tencent.send(settings, target, code, filled, reference, billed)
    else:
        named = dict(zip(template(kind).variables, filled, strict=True))
        outcome = aliyun.send(settings, target, code, named, reference, billed)
    if outcome.outcome != "sent":
        limit.give_back(redis, target, reference)
    return outcome


def pull_receipts(settings: Settings, pending: Iterable[Pending | tuple] = ()) -> list[Receipt]:
    """Delivery receipts now available. Tencent: every receipt not pulled before (pending is not needed).
    Alibaba: the receipts of the pending SMS that the carrier has answered (the rest stay pending). Raises
    SmsPullError when nothing could be read."""
    if not enabled(settings):
        return []
    if settings.sms_provider == "tencent":
        try:
            return tencent.pull_receipts(settings)
        except tencent.PullError as exc:
            raise SmsPullError(f"Tencent SMS receipts could not be pulled: {exc}") from None
    found, errors, asked = [], [], 0
    for number, provider_id, sent_at in pending:
        asked += 1
        try:
            receipt = aliyun.receipt(settings, number, provider_id, sent_at)
        except aliyun.PullError as exc:
            errors.append(str(exc))
            log.warning("SMS receipt of %s not read: %s", provider_id, exc)
            continue
        if receipt is not None:
            found.append(receipt)
    if asked and len(errors) == asked:
        raise SmsPullError(f"Alibaba SMS receipts could not be queried: {errors[0]}")
    return found


def pull_replies(settings: Settings) -> list[Reply]:
    """Replies (上行) not handed out before. Tencent: pulled from the API; Alibaba: those its SmsUp push brought
    (accept_replies). Raises SmsPullError when Tencent cannot be read."""
    if not enabled(settings):
        return []
    if settings.sms_provider == "aliyun":
        return aliyun.pull_replies(settings)
    try:
        return tencent.pull_replies(settings)
    except tencent.PullError as exc:
        raise SmsPullError(f"Tencent SMS replies could not be pulled: {exc}") from None


def note_wrote(candidate_id: int) -> None:
    """Remember that the candidate just sent us an SMS: answering them is not a disturbance, even at night."""
    get_redis().set(f"sms:wrote:{candidate_id}", "1", ex=WROTE_SECONDS)


def wrote_lately(candidate_id: int) -> bool:
    """Whether the candidate sent us an SMS in the last WROTE_SECONDS."""
    return bool(get_redis().exists(f"sms:wrote:{candidate_id}"))
