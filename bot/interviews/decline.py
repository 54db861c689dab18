"""暂不参加 from the interview page: confirmed on the page, with an optional reason, and a way back.

The invitation closes (the link then says so), the recruiter is told with the reason when one was given, and the
decline is audited with it. Only an invitation not yet started can be declined here: once the interview began,
leaving is 撤回申请 in chat (bot/channels). Coming back is a message in the candidate's channel, which reaches
the recruiter (forward in bot/channels/conversation.py), who can invite again.
"""
from __future__ import annotations

from typing import Any

from bot.interviews import channel
from bot.store.db import write_transaction
from bot.store.models import AuditLog, Invitation
from bot.wecom import notify

DECLINABLE = ("created", "sent", "failed", "opened")
REASON_MAX = 200
REASONS = ("time", "other_offer", "not_interested", "other")  # the page's choices; a free text may follow


class DeclineError(ValueError):
    """A decline the page must not take: code and a message safe to show the candidate."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def clean_reason(choice: Any, text: Any) -> str:
    """The reason as the recruiter reads it: the choice's words, then the candidate's own (both optional)."""
    words = {"time": "时间不合适", "other_offer": "已有其他机会", "not_interested": "对岗位不感兴趣", "other": ""}
    parts = [words.get(choice, "") if isinstance(choice, str) else "",
             " ".join(text.split())[:REASON_MAX] if isinstance(text, str) else ""]
    return "；".join(p for p in parts if p)


def decline(invitation: Invitation, reason: str) -> dict[str, Any]:
    """Close the invitation as declined (once), tell the recruiter; return what the page shows next."""
    with write_transaction():
        changed = (Invitation.update(status="declined")
                   .where((Invitation.id == invitation.id) & Invitation.status.in_(DECLINABLE)).execute())
        if not changed:
            current = Invitation.get_by_id(invitation.id).status
            if current != "declined":
                raise DeclineError("not_declinable", "面试已经开始，不能再选择暂不参加。如需退出，请联系招聘人员。")
            return _answer(invitation, repeat=True)
        AuditLog.create(actor=f"candidate:{invitation.candidate_id}", action="decline", target_type="invitation",
                        target_id=str(invitation.id), detail={"via": "page", "reason": reason})
    notify.to_hr(invitation.invited_by, "hr_declined_page", f"decline:{invitation.id}:page:recruiter",
                 invitation=invitation, name=invitation.candidate.display_name,
                 position=invitation.position.title, reason=reason)
    return _answer(invitation, repeat=False)


def _answer(invitation: Invitation, repeat: bool) -> dict[str, Any]:
    return {"status": "declined", "repeat": repeat, "channel": channel.describe(invitation)}
