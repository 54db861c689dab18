"""Messages to candidates over the channel that reaches them, and to HR; each rendered from config/messages.

A candidate is reached as a company member (app message), through 微信客服 (kf/send_msg, only inside the
window the candidate's own last message opened), or as the external contact of a member (a mass-message
task the member confirms with one tap). Which one is recorded on the invitation when the candidate comes in
(bot/channels/contacts.py). Nobody reachable: HR gets the text to pass on. HR always gets app messages; notices that
don't need an answer at once (completions) are folded per recipient so a busy minute is one message.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any

from bot.links import unsubscribe_link
from bot.mail import smtp
from bot.queues import DELIVERY, enqueue
from bot.sms import send as sms
from bot.sms import templates as sms_templates
from bot.store import short_links
from bot.store.db import database, db_session
from bot.store.kv import get_redis
from bot.store.models import Invitation, OutboundMessage
from bot.wecom import delivery, messages, outbox, policy
from bot.wecom.cards import TEXT_MAX_BYTES, clip, text_message
from bot.wecom.delivery import CANDIDATE_PURPOSES, kf_window_key
from config.settings import get_settings

log = logging.getLogger(__name__)

HR_BATCH_SECONDS = 20       # a completion notice waits this long for others to fold in with
HR_BATCH_MAX = 500
WELCOME_MAX_BYTES = 4000    # externalcontact text


# The kinds of message an approved SMS template exists for, as the SMS kind that says the same (bot/sms/templates.py;
# an SMS carries no free text). The 感谢函 and anything else never goes by SMS, whatever a policy says.
SMS_TEMPLATES = {"invitation": "invitation", "reminder": "reminder", "second_round": "result_pass",
                 "reschedule": "reschedule"}
NO_NAME = "应聘者"  # an SMS variable may not be empty: "应聘者您好" for someone whose name we lack


def route(invitation: Invitation, kind: str = "notice", *, exclude: tuple[str, ...] = ()) -> str:
    """Return how a message of kind reaches the invitation's candidate: member | kf | external | sms | email | none.
    The position's delivery policy (bot/wecom/policy.py) gives the channels in order and what each may carry; the
    candidate's preferred channel goes first; the first that reaches them, not in exclude, is it."""
    rules = policy.for_position(invitation.position)
    for channel in rules.order(invitation.candidate.preferred_channel):
        if channel not in exclude and rules.allows(channel, kind) and _reaches(invitation, channel, kind):
            return channel
    return "none"


def _reaches(invitation: Invitation, channel: str, kind: str) -> bool:
    """Whether channel reaches the candidate now. WeCom's channels: the one they came in by for this invitation (or
    the 微信客服 session they prefer); SMS: a number, an approved template for kind, and no SMS to it failed for this
    invitation (its channel moved to e-mail); e-mail: an address and SMTP set up."""
    candidate = invitation.candidate
    if channel == "kf":
        return bool(candidate.external_userid and candidate.open_kfid
                    and "kf" in (invitation.channel, candidate.preferred_channel))
    if channel == "external":
        return bool(invitation.channel == "external" and candidate.external_userid and candidate.contact_owner)
    if channel == "member":
        return bool(invitation.channel == "member" and candidate.wecom_userid)
    if channel == "sms":
        return bool(kind in SMS_TEMPLATES and invitation.channel != "email" and candidate.phone
                    and not candidate.erased_at and sms_ready(SMS_TEMPLATES[kind]))
    return channel == "email" and _mailable(candidate)


def sms_ready(kind: str) -> bool:
    """SMS is set up and the kind has an approved template."""
    settings = get_settings()
    return sms.enabled(settings) and bool(dict(settings.sms_templates).get(kind))


