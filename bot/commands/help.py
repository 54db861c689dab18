"""/help: the commands this person may run, each with an example; for HR, the HR pages they may open and the user
guide (/hr/guide), and a word that they may also just ask. Answered at once, without a job."""
from __future__ import annotations

from bot.commands.registry import ANYONE, READER, RECRUITER, command, help_text, standing_now
from bot.wecom import messages
from config.settings import Settings, get_settings


@command("help", aliases=("帮助", "/?"), who=ANYONE, inline=True, usage="/help", summary="查看可用命令")
def help_command(*_: str, userid: str, key: str) -> str:
    """Return the /help reply for userid (extra words are ignored)."""
    settings = get_settings()
    standing = standing_now(settings, userid)
    return "\n".join([help_text(standing), *links(settings, standing)])


def links(settings: Settings, standing: str | None) -> list[str]:
    """The HR pages' lines for a member of that standing: 岗位设置 for recruiters only (interviewers get a 403
    there); nothing for a candidate or anyone else."""
    if standing not in (RECRUITER, READER):
        return []
    locale, base = settings.hr_locale, settings.public_base_url
    lines = [messages.render("help_links_head", locale), messages.render("help_link_home", locale, link=f"{base}/hr/")]
    if standing == RECRUITER:
        lines.append(messages.render("help_link_positions", locale, link=f"{base}/hr/positions"))
    lines += [messages.render("help_link_pool", locale, link=f"{base}/hr/pool"),
              messages.render("help_link_guide", locale, link=f"{base}/hr/guide"),
              messages.render("help_free_questions", locale)]
    return lines
