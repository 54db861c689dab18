"""Second-round scorecards: each interviewer rates a candidate who passed the AI round, 1 to 5 per competency of the
position (the report's dimensions when the position names none), with notes, their own lean (hire / no_hire / hold)
and whether the notes may go to the hiring manager with the hire (bot/decisions/onboarding.py).

Several interviewers per candidate, one card each (unique per invitation and interviewer): the slot's interviewer,
the position's team and HR. A card is its author's: they may change it until the final decision
(bot/decisions/final.py) is taken, never after. Bad input is refused whole, with a Chinese message per field;
every submission and change is audited.
"""
from __future__ import annotations

from typing import Any

import peewee as pw

from bot.clock import utcnow
from bot.errors import UserError
from bot.org.access import access_of
from bot.store.db import database
from bot.store.models import (
    Appointment,
    AuditLog,
    Decision,
    Interview,
    InterviewSlot,
    Invitation,
    Report,
    RoundDecision,
    Scorecard,
)
from config.settings import Settings

LEANS = {"hire": "建议录用", "no_hire": "不建议录用", "hold": "待定"}
RATINGS = (1, 2, 3, 4, 5)
RATING_LABELS = {1: "很弱", 2: "偏弱", 3: "合格", 4: "良好", 5: "优秀"}
NOTES_MAX = 3000


class ScorecardError(UserError):
    """A scorecard that cannot be saved: `problems` maps each field (rating:<competency>, notes, lean, "") to a
    Chinese message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("；".join(problems.values()))
        self.problems = problems


def report_of(invitation: Invitation) -> Report | None:
    """The invitation's AI-interview report, if scored."""
    return (Report.select().join(Interview).where(Interview.invitation == invitation).first())


def passed(invitation: Invitation) -> bool:
    """Whether the candidate passed the AI round (HR decided 进入复试)."""
    return (Decision.select().join(Interview)
            .where((Interview.invitation == invitation) & (Decision.outcome == "pass")).exists())


def competencies(invitation: Invitation, report: Report | None = None) -> list[str]:
    """What a scorecard rates: the position's competencies, else the report's dimensions, else its weights'."""
    rubric = invitation.position.rubric or {}
    named = list((rubric.get("competencies") or {}).keys())
    if named:
        return named
    report = report or report_of(invitation)
    if report is not None:
        found = [d["name"] for d in (report.document or {}).get("dimensions", []) if d.get("name")]
        if found:
            return found
    return list((rubric.get("dimensions") or {}).keys())


def slot_interviewers(invitation: Invitation) -> list[str]:
    """The interviewers of the second-round slots the candidate booked."""
    return [a.slot.interviewer for a in Appointment.select(Appointment, InterviewSlot).join(InterviewSlot)
            .where((Appointment.invitation == invitation) & (Appointment.kind == "second_round"))]


def may_score(settings: Settings, userid: str, invitation: Invitation) -> bool:
    """Whether userid may fill a scorecard: HR or the team of the position (any role), or the slot's interviewer."""
    return (access_of(settings, userid).role_for(invitation.position) is not None
            or userid in slot_interviewers(invitation))


def final_taken(invitation: Invitation) -> RoundDecision | None:
    """The final decision when it is 录用 or 不录用 (a 待定 leaves the scorecards open)."""
    return RoundDecision.get_or_none((RoundDecision.invitation == invitation) & (RoundDecision.outcome != "hold"))


