"""The second round beside the AI report (/hr/reports/<id>/second-round), phone first: each interviewer's scorecard
(bot/decisions/scorecards.py), everyone's ratings side by side, the final decision 录用 / 不录用 / 待定
(bot/decisions/final.py) and, after 录用, the offer's and the hire's state (bot/decisions/hires.py).

Interviewers see the candidate masked and the other interviewers' ratings and leans, never their notes; recruiters
see everything and decide. A form that cannot be saved comes back with the message at each field and what was
typed; nothing is lost. The modules it calls write the audit rows.
"""
from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request

from bot.clock import local_time
from bot.decisions import final, hires, scorecards
from bot.privacy.roles import INTERVIEWER, can, masked_label
from bot.store.db import db_session
from bot.store.models import AuditLog, Invitation, Report, RoundDecision
from handlers.hr.auth import check_csrf, csrf_token, hr_page

bp = Blueprint("hr_scorecards", __name__)

DONE = {"saved": "评分表已保存。", "decided": "已记录最终决定，候选人会收到通知。", "held": "已标记为待定。",
        "hired": "录用状态已更新。", "unchanged": "录用状态没有变化。"}
ACTIONS = {"accepted": "候选人已接受", "declined": "候选人已拒绝", "withdrawn": "撤回录用", "hired": "登记入职"}
REFUSED = {"refused": "只有招聘人员可以作出最终决定。", "erased": "该候选人的个人信息已删除，无法再作出决定。",
           "not_passed": "候选人尚未通过 AI 面试，不能作出复试决定。"}


def _found(report_id: int) -> tuple[Report, Invitation, str]:
    """The report, its invitation and the member's role for it: 404 without one, 403 for someone who may not see
    it (a slot's interviewer outside the position's team counts as its interviewer)."""
    report = Report.get_or_none(Report.id == report_id)
    if report is None:
        abort(404, description="没有这份报告。")
    invitation = report.interview.invitation
    role = g.access.role_for(invitation.position)
    if role is None and g.userid in scorecards.slot_interviewers(invitation):
        role = INTERVIEWER
    if role is None:
        abort(403, description="这位候选人不在您负责的范围内；如需查看，请联系该岗位的招聘负责人。")
    return report, invitation, role


def _card_view(card: Any, names: list[str], role: str) -> dict[str, Any]:
    mine = card.interviewer == g.userid
    return {"interviewer": card.interviewer, "mine": mine, "lean": scorecards.LEANS.get(card.recommendation, ""),
            "ratings": [card.ratings.get(n, "—") for n in names],
            "notes": card.notes if (mine or can(role, "decide")) else "",
            "shareable": card.shareable, "at": local_time(card.updated_at)}


def _context(report: Report, invitation: Invitation, role: str, *, form: dict[str, Any] | None = None,
             problems: dict[str, str] | None = None, bad: str = "",
             hire_form: dict[str, str] | None = None) -> dict[str, Any]:
    names = scorecards.competencies(invitation, report)
    sentences = (invitation.position.rubric or {}).get("competencies") or {}
    cards = scorecards.of_invitation(invitation)
    mine = next((c for c in cards if c.interviewer == g.userid), None)
    if form is None:
        form = ({"ratings": {n: str(mine.ratings.get(n, "")) for n in names}, "notes": mine.notes,
                 "lean": mine.recommendation, "shareable": mine.shareable} if mine is not None
                else {"ratings": {}, "notes": "", "lean": "", "shareable": False})
    decision = RoundDecision.get_or_none(RoundDecision.invitation == invitation)
    hire = hires.of_invitation(invitation)
    dims = [{"name": d["name"], "score": d.get("score")} for d in (report.document or {}).get("dimensions", [])]
    return {
        "report": report, "position": invitation.position,
        "who": (invitation.candidate.display_name if can(role, "see_contacts")
                else masked_label(invitation.candidate)),
        "role": role, "passed": scorecards.passed(invitation), "dimensions": dims, "total": report.total,
        "competencies": [{"name": n, "sentence": sentences.get(n, "")} for n in names],
        "form": form, "problems": problems or {}, "mine": mine,
        "may_score": scorecards.may_score(current_app.extensions["settings"], g.userid, invitation),
        "cards": [_card_view(c, names, role) for c in cards],
        "averages": scorecards.averages(cards, names), "leans": scorecards.leans(cards),
        "lean_labels": scorecards.LEANS, "labels": scorecards.RATING_LABELS,
        "decision": decision, "decision_label": final.LABELS.get(decision.outcome, "") if decision else "",
        "decided_at": local_time(decision.decided_at) if decision else "",
        "locked": decision is not None and decision.outcome != "hold",
        "hire": hire, "hire_label": hires.label(hire.status) if hire else "",
        "next_states": [(s, ACTIONS[s]) for s in hires.NEXT.get(hire.status, ())] if hire else [],
        "erased": invitation.candidate.erased_at is not None,
        "hire_form": hire_form or {"hired_on": "", "unit": "", "employee_id": ""},
        "csrf": csrf_token(), "message": DONE.get(request.args.get("done", ""), ""), "bad": bad,
        "confirm": request.args.get("confirm") == "no_hire",
    }


