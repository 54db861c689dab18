"""/cancel: cancel a candidate's unfinished invitation and tell the candidate.

Unfinished is any invitation whose link still opens (bot/invitations/reach.py), a card that never arrived
included: its link may have been passed on.
"""
from __future__ import annotations

from bot.commands.lookup import find_candidate, position_named
from bot.commands.registry import CommandError, command
from bot.invitations import reach
from bot.org.access import in_scope
from bot.store.models import AuditLog, Invitation, Position
from bot.wecom import notify

CANCELLABLE = reach.OPEN


@command("cancel", aliases=("取消邀请",), args=(1, 2), usage="/cancel <候选人> [岗位]  例：/cancel zhangsan 柜员",
         summary="取消尚未完成的面试邀请")
def cancel(who: str, position_name: str | None = None, *, userid: str, key: str) -> str:
    """Cancel the candidate's one unfinished invitation (to the named position when they have several)."""
    candidate = find_candidate(who)
    invitations: list[Invitation] = []
    if candidate is not None:
        query = (Invitation.select().join(Position)  # only the member's units' invitations
                 .where((Invitation.candidate == candidate) & Invitation.status.in_(CANCELLABLE) & in_scope()))
        if position_name is not None:
            query = query.where(Invitation.position == position_named(position_name))
        invitations = list(query.order_by(Invitation.id.desc()))
    if not invitations:
        raise CommandError("cancel_none", who=who)
    if len(invitations) > 1:
        raise CommandError("cancel_which", who=who, positions="、".join(i.position.title for i in invitations))
    invitation = invitations[0]
    changed = (Invitation.update(status="cancelled").where(
        (Invitation.id == invitation.id) & Invitation.status.in_(CANCELLABLE)).execute())
    if not changed:  # finished or cancelled meanwhile
        return "unchanged"
    AuditLog.create(actor=userid, action="cancel", target_type="invitation", target_id=str(invitation.id))
    notify.to_candidate(invitation, "cancelled", f"{key}:cancelled", purpose="candidate",
                        position=invitation.position.title)
    notify.to_hr(userid, "cancel_done", f"{key}:cancel_done", who=invitation.candidate.display_name,
                 position=invitation.position.title)
    return "cancelled"
