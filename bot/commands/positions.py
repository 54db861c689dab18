"""/positions: the open positions the recruiter may manage (their units'), with their unit, question count,
deadline, invitations so far and a link to edit each in the HR pages."""
from __future__ import annotations

from urllib.parse import quote

import peewee as pw

from bot.commands.registry import command
from bot.org import units
from bot.org.access import in_scope
from bot.store.models import Invitation, Position
from bot.wecom import messages, notify
from config.settings import get_settings


@command("positions", aliases=("岗位",), args=(0, 0), usage="/positions", summary="查看开放的岗位")
def positions(*, userid: str, key: str) -> str:
    """Send the list of open positions."""
    settings = get_settings()
    locale, base = settings.hr_locale, settings.public_base_url
    counts = dict(Invitation.select(Invitation.position, pw.fn.COUNT(Invitation.id))
                  .group_by(Invitation.position).tuples())
    lines = [messages.render("positions_head", locale, link=f"{base}/hr/positions")]
    for position in Position.select().where(Position.is_open & in_scope()).order_by(Position.id):
        lines.append(messages.render("positions_line", locale, title=position.title, slug=position.slug,
                                     unit=units.path_name(position.unit), questions=position.asked_count,
                                     days=position.deadline_days, invited=counts.get(position.id, 0),
                                     edit=f"{base}/hr/positions/{quote(position.slug)}/edit"))
    notify.to_hr_text(userid, "\n".join(lines), f"{key}:positions")
    return "ok"