def _page(report_id: int, status: int = 200, **extra: Any):
    with db_session():
        report, invitation, role = _found(report_id)
        return render_template("hr/second_round.html", **_context(report, invitation, role, **extra)), status


@bp.get("/hr/reports/<int:report_id>/second-round")
@hr_page
def show(report_id: int):
    """The scorecards, the final decision and the hire of the report's candidate (the view is audited)."""
    with db_session():
        _, invitation, role = _found(report_id)
        AuditLog.create(actor=g.userid, action="view_second_round", target_type="invitation",
                        target_id=str(invitation.id), detail={"report": report_id, "role": role})
    return _page(report_id)


@bp.post("/hr/reports/<int:report_id>/scorecard")
@hr_page
def save(report_id: int):
    """Save the member's own scorecard (refused whole, with a message per field, when anything is wrong)."""
    check_csrf()
    with db_session():
        _, invitation, _ = _found(report_id)
        names = scorecards.competencies(invitation)
    form = {"ratings": {n: (request.form.get(f"rating:{n}") or "")[:2] for n in names},
            "notes": (request.form.get("notes") or "")[:scorecards.NOTES_MAX + 1000],
            "lean": (request.form.get("lean") or "")[:16], "shareable": request.form.get("shareable") == "yes"}
    try:
        with db_session():
            scorecards.save(current_app.extensions["settings"], invitation.id, g.userid, form)
    except scorecards.ScorecardError as exc:
        return _page(report_id, 400, form=form, problems=exc.problems, bad="评分表未保存：" + str(exc))
    return redirect(f"/hr/reports/{report_id}/second-round?done=saved#scorecards", code=303)


@bp.post("/hr/reports/<int:report_id>/final")
@hr_page
def decide(report_id: int):
    """录用 / 不录用 / 待定, once (a second recruiter is told who decided)."""
    check_csrf()
    outcome = request.form.get("outcome", "")
    if outcome not in final.OUTCOMES:
        abort(400, description="未知的决定。")
    with db_session():
        _, invitation, role = _found(report_id)
    if not can(role, "decide"):
        abort(403, description=REFUSED["refused"])
    if outcome == "no_hire" and request.form.get("confirm") != "yes":
        # 不录用 takes a second step, as the AI round's 不通过: this one only asks 确认不录用？
        return redirect(f"/hr/reports/{report_id}/second-round?confirm=no_hire#final", code=303)
    result, decision = final.decide(invitation.id, outcome, g.userid, f"page:{uuid.uuid4().hex}")
    if result == "already" and decision is not None:
        return _page(report_id, 409, bad=f"{decision.decided_by} 已于 {local_time(decision.decided_at)} 作出决定："
                     f"{final.LABELS[decision.outcome]}，未重复处理。")
    if result in REFUSED:
        return _page(report_id, 409, bad=REFUSED[result])
    return redirect(f"/hr/reports/{report_id}/second-round?done={result}#final", code=303)


@bp.post("/hr/reports/<int:report_id>/hire")
@hr_page
def hire_state(report_id: int):
    """Move the offer or hire on (the version the form was read at guards against a change made meanwhile)."""
    check_csrf()
    with db_session():
        _, invitation, role = _found(report_id)
        found = hires.of_invitation(invitation)
    if not can(role, "decide"):
        abort(403, description="只有招聘人员可以更改录用状态。")
    if found is None:
        abort(404, description="这位候选人还没有录用记录。")
    version = request.form.get("version", "")
    typed = {name: (request.form.get(name) or "").strip()[:64] for name in ("hired_on", "unit", "employee_id")}
    try:
        with db_session():
            _, changed = hires.change(found.id, request.form.get("status", "")[:16], g.userid,
                                      version=int(version) if version.isdigit() and len(version) < 10 else -1,
                                      **typed)
    except hires.HireError as exc:
        return _page(report_id, 409 if exc.code == "version_conflict" else 400, bad=exc.message,
                     problems={f"hire:{exc.field}": exc.message} if exc.field else {}, hire_form=typed)
    return redirect(f"/hr/reports/{report_id}/second-round?done={'hired' if changed else 'unchanged'}#hire",
                    code=303)
