"""What people write or do in WeChat that needs a worker: candidates' messages, HR's /reschedule, new contacts."""
from __future__ import annotations

from bot.channels import contacts, conversation
from bot.decisions import reschedule


def candidate_text(channel: str, user: str, text: str, request_key: str, open_kfid: str = "") -> str:
    """Answer a candidate's message (member or 微信客服: open_kfid is the kf account it came to)."""
    return conversation.candidate_text(channel, user, text, request_key, open_kfid)


def confirm_card(userid: str, token: str, confirmed: bool, response_code: str, request_key: str) -> str:
    """A candidate tapped 确认 or 取消 on the card that asks them to confirm a consequential request."""
    return conversation.card_answer(userid, token, confirmed, response_code, request_key)


def hr_reschedule(who: str, text: str, actor: str, request_key: str) -> str:
    """Move a candidate's second round at HR's request (jobs queued before /reschedule ran in the command job)."""
    return reschedule.hr_reschedule(who, text, actor, request_key)


def welcome_external(staff_userid: str, external_userid: str, state: str, welcome_code: str) -> str:
    """Welcome a WeChat user who added a member (with their interview link when the state names one)."""
    return contacts.welcome_external(staff_userid, external_userid, state, welcome_code)


def sync_kf(token: str, open_kfid: str) -> int:
    """Fetch waiting 微信客服 messages and events."""
    return contacts.sync_kf(token, open_kfid)
