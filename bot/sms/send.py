"""Sending SMS, and reading back delivery receipts and replies, whichever provider SMS_PROVIDER names.

`send` never raises for what the provider or the network does: every answer becomes an SmsOutcome the caller acts
on (sent; retry, with retry_after when the wait is known; opted_out; invalid; setup, with the fix in detail;
failed). It sends one SMS per reference (bot/sms/once.py): a reference the provider took is `sent` again without
asking; one whose earlier answer was lost is looked for at the provider first, and sent again only when no trace of
it turns up within UNSURE_SECONDS. `pull_receipts` and `pull_replies` raise SmsPullError when the provider cannot be
read.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from typing import NamedTuple

from bot.errors import InterviewBotError
from bot.store.kv import get_redis
from config.settings import Settings

from . import aliyun, limit, once, tencent
from .codes import Receipt, Reply, SmsOutcome
from .numbers import normalise, segments
from .templates import TemplateError, render, template, template_id, values

__all__ = ["Pending", "Receipt", "Reply", "SmsOutcome", "SmsPullError", "accept_replies", "enabled", "note_wrote",
           "pull_receipts", "pull_replies", "send", "wrote_lately"]

log = logging.getLogger(__name__)
REFERENCE_MAX = 256  # bytes: Tencent's SessionContext takes < 512, Alibaba's OutId less
accept_replies = aliyun.accept_replies
WROTE_SECONDS = 3600  # a candidate who texted us may be answered by SMS for an hour, even in the quiet hours
UNSURE_SECONDS = 600  # an SMS whose answer was lost is sent again when the provider shows no trace of it this long
UNSURE_CHECK = 60.0  # meanwhile the provider is asked again this often


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
    before = once.earlier(redis, reference)
    if before is not None and (known := _earlier_try(settings, target, reference, before, billed)) is not None:
        return known
    wait = limit.take(redis, target, reference, settings.sms_daily_limit)
    if wait is not None:
        return SmsOutcome("retry", "limit", f"{target} had {settings.sms_daily_limit} SMS in 24 hours "
                          "(SMS_DAILY_LIMIT)", retry_after=wait, segments=billed)
    once.asking(redis, reference)
    if settings.sms_provider == "tencent":
        outcome = tencent.send(settings, target, code, filled, reference, billed)
    else:
        named = dict(zip(template(kind).variables, filled, strict=True))
        outcome = aliyun.send(settings, target, code, named, reference, billed)
    once.answered(redis, reference, outcome)
    if outcome.outcome != "sent":
        limit.give_back(redis, target, reference)
    return outcome


def _earlier_try(settings: Settings, number: str, reference: str, before: once.Earlier,
                 billed: int) -> SmsOutcome | None:
    """What to do about an earlier try of reference: its SMS was taken (sent: nothing goes again); its answer was
    lost and the provider lists the SMS (sent) or cannot say yet (retry); None: no trace of it after
    UNSURE_SECONDS (or still no way to ask), so it is taken never to have reached the provider and is sent now."""
    if before.taken:
        return SmsOutcome("sent", "earlier", "the provider took this SMS on an earlier try", before.provider_id,
                          segments=billed)
    transport = tencent if settings.sms_provider == "tencent" else aliyun
    left = before.asked_at + UNSURE_SECONDS - time.time()
    wait = min(max(left, 1.0), UNSURE_CHECK)
    try:
        found = transport.sent_with(settings, number, reference, before.asked_at)
    except (tencent.PullError, aliyun.PullError) as exc:  # e.g. the pull APIs not switched on for the account
        log.warning("SMS %s: the provider cannot say whether an earlier try went: %s", reference[:40], exc)
        if left > 0:
            return SmsOutcome("retry", "unsure", f"an earlier try's answer was lost and the provider cannot be "
                              f"asked whether it took the SMS: {exc}", retry_after=wait, segments=billed)
        return None
    if found is not None:
        taken = SmsOutcome("sent", "earlier", "the provider took this SMS on an earlier try whose answer was lost",
                           found, segments=billed)
        once.answered(get_redis(settings), reference, taken)
        return taken
    if left > 0:
        return SmsOutcome("retry", "unsure", "an earlier try's answer was lost; waiting for the provider to show "
                          "whether it took the SMS", retry_after=wait, segments=billed)
    return None


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