def check(names: list[str], form: dict[str, Any]) -> tuple[dict[str, int], str, str, bool]:
    """The form's ratings, notes, lean and shareable flag; raise ScorecardError naming every bad field."""
    problems: dict[str, str] = {}
    ratings: dict[str, int] = {}
    given = form.get("ratings") or {}
    for name in names:
        raw = str(given.get(name, "")).strip()
        if raw not in {str(r) for r in RATINGS}:
            problems[f"rating:{name}"] = f"请为「{name}」选择 1 到 5 分"
        else:
            ratings[name] = int(raw)
    notes = str(form.get("notes") or "").strip()
    if len(notes) > NOTES_MAX:
        problems["notes"] = f"评语不能超过 {NOTES_MAX} 字（现在 {len(notes)} 字）"
    lean = str(form.get("lean") or "").strip()
    if lean not in LEANS:
        problems["lean"] = "请选择您的倾向：建议录用、不建议录用或待定"
    if problems:
        raise ScorecardError(problems)
    return ratings, notes, lean, bool(form.get("shareable"))


def save(settings: Settings, invitation_id: int, userid: str, form: dict[str, Any]) -> tuple[Scorecard, bool]:
    """Save userid's scorecard for the invitation (their own: created, or changed while no final decision is taken);
    return it and whether it is new. Raise ScorecardError when it may not be saved."""
    invitation = Invitation.get_or_none(Invitation.id == invitation_id)
    if invitation is None:
        raise ScorecardError({"": "没有这位候选人的面试记录"})
    if invitation.candidate.erased_at is not None:
        raise ScorecardError({"": "该候选人的个人信息已删除，不能再填写评分表"})
    if not passed(invitation):
        raise ScorecardError({"": "候选人尚未通过 AI 面试（进入复试），还不能填写复试评分表"})
    if not may_score(settings, userid, invitation):
        raise ScorecardError({"": "只有该岗位的面试官、招聘人员或复试时段的面试官可以填写评分表"})
    ratings, notes, lean, shareable = check(competencies(invitation), form)
    with database.atomic():
        decided = final_taken(invitation)
        if decided is not None:
            raise ScorecardError({"": f"{decided.decided_by} 已作出最终决定，评分表不能再修改"})
        now = utcnow()
        values = {"ratings": ratings, "notes": notes, "recommendation": lean, "shareable": shareable,
                  "updated_at": now}
        existing = Scorecard.get_or_none((Scorecard.invitation == invitation) & (Scorecard.interviewer == userid))
        if existing is None:
            try:
                with database.atomic():
                    card = Scorecard.create(invitation=invitation, interviewer=userid, submitted_at=now, **values)
                created = True
            except pw.IntegrityError:  # the same author's second tab: it becomes a change
                existing = Scorecard.get((Scorecard.invitation == invitation) & (Scorecard.interviewer == userid))
        if existing is not None:
            Scorecard.update(**values).where(Scorecard.id == existing.id).execute()
            card, created = Scorecard.get_by_id(existing.id), False
        AuditLog.create(actor=userid, action="scorecard_submit" if created else "scorecard_edit",
                        target_type="invitation", target_id=str(invitation.id),
                        detail={"scorecard": card.id, "lean": lean, "shareable": shareable})
    return card, created


def of_invitation(invitation: Invitation) -> list[Scorecard]:
    """The candidate's scorecards, first submitted first."""
    return list(Scorecard.select().where(Scorecard.invitation == invitation).order_by(Scorecard.submitted_at,
                                                                                       Scorecard.id))


def averages(cards: list[Scorecard], names: list[str]) -> dict[str, float]:
    """Each competency's mean rating over the cards that rate it (rounded to one decimal)."""
    out = {}
    for name in names:
        values = [c.ratings[name] for c in cards if isinstance((c.ratings or {}).get(name), int)]
        if values:
            out[name] = round(sum(values) / len(values), 1)
    return out


def leans(cards: list[Scorecard]) -> dict[str, int]:
    """How many interviewers lean each way."""
    return {lean: sum(1 for c in cards if c.recommendation == lean) for lean in LEANS}


def shareable_notes(invitation: Invitation) -> list[dict[str, str]]:
    """The notes their authors marked as shareable with the hiring manager."""
    return [{"interviewer": c.interviewer, "notes": c.notes} for c in of_invitation(invitation)
            if c.shareable and c.notes]
