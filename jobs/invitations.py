"""Invitations from chat: /invite, and a candidate's 暂不参加."""
from __future__ import annotations

from bot.invitations import invites


def invite(position_name: str, userids: list[str], invited_by: str, request_key: str) -> dict[str, list[str]]:
    """Invite members to a position."""
    return invites.invite(position_name, userids, invited_by, request_key)


def decline(invitation_id: int, userid: str, response_code: str, request_key: str) -> str:
    """Take a candidate's decline from the invitation card."""
    return invites.decline(invitation_id, userid, response_code, request_key)


def decline_click(invitation_id: int, step: str, userid: str, response_code: str, request_key: str) -> str:
    """Take a click on the invitation card's 暂不参加 (asks first) or on its 确认暂不参加 / 返回."""
    return invites.decline_click(invitation_id, step, userid, response_code, request_key)
