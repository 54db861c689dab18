"""/remind: remind a position's candidates who have not started their AI interview.

Every invitation whose link still opens and that has not started counts (bot/invitations/reach.py): a delivered
one gets a reminder; one whose card never arrived gets the invitation card again; one nobody can reach (no WeCom
account, no contact) is given to the recruiter to pass on. The answer says how many of each.
"""
from __future__ import annotations

from bot.clock import local_time, utcnow
from bot.commands.lookup import position_named
from bot.commands.registry import command
from bot.invitations import reach
from bot.invitations.invites import queue_card
from bot.links import invitation_link
from bot.org.access import acting
from bot.privacy.roles import can
from bot.store.models import Invitation
from bot.wecom import notify
from bot.wecom.cards import guide_values
from config.settings import get_settings


@command("remind", aliases=("提醒",), args=(1, 1), usage="/remind <岗位>  例：/remind 柜员",
         summary="提醒还没开始面试的候选人（没送达的重发）")
def remind(position_name: str, *, userid: str, key: str) -> str:
    """Remind the candidates who were invited to the position but have not started."""
    settings = get_settings()
    position = position_named(position_name)
    mine = Invitation.position == position
    access = acting()
    if access is not None and not can(access.role_for(position), "decide"):  # not one of its recruiters: their own
        mine &= Invitation.invited_by == userid
    waiting = list(Invitation.select().where(mine & reach.still_open(utcnow())
                                             & Invitation.status.in_(reach.NOT_STARTED)).order_by(Invitation.id))
    counts = {"reminded": 0, "resent": 0, "unreachable": 0}
    for invitation in waiting:
        if invitation.status == "created":  # its card is on its way
            continue
        if not reach.was_delivered(invitation) and invitation.candidate.wecom_userid:
            _send_again(settings, invitation, key)
            counts["resent"] += 1
            continue
        channel = notify.to_candidate(
            invitation, "reminder", f"{key}:remind:{invitation.id}", purpose="reminder",
            name=invitation.candidate.greeting_name, position=position.title,
            deadline=local_time(invitation.expires_at), started=False,
            total_minutes=guide_values(position, invitation.candidate.locale)["total_minutes"],
            link=invitation_link(settings, invitation))
        counts["unreachable" if channel == "hr" else "reminded"] += 1
    notify.to_hr(userid, "remind_done", f"{key}:remind_done", count=counts["reminded"], resent=counts["resent"],
                 unreachable=counts["unreachable"], position=position.title)
    return "sent"


def _send_again(settings, invitation: Invitation, key: str) -> None:
    """The card failed: send it again (delivery settles the invitation as sent or failed, as the first time)."""
    Invitation.update(status="created").where((Invitation.id == invitation.id)
                                              & (Invitation.status == "failed")).execute()
    queue_card(settings, invitation.position, Invitation.get_by_id(invitation.id), again=key[-40:])
