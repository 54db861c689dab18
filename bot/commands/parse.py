"""The chat command parser: slash commands and their Chinese aliases."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.invitations.invites import WECHAT

USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


@dataclass(frozen=True)
class CommandSpec:
    name: str
    aliases: tuple[str, ...]
    usage: str
    summary: str
    recruiter_only: bool


COMMANDS = {
    spec.name: spec
    for spec in (
        CommandSpec("invite", ("/invite", "邀请"),
                    "/invite <岗位> <候选人ID 或 wx:姓名…>  例：/invite 柜员 zhangsan wx:王五",
                    "向一位或多位候选人发送 AI 面试邀请", True),
        CommandSpec("bulk", ("/bulk", "批量邀请", "批量"),
                    "/bulk <岗位>（随后上传 Excel/CSV 名单）  例：/bulk 柜员；/bulk status|pause|resume|cancel <编号>",
                    "按名单批量筛选并邀请候选人", True),
        CommandSpec("reschedule", ("/reschedule", "改期"),
                    "/reschedule <候选人ID> <时间>  例：/reschedule zhangsan 下周一下午2点",
                    "修改候选人的复试时间，并通知候选人", True),
        CommandSpec("status", ("/status", "进度", "漏斗"), "/status [岗位]  例：/status 柜员",
                    "招聘漏斗：邀请、打开、开始、完成、评分、决定", True),
        CommandSpec("report", ("/report", "报告"), "/report <候选人>  例：/report zhangsan",
                    "再次发送候选人的报告卡片", True),
        CommandSpec("compare", ("/compare", "对比"), "/compare <候选人…>（2–5 人）  例：/compare zhangsan lisi",
                    "并排对比几位候选人的得分", True),
        CommandSpec("remind", ("/remind", "提醒"), "/remind <岗位>  例：/remind 柜员",
                    "提醒还没开始面试的候选人", True),
        CommandSpec("cancel", ("/cancel", "取消邀请"), "/cancel <候选人> [岗位]  例：/cancel zhangsan 柜员",
                    "取消尚未完成的面试邀请", True),
        CommandSpec("positions", ("/positions", "岗位"), "/positions", "查看开放的岗位", True),
        CommandSpec("help", ("/help", "帮助", "/?"), "/help", "查看可用命令", False),
    )
}
_ALIASES = {alias.lower(): spec for spec in COMMANDS.values() for alias in spec.aliases}


@dataclass(frozen=True)
class Command:
    spec: CommandSpec
    args: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.spec.name


class UsageError(ValueError):
    """A command was recognised but used wrongly; the message is the usage line to show."""


def parse(text: str) -> Command | None:
    """Return the command in text, None when text is not a command; raise UsageError when malformed."""
    words = text.replace("\u3000", " ").split()
    if not words:
        return None
    head = words[0].lower()
    spec = _ALIASES.get(head)
    if spec is None:
        if head.startswith("/"):
            raise UsageError(f"没有这个命令：{words[0][:32]}。发送 /help 查看可用命令。")
        return None
    return Command(spec, tuple(words[1:]))


def invite_args(command: Command) -> tuple[str, list[str]]:
    """Split /invite arguments into (position, candidate userids); raise UsageError when malformed."""
    if len(command.args) < 2:
        raise UsageError(f"用法：{command.spec.usage}")
    position, *candidates = command.args
    bad = [c for c in candidates if not (USERID.fullmatch(c) or WECHAT.fullmatch(c))]
    if bad:
        raise UsageError(f"候选人 ID 只能包含字母、数字和 _.@-（不是企业成员的候选人写作 wx:姓名）："
                         f"{'、'.join(b[:32] for b in bad[:5])}")
    if len(candidates) > 100:
        raise UsageError("一次最多邀请 100 人；更多请用批量邀请。")
    return position, list(dict.fromkeys(candidates))


BULK_ACTIONS = ("status", "pause", "resume", "cancel")


def bulk_args(command: Command) -> tuple[str, str | int]:
    """('start', position) or (action, run id); raise UsageError when malformed."""
    args = command.args
    if len(args) == 1 and args[0].lower() not in BULK_ACTIONS:
        return "start", args[0][:64]
    if len(args) == 2 and args[0].lower() in BULK_ACTIONS and args[1].isdigit() and len(args[1]) < 10:
        return args[0].lower(), int(args[1])
    raise UsageError(f"用法：{command.spec.usage}")


ARITY = {"status": (0, 1), "report": (1, 1), "compare": (2, 5), "remind": (1, 1), "cancel": (1, 2),
         "positions": (0, 0)}


def recruiter_args(command: Command) -> tuple[str, ...]:
    """Check the argument count of the query commands; raise UsageError with the usage line."""
    low, high = ARITY[command.name]
    if not low <= len(command.args) <= high or any(len(a) > 64 for a in command.args):
        raise UsageError(f"用法：{command.spec.usage}")
    return tuple(dict.fromkeys(command.args)) if command.name == "compare" else command.args


def reschedule_args(command: Command) -> tuple[str, str]:
    """Split /reschedule arguments into (candidate, time phrase); raise UsageError when malformed."""
    if len(command.args) < 2:
        raise UsageError(f"用法：{command.spec.usage}")
    who, *rest = command.args
    if len(who) > 64:
        raise UsageError(f"用法：{command.spec.usage}")
    return who, " ".join(rest)[:200]


def help_text(is_recruiter: bool) -> str:
    """Return the /help reply for a recruiter or for anyone else."""
    lines = ["面试助手可用命令："]
    for spec in COMMANDS.values():
        if spec.recruiter_only and not is_recruiter:
            continue
        lines.append(f"• {spec.usage}\n  {spec.summary}")
    if not is_recruiter:
        lines.append("招聘命令仅对招聘人员开放。候选人请点击收到的面试邀请卡片开始面试。")
    return "\n".join(lines)


HINT = "我是面试助手。发送 /help 查看可用命令。"
REFUSAL = "抱歉，这个命令仅限招聘人员使用。如需帮助，请联系贵司 HR。"
