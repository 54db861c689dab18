"""Clicks on template card buttons; the button's key says what it is for."""
from __future__ import annotations

import logging
import re

from bot.decisions.results import CARD_ACTIONS
from bot.invitations.invites import DECLINE_STEPS
from bot.queues import COMMANDS, enqueue
from bot.wecom.inbound import TemplateCardEvent
from bot.wecom.registry import Inbound, handles
from jobs import chat, decisions, invitations

log = logging.getLogger(__name__)
ROW_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only: "²".isdigit() is true, and int() refuses it
TOKEN = re.compile(r"[A-Za-z0-9_-]{8,32}")  # a confirmation card's token (bot/channels/confirmations.py)


@handles("event:template_card_event")
def on_card_click(inbound: Inbound) -> None:
    """Queue the action behind the clicked button; ignore keys we never issued."""
    event: TemplateCardEvent = inbound.message  # type: ignore[assignment]
    action, _, ref = (event.event_key or "").partition(":")
    if action == "decline":
        invitation_id, _, step = ref.partition(":")  # 暂不参加 (asks), :confirm, :back
        if ROW_ID.fullmatch(invitation_id) and step in DECLINE_STEPS:
            enqueue(COMMANDS, invitations.decline_click, int(invitation_id), step, event.source,
                    event.response_code or "", inbound.key, key=f"decline:{inbound.key}")
            return
    if action in ("confirm", "cancel") and TOKEN.fullmatch(ref):
        enqueue(COMMANDS, chat.confirm_card, event.source, ref, action == "confirm", event.response_code or "",
                inbound.key, key=f"confirm-card:{inbound.key}")
        return
    if action == "decide":
        report_id, _, step = ref.partition(":")  # pass, hold, reject (asks), reject:confirm, reject:undo
        if ROW_ID.fullmatch(report_id) and step in CARD_ACTIONS:
            # One job per click; the decision itself is unique per interview, so replays and races decide once.
            enqueue(COMMANDS, decisions.card_click, int(report_id), step, event.source, event.response_code or "",
                    inbound.key, key=f"decide:{inbound.key}")
            return
    log.warning("card click with unknown key %r from %s ignored", (event.event_key or "")[:64], event.source)
