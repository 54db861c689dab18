"""/bulk: an upload link for a candidate list, or control of a bulk run (the runs themselves are bot/bulk)."""
from __future__ import annotations

from bot.bulk import runs
from bot.commands.registry import UsageError, command

ACTIONS = ("status", "pause", "resume", "cancel")
INVITE = ("invite", "仍然邀请")
ALL = ("all", "全部")


def _number(word: str) -> bool:
    return word.isdigit() and len(word) < 10


def read_args(words: tuple[str, ...]) -> tuple[str, str | int]:
    """Return ('start', position), (action, run id) or ('invite', "<run>:<row|all>"); raise UsageError when
    malformed."""
    if len(words) == 1 and words[0].lower() not in ACTIONS + INVITE:
        return "start", words[0][:64]
    if len(words) == 2 and words[0].lower() in ACTIONS and _number(words[1]):
        return words[0].lower(), int(words[1])
    if len(words) == 3 and words[0].lower() in INVITE and _number(words[1]) and (
            _number(words[2]) or words[2].lower() in ALL):
        row = "all" if words[2].lower() in ALL else str(int(words[2]))
        return "invite", f"{int(words[1])}:{row}"
    raise UsageError()


@command("bulk", aliases=("批量邀请", "批量"), args=read_args,
         usage="/bulk <岗位>（再上传名单）  例：/bulk 柜员；/bulk status|pause|resume|cancel <编号>；"
               "/bulk invite <编号> <行号|all>",
         summary="按名单批量筛选并邀请（invite：邀请未通过筛选的行）")
def bulk(action: str, ref: str | int, *, userid: str, key: str) -> str:
    """Send the upload link for a position, show, pause, resume or cancel a run, or invite screened-out rows."""
    return runs.command(action, ref, userid, key)
