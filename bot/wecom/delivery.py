"""Delivery jobs: send recorded outbound messages through the rate limiter, exactly once."""
from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable

from bot.clock import CN_TZ
from bot.errors import RateLimited, WeComError
from bot.mail import smtp
from bot.mail.compose import compose
from bot.sms import numbers as sms_numbers
from bot.sms import send as sms
from bot.store.db import db_session
from bot.store.kv import get_redis
from bot.store.models import Candidate, Invitation, OutboundMessage
from bot.wecom import outbox
from bot.wecom.cards import text_message
from bot.wecom.client import DUPLICATE_CHECK, WeComClient
from bot.wecom.ratelimit import OutboundLimiter
from config.settings import get_settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
KF_WINDOW_MESSAGES = 5
KF_WINDOW_ERRORS = (95001, 95002)  # sandbox codes for "5 messages sent" / "outside 48 h" (docs/wecom.md §4)
CANDIDATE_PURPOSES = ("reminder", "completed", "result", "reschedule", "candidate")
REPLY_PURPOSES = ("candidate", "welcome")  # answers to what the candidate wrote: they go even after 退订
QUIET_FROM, QUIET_UNTIL = 21, 8  # no SMS between 21:00 and 08:00 Beijing time
SMS_OPTED_OUT = "the number is unsubscribed or blacklisted at the SMS provider"


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


# What the product does once a message's fate is known (an invitation delivered, a candidate unreachable, a kf
# message held until the candidate writes): features register it with @after_send, so WeCom's transport knows no
# feature. Called with (message, state: "sent" | "failed" | "waiting", reason).
AFTER_SEND: list[Callable[[OutboundMessage, str, str], None]] = []


def after_send(func: Callable[[OutboundMessage, str, str], None]) -> Callable[[OutboundMessage, str, str], None]:
    """Register func to run after each message is sent, fails for good, or waits (a decorator)."""
    AFTER_SEND.append(func)
    return func


def send_text(touser: str, content: str, key: str) -> str:
    """Record a text message to touser under key and deliver it."""
    with db_session():
        message, _ = outbox.record(f"text:{key}", text_message(touser, content), purpose="reply")
    return deliver(message.id)


def deliver(message_id: int) -> str:
    """Send one recorded message unless it was already sent; return its resulting state."""
    with db_session():
        message = OutboundMessage.get_or_none(OutboundMessage.id == message_id)
        if message is None or message.state in ("sent", "failed", "waiting", "batched", "merged"):
            return message.state if message else "missing"
        if not outbox.claim(message_id):
            return "busy"
        message = OutboundMessage.get_by_id(message_id)
        if _unsubscribed_since(message):
            return _give_up(message, "the candidate unsubscribed")
        if message.channel == "kf":
            return _deliver_kf(message)
        if message.channel == "external":
            return _deliver_template(message)
        if message.channel == "email":
            return _deliver_email(message)
        if message.channel == "sms":
            return _deliver_sms(message)
        members = [m for m in message.recipient.split("|") if m]
        try:
            limiter().acquire("message/send", members)
            result = wecom().send(_with_duplicate_check(message))
        except RateLimited as exc:
            return _defer(message, exc)
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


def _defer(message: OutboundMessage, exc: RateLimited) -> str:
    """Our limiter said wait: nothing was sent, so the wait does not count as a try."""
    outbox.mark_deferred(message.id, exc.retry_after, str(exc), tried=False)
    outbox.schedule(message.id, exc.retry_after)
    return "deferred"


def kf_window_key(open_kfid: str, external_userid: str) -> str:
    """The Redis hash holding a kf reply window: opened_at (the customer's last message) and sent (≤ 5)."""
    return f"kf:window:{open_kfid}:{external_userid}"


def _deliver_kf(message: OutboundMessage) -> str:
    """kf/send_msg inside the customer's 48-hour, 5-message window; outside it the message waits."""
    payload = message.payload
    window = kf_window_key(payload["open_kfid"], message.recipient)
    cache = get_redis()
    if int(cache.hget(window, "sent") or KF_WINDOW_MESSAGES) >= KF_WINDOW_MESSAGES:
        return _wait(message, "outside the kf window (48 h / 5 messages since the customer's last message)")
    try:
        limiter().acquire("kf/send_msg", [])
        result = wecom().post("kf/send_msg", data={k: payload[k] for k in ("touser", "open_kfid", "msgtype",
                                                                            payload["msgtype"], "msgid")})
    except RateLimited as exc:
        return _defer(message, exc)
    except WeComError as exc:
        if exc.errcode in KF_WINDOW_ERRORS:
            return _wait(message, str(exc))
        return _after_error(message, exc)
    with cache.pipeline() as pipe:  # count it only while the window lives (never recreate it without its TTL)
        pipe.hincrby(window, "sent", 1)
        pipe.ttl(window)
        _, ttl = pipe.execute()
    if ttl < 0:
        cache.delete(window)
    outbox.mark_sent(message.id, result)
    _after(message, delivered=True)
    return "sent"


