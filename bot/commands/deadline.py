"""/deadline: when a candidate's unfinished interviews close, and how far they got (the worked example in
docs/commands.md: this module and the template "deadline" in both catalogues are the whole command)."""
from __future__ import annotations

import datetime as dt

from bot.clock import local_time, utcnow
from bot.commands.lookup import find_candidate
from bot.commands.registry import command
from bot.invitations.invites import OPEN_STATES
from bot.store.models import Invitation
from bot.wecom import messages, notify
from config.settings import get_settings


@command("deadline", aliases=("截止",), args=(1, 1), usage="/deadline <候选人>  例：/deadline zhangsan",
         summary="查看候选人尚未完成的面试何时截止")
def deadline(who: str, *, userid: str, key: str) -> str:
    """Send one line per unfinished, unexpired invitation of the candidate: position, deadline, progress."""
    locale, now = get_settings().hr_locale, utcnow()
    candidate = find_candidate(who)
    invitations = list(candidate.invitations.where(
        Invitation.status.in_((*OPEN_STATES, "started")) & (Invitation.expires_at > now)
    ).order_by(Invitation.expires_at)) if candidate else []
    lines = [_line(locale, candidate.display_name, invitation, now) for invitation in invitations]
    text = "\n".join(lines) or messages.render("deadline", locale, who=who, position="")
    notify.to_hr_text(userid, text, f"{key}:deadline")
    return f"{len(lines)} open"


def _line(locale: str, name: str, invitation: Invitation, now: dt.datetime) -> str:
    return messages.render("deadline", locale, who=name, position=invitation.position.title,
                           deadline=local_time(invitation.expires_at),
                           hours_left=int((invitation.expires_at - now).total_seconds() // 3600),
                           opened=invitation.status in ("opened", "started"), started=invitation.status == "started")
