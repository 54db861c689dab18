"""HR's pages beyond a single report: the start page, 2–5 candidates side by side, a position's dashboard and
the talent pool's search. All behind WeCom sign-in; personal data masked for viewers, in the headers and in what
candidates said (bot/privacy/scrub)."""
from __future__ import annotations

import statistics
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, render_template, request

from bot.bulk import id_numbers
from bot.clock import local_time
from bot.commands.lookup import funnel
from bot.privacy import scrub
from bot.privacy.roles import candidate_view
from bot.reports import charts
from bot.reports import export as exporter
from bot.store.db import db_session
from bot.store.models import AuditLog, Candidate, Decision, Interview, Invitation, Position, Report, Tag
from bot.talent import pool as talent
from bot.wecom.messages import render
from handlers.hr import scope
from handlers.hr.auth import csrf_token, hr_page
from scoring.report import LABELS

bp = Blueprint("hr_pages", __name__)

COMPARE_MAX = 5
FUNNEL_LABELS = {"invited": "已邀请", "opened": "已打开", "started": "已开始", "completed": "已完成",
                 "scored": "已评分", "decided": "已决定"}


def _int_list(raw: str, limit: int) -> list[int]:
    values = []
    for part in raw.replace("，", ",").split(","):
        part = part.strip()
        if part:
            if not part.isdigit() or len(part) > 12:
                abort(400, description="编号必须是数字，用逗号分隔。")
            values.append(int(part))
    if len(values) > limit:
        abort(400, description=f"一次最多对比 {limit} 位候选人。")
    return list(dict.fromkeys(values))


@bp.get("/hr/")
@hr_page
def home():
    """Positions with their numbers, the latest reports, links to the pool."""
    with db_session():
        positions = [{"position": p, "funnel": funnel(p)}
                     for p in Position.select().where(g.access.clause()).order_by(Position.title)]
        latest = _report_rows(_reports_query().where(g.access.clause()).order_by(Report.created_at.desc()).limit(20))
    return render_template("hr/home.html", positions=positions, latest=latest, labels=FUNNEL_LABELS, user=g.userid,
                           role=g.role, csrf=csrf_token())


def _reports_query() -> Any:
    """Reports with what a table row shows (candidate, position), without their documents."""
    return (Report.select(Report.id, Report.total, Report.recommendation, Report.created_at, Report.interview,
                          Interview.id, Invitation, Candidate, Position)
            .join(Interview).join(Invitation).join(Candidate).switch(Invitation).join(Position))


def _report_rows(reports: Any) -> list[dict[str, Any]]:
    """Report rows for tables: candidate (masked per role), position, total, AI suggestion, decision."""
    reports = list(reports)
    decided = {d.interview_id: d.outcome for d in Decision.select(Decision.interview, Decision.outcome)
               .where(Decision.interview.in_([r.interview_id for r in reports]))} if reports else {}
    locale = current_app.extensions["settings"].hr_locale
    return [{"id": report.id, "candidate": candidate_view(report.interview.invitation.candidate,
                                                          g.access.role_for(report.interview.invitation.position)),
             "position": report.interview.invitation.position.title, "total": report.total,
             "recommendation": LABELS.get(report.recommendation, report.recommendation),
             "decision": render(f"outcome_{decided[report.interview_id]}", locale)
             if report.interview_id in decided else "",
             "at": local_time(report.created_at)} for report in reports]


@bp.get("/hr/compare")
@hr_page
def compare():
    """Up to five reports side by side: radar overlay, dimension table, highlights and concerns."""
    ids = _int_list(",".join(request.args.getlist("r")), COMPARE_MAX)  # r=1,2,3 or ticked boxes r=1&r=2
    with db_session():
        reports = [r for r in Report.select().where(Report.id.in_(ids))] if ids else []
        missing = sorted(set(ids) - {r.id for r in reports})
        roles = {r.id: scope.report_role(r) for r in reports}  # one report outside the member's units: 403
        reports.sort(key=lambda r: (-r.total, r.id))
        people = []
        for report in reports:
            invitation = report.interview.invitation
            person = candidate_view(invitation.candidate, roles[report.id])
            doc = scrub.for_role(report.document, roles[report.id], invitation.candidate,
                                 [id_numbers.id_number_of(invitation.id)])
            people.append({"report": report, "doc": doc, "candidate": person,
                           "label": f"{person['name']}（{report.total:.0f}）",
                           "scores": {d["name"]: d["score"] for d in report.document["dimensions"]}})
        if people:
            AuditLog.create(actor=g.userid, action="compare", target_type="report",
                            target_id=",".join(str(r.id) for r in reports)[:64])
    dimensions = list(dict.fromkeys(name for p in people for name in p["scores"]))
    best = {d: max((p["scores"].get(d, -1) for p in people), default=-1) for d in dimensions}
    radar = charts.radar(dimensions, [(p["label"], p["scores"]) for p in people], title="各维度对比") \
        if len(people) >= 1 and len(dimensions) >= 3 else ""
    return render_template("hr/compare.html", people=people, dimensions=dimensions, best=best, radar=radar,
                           missing=missing, asked=ids, max=COMPARE_MAX)


