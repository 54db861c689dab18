"""How the open API shows positions, candidates, invitations, interviews and decisions, by the caller's role."""
from __future__ import annotations

from typing import Any

import peewee as pw

from bot.bulk import id_numbers
from bot.integrations.webhooks import REPORT_PATH, iso  # the same times and report URLs in answers and webhooks
from bot.links import invitation_link
from bot.org import team
from bot.privacy import scrub as privacy_scrub
from bot.privacy.roles import VIEWER, candidate_view, sees_personal_data
from bot.store.models import Answer, Candidate, Decision, Interview, Invitation, Position, Report
from config.settings import Settings
from handlers.api.core import access


def position_out(position: Position) -> dict[str, Any]:
    """A position with its questions, state, unit and team."""
    return {"slug": position.slug, "title": position.title, "department": position.department,
            "description": position.description, "is_open": position.is_open,
            "think_seconds": position.think_seconds, "answer_seconds": position.answer_seconds,
            "max_retakes": position.max_retakes, "answer_modes": position.answer_modes,
            "face_analysis": position.face_analysis, "deadline_days": position.deadline_days,
            "questions": position.questions, "updated_at": iso(position.updated_at), "status": position.status,
            "unit": position.unit.code if position.unit_id else "",
            "team": team.as_document(team.team_of(position))}


def candidate_out(candidate: Candidate, role: str) -> dict[str, Any]:
    """A candidate as role may see them (bot.privacy.roles decides the masking)."""
    out = candidate_view(candidate, role)
    if sees_personal_data(role):
        out["external_userid"] = candidate.external_userid or ""
    return {**out, "source": candidate.source, "locale": candidate.locale, "created_at": iso(candidate.created_at)}


def invitation_out(settings: Settings, invitation: Invitation, role: str) -> dict[str, Any]:
    """An invitation; its link (the candidate's identity on the interview page) only for a role that sees
    personal data."""
    interview = Interview.select(Interview.id).where(Interview.invitation == invitation.id).first()
    out = {"id": invitation.id, "candidate_id": invitation.candidate_id,
           "position": {"slug": invitation.position.slug, "title": invitation.position.title},
           "status": invitation.status, "channel": invitation.channel, "invited_by": invitation.invited_by,
           "expires_at": iso(invitation.expires_at), "created_at": iso(invitation.created_at),
           "sent_at": iso(invitation.sent_at), "opened_at": iso(invitation.opened_at),
           "interview_id": interview.id if interview else None}
    if sees_personal_data(role):
        out["link"] = invitation_link(settings, invitation)
    return out


def decision_state(decision: Decision) -> dict[str, Any]:
    """A stored decision."""
    return {"outcome": decision.outcome, "decided_by": decision.decided_by, "decided_at": iso(decision.decided_at),
            "held_by": decision.held_by, "held_at": iso(decision.held_at)}


def interviews_query() -> pw.ModelSelect:
    """Interviews with their invitation, position and candidate, in one query; only those the token may see."""
    return (Interview.select(Interview, Invitation, Position, Candidate)
            .join(Invitation)
            .join(Position)
            .switch(Invitation)
            .join(Candidate)
            .where(access().clause()))


def interviews_out(settings: Settings, interviews: list[Interview], role: str) -> list[dict[str, Any]]:
    """Interviews (from interviews_query) with their report summary and decision: three queries for any number."""
    ids = [i.id for i in interviews]
    reports = {r.interview_id: r for r in Report.select(Report.id, Report.interview, Report.total,
                                                         Report.recommendation, Report.created_at)
               .where(Report.interview.in_(ids))}
    decisions = {d.interview_id: d for d in Decision.select().where(Decision.interview.in_(ids))}
    answered = dict(Answer.select(Answer.interview, pw.fn.COUNT(Answer.id))
                    .where(Answer.interview.in_(ids))
                    .group_by(Answer.interview)
                    .tuples())
    out = []
    for interview in interviews:
        invitation = interview.invitation
        report, decision = reports.get(interview.id), decisions.get(interview.id)
        out.append({
            "id": interview.id, "status": interview.status, "invitation_id": invitation.id,
            "candidate": candidate_out(invitation.candidate, role),
            "position": {"slug": invitation.position.slug, "title": invitation.position.title},
            "started_at": iso(interview.started_at), "completed_at": iso(interview.completed_at),
            "questions": len(interview.questions), "answered": answered.get(interview.id, 0),
            "report": None if report is None else {
                "total": report.total, "recommendation": report.recommendation, "created_at": iso(report.created_at),
                "url": settings.public_base_url + REPORT_PATH.format(interview.id)},
            "decision": None if decision is None else decision_state(decision),
        })
    return out


def scrub(value: Any, candidate: Candidate) -> Any:
    """The report as a masked token reads it: what the candidate said scrubbed by bot/privacy/scrub, exactly as an
    interviewer reads it on the HR pages (their name, contacts and ID numbers, and any others they wrote)."""
    sheets = [id_numbers.id_number_of(i.id) for i in Invitation.select(Invitation.id)
              .where(Invitation.candidate == candidate.id)]
    return privacy_scrub.for_role(value, VIEWER, candidate, sheets)
