"""HR's campaign page: every invitee of a position (or of one bulk run) with where they stand, counts that agree
with the chat, filters by state, all completed candidates ranked, and compare by ticking (bot/reports/campaign.py).
Recruiters, HR leads, admins and the position's interviewers (masked), within their units."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from bot.privacy.roles import candidate_view, sees_personal_data
from bot.reports import campaign
from bot.store.db import db_session
from bot.store.models import BulkRun, Position
from handlers.hr import scope
from handlers.hr.auth import hr_page
from scoring.report import LABELS

bp = Blueprint("hr_campaign", __name__)


def _run(position: Position) -> int | None:
    raw = request.args.get("run", "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        abort(400, description="批次编号须是数字。")
    if not BulkRun.select().where((BulkRun.id == int(raw)) & (BulkRun.position == position)).exists():
        abort(404, description="这个岗位没有这个批次。")
    return int(raw)


@bp.get("/hr/positions/<slug>/candidates")
@hr_page
def candidates(slug: str):
    """The position's invitees with their states (?state= filters, ?run= keeps to one bulk run)."""
    state = request.args.get("state", "")[:16]
    if state and state not in campaign.STATES:
        abort(400, description="没有这个状态。")
    with db_session():
        position, role = scope.position(slug)
        run = _run(position)
        found = campaign.rows(position, run)
        tally = campaign.counts(found)
        shown = [r for r in found if not state or r.state == state]
        people = [{"row": r, "who": candidate_view(r.candidate, role) if r.candidate and r.candidate.id
                   else {"name": r.candidate.name if sees_personal_data(role) else "（已筛除）", "id": None}}
                  for r in shown]
        ranked = [{"row": r, "who": candidate_view(r.candidate, role),
                   "recommendation": LABELS.get(r.report.recommendation, r.report.recommendation)}
                  for r in campaign.ranked(found)]
        runs = list(BulkRun.select(BulkRun.id, BulkRun.filename, BulkRun.created_at)
                    .where(BulkRun.position == position).order_by(BulkRun.id.desc()))
    return render_template("hr/campaign.html", position=position, people=people, ranked=ranked, tally=tally,
                           states=campaign.STATES, state=state, run=run, runs=runs,
                           resumes=sees_personal_data(role), role=role)
