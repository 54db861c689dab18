"""HR's pages of the performance loop: import post-hire ratings from a sheet (/hr/performance), read how interview
results relate to later performance per position (/hr/positions/<slug>/performance) or per unit
(/hr/units/<code>/performance), and accept suggested dimension weights as the position's next version.

Recruiters, HR leads and admins (the `performance` permission) of the position's unit, as the scope rules say
(handlers/hr/scope.py); interviewers get a 403. A file that cannot be read saves nothing and says why; a bad row is
listed with its message and costs the good rows nothing. Imports and accepted weights are audited by
bot/decisions/performance.py and performance_analysis.py. The pages show numbers per dimension, never a person."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from bot.bulk import sheets
from bot.decisions import performance, performance_analysis
from bot.decisions.performance_stats import MIN_SAMPLE, RESAMPLES
from bot.org.access import children_of, higher, subtree
from bot.org.units import path_name
from bot.positions import versions
from bot.privacy.roles import can
from bot.store.db import db_session
from bot.store.models import OrgUnit, Position
from handlers.hr import scope
from handlers.hr.auth import check_csrf, csrf_token, hr_page

bp = Blueprint("hr_performance", __name__)
NO_RIGHT = "只有招聘专员、招聘负责人和管理员可以查看绩效分析和导入绩效。"
NOTHING_SENT = "请选择要上传的绩效表（.xlsx 或 .csv）。"
TOO_LARGE = f"文件超过 {sheets.MAX_BYTES // 1024 // 1024} MB，请拆分后再上传。"


def _may(position: Position) -> bool:
    """Whether the signed-in member may import and read performance for the position."""
    return can(g.access.role_for(position), "performance")


def _visible_positions() -> list[Position]:
    return [p for p in Position.select().where(g.access.clause()).order_by(Position.title) if _may(p)]


def _import_page(*, outcome: performance.Outcome | None = None, error: str = "", update: bool = False,
                 filename: str = "", status: int = 200):
    positions = _visible_positions()
    units = sorted({p.unit for p in positions if p.unit_id}, key=lambda u: u.code)
    return render_template("hr/performance_import.html", outcome=outcome, error=error, update=update,
                           filename=filename, positions=positions, units=units, unit_name=path_name,
                           grades=performance.GRADES, csrf=csrf_token()), status


@bp.get("/hr/performance")
@hr_page
def import_form():
    """The upload form, with the positions and units whose analysis the member may open."""
    if not can(g.role, "performance"):
        abort(403, description=NO_RIGHT)
    with db_session():
        return _import_page()


@bp.post("/hr/performance")
@hr_page
def import_file():
    """Import one sheet: the counts saved, and every refused row with its message."""
    if not can(g.role, "performance"):
        abort(403, description=NO_RIGHT)
    check_csrf()
    request.max_content_length = sheets.MAX_BYTES + 64 * 1024
    update = request.form.get("update") == "1"
    with db_session():
        try:
            sent = request.files.get("file")
        except RequestEntityTooLarge:
            return _import_page(error=TOO_LARGE, update=update, status=413)
        if sent is None or not sent.filename:
            return _import_page(error=NOTHING_SENT, update=update, status=400)
        filename = sent.filename.replace("/", "_")[-120:]
        try:
            rows, unread = performance.read_file(sent.read(), filename)
        except sheets.SheetError as exc:
            return _import_page(error=f"未导入：{exc}", update=update, filename=filename, status=400)
        outcome = performance.import_rows(rows, actor=g.userid, source="hr", update=update, sees=_may,
                                          filename=filename, problems=unread)
        return _import_page(outcome=outcome, update=update, filename=filename,
                            status=200 if outcome.saved or not outcome.problems else 400)


def _analysis_page(*, title: str, samples: list, position: Position | None = None, unit: OrgUnit | None = None,
                   suggestion: dict[str, Any] | None = None, done: str = "", error: str = "", status: int = 200):
    return render_template("hr/performance.html", title=title, position=position, unit=unit,
                           rows=performance_analysis.correlations(samples), n=len(samples),
                           suggestion=suggestion, note=performance_analysis.OUTCOME_NOTE, min_sample=MIN_SAMPLE,
                           resamples=RESAMPLES, base=versions.current_number(position) if position else None,
                           done=done, error=error, csrf=csrf_token()), status


def _position(slug: str) -> Position:
    position, role = scope.position(slug)
    if not can(role, "performance"):
        abort(403, description=NO_RIGHT)
    return position


@bp.get("/hr/positions/<slug>/performance")
@hr_page
def position_analysis(slug: str):
    """The position's interview dimensions and scorecard against later performance, and the suggested weights."""
    with db_session():
        position = _position(slug)
        samples = performance_analysis.cohort([position])
        return _analysis_page(title=position.title, samples=samples, position=position,
                              suggestion=performance_analysis.suggestion(position, samples))


@bp.post("/hr/positions/<slug>/performance/weights")
@hr_page
def accept_weights(slug: str):
    """Save the suggestion HR saw (its weights and the version it was computed for) as the next version."""
    check_csrf()
    with db_session():
        position = _position(slug)
        samples = performance_analysis.cohort([position])
        suggestion = performance_analysis.suggestion(position, samples)
        names = list(performance_analysis.current_weights(position))
        try:
            weights = {name: float(request.form.get(f"w:{name}", "")) for name in names}
            base = int(request.form.get("base", ""))
        except ValueError:
            return _analysis_page(title=position.title, samples=samples, position=position, suggestion=suggestion,
                                  error="未保存：表单中的权重不完整，请刷新页面后重试", status=400)
        try:
            number = performance_analysis.accept(position, weights, actor=g.userid, base_version=base,
                                                 detail={"n": suggestion["n"],
                                                         "strength": suggestion.get("strength")})
        except performance_analysis.WeightsError as exc:
            return _analysis_page(title=position.title, samples=samples, position=position, suggestion=suggestion,
                                  error=f"未保存：{exc}", status=409)
        position = Position.get_by_id(position.id)
        return _analysis_page(title=position.title, samples=samples, position=position,
                              suggestion=performance_analysis.suggestion(position, samples),
                              done=f"已采纳建议权重，保存为岗位第 {number} 版")


@bp.get("/hr/units/<code>/performance")
@hr_page
def unit_analysis(code: str):
    """The unit's positions (and those of the units under it) pooled: correlations only, no weights (positions
    weigh their dimensions differently)."""
    with db_session():
        unit = OrgUnit.get_or_none(OrgUnit.code == code[:64])
        if unit is None:
            abort(404, description="没有这个机构。")
        if not can(higher(g.access.everything, g.access.units.get(unit.id)), "performance"):
            abort(403, description=scope.OUT_OF_SCOPE)
        below = subtree(children_of(OrgUnit.select(OrgUnit.id, OrgUnit.parent)), unit.id)
        positions = [p for p in Position.select().where(Position.unit.in_(below)) if _may(p)]
        return _analysis_page(title=path_name(unit), samples=performance_analysis.cohort(positions), unit=unit)
