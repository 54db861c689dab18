"""Candidates reaching us from WeChat: external-contact adds and 微信客服 (kf) events."""
from __future__ import annotations

import logging

from bot.queues import COMMANDS, enqueue
from bot.wecom.registry import Inbound, handles
from jobs import chat

log = logging.getLogger(__name__)


@handles("event:change_external_contact")
def on_external_contact(inbound: Inbound) -> None:
    """A WeChat user added (or removed) a recruiter; a welcome must go out within 20 s, so queue it first."""
    event = inbound.message
    if event.change_type not in ("add_external_contact", "add_half_external_contact"):
        log.info("external contact %s: %s", event.change_type, event.user_id)
        return
    enqueue(COMMANDS, chat.welcome_external, event.user_id or "", event.external_user_id or "",
            event.state or "", event.welcome_code or "", key=f"welcome:{inbound.key}")


@handles("event:kf_msg_or_event")
def on_kf_event(inbound: Inbound) -> None:
    """WeCom says kf messages are waiting; fetch them with kf/sync_msg in a job."""
    data = inbound.message._data
    enqueue(COMMANDS, chat.sync_kf, str(data.get("Token") or ""), str(data.get("OpenKfId") or ""),
            key=f"kf:{inbound.key}")
