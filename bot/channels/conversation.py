"""What candidates write to us (as members or through 微信客服), and HR's /reschedule: rescheduling and review.

A candidate's free text is read for four things: deleting their data (删除我的数据, then 确认删除:
bot/privacy/rights.py), leaving the talent pool (退出人才库), a request for a human review of the result
(人工复核, PIPL Art. 24), and a new time ("改期至下周一下午2点", "明天上午十点可以吗"),
parsed by bot/decisions/timeparse. A clear time moves the second-round appointment (or extends the AI interview's
deadline) and is confirmed back; an unclear or past one gets a clarifying question; HR is told of every change.
"""
from __future__ import annotations

import datetime as dt
import logging

from bot.clock import CN_TZ
from bot.commands.intents import CONFIRM_ERASURE, ERASURE, LEAVE_POOL, REVIEW
from bot.commands.registry import HINT, match_intent
from bot.decisions import timeparse
from bot.decisions.reschedule import reschedule
from bot.invitations.invites import latest_invitation
from bot.links import invitation_link, report_link
from bot.privacy import rights
from bot.store.db import db_session
from bot.store.models import AuditLog, Candidate, Decision, Invitation, OutboundMessage, Report
from bot.talent import pool as talent
from bot.wecom import messages, notify
from config.settings import get_settings

log = logging.getLogger(__name__)

def find_candidate(channel: str, user: str) -> Candidate | None:
    """The candidate behind a member userid or a WeChat external_userid."""
    field = Candidate.wecom_userid if channel == "member" else Candidate.external_userid
    return Candidate.get_or_none(field == user)


def candidate_text(channel: str, user: str, text: str, request_key: str) -> str:
    """Answer a candidate's message: review request, rescheduling, or a short hint."""
    with db_session():
        candidate = find_candidate(channel, user)
        invitation = latest_invitation(candidate) if candidate else None
        if invitation is None:
            log.info("text from %s %s who has no invitation", channel, user)
            if channel == "member":
                notify.to_hr_text(user, HINT, f"{request_key}:hint")
            return "unknown"
        intent = match_intent(text)  # the keywords, in their order: bot/commands/intents.py
        if intent is CONFIRM_ERASURE:
            return rights.confirm(invitation, request_key)
        if intent is ERASURE:
            return rights.ask(invitation, request_key)
        if intent is LEAVE_POOL:
            talent.withdraw(candidate.id, actor=f"candidate:{candidate.id}")
            _reply(invitation, "pool_withdrawn", request_key, company=get_settings().company_name)
            return "withdrawn"
        if intent is REVIEW:
            return request_review(invitation, request_key)

        # "改期至下周一下午2点" — or just a time ("明天下午两点到四点") from someone with something to schedule
        when = timeparse.parse_when(text, dt.datetime.now(CN_TZ))
        if when.status != "none" or timeparse.wants_reschedule(text):
            return reschedule(invitation, text, actor=user, request_key=request_key, when=when)
        _reply(invitation, "candidate_hint", request_key)
        return "hint"


def _reply(invitation: Invitation, template: str, request_key: str, **values) -> None:
    notify.to_candidate(invitation, template, f"{request_key}:reply", purpose="candidate", **values)


def request_review(invitation: Invitation, request_key: str | None) -> str:
    """Record a request for a human review and put it in front of the recruiter (once per decision: a repeat is
    answered again but neither audited nor sent to HR twice). Without a request_key (the H5 page) the candidate's
    confirmation goes once per decision too."""
    settings = get_settings()
    interview = invitation.interviews.first()
    report = Report.get_or_none(Report.interview == interview) if interview else None
    decision = Decision.get_or_none(Decision.interview == interview) if interview else None
    stamp = decision.decided_at.isoformat() if decision else "none"
    key = f"review:{invitation.id}:{stamp}"
    repeat = OutboundMessage.select().where(OutboundMessage.idempotency_key == key).exists()
    if not repeat:
        AuditLog.create(actor=f"candidate:{invitation.candidate_id}", action="review_request",
                        target_type="invitation", target_id=str(invitation.id),
                        detail={"decision": decision.outcome if decision else None})
        outcome = messages.render(f"outcome_{decision.outcome}", settings.hr_locale) if decision else "-"
        link = report_link(settings, report.id) if report else invitation_link(settings, invitation)
        notify.to_hr(invitation.invited_by, "hr_review_requested", key, invitation=invitation,
                     name=invitation.candidate.display_name, position=invitation.position.title, outcome=outcome,
                     link=link)
    _reply(invitation, "review_received", request_key or key)
    return "review_repeat" if repeat else "review"
