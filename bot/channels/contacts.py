"""Jobs for candidates who reach us from WeChat: the 20-second welcome, and 微信客服 sync."""
from __future__ import annotations

import logging
import time

import peewee as pw

from bot.clock import local_time
from bot.errors import WeComError
from bot.links import invitation_link
from bot.queues import COMMANDS, enqueue
from bot.store.db import db_session
from bot.store.kv import get_redis
from bot.store.models import Candidate, Invitation, OutboundMessage
from bot.wecom import messages, notify, outbox, policy
from bot.wecom.cards import clip, guide_values
from bot.wecom.delivery import kf_window_key, wecom
from config.settings import get_settings

log = logging.getLogger(__name__)

KF_WINDOW_SECONDS = 48 * 3600  # kf/send_msg is allowed for 48 h after the customer's last message


def invitation_from_state(state: str) -> Invitation | None:
    """Return the invitation named by a contact-way state / kf scene_param like 'inv.42'."""
    prefix, _, ref = state.partition(".")
    if prefix != "inv" or not ref.isdigit():
        return None
    return Invitation.get_or_none(Invitation.id == int(ref))


def _link_candidate(invitation: Invitation, external_userid: str, channel: str, **reach: str) -> None:
    """Record that the candidate reached us from WeChat, and that later messages go this way."""
    candidate = invitation.candidate
    if candidate.external_userid not in (None, external_userid):
        log.warning("invitation %s: candidate already linked to another WeChat user", invitation.id)
        return
    try:
        Candidate.update(external_userid=external_userid, **reach).where(Candidate.id == candidate.id).execute()
    except pw.IntegrityError:
        log.warning("external user already linked to another candidate")
        return
    Invitation.update(channel=channel).where(Invitation.id == invitation.id).execute()
    if channel == "kf":  # they chose chat (from an SMS's or an e-mail's offer): their other invitations use it too
        policy.remember(candidate.id, "kf")


def _welcome_text(invitation: Invitation | None) -> tuple[str, dict | None]:
    settings = get_settings()
    if invitation is None:
        return messages.render("welcome_unknown", None, company=settings.company_name), None
    position, locale = invitation.position, invitation.candidate.locale
    link = invitation_link(settings, invitation)
    text = messages.render("welcome_known", locale, company=settings.company_name, position=position.title,
                           questions=position.asked_count, think=guide_values(position, locale)["think"],
                           deadline=local_time(invitation.expires_at), link=link)
    attachment = {"msgtype": "link", "link": {"title": clip(f"{position.title} · AI 面试", 128),
                                              "desc": messages.render("invitation_start", locale), "url": link}}
    return text, attachment


def welcome_external(staff_userid: str, external_userid: str, state: str, welcome_code: str) -> str:
    """Send the welcome (with the interview link when the state names an invitation); once per code."""
    if not welcome_code:
        return "no-code"  # WeCom gives no code when the member has a welcome of their own configured
    with db_session():
        invitation = invitation_from_state(state)
        if invitation is not None:
            _link_candidate(invitation, external_userid, "external", contact_owner=staff_userid)
        text, attachment = _welcome_text(invitation)
        payload = {"welcome_code": welcome_code, "text": {"content": text}, "msgtype": "welcome",
                   "external_userid": external_userid}
        if attachment:
            payload["attachments"] = [attachment]
        message, created = outbox.record(f"welcome:{welcome_code}", payload, purpose="welcome",
                                         channel="external", invitation=invitation)
        if not created or not outbox.claim(message.id):
            return "duplicate"
        body = {k: v for k, v in payload.items() if k in ("welcome_code", "text", "attachments")}
        try:
            result = wecom().post("externalcontact/send_welcome_msg", data=body)
        except WeComError as exc:  # the code is single-use and lives 20 s: there is no later retry
            outbox.mark_failed(message.id, str(exc))
            return "failed"
        outbox.mark_sent(message.id, result)
        return "sent"


def sync_kf(token: str, open_kfid: str) -> int:
    """Fetch waiting kf messages and events; welcome new sessions and open the 48 h reply window."""
    client, cache = wecom(), get_redis()
    cursor_key = f"kf:cursor:{open_kfid}"
    handled = 0
    with db_session():
        while True:
            cursor = (cache.get(cursor_key) or b"").decode()
            result = client.post("kf/sync_msg", data={"cursor": cursor, "token": token, "limit": 1000,
                                                      "open_kfid": open_kfid})
            for item in result.get("msg_list", []):
                handled += _kf_item(client, cache, item)
            if result.get("next_cursor"):
                cache.set(cursor_key, result["next_cursor"])
            if not result.get("has_more"):
                return handled


def _kf_item(client, cache, item: dict) -> int:
    external_userid = item.get("external_userid", "")
    if item.get("origin") == 3 and external_userid:  # a message written by the customer: the window reopens
        window = kf_window_key(item.get("open_kfid", ""), external_userid)
        with cache.pipeline() as pipe:
            pipe.hset(window, mapping={"opened_at": int(time.time()), "sent": 0})
            pipe.expire(window, KF_WINDOW_SECONDS)
            pipe.execute()
        notify.release_waiting(external_userid)
        content = (item.get("text") or {}).get("content") if item.get("msgtype") == "text" else None
        if content:
            enqueue(COMMANDS, "jobs.chat.candidate_text", "kf", external_userid, str(content)[:2000],
                    f"kf-msg:{item.get('msgid', '')}", str(item.get("open_kfid", ""))[:64],
                    key=f"kf-msg:{item.get('msgid', '')}")
        return 1
    event = item.get("event") or {}
    if event.get("event_type") != "enter_session" or not event.get("welcome_code"):
        return 0
    invitation = invitation_from_state(event.get("scene_param", ""))
    if invitation is not None:
        _link_candidate(invitation, event.get("external_userid", ""), "kf", open_kfid=event.get("open_kfid", ""))
    text, attachment = _welcome_text(invitation)
    if attachment:
        text += "\n" + attachment["link"]["url"]
    body = {"code": event["welcome_code"], "msgtype": "text", "text": {"content": text}}
    key = f"kf-welcome:{event['welcome_code']}"
    if OutboundMessage.get_or_none(OutboundMessage.idempotency_key == key):
        return 0
    try:
        client.post("kf/send_msg_on_event", data=body)
        state = "sent"
    except WeComError as exc:
        log.warning("kf welcome failed: %s", exc)
        state = "failed"
    message, _ = outbox.record(key, {**body, "touser": event.get("external_userid", "")}, purpose="welcome",
                               channel="kf", invitation=invitation)
    (outbox.mark_sent(message.id, {}) if state == "sent" else outbox.mark_failed(message.id, "kf welcome"))
    return 1
