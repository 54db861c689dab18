"""/status: the hiring funnel per open position (invited → opened → started → completed → scored → decided)."""
from __future__ import annotations

from bot.commands.lookup import funnel, position_named
from bot.commands.registry import READER, command
from bot.org.access import in_scope
from bot.store.models import Position
from bot.wecom import messages, notify
from config.settings import get_settings


@command("status", aliases=("进度", "漏斗"), args=(0, 1), who=READER, usage="/status [岗位]  例：/status 柜员",
         summary="招聘漏斗：从邀请到决定的人数")
def status(position: str | None = None, *, userid: str, key: str) -> str:
    """Send the funnel of one position, or of every open one."""
    locale = get_settings().hr_locale
    if position is not None:
        positions = [position_named(position)]
    else:
        positions = list(Position.select().where(Position.is_open & in_scope()).order_by(Position.id))
    lines = [messages.render("status_head", locale)]
    for found in positions:
        lines.append(messages.render("status_line", locale, position=found.title, **funnel(found)))
    notify.to_hr_text(userid, "\n".join(lines), f"{key}:status")
    return "ok"