def _wait(message: OutboundMessage, reason: str) -> str:
    """Hold a kf message until the candidate writes again (bot.wecom.notify.release_waiting)."""
    OutboundMessage.update(state="waiting", lease_until=None, last_error=reason[:500]).where(
        OutboundMessage.id == message.id).execute()
    _after(message, delivered=False, reason=reason, state="waiting")
    return "waiting"


def _deliver_template(message: OutboundMessage) -> str:
    """externalcontact/add_msg_template: a one-recipient task the member confirms (docs/wecom.md §4)."""
    body = {k: v for k, v in message.payload.items() if k != "msgtype"}
    try:
        limiter().acquire("externalcontact/add_msg_template", [])
        result = wecom().post("externalcontact/add_msg_template", data=body)
    except RateLimited as exc:
        return _defer(message, exc)
    except WeComError as exc:
        return _after_error(message, exc)
    if message.recipient in (result.get("fail_list") or []):
        reason = "WeCom refused the mass-message task for this customer (monthly limit or no longer a contact)"
        outbox.mark_failed(message.id, reason)
        _after(message, delivered=False, reason=reason)
        return "failed"
    outbox.mark_sent(message.id, result)
    _after(message, delivered=True)
    return "sent"


def _unsubscribed_since(message: OutboundMessage) -> bool:
    """A message to a candidate queued before they unsubscribed (replies to their own messages excepted)."""
    if message.purpose not in ("invitation", *CANDIDATE_PURPOSES) or message.purpose in REPLY_PURPOSES:
        return False
    return bool(message.invitation_id and Candidate.select().join(Invitation).where(
        (Invitation.id == message.invitation_id) & Candidate.unsubscribed_at.is_null(False)).exists())


def _deliver_email(message: OutboundMessage) -> str:
    """An e-mail to the candidate, addressed at sending time from their sealed record (the outbox keeps no address):
    nothing goes to a candidate who unsubscribed or was erased meanwhile."""
    settings = get_settings()
    candidate = Candidate.get_or_none(Candidate.id == message.payload.get("candidate"))
    if candidate is None or candidate.erased_at or not candidate.email:
        return _give_up(message, "no e-mail address any more (the candidate's data was erased or changed)")
    if candidate.unsubscribed_at:
        return _give_up(message, "the candidate unsubscribed")
    if not smtp.enabled(settings):
        return _give_up(message, "e-mail is not set up (SMTP_HOST and MAIL_FROM)")
    email = compose(message.payload, to=candidate.email, sender=settings.mail_from,
                    sender_name=settings.company_name, key=message.idempotency_key,
                    footer=message.payload.get("footer", ""))
    try:
        limiter().acquire("smtp", [])  # MAIL_RATE (bot/wecom/ratelimit.py), not WeCom's per-API limits
        result = smtp.send(email, settings)
    except RateLimited as exc:
        return _defer(message, exc)
    except smtp.MailError as exc:
        return _after_error(message, exc)
    outbox.mark_sent(message.id, result)
    _after(message, delivered=True)
    return "sent"


