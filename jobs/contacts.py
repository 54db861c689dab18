"""Jobs for candidates who reach us from WeChat: the 20-second welcome, and 微信客服 sync."""
from __future__ import annotations

import json
import logging
import time

import peewee as pw

from bot import outbox
from bot.errors import WeComError
from bot.store.db import db_session
from bot.store.kv import get_redis
from bot.store.models import Candidate, Invitation, OutboundMessage
from config.settings import get_settings
from jobs.delivery import wecom
from jobs.invitations import invitation_link

log = logging.getLogger(__name__)

KF_WINDOW_SECONDS = 48 * 3600  # kf/send_msg is allowed for 48 h after the customer's last message


def invitation_from_state(state: str) -> Invitation | None:
    """Return the invitation named by a contact-way state / kf scene_param like 'inv.42'."""
    prefix, _, ref = state.partition(".")
    if prefix != "inv" or not ref.isdigit():
        return None
    return Invitation.get_or_none(Invitation.id == int(ref))


def _link_candidate(invitation: Invitation, external_userid: str) -> None:
    candidate = invitation.candidate
    if candidate.external_userid in (None, external_userid):
        try:
            Candidate.update(external_userid=external_userid).where(Candidate.id == candidate.id).execute()
        except pw.IntegrityError:
            log.warning("external user already linked to another candidate")


def _welcome_text(invitation: Invitation | None) -> tuple[str, dict | None]:
    settings = get_settings()
    if invitation is None:
        return f"您好，我是{settings.company_name}的招聘助手。招聘人员会尽快与您联系。", None
    position = invitation.position
    text = (f"您好，欢迎参加{settings.company_name}「{position.title}」岗位的 AI 面试。"
            f"共 {len(position.questions)} 道题，每题有 {position.think_seconds} 秒思考时间。点击下方链接开始。")
    link = {"msgtype": "link", "link": {"title": f"{position.title} · AI 面试", "desc": "点击开始面试",
                                        "url": invitation_link(settings, invitation)}}
    return text, link


def welcome_external(staff_userid: str, external_userid: str, state: str, welcome_code: str) -> str:
    """Send the welcome (with the interview link when the state names an invitation); once per code."""
    if not welcome_code:
        return "no-code"  # WeCom gives no code when the member has a welcome of their own configured
    with db_session():
        invitation = invitation_from_state(state)
        if invitation is not None:
            _link_candidate(invitation, external_userid)
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
        if invitation is not None:
            Invitation.update(channel="external").where(Invitation.id == invitation.id).execute()
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
    if item.get("origin") == 3 and external_userid:  # a message written by the customer
        cache.set(f"kf:window:{external_userid}", json.dumps({"opened_at": time.time(), "sent": 0}),
                  ex=KF_WINDOW_SECONDS)
        return 1
    event = item.get("event") or {}
    if event.get("event_type") != "enter_session" or not event.get("welcome_code"):
        return 0
    invitation = invitation_from_state(event.get("scene_param", ""))
    if invitation is not None:
        _link_candidate(invitation, event.get("external_userid", ""))
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