def sms_payload(invitation: Invitation, kind: str, values: dict[str, Any], text: str,
                fallback: dict[str, Any] | None = None) -> dict[str, Any]:
    """An SMS to the invitation's candidate: the kind's approved template and its variables, taken from the chat
    message's values (the link as its short code); the number is read when it is sent. text is what the chat
    message says (the recruiter gets it if no channel works); fallback, the e-mail sent once if the SMS fails."""
    names = sms_templates.template(kind).variables
    values = {**values, "code": short_links.code_for(invitation)} if "code" in names else values
    params = {name: str(values.get(name) or "") for name in names}
    if "name" in params:
        params["name"] = params["name"] or NO_NAME
    payload = {"msgtype": "sms", "candidate": invitation.candidate_id, "kind": kind, "text": text, "params": params}
    if fallback:
        payload["fallback"] = fallback
    return payload


def email_payload(invitation: Invitation, text: str, *, subject_key: str = "email_subject",
                  ics: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """An e-mail to the invitation's candidate: the address is looked up when it is sent (never stored here)."""
    settings, candidate = get_settings(), invitation.candidate
    values = {"company": settings.company_name, "position": invitation.position.title}
    payload = {"msgtype": "email", "candidate": candidate.id,
               "subject": messages.render(subject_key, candidate.locale, **values), "text": text,
               "footer": messages.render("email_footer", candidate.locale, **values),
               "unsubscribe": unsubscribe_link(settings, candidate.id)}
    if ics:
        payload["ics"] = ics
    return payload


def kf_msgid(key: str) -> str:
    """A kf/send_msg msgid derived from the idempotency key (≤32 of [0-9a-zA-Z_-]): a resend is the same message."""
    return hashlib.sha1(key.encode()).hexdigest()[:32]


def candidate_payload(invitation: Invitation, text: str, key: str, *, ics: list[dict[str, str]] | None = None,
                      template: str = "", values: dict[str, Any] | None = None, subject: str = "email_subject",
                      purpose: str = "", exclude: tuple[str, ...] = ()) -> tuple[str, dict[str, Any]] | None:
    """Return (channel, payload) carrying text to the candidate, or None when no channel reaches them. The message's
    kind (from template or purpose) decides which channels may carry it; one with an SMS template goes by SMS with
    its values; calendar entries (ics) go with an e-mail only (a chat message has the time in its text; an SMS gets
    its e-mail as the fallback or beside it)."""
    kind = policy.kind_of(template, purpose)
    candidate, how = invitation.candidate, route(invitation, kind, exclude=exclude)
    if how == "member":
        return "member", text_message(candidate.wecom_userid, text)
    if how == "kf":
        return "kf", {"touser": candidate.external_userid, "open_kfid": candidate.open_kfid, "msgtype": "text",
                      "text": {"content": clip(text, TEXT_MAX_BYTES)}, "msgid": kf_msgid(key)}
    if how == "external":
        return "external", {"chat_type": "single", "external_userid": [candidate.external_userid],
                            "sender": candidate.contact_owner, "msgtype": "msg_template",
                            "text": {"content": clip(text, WELCOME_MAX_BYTES)}}
    if how == "sms":
        rules = policy.for_position(invitation.position)
        mail = (email_payload(invitation, text, subject_key=subject, ics=ics)
                if "email" not in exclude and rules.allows("email", kind) and _mailable(candidate) else None)
        return "sms", sms_payload(invitation, SMS_TEMPLATES[kind], values or {}, text, mail)
    if how == "email":
        return "email", email_payload(invitation, text, subject_key=subject, ics=ics)
    return None


def _mailable(candidate: Any) -> bool:
    return bool(candidate.email and not candidate.erased_at and smtp.enabled(get_settings()))


def to_candidate(invitation: Invitation, template: str, key: str, *, purpose: str,
                 ics: list[dict[str, str]] | None = None, **values: Any) -> str:
    """Queue a templated message to the invitation's candidate under key; return the channel used (or 'hr')."""
    text = messages.render(template, invitation.candidate.locale, **values)
    return send_to_candidate(invitation, text, key, purpose=purpose, ics=ics, template=template, values=values)


def send_to_candidate(invitation: Invitation, text: str, key: str, *, purpose: str,
                      ics: list[dict[str, str]] | None = None, template: str = "",
                      values: dict[str, Any] | None = None) -> str:
    """Queue text to the candidate; when nobody can be reached, give it to the recruiter to pass on. A candidate
    who unsubscribed gets only replies to what they write (purpose "candidate"); the recruiter is told instead.
    template and values: what text was rendered from, so a message with an approved SMS template may go by SMS;
    an SMS carrying calendar entries gets the e-mail with them beside it."""
    found = candidate_payload(invitation, text, key, ics=ics, template=template, values=values, purpose=purpose)
    if found is None or (invitation.candidate.unsubscribed_at and purpose not in delivery.REPLY_PURPOSES):
        unreachable(invitation, text, key, reason=_why_unreachable(invitation, policy.kind_of(template, purpose)))
        return "hr"
    channel, payload = found
    beside = payload.pop("fallback", None) if channel == "sms" and ics else None  # an .ics travels by e-mail only
    message, created = outbox.record(key, payload, purpose=purpose, channel=channel, invitation=invitation)
    if created or message.state in ("pending", "deferred"):
        outbox.schedule(message.id)
    if beside:
        outbox.send(f"{key}:ics", beside, purpose=purpose, channel="email", invitation=invitation)
    return channel


def _why_unreachable(invitation: Invitation, kind: str = "notice") -> str:
    candidate = invitation.candidate
    if candidate.unsubscribed_at:
        key = "hr_reason_unsubscribed"
    elif invitation.channel == "member":
        key = "hr_reason_member"
    elif (candidate.phone or candidate.email) and route(invitation, kind) == "none" \
            and route(invitation, "invitation") != "none":  # a channel exists; the policy keeps this kind off it
        key = "hr_reason_policy"
    else:
        key = "hr_reason_none"
    return messages.render(key, get_settings().hr_locale)


@delivery.after_send
def _tell_hr(message: OutboundMessage, state: str, reason: str) -> None:
    """A message to a candidate failed for good, or waits for the candidate's next kf message: tell HR."""
    if not message.invitation_id:
        return
    if state == "failed" and message.purpose in CANDIDATE_PURPOSES:
        body = message.payload.get("text") or {}
        text = str(body if isinstance(body, str) else body.get("content") or "")  # an e-mail's text is plain
        unreachable(message.invitation, text, message.idempotency_key, reason=reason)
    elif state == "waiting":
        invitation = message.invitation
        opened = (get_redis().hget(kf_window_key(message.payload["open_kfid"], message.recipient), "opened_at")
                  or b"never").decode()
        to_hr(invitation.invited_by, "hr_waiting", f"kf-waiting:{invitation.id}:{opened}", invitation=invitation,
              name=invitation.candidate.display_name, text=message.payload["text"]["content"])


def unreachable(invitation: Invitation, text: str, key: str, *, reason: str) -> None:
    """Tell the recruiter a message could not reach the candidate, with the text to pass on."""
    settings = get_settings()
    note = messages.render("hr_unreachable", settings.hr_locale, name=invitation.candidate.display_name,
                           reason=reason, text=text)
    to_hr_text(invitation.invited_by, note, f"{key}:unreachable", invitation=invitation)


def to_hr(userid: str, template: str, key: str, *, invitation: Invitation | None = None, **values: Any) -> None:
    """Queue a templated app message to an HR user now."""
    to_hr_text(userid, messages.render(template, get_settings().hr_locale, **values), key, invitation=invitation)


def to_hr_text(userid: str, text: str, key: str, *, invitation: Invitation | None = None) -> None:
    """Queue a text app message to an HR user now."""
    outbox.send(key, text_message(userid, text), purpose="hr", invitation=invitation)


def hr_notice(userid: str, key: str, *, name: str, position: str, invitation: Invitation | None = None) -> None:
    """Queue a completion notice that may be folded with others arriving in the next few seconds."""
    settings = get_settings()
    text = messages.render("hr_completed", settings.hr_locale, name=name, position=position)
    payload = {**text_message(userid, text), "fold": {"name": name, "position": position}}
    message, created = outbox.record(key, payload, purpose="hr_notice", invitation=invitation, state="batched")
    if created:
        bucket = int(message.created_at.timestamp() // HR_BATCH_SECONDS)
        enqueue(DELIVERY, "jobs.delivery.flush_hr", userid, key=f"flush:{userid}:{bucket}", delay=HR_BATCH_SECONDS)


def flush_hr(userid: str) -> int:
    """Send the recipient's folded notices: one alone as it is, several as one message; return how many."""
    total = 0
    while taken := _flush_some(userid):
        total += taken
    return total


def _flush_some(userid: str) -> int:
    settings = get_settings()
    with db_session():
        with database.atomic():
            rows = list(OutboundMessage.select().where((OutboundMessage.recipient == userid)
                                                       & (OutboundMessage.state == "batched"))
                        .order_by(OutboundMessage.id).limit(HR_BATCH_MAX))
            if not rows:
                return 0
            ids = [r.id for r in rows]
            if len(rows) == 1:
                taken = (OutboundMessage.update(state="pending")
                         .where((OutboundMessage.id == ids[0]) & (OutboundMessage.state == "batched")).execute())
                target = rows[0] if taken else None
            else:
                # Claim with a marker: a concurrent flush (PostgreSQL makes it wait on these rows) takes none of them.
                marker = f"folded {secrets.token_hex(8)}"
                OutboundMessage.update(state="merged", last_error=marker).where(
                    OutboundMessage.id.in_(ids) & (OutboundMessage.state == "batched")).execute()
                rows = list(OutboundMessage.select().where(OutboundMessage.last_error == marker)
                            .order_by(OutboundMessage.id))
                target = None
                if rows:
                    text = _folded_text(settings.hr_locale, [r.payload.get("fold") or {} for r in rows])
                    target, _ = outbox.record(f"hr-batch:{userid}:{rows[0].id}:{rows[-1].id}",
                                              text_message(userid, text), purpose="hr")
        if target is not None:
            outbox.schedule(target.id)
    return len(rows)


def _folded_text(locale: str, items: list[dict]) -> str:
    names = [f"{i.get('name', '?')}（{i.get('position', '')}）" for i in items]
    head = messages.render("hr_completed_batch", locale, count=len(items), names="")
    room = TEXT_MAX_BYTES - len(head.encode()) - 40
    shown: list[str] = []
    for name in names:
        if len("、".join([*shown, name]).encode()) > room:
            break
        shown.append(name)
    listed = "、".join(shown) + ("" if len(shown) == len(names) else f" … (+{len(names) - len(shown)})")
    return messages.render("hr_completed_batch", locale, count=len(items), names=listed)


def flush_stale_batches() -> int:
    """Flush folded notices whose flush job never ran (a worker lost it); the scheduler runs this."""
    with db_session():
        users = [r.recipient for r in OutboundMessage.select(OutboundMessage.recipient).where(
            OutboundMessage.state == "batched").distinct()]
    return sum(flush_hr(u) for u in users)


def release_waiting(external_userid: str) -> int:
    """The candidate wrote to the kf account: the window is open again, send what waited for it (in order)."""
    with db_session():
        ids = [r.id for r in OutboundMessage.select(OutboundMessage.id).where(
            (OutboundMessage.channel == "kf") & (OutboundMessage.recipient == external_userid)
            & (OutboundMessage.state == "waiting")).order_by(OutboundMessage.id)]
        if ids:
            OutboundMessage.update(state="pending").where(
                OutboundMessage.id.in_(ids) & (OutboundMessage.state == "waiting")).execute()
    for message_id in ids:
        outbox.schedule(message_id)
    return len(ids)