def _deliver_sms(message: OutboundMessage) -> str:
    """An SMS to the candidate: the number read at sending time from their sealed record, never in quiet hours
    (unless the candidate texted us within the hour: then the answer goes at once),
    the provider's answer turned into sent / later / opted out / failed. A failed SMS hands over, once, to the
    e-mail prepared beside it (payload "fallback"); only when there is none are the recruiter and the invitation
    told it failed."""
    settings = get_settings()
    candidate = Candidate.get_or_none(Candidate.id == message.payload.get("candidate"))
    if candidate is None or candidate.erased_at or not candidate.phone:
        return _give_up(message, "no phone number any more (the candidate's data was erased or changed)")
    number = sms_numbers.normalise(candidate.phone)
    if number is None:
        return _sms_failed(message, f"not a mobile number that can receive SMS: {candidate.phone[:3]}…")
    wait = 0.0 if sms.wrote_lately(candidate.id) else quiet_hours_left(beijing_now())  # they wrote: answer
    if wait:
        outbox.mark_deferred(message.id, wait, "quiet hours (21:00–08:00 Beijing time): sent at 08:00", tried=False)
        outbox.schedule(message.id, wait)
        return "deferred"
    try:
        limiter().acquire("sms", [])  # SMS_RATE: wait here rather than be refused by the provider
    except RateLimited as exc:
        return _defer(message, exc)
    outcome = sms.send(settings, number, message.payload["kind"], message.payload.get("params") or {},
                       reference=message.idempotency_key)
    if outcome.outcome == "sent":
        outbox.mark_sent(message.id, {"msgid": outcome.provider_id})  # response_code: the receipt's, once it comes
        _after(message, delivered=True)
        return "sent"
    if outcome.outcome == "retry" and (outcome.retry_after or message.attempts < MAX_ATTEMPTS):
        delay = outcome.retry_after or backoff(message.attempts)  # a provider's limit is a wait, never a failure
        outbox.mark_deferred(message.id, delay, f"{outcome.code}: {outcome.detail}")
        outbox.schedule(message.id, delay)
        return "deferred"
    if outcome.outcome == "opted_out":
        return _give_up(message, f"{SMS_OPTED_OUT} ({outcome.code}: {outcome.detail})")
    return _sms_failed(message, f"{outcome.code}: {outcome.detail}")


def beijing_now() -> dt.datetime:
    """The time in Beijing, which the quiet hours are in (tests move it)."""
    return dt.datetime.now(CN_TZ)


def quiet_hours_left(now: dt.datetime) -> float:
    """Seconds until 08:00 Beijing time when now (Beijing) is in the SMS quiet hours 21:00–08:00, else 0."""
    if QUIET_FROM > now.hour >= QUIET_UNTIL:
        return 0.0
    morning = now.replace(hour=QUIET_UNTIL, minute=0, second=0, microsecond=0)
    if now.hour >= QUIET_FROM:
        morning += dt.timedelta(days=1)
    return (morning - now).total_seconds()


def _sms_failed(message: OutboundMessage, reason: str) -> str:
    fallback = message.payload.get("fallback")
    if not fallback:
        return _give_up(message, reason)
    outbox.mark_failed(message.id, reason + " — sent by e-mail instead")
    if message.invitation_id:  # the number does not work: e-mail from now on (bot.wecom.notify.route)
        Invitation.update(channel="email").where(Invitation.id == message.invitation_id).execute()
    mail, _ = outbox.record(f"{message.idempotency_key}:email", fallback, purpose=message.purpose, channel="email",
                            invitation=message.invitation_id)
    outbox.schedule(mail.id)
    return "failed"


def _give_up(message: OutboundMessage, reason: str) -> str:
    log.error("message %s failed: %s", message.id, reason)
    outbox.mark_failed(message.id, reason)
    _after(message, delivered=False, reason=reason)
    return "failed"


def _with_duplicate_check(message: OutboundMessage) -> dict:
    """Ask WeCom to drop a repeat when an earlier try may have reached it (a retry, or any card).

    A worker killed mid-send leaves the outcome unknown; WeCom's own duplicate check (30 min, far longer
    than the outbox lease) then keeps the resend from reaching the person twice. First-try texts go
    without it, so the same short reply to two identical questions is not swallowed.
    """
    payload = {k: v for k, v in message.payload.items() if k != "fold"}  # fold: our note for notify.flush_hr
    if message.attempts > 1 or message.msgtype == "template_card":
        return {**payload, **DUPLICATE_CHECK}
    return payload


def _after_error(message: OutboundMessage, exc: WeComError | smtp.MailError) -> str:
    """A transient error is tried again with back-off (up to MAX_ATTEMPTS); any other fails the message."""
    if exc.transient and message.attempts < MAX_ATTEMPTS:
        delay = backoff(message.attempts)
        log.warning("message %s deferred %.0fs: %s", message.id, delay, exc)
        outbox.mark_deferred(message.id, delay, str(exc))
        outbox.schedule(message.id, delay)
        return "deferred"
    return _give_up(message, str(exc))


def _after(message: OutboundMessage, *, delivered: bool, reason: str = "", state: str = "") -> None:
    for hook in AFTER_SEND:
        hook(message, state or ("sent" if delivered else "failed"), reason)


def requeue_due() -> int:
    """Enqueue delivery of every stalled or due message (the scheduler runs this every minute)."""
    with db_session():
        ids = outbox.due()
    for message_id in ids:
        outbox.schedule(message_id)
    return len(ids)
