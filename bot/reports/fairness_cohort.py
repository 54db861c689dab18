"""The people a fairness report counts (bot/reports/fairness.py): a position's interviews whose report was made in a
period, each with what the candidate declared and their outcome at the three stages.

This is the one place SelfDeclared is read besides the candidate's own step (bot/privacy/self_declared.py); what it
returns carries no name or id and is reduced to counts per group before it reaches a page or a file.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from bot.store.models import Decision, Hire, Interview, Invitation, Position, Report, RoundDecision, SelfDeclared

OPEN_OFFERS = ("offered", "accepted")  # not yet an outcome of the hire stage


def hire_outcome(round_outcome: str | None, hire_status: str | None) -> bool | None:
    """Hired (True), not hired (False: 不录用, an offer declined or withdrawn), or no outcome yet (None)."""
    if hire_status == "hired":
        return True
    if hire_status in ("declined", "withdrawn") or round_outcome == "no_hire":
        return False
    return None


def records(position: Position, since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
    """One record per interview of the position reported in [since, until) (naive UTC): its declared attributes
    and its stages (None where it was not assessed)."""
    where = (Invitation.position == position) & (Report.created_at >= since) & (Report.created_at < until)
    rows = (Report.select(Interview.id, Interview.invitation, Report.recommendation)
            .join(Interview).join(Invitation).where(where).tuples())
    reported = {interview_id: (recommendation, invitation_id) for interview_id, invitation_id, recommendation in rows}
    if not reported:
        return []
    interviews = Report.select(Report.interview).join(Interview).join(Invitation).where(where)
    invitations = Interview.select(Interview.invitation).where(Interview.id.in_(interviews))
    decided = {d.interview_id: d.outcome for d in Decision.select(Decision.interview, Decision.outcome)
               .where(Decision.interview.in_(interviews))}
    rounds = {r.invitation_id: r.outcome for r in RoundDecision.select(RoundDecision.invitation, RoundDecision.outcome)
              .where(RoundDecision.invitation.in_(invitations))}
    hires = {h.invitation_id: h.status for h in Hire.select(Hire.invitation, Hire.status)
             .where(Hire.invitation.in_(invitations))}
    declared = {s.interview_id: s.attributes for s in SelfDeclared.select(SelfDeclared.interview,
                                                                          SelfDeclared.attributes)
                .where(SelfDeclared.interview.in_(interviews))}
    out = []
    for interview_id, (recommendation, invitation_id) in reported.items():
        decision = decided.get(interview_id)
        out.append({
            "attributes": declared.get(interview_id) or {},
            "recommend": recommendation == "recommend",
            "pass": decision == "pass" if decision in ("pass", "reject") else None,
            "hire": hire_outcome(rounds.get(invitation_id), hires.get(invitation_id)),
        })
    return out
