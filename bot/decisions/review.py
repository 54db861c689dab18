"""A candidate's 人工复核 request on the report, and what HR does about it: reopen the decision, answer the candidate.

The request itself is recorded by bot/privacy/rights.py (an audit row per decision). Reopening deletes the final
decision by its id (so a second submit of the same form, or two recruiters at once, reopen once), clears the
release, audits it with the reason, and tells the candidate that their result is being looked at again; the next
decision is an ordinary one whose 复试通知 or 感谢函 goes out under a new key and says the earlier one no longer
stands (results.tell_candidate). An answer goes over the candidate's channel like /reply (bot/commands/reply.py).
"""
from __future__ import annotations

from typing import Any

from bot.clock import local_time
from bot.decisions import final
from bot.decisions.results import REOPEN, card_message, reopened
from bot.links import report_link
from bot.store.db import database, db_session
from bot.store.models import AuditLog, Decision, Invitation, Report, RoundDecision
from bot.wecom import messages, notify
from config.settings import get_settings

REASON_MAX = 500
ANSWER_MAX = 1000  # as /reply: a chat answer, not a letter


class ReviewError(Exception):
    """A reopen or an answer that cannot be done; the message is safe to show HR."""


def state(invitation: Invitation, interview_id: int) -> dict[str, Any] | None:
    """The latest review request with what followed it (reopened by whom, answers sent), or None."""
    asked = (AuditLog.select()
             .where((AuditLog.action == "review_request") & (AuditLog.target_type == "invitation")
                    & (AuditLog.target_id == str(invitation.id)))
             .order_by(AuditLog.id.desc())
             .first())
    if asked is None:
        return None
    later = (AuditLog.select()
             .where((AuditLog.id > asked.id)
                    & (((AuditLog.action == REOPEN) & (AuditLog.target_type == "interview")
                        & (AuditLog.target_id == str(interview_id)))
                       | ((AuditLog.action == "chat_reply") & (AuditLog.target_type == "invitation")
                          & (AuditLog.target_id == str(invitation.id)))))
             .order_by(AuditLog.id))
    reopen = next((row for row in later if row.action == REOPEN), None)
    outcome = (asked.detail or {}).get("decision")
    return {"at": local_time(asked.created_at),
            "outcome": messages.render(f"outcome_{outcome}", get_settings().hr_locale) if outcome else "",
            "reopened_by": reopen.actor if reopen else "",
            "reopened_at": local_time(reopen.created_at) if reopen else "",
            "answers": [{"by": row.actor, "at": local_time(row.created_at)} for row in later
                        if row.action == "chat_reply"]}


def final_decision(invitation: Invitation) -> str:
    """'录用，hr_wang' when the second round has been decided on (录用 / 不录用 / 待定), else ''."""
    after = RoundDecision.get_or_none(RoundDecision.invitation == invitation)
    return f"{final.LABELS.get(after.outcome, after.outcome)}，{after.decided_by}" if after else ""


def reopen(report_id: int, decision_id: int, userid: str, reason: str, request_key: str) -> str:
    """Take back a final decision so it can be made again (reopened, or 'already' when it was reopened or changed)."""
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise ReviewError(f"请写明重新打开的原因（不超过 {REASON_MAX} 字）。")
    settings = get_settings()
    with db_session():
        report = Report.get_by_id(report_id)
        invitation = report.interview.invitation
        if invitation.candidate.erased_at is not None:
            raise ReviewError("该候选人的个人信息已删除，无法重新打开决定。")
        if state(invitation, report.interview_id) is None:  # the candidate is told their review was taken up
            raise ReviewError("候选人没有申请人工复核：决定在复核申请之后才能重新打开。")
        after = final_decision(invitation)
        if after:  # the second round has been decided on: the AI round's decision is history now
            raise ReviewError(f"复试后已作出最终决定（{after}）：AI 面试的决定不能再重新打开。请直接答复候选人。")
        decision = Decision.get_or_none((Decision.id == decision_id) & (Decision.interview == report.interview_id))
        with database.atomic():
            gone = (Decision.delete()
                    .where((Decision.id == decision_id) & (Decision.outcome != "hold"))
                    .execute()) if decision is not None else 0
            if not gone:
                return "already"
            AuditLog.create(actor=userid, action=REOPEN, target_type="interview", target_id=str(report.interview_id),
                            detail={"report": report_id, "decision": decision.outcome, "reason": reason,
                                    "decided_by": decision.decided_by})
            Report.update(released_at=None).where(Report.id == report_id).execute()
        times = reopened(report.interview_id)
        notify.to_candidate(invitation, "review_reopened", f"reopen:{report.interview_id}:{times}",
                            purpose="candidate", position=invitation.position.title)
        card = card_message(report_id)
        outcome = messages.render(f"outcome_{decision.outcome}", settings.hr_locale)
        for user in dict.fromkeys([invitation.invited_by, *(card.recipient.split("|") if card else [])]):
            if user != userid:
                notify.to_hr(user, "hr_decision_reopened", f"{request_key}:told:{user}", who=userid,
                             name=invitation.candidate.display_name, position=invitation.position.title,
                             outcome=outcome, link=report_link(settings, report_id))
    return "reopened"


def answer(report_id: int, userid: str, text: str, request_key: str) -> str:
    """Send HR's answer to the report's candidate over their channel, audited as /reply is."""
    text = text.strip()
    if not text or len(text) > ANSWER_MAX:
        raise ReviewError(f"回复不能为空，且不超过 {ANSWER_MAX} 字。")
    settings = get_settings()
    with db_session():
        invitation = Report.get_by_id(report_id).interview.invitation
        if invitation.candidate.erased_at is not None:
            raise ReviewError("该候选人的个人信息已删除，无法再联系。")
        notify.to_candidate(invitation, "candidate_reply", f"{request_key}:candidate", purpose="candidate",
                            company=settings.company_name, text=text)
        AuditLog.create(actor=userid, action="chat_reply", target_type="invitation", target_id=str(invitation.id),
                        detail={"candidate": invitation.candidate_id, "chars": len(text), "report": report_id,
                                "route": notify.route(invitation)})
    return "answered"
