"""What comes back from the SMS provider: delivery receipts and candidates' replies (上行), pulled every minute.

- A receipt is recorded on its message (`response_code` DELIVERED, or the carrier's code in `last_error`); a
  receipt saying the number is blacklisted (Alibaba reports it only there) opts the candidate out everywhere.
- A reply that is only the carriers' opt-out word (R, TD, T, 退订, unsubscribe) opts the candidate out and gets
  the one confirmation SMS carriers expect. An SMS carries only approved templates, so the bot cannot converse by
  SMS: when answers reach the candidate another way (e-mail, 微信客服), the reply is read as a chat message is
  (bot/channels/conversation.py: a new time proposes it, 人工复核 requests a review, a question is answered, the rest
  goes to the recruiter); otherwise it goes to the recruiter who invited them, word for word.

Tencent's replies are pulled; Alibaba pushes them (SmsUp, no pull API in its SDK) to the secret path of
sms_push_path (bot/links.py), where handlers/h5/sms_push.py keeps them for the same pull.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging

from bot.channels import conversation
from bot.clock import utcnow
from bot.privacy import optout
from bot.sms import send as sms
from bot.sms.numbers import normalise
from bot.sms.templates import template_id
from bot.store.db import db_session
from bot.store.models import Candidate, Invitation, OutboundMessage
from bot.wecom import messages, notify, outbox
from config.settings import get_settings

log = logging.getLogger(__name__)

OPT_OUT_WORDS = {"r", "td", "t", "退订", "unsubscribe", "取消订阅"}
RECEIPT_DAYS = 3  # Alibaba files receipts by number and day: ask for SMS sent in the last few days only


def pull() -> dict[str, int]:
    """Read new receipts and replies from the provider and act on them (the scheduler runs this every minute)."""
    settings = get_settings()
    if not sms.enabled(settings):
        return {}
    done = {"receipts": 0, "replies": 0}
    with db_session():
        try:
            receipts = sms.pull_receipts(settings, _pending())
            replies = sms.pull_replies(settings)  # Tencent's pull API; Alibaba's pushes kept by handlers/h5/sms_push
        except sms.SmsPullError as exc:
            log.warning("SMS receipts/replies not read: %s", exc)
            return done
        for receipt in receipts:
            done["receipts"] += record_receipt(receipt)
        for reply in replies:
            done["replies"] += take_reply(reply.number, reply.text)
    return done


def _pending() -> list[sms.Pending]:
    """Sent SMS still without a receipt (Alibaba needs number, id and day for each)."""
    since = utcnow() - dt.timedelta(days=RECEIPT_DAYS)
    rows = (OutboundMessage.select().where((OutboundMessage.channel == "sms") & (OutboundMessage.state == "sent")
                                           & (OutboundMessage.response_code == "") & (OutboundMessage.sent_at > since))
            .limit(500))
    pending = []
    for message in rows:
        candidate = Candidate.get_or_none(Candidate.id == message.payload.get("candidate"))
        number = normalise(candidate.phone) if candidate is not None and candidate.phone else None
        if number:
            pending.append(sms.Pending(number, message.wecom_msgid, message.sent_at))
    return pending


def record_receipt(receipt: sms.Receipt) -> int:
    """Put a receipt on the message it reports (found by the provider's id); return 1 when one was found."""
    message = OutboundMessage.get_or_none((OutboundMessage.channel == "sms")
                                          & (OutboundMessage.wecom_msgid == receipt.provider_id))
    if message is None:
        return 0
    if receipt.delivered:
        OutboundMessage.update(response_code="DELIVERED").where(OutboundMessage.id == message.id).execute()
    else:
        OutboundMessage.update(response_code=receipt.code[:32] or "UNDELIVERED",
                               last_error=f"receipt: {receipt.code} {receipt.detail}"[:500]).where(
            OutboundMessage.id == message.id).execute()
        if receipt.opted_out:
            optout.unsubscribe(int(message.payload["candidate"]), "sms", actor=f"sms:{get_settings().sms_provider}")
    return 1


def take_reply(number: str, text: str) -> int:
    """Act on one reply from number; return 1 when it came from a candidate we know."""
    candidate = Candidate.select().where(Candidate.lookup("phone", number)).order_by(Candidate.id.desc()).first()
    if candidate is None:
        log.info("an SMS reply from a number we do not know")
        return 0
    invitation = (Invitation.select().where(Invitation.candidate == candidate)
                  .order_by(Invitation.id.desc()).first())
    sms.note_wrote(candidate.id)
    words = "".join(text.split()).casefold().strip("。.!！")
    if words in OPT_OUT_WORDS:
        if optout.unsubscribe(candidate.id, "sms", actor=f"candidate:{candidate.id}") and invitation is not None:
            _confirm_opt_out(invitation)
        return 1
    if invitation is None:
        return 1
    digest = hashlib.sha1(f"{number}\x00{text}".encode()).hexdigest()[:16]
    key = f"sms-reply:{candidate.id}:{digest}:{utcnow():%Y%m%d%H%M}"
    if notify.route(invitation) != "none":  # answers reach them (by e-mail): read it as a chat message is
        conversation.candidate_text("sms", f"#{candidate.id}", text[:2000], key)
    else:  # no conversation is possible by SMS alone: the recruiter gets it word for word
        settings = get_settings()
        note = messages.render("hr_sms_reply", settings.hr_locale, name=candidate.display_name,
                               position=invitation.position.title, text=text[:500])
        notify.to_hr_text(invitation.invited_by, note, key, invitation=invitation)
    return 1


def _confirm_opt_out(invitation: Invitation) -> None:
    """The one SMS after an opt-out the carriers expect (sent although the candidate has opted out: it is the answer
    to their own message)."""
    settings = get_settings()
    if not template_id(settings, "unsubscribed"):
        return
    payload = {"msgtype": "sms", "candidate": invitation.candidate_id, "kind": "unsubscribed",
               "params": {"company": settings.company_name}, "text": ""}
    outbox.send(f"sms-unsubscribed:{invitation.candidate_id}", payload, purpose="candidate", channel="sms",
                invitation=invitation)
