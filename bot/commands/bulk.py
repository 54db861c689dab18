"""/bulk: an upload link for a candidate list, or control of a bulk run (the runs themselves are bot/bulk)."""
from __future__ import annotations

from bot.bulk import runs
from bot.commands.registry import UsageError, command

ACTIONS = ("status", "pause", "resume", "cancel")


def read_args(words: tuple[str, ...]) -> tuple[str, str | int]:
    """Return ('start', position) or (action, run id); raise UsageError when malformed."""
    if len(words) == 1 and words[0].lower() not in ACTIONS:
        return "start", words[0][:64]
    if len(words) == 2 and words[0].lower() in ACTIONS and words[1].isdigit() and len(words[1]) < 10:
        return words[0].lower(), int(words[1])
    raise UsageError()


@command("bulk", aliases=("批量邀请", "批量"), args=read_args,
         usage="/bulk <岗位>（随后上传 Excel/CSV 名单）  例：/bulk 柜员；/bulk status|pause|resume|cancel <编号>",
         summary="按名单批量筛选并邀请候选人")
def bulk(action: str, ref: str | int, *, userid: str, key: str) -> str:
    """Send the upload link for a position, or show, pause, resume or cancel a run."""
    return runs.command(action, ref, userid, key)
