"""The final decision after the second round — 录用 / 不录用 / 待定 — with the AI round's exactly-once rule.

One RoundDecision row per invitation: a 'hold' row may turn into hire or no_hire once, by a conditional UPDATE, so two
recruiters deciding at the same moment decide once; the other is answered "already" and told who decided. Only the
click that decided does anything further: 录用 opens the Hire (status offered) and sends the 录用通知 over the
candidate's channels (delivery kind "offer": never SMS); 不录用 sends a courteous 感谢函 (kind "thanks"). Both under
keys fixed by the invitation, so a retry sends nothing twice. Recruiters only; audited.
"""
from __future__ import annotations

from bot.decisions import hires, once, results, scorecards
from bot.org.access import access_of
from bot.privacy.roles import can
from bot.store.db import db_session
from bot.store.models import AuditLog, Invitation, RoundDecision
from bot.wecom import messages, notify
from config.settings import get_settings

OUTCOMES = ("hire", "no_hire", "hold")
LABELS = {"hire": "录用", "no_hire": "不录用", "hold": "待定"}


def decide(invitation_id: int, outcome: str, userid: str, request_key: str) -> tuple[str, RoundDecision | None]:
    """Take one final decision; return what happened (decided, held, already, refused, erased, not_passed, missing,
    unknown) and the decision as it stands."""
    settings = get_settings()
    if outcome not in OUTCOMES:
        return "unknown", None
    with db_session():
        invitation = Invitation.get_or_none(Invitation.id == invitation_id)
        if invitation is None:
            return "missing", None
        if not can(access_of(settings, userid).role_for(invitation.position), "decide"):
            return "refused", None
        if invitation.candidate.erased_at is not None:
            return "erased", None
        if not scorecards.passed(invitation):
            return "not_passed", None
        result = (once.hold(RoundDecision, "invitation", invitation.id, userid) if outcome == "hold"
                  else once.final(RoundDecision, "invitation", invitation.id, outcome, userid))
        decision = RoundDecision.get(RoundDecision.invitation == invitation.id)
        if result in ("decided", "held"):
            AuditLog.create(actor=userid, action=f"final:{outcome}", target_type="invitation",
                            target_id=str(invitation.id), detail={"decision": decision.id})
            _tell_recruiters(invitation, decision, userid, request_key)
        if result == "decided" and outcome == "hire":
            hires.open_offer(invitation, userid)
        elif result == "decided":
            thank(invitation)
    return result, decision


def _tell_recruiters(invitation: Invitation, decision: RoundDecision, userid: str, request_key: str) -> None:
    """The position's other recruiters learn in chat who decided what (a later attempt of theirs says 'already')."""
    settings = get_settings()
    for user in results.reviewers(settings, invitation):
        if user != userid:
            notify.to_hr(user, "hr_round_decided", f"final:{invitation.id}:{decision.outcome}:{user}", who=userid,
                         outcome=LABELS[decision.outcome], name=invitation.candidate.display_name,
                         position=invitation.position.title)


def thank(invitation: Invitation) -> None:
    """Queue the second round's 感谢函 (once per invitation)."""
    settings = get_settings()
    candidate = invitation.candidate
    text = messages.render("round_thanks", candidate.locale, name=candidate.greeting_name,
                           company=settings.company_name, position=invitation.position.title,
                           days=settings.pool_retention_days, pool=candidate.withdrawn_at is None)
    notify.send_to_candidate(invitation, text, f"round_thanks:{invitation.id}", purpose="result",
                             template="round_thanks")
