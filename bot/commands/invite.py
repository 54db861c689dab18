"""/invite: send AI-interview invitations to members (a card) or WeChat users (wx:姓名, links for HR to pass on)."""
from __future__ import annotations

import re

from bot.commands.registry import UsageError, command
from bot.invitations import invites

USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
MAX_CANDIDATES = 100  # more is a bulk run


def read_args(words: tuple[str, ...]) -> tuple[str, list[str]]:
    """Split the words into (position, candidate userids without repeats); raise UsageError when malformed."""
    if len(words) < 2:
        raise UsageError()
    position, *candidates = words
    bad = [c for c in candidates if not (USERID.fullmatch(c) or invites.WECHAT.fullmatch(c))]
    if bad:
        raise UsageError(f"候选人 ID 只能包含字母、数字和 _.@-（不是企业成员的候选人写作 wx:姓名）："
                         f"{'、'.join(b[:32] for b in bad[:5])}")
    if len(candidates) > MAX_CANDIDATES:
        raise UsageError(f"一次最多邀请 {MAX_CANDIDATES} 人；更多请用批量邀请。")
    return position, list(dict.fromkeys(candidates))


@command("invite", aliases=("邀请",), args=read_args,
         usage="/invite <岗位> <候选人ID 或 wx:姓名…>  例：/invite 柜员 zhangsan wx:王五",
         summary="向一位或多位候选人发送 AI 面试邀请")
def invite(position: str, candidates: list[str], *, userid: str, key: str) -> str:
    """Invite the candidates to the position; each outcome is reported to the recruiter by bot/invitations."""
    outcome = invites.invite(position, candidates, userid, key)
    return ", ".join(f"{k}={len(v)}" for k, v in outcome.items()) or "none"
