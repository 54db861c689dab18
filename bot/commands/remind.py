"""/remind: remind a position's candidates who have not started their AI interview."""
from __future__ import annotations

from bot.clock import local_time
from bot.commands.lookup import position_named
from bot.commands.registry import command
from bot.invitations.invites import REMINDABLE
from bot.links import invitation_link
from bot.store.models import Invitation
from bot.wecom import notify
from bot.wecom.cards import guide_values
from config.settings import get_settings


@command("remind", aliases=("提醒",), args=(1, 1), usage="/remind <岗位>  例：/remind 柜员",
         summary="提醒还没开始面试的候选人")
def remind(position_name: str, *, userid: str, key: str) -> str:
    """Remind the candidates who were invited to the position but have not started."""
    settings = get_settings()
    position = position_named(position_name)
    mine = Invitation.position == position
    if userid not in settings.recruiters:
        mine &= Invitation.invited_by == userid
    waiting = list(Invitation.select().where(mine & Invitation.status.in_(REMINDABLE)
                                             & (Invitation.status != "started")))
    for invitation in waiting:
        notify.to_candidate(invitation, "reminder", f"{key}:remind:{invitation.id}", purpose="reminder",
                            name=invitation.candidate.display_name, position=position.title,
                            deadline=local_time(invitation.expires_at), started=False,
                            total_minutes=guide_values(position, invitation.candidate.locale)["total_minutes"],
                            link=invitation_link(settings, invitation))
    notify.to_hr(userid, "remind_done", f"{key}:remind_done", count=len(waiting), position=position.title)
    return "sent"
