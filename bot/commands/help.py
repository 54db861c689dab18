"""/help: the commands this person may run, each with an example; answered at once, without a job."""
from __future__ import annotations

from bot.commands.registry import ANYONE, command, help_text, standing_now
from config.settings import get_settings


@command("help", aliases=("帮助", "/?"), who=ANYONE, inline=True, usage="/help", summary="查看可用命令")
def help_command(*_: str, userid: str, key: str) -> str:
    """Return the /help reply for userid (extra words are ignored)."""
    return help_text(standing_now(get_settings(), userid))
