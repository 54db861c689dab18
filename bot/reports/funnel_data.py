"""The invitations a funnel counts (bot/reports/funnel.py): those created in a period for the positions a member may
see, each with its unit, position, channel and source and the time it reached each stage.

When a stage is reached:

| stage | reached | at |
|---|---|---|
| invited | the invitation reached its candidate (bot/invitations/reach.py) | sent, else created |
| opened | the link was opened, or the interview began | opened, else the interview's start |
| started | the candidate consented and began | the interview's start |
| completed | the interview was completed | its completion |
| recommended | the AI recommended (推荐) | the report |
| passed | HR passed the AI round | the decision |
| second_round | a second-round appointment took place (not cancelled, its time past), or a scorecard | the earlier |
| offered | an offer was made (any Hire row) | the offer |
| hired | hired | the first working day (00:00 Beijing) |

The source: 批量表格 (a bulk sheet's row), 开放接口 (invited through the open API), 简历投递 (HR dropped the
candidate's résumé on the position), else 邀请 (a recruiter's /invite, the talent pool).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import peewee as pw

from bot.clock import CN_TZ, utcnow
from bot.invitations import reach
from bot.store.models import (
    Appointment,
    AuditLog,
    Decision,
    Hire,
    Interview,
    Invitation,
    OrgUnit,
    Position,
    Report,
    Resume,
    Scorecard,
)

CHANNELS = {"member": "企业微信", "kf": "微信客服", "external": "微信", "sms": "短信", "email": "邮件"}
SOURCES = {"bulk": "批量表格", "api": "开放接口", "resume": "简历投递", "invite": "邀请"}
NO_UNIT = "（未分配机构）"


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CN_TZ).astimezone(dt.UTC).replace(tzinfo=None)


def _earliest(*times: dt.datetime | None) -> dt.datetime | None:
    present = [t for t in times if t is not None]
    return min(present) if present else None


def records(scope: pw.Expression, since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
    """One record per invitation created in [since, until) (naive UTC) for a position the scope clause admits."""
    positions = {p.id: p for p in Position.select(Position.id, Position.title, Position.unit).where(scope)}
    chosen = Invitation.select(Invitation.id).where(
        Invitation.position.in_(list(positions)) & (Invitation.created_at >= since) & (Invitation.created_at < until))
    rows = list(Invitation.select().where(Invitation.id.in_(chosen)).order_by(Invitation.id))
    if not rows:
        return []
    units = {u.id: u.name for u in OrgUnit.select(OrgUnit.id, OrgUnit.name)}
    delivered = {i.id for i in Invitation.select(Invitation.id).where(Invitation.id.in_(chosen) & reach.delivered())}
    interviews = {i.invitation_id: i for i in Interview.select(Interview.id, Interview.invitation, Interview.started_at,
                                                                 Interview.consent_at, Interview.completed_at,
                                                                 Interview.status)
                  .where(Interview.invitation.in_(chosen))}
    of_interview = {i.id: invitation_id for invitation_id, i in interviews.items()}
    asked = Interview.select(Interview.id).where(Interview.invitation.in_(chosen))
    recommended = {of_interview[r.interview_id]: r.created_at
                   for r in Report.select(Report.interview, Report.created_at)
                   .where(Report.interview.in_(asked) & (Report.recommendation == "recommend"))}
    passed = {of_interview[d.interview_id]: d.decided_at
              for d in Decision.select(Decision.interview, Decision.decided_at)
              .where(Decision.interview.in_(asked) & (Decision.outcome == "pass"))}
    met = {a.invitation_id: a.starts_at for a in Appointment.select(Appointment.invitation, Appointment.starts_at)
           .where(Appointment.invitation.in_(chosen) & (Appointment.kind == "second_round")
                  & (Appointment.status != "cancelled") & (Appointment.starts_at <= utcnow()))}
    scored = {s.invitation_id: s.first for s in Scorecard.select(Scorecard.invitation,
                                                                 pw.fn.MIN(Scorecard.submitted_at).alias("first"))
              .where(Scorecard.invitation.in_(chosen)).group_by(Scorecard.invitation)}
    hires = {h.invitation_id: h for h in Hire.select(Hire.invitation, Hire.status, Hire.offered_at, Hire.hired_on,
                                                     Hire.updated_at).where(Hire.invitation.in_(chosen))}
    by_api = {a.target_id for a in AuditLog.select(AuditLog.target_id).where(
        AuditLog.action.startswith("api:") & (AuditLog.target_type == "invitation")
        & (AuditLog.created_at >= since))}
    candidates = Invitation.select(Invitation.candidate).where(Invitation.id.in_(chosen))
    dropped = {r.candidate_id for r in Resume.select(Resume.candidate).where(
        (Resume.source == "hr") & Resume.candidate.in_(candidates))}
    out = []
    for inv in rows:
        interview, hire = interviews.get(inv.id), hires.get(inv.id)
        started = interview and interview.consent_at and (interview.started_at or interview.consent_at)
        source = ("bulk" if inv.bulk_run_id else "api" if str(inv.id) in by_api
                  else "resume" if inv.candidate_id in dropped else "invite")
        times = {
            "invited": (inv.sent_at or inv.created_at) if inv.id in delivered else None,
            "opened": inv.opened_at or started or None,
            "started": started or None,
            "completed": interview.completed_at if interview and interview.status == "completed" else None,
            "recommended": recommended.get(inv.id),
            "passed": passed.get(inv.id),
            "second_round": _earliest(met.get(inv.id), scored.get(inv.id)),
            "offered": hire.offered_at if hire else None,
            "hired": (_day_start(hire.hired_on) if hire.hired_on else hire.updated_at)
            if hire and hire.status == "hired" else None,
        }
        position = positions[inv.position_id]
        out.append({"position": position.title, "unit": units.get(position.unit_id, NO_UNIT),
                    "channel": CHANNELS.get(inv.channel, inv.channel), "source": SOURCES[source], "times": times})
    return out
