"""/reschedule: HR moves a candidate's second round to a time written in plain Chinese."""
from __future__ import annotations

from bot.commands.registry import ARG_MAX, UsageError, command
from bot.decisions.reschedule import hr_reschedule


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
    """Move the candidate's second round; the recruiter and the candidate are told."""
    return hr_reschedule(who, when, userid, key)
