"""/reschedule: HR moves a candidate's second round to a time written in plain Chinese."""
from __future__ import annotations

from bot.commands.registry import ARG_MAX, UsageError, command
from bot.queues import COMMANDS, enqueue


def read_args(words: tuple[str, ...]) -> tuple[str, str]:
    """Split the words into (candidate, time phrase); raise UsageError when malformed."""
    if len(words) < 2 or len(words[0]) > ARG_MAX:
        raise UsageError()
    who, *rest = words
    return who, " ".join(rest)[:200]


@command("reschedule", aliases=("改期",), args=read_args,
         usage="/reschedule <候选人ID> <时间>  例：/reschedule zhangsan 下周一下午2点",
         summary="修改候选人的复试时间，并通知候选人")
def reschedule(who: str, when: str, *, userid: str, key: str) -> str:
    """Queue the move of the candidate's second round; its job answers the recruiter."""
    # Rescheduling lives in bot/channels, which reads candidates' keywords from this package: a direct import
    # would make the two features import each other, so its job is queued by name (docs/architecture.md).
    enqueue(COMMANDS, "jobs.chat.hr_reschedule", who, when, userid, key, key=f"hr-reschedule:{key}")
    return "queued"
