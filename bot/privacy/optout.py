"""A candidate's opt-out from recruiting messages (退订), honoured on every channel: e-mail, SMS and WeChat/WeCom.

One place records it: the opt-out page and the one-click List-Unsubscribe POST (handlers/h5/unsubscribe.py), the
candidate's 退订 / TD / unsubscribe in chat (bot/commands/intents.py), HR or the open API on their behalf, and an SMS
provider reporting the number unsubscribed or blacklisted (below).
The first opt-out is kept (when and how, on the candidate row) and audited; a repeat changes nothing. Sending code
asks `is_unsubscribed` before it reaches the candidate.
"""
from __future__ import annotations

from bot.clock import utcnow
from bot.store.db import database
from bot.store.models import AuditLog, Candidate, OutboundMessage
from bot.wecom import delivery
from config.settings import get_settings

SOURCES = ("email_link", "one_click", "chat", "api", "hr", "sms")
BY_CANDIDATE = ("email_link", "one_click", "chat")  # the candidate themself: audited as candidate:<id>


def unsubscribe(candidate_id: int, source: str, *, actor: str = "") -> bool:
    """Record that the candidate wants no more recruiting messages; return whether this call changed anything
    (False: already opted out, erased, or no such candidate). actor names who did it when it was not the
    candidate (an HR userid, an API token's name); by default the candidate."""
    if source not in SOURCES:
        raise ValueError(f"unknown opt-out source {source!r}: one of {', '.join(SOURCES)}")
    if not actor:
        if source not in BY_CANDIDATE:
            raise ValueError(f"an opt-out from {source!r} names who made it")
        actor = f"candidate:{candidate_id}"
    with database.atomic():
        changed = (Candidate.update(unsubscribed_at=utcnow(), unsubscribe_source=source)
                   .where((Candidate.id == candidate_id) & Candidate.unsubscribed_at.is_null()
                          & Candidate.erased_at.is_null())
                   .execute())
        if changed:
            AuditLog.create(actor=actor[:64], action="unsubscribe", target_type="candidate",
                            target_id=str(candidate_id), detail={"source": source})
    return bool(changed)


def is_unsubscribed(candidate: Candidate) -> bool:
    """Whether the candidate has opted out: nothing about recruiting may be sent to them."""
    return candidate.unsubscribed_at is not None


@delivery.after_send
def _provider_says_unsubscribed(message: OutboundMessage, state: str, reason: str) -> None:
    """The SMS provider refused the number as unsubscribed (the carriers' 退订) or blacklisted: opted out everywhere."""
    if message.channel == "sms" and state == "failed" and reason.startswith(delivery.SMS_OPTED_OUT):
        unsubscribe(int(message.payload["candidate"]), "sms", actor=f"sms:{get_settings().sms_provider}")