def decision_hours(position: Position) -> list[float]:
    """Hours from each report to its final decision, for the position's decided interviews."""
    rows = (Decision.select(Decision.decided_at, Report.created_at)
            .join(Interview, on=Decision.interview == Interview.id)
            .join(Report, on=Report.interview == Interview.id)
            .join(Invitation, on=Interview.invitation == Invitation.id)
            .where((Invitation.position == position) & (Decision.outcome != "hold")).tuples())
    return [max(0.0, (decided - reported).total_seconds() / 3600) for decided, reported in rows]


def position_stats(position: Position) -> dict[str, Any]:
    """The dashboard's numbers: funnel, score distribution, top 10 %, time to decision."""
    ranked = (Report.total.desc(), Report.id)
    mine = Invitation.position == position
    totals = [t for (t,) in Report.select(Report.total).join(Interview).join(Invitation).where(mine)
              .order_by(*ranked).tuples()]
    top_n = max(1, round(len(totals) * 0.1)) if totals else 0
    hours = decision_hours(position)  # one per final decision, and each decision's interview has its report
    return {
        "funnel": funnel(position),
        "totals": totals,
        "top": _reports_query().where(mine).order_by(*ranked).limit(top_n) if top_n else [],
        "top_threshold": totals[top_n - 1] if top_n else None,
        "mean": statistics.fmean(totals) if totals else None,
        "median_hours": statistics.median(hours) if hours else None,
        "p90_hours": statistics.quantiles(hours, n=10)[-1] if len(hours) >= 2 else (hours[0] if hours else None),
        "decided": len(hours),
        "pending": len(totals) - len(hours),
    }


@bp.get("/hr/positions/<slug>")
@hr_page
def dashboard(slug: str):
    """One position's dashboard."""
    with db_session():
        position, _ = scope.position(slug)
        stats = position_stats(position)
        top = _report_rows(stats.pop("top"))
    steps = [(FUNNEL_LABELS[k], v) for k, v in stats["funnel"].items()]
    return render_template(
        "hr/dashboard.html", position=position, stats=stats, top=top,
        funnel_chart=charts.funnel(steps, title=f"{position.title} 招聘漏斗"),
        histogram=charts.histogram(stats["totals"], highlight=stats["top_threshold"], title="总分分布"))


@bp.get("/hr/positions/<slug>/export.<fmt>")
@hr_page
def export(slug: str, fmt: str):
    """The position's interviews as CSV or Excel (personal data masked for viewers)."""
    if fmt not in ("csv", "xlsx"):
        abort(404, description="只支持 csv 与 xlsx。")
    with db_session():
        position, role = scope.position(slug)
        rows = exporter.interview_rows(position.slug, role)
        AuditLog.create(actor=g.userid, action="export", target_type="position", target_id=slug[:64],
                        detail={"format": fmt, "rows": len(rows), "role": role})
    body = exporter.to_csv(rows) if fmt == "csv" else exporter.to_xlsx(rows)
    mime = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mime, headers={
        "Content-Disposition": f"attachment; filename=interviews-{slug}.{fmt}", "Cache-Control": "private, no-store"})


@bp.get("/hr/pool")
@hr_page
def pool():
    """Search the talent pool by tags and free text or a job description (or a position's own description).

    A masked role's words are scrubbed first: searching a phone number or ID number must not tell them whose it is."""
    text = scrub.text((request.args.get("q") or "").strip()[:20000], scrub.Known(), scrub.hidden(g.access.list_role))
    chosen = [t for t in request.args.getlist("tag") if t][:10]
    slug = request.args.get("position", "")[:64]
    with db_session():
        position = Position.get_or_none(Position.slug == slug) if slug else None
        if position is not None:
            scope.role_for(position)
        if position is not None and not text:
            text = talent.position_text(position)
        exclude = talent.invited_to(position) if position is not None else set()
        results = talent.search(text, tags=chosen, limit=20, role=g.access.list_role, exclude=exclude,
                                access=g.access) \
            if (text or chosen) else []
        all_tags = [t.name for t in Tag.select().order_by(Tag.name)]
        positions = list(Position.select().where(Position.is_open & g.access.clause()).order_by(Position.title))
        AuditLog.create(actor=g.userid, action="pool_search", target_type="pool",
                        detail={"q": text[:100], "tags": chosen, "hits": len(results)})
    return render_template("hr/pool.html", q=request.args.get("q", ""), chosen=chosen, results=results,
                           all_tags=all_tags, positions=positions, position=position, searched=bool(text or chosen))
