"""A position's campaign as one list: every invitee (and every sheet row screening kept out) with where they stand,
counted with the same definitions as the chat's funnel and `/bulk status` (bot/invitations/reach.py), and the
completed ones ranked by their total. What HR's campaign page shows and filters (handlers/hr/campaign.py)."""
from __future__ import annotations

from dataclasses import dataclass, field

from peewee import JOIN

from bot.invitations import reach
from bot.resumes.model import Resume as ParsedResume
from bot.store.models import BulkItem, BulkRun, Candidate, Decision, Interview, Invitation, Position, Report, Resume

# Where a candidate stands, in the order a campaign moves them; the labels HR reads.
STATES = {
    "screened_out": "筛选未通过", "failed": "未送达", "in_flight": "发送中", "delivered": "已送达", "opened": "已打开",
    "started": "面试中", "completed": "已完成", "decided": "已决定", "declined": "已婉拒", "expired": "已过期",
    "cancelled": "已取消",
}


@dataclass
class Row:
    """One invitee: the invitation (None for a row screening kept out), where they stand, their report."""

    state: str
    candidate: Candidate | None
    invitation: Invitation | None = None
    report: Report | None = None
    decision: str = ""
    reason: str = ""  # why screening kept a sheet row out
    run: int | None = None
    resume: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return STATES[self.state]


def state_of(invitation: Invitation, report: Report | None, decision: Decision | None) -> str:
    """Where the invitation stands (the furthest step it reached; a final decision is the last)."""
    if decision is not None and decision.outcome != "hold":
        return "decided"
    if invitation.status == "completed" or report is not None:
        return "completed"
    if invitation.status in ("declined", "cancelled", "expired"):
        return invitation.status
    if invitation.status == "started":
        return "started"
    if invitation.opened_at is not None or invitation.status == "opened":
        return "opened"
    if reach.was_delivered(invitation):
        return "delivered"
    return "in_flight" if invitation.status == "created" else "failed"


def education_of(candidate_id: int, resumes: dict[int, Resume]) -> dict[str, str]:
    """School, degree and major of the candidate's highest degree, from their latest résumé (with HR's corrections
    in the stored parse); empty when they sent none."""
    stored = resumes.get(candidate_id)
    if stored is None or not stored.parsed:
        return {}
    try:
        parsed = ParsedResume.from_dict(stored.parsed)
    except (KeyError, TypeError, ValueError):  # a parse from an older version of the parser
        return {}
    degree = parsed.highest_degree
    entries = [e for e in parsed.education if degree and e.degree and e.degree.value == degree] or parsed.education
    if not entries:
        return {}
    best = entries[-1]
    return {name: getattr(best, name).value for name in ("school", "degree", "major") if getattr(best, name)}


def latest_resumes(candidate_ids: list[int]) -> dict[int, Resume]:
    found: dict[int, Resume] = {}
    for resume in Resume.select().where(Resume.candidate.in_(candidate_ids)).order_by(Resume.created_at, Resume.id):
        found[resume.candidate_id] = resume
    return found


def rows(position: Position, run: int | None = None) -> list[Row]:
    """Every invitee of the position (of one bulk run when given), newest first, then the sheet rows screening kept
    out."""
    query = (Invitation.select(Invitation, Candidate, Interview, Report, Decision).join(Candidate)
             .switch(Invitation).join(Interview, JOIN.LEFT_OUTER, on=(Interview.invitation == Invitation.id),
                                      attr="interview")
             .join(Report, JOIN.LEFT_OUTER, on=(Report.interview == Interview.id), attr="report")
             .switch(Interview).join(Decision, JOIN.LEFT_OUTER, on=(Decision.interview == Interview.id),
                                     attr="decision")
             .where(Invitation.position == position).order_by(Invitation.created_at.desc(), Invitation.id.desc()))
    if run is not None:
        query = query.where(Invitation.bulk_run == run)
    found = []
    for invitation in query:
        interview = getattr(invitation, "interview", None)
        report = getattr(interview, "report", None) if interview and interview.id else None
        decision = getattr(interview, "decision", None) if interview and interview.id else None
        report = report if report is not None and report.id else None
        decision = decision if decision is not None and decision.id else None
        found.append(Row(state_of(invitation, report, decision), invitation.candidate, invitation, report,
                         decision.outcome if decision else "", run=invitation.bulk_run_id))
    kept_out = (BulkItem.select(BulkItem, BulkRun).join(BulkRun)
                .where((BulkRun.position == position) & (BulkItem.status == "screened_out")))
    if run is not None:
        kept_out = kept_out.where(BulkRun.id == run)
    for item in kept_out.order_by(BulkItem.id):
        fields = item.fields or {}
        verdict = item.verdict or {}
        candidate = Candidate(id=None, name=str(fields.get("name") or f"第 {item.row_no} 行"))
        found.append(Row("screened_out", candidate, reason=str(verdict.get("reason") or item.reason or ""),
                         run=item.run_id))
    resumes = latest_resumes([r.candidate.id for r in found if r.candidate and r.candidate.id])
    for row in found:
        if row.candidate is not None and row.candidate.id:
            row.resume = education_of(row.candidate.id, resumes)
    return found


def counts(found: list[Row]) -> dict[str, int]:
    """How many are in each state (every state listed, zero included), and in all."""
    tally = dict.fromkeys(STATES, 0)
    for row in found:
        tally[row.state] += 1
    return {**tally, "all": len(found)}


def ranked(found: list[Row]) -> list[Row]:
    """Every candidate with a report, best total first (all of them, not a top slice)."""
    return sorted((r for r in found if r.report is not None), key=lambda r: (-r.report.total, r.report.id))
