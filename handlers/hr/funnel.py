"""HR's funnel page (/hr/funnel): invited → opened → started → completed → AI 推荐 → 通过 AI 面试 → 已复试 → 已发 offer
→ 已入职 across the positions the member may see, with the median time between stages, by unit, position, channel or
source (bot/reports/funnel.py). Counts only, no person: every HR role sees it for its own units. The charts are the
server's SVG (bot/reports/charts.py): nothing is loaded from elsewhere."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, g, render_template, request

from bot.privacy.cells import safe_cell
from bot.reports import charts, funnel, funnel_data
from bot.store.db import db_session
from handlers.hr.auth import hr_page
from handlers.hr.period import period

bp = Blueprint("hr_funnel", __name__)

DEFAULT_DAYS = 90


@bp.get("/hr/funnel")
@hr_page
def funnel_page():
    """The funnel of the period, overall and by the chosen dimension."""
    values, dimension, overall, groups = _funnels()
    chart = charts.funnel([(funnel.STAGE_LABELS[s], overall.counts[s]) for s in funnel.STAGES], title="招聘漏斗")
    hired = charts.bars([(group.name, 100 * group.counts["hired"] / group.counts["invited"])
                         for group in groups if group.counts["invited"]],
                        title=f"按{funnel.DIMENSIONS[dimension]}：邀请到入职的比例（%）")
    return render_template("hr/funnel.html", values={**values, "by": dimension}, overall=overall, groups=groups,
                           chart=chart, hired_chart=hired, stages=funnel.STAGES, labels=funnel.STAGE_LABELS,
                           steps=funnel.STEPS, dimensions=funnel.DIMENSIONS, duration=funnel.duration)


@bp.get("/hr/funnel.csv")
@hr_page
def funnel_csv():
    """The same numbers as CSV (UTF-8 with BOM, for Excel and WPS): counts only, as the page."""
    values, dimension, overall, groups = _funnels()
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    for line in funnel.csv_rows(overall, groups, dimension):
        writer.writerow([safe_cell(cell) for cell in line])
    name = f"funnel-{dimension}-{values['since']}-{values['until']}.csv"
    return Response(out.getvalue().encode("utf-8-sig"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})


def _funnels() -> tuple[dict, str, funnel.Funnel, list[funnel.Funnel]]:
    """The period and grouping asked for (a clear 400 otherwise), the overall funnel and one per group."""
    values, since, until = period(DEFAULT_DAYS)
    dimension = request.args.get("by") or "position"
    if dimension not in funnel.DIMENSIONS:
        abort(400, description="分组方式只能是岗位、机构、渠道或来源。")
    with db_session():
        found = funnel_data.records(g.access.clause(), since, until)
    return values, dimension, funnel.funnel("全部", found), funnel.by(found, dimension)
