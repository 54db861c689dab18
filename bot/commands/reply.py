"""/reply: answer a candidate's forwarded message through the bot, on the channel that reaches them.

A candidate's message the bot cannot answer goes to the recruiter with the line to answer it
(bot/channels/conversation.py); the answer goes out under the company's name, and both are in the audit log.
"""
from __future__ import annotations

from bot.commands.lookup import find_candidate
from bot.commands.registry import CommandError, UsageError, command
from bot.invitations.invites import latest_invitation, visible_candidate
from bot.store.models import AuditLog, Candidate
from bot.wecom import notify
from config.settings import get_settings

REPLY_MAX = 1000  # characters: a chat answer, not a letter


def _who_and_text(words: tuple[str, ...]) -> tuple[str, str]:
    """/reply <候选人> <text…>: the text keeps its words (joined by single spaces)."""
    if len(words) < 2 or len(words[0]) > 64:
        raise UsageError()
    text = " ".join(words[1:])
    if len(text) > REPLY_MAX:
        raise UsageError(f"回复太长（最多 {REPLY_MAX} 字），请分几条发送。")
    return words[0], text


@command("reply", aliases=("回复",), args=_who_and_text,
         usage="/reply <候选人> <回复内容>  例：/reply zhangsan 可以用电脑作答",
         summary="回复候选人的留言（发到候选人所在的渠道）")
def reply(who: str, text: str, *, userid: str, key: str) -> str:
    """Send text to the candidate's latest invitation's channel, audit it, and tell the recruiter it went."""
    settings = get_settings()
    candidate = _by_number(who) if who.startswith("#") else find_candidate(who)
    invitation = latest_invitation(candidate) if candidate and candidate.erased_at is None else None
    if invitation is None:
        raise CommandError("hr_reply_unknown", who=who)
    notify.to_candidate(invitation, "candidate_reply", f"{key}:candidate", purpose="candidate",
                        company=settings.company_name, text=text)
    AuditLog.create(actor=userid, action="chat_reply", target_type="invitation", target_id=str(invitation.id),
                    detail={"candidate": candidate.id, "chars": len(text), "route": notify.route(invitation)})
    notify.to_hr(userid, "hr_reply_sent", f"{key}:sent", name=candidate.display_name)
    return "sent"


def _by_number(ref: str) -> Candidate | None:
    """#42: a candidate with no name or WeCom id is named by their number in the forwarded message."""
    number = ref[1:]
    found = Candidate.get_or_none(Candidate.id == int(number)) if number.isdigit() and len(number) < 19 else None
    return found if visible_candidate(found) else None
