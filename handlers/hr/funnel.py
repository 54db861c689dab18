"""HR's funnel page (/hr/funnel): invited → opened → started → completed → AI 推荐 → 通过 AI 面试 → 已复试 → 已发 offer
→ 已入职 across the positions the member may see, with the median time between stages, by unit, position, channel or
source (bot/reports/funnel.py). Counts only, no person: every HR role sees it for its own units. The charts are the
server's SVG (bot/reports/charts.py): nothing is loaded from elsewhere."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, g, render_template, request

from bot.clock import CN_TZ
from bot.reports import charts, funnel, funnel_data
from bot.store.db import db_session
from handlers.hr.auth import hr_page

bp = Blueprint("hr_funnel", __name__)

DEFAULT_DAYS = 90
DATE_LABELS = {"since": "开始日期", "until": "结束日期"}


def _period() -> tuple[dict[str, str], dt.datetime, dt.datetime]:
    """The query's period (Beijing dates, both inclusive; the last 90 days unless given) as naive UTC bounds."""
    today = dt.datetime.now(CN_TZ).date()
    values = {"since": (today - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat(), "until": today.isoformat()}
    days = {}
    for key in values:
        raw = (request.args.get(key) or "").strip()[:32] or values[key]
        try:
            days[key] = dt.date.fromisoformat(raw)
        except ValueError:
            abort(400, description=f"{DATE_LABELS[key]}的格式应为 2026-01-31。")
        values[key] = days[key].isoformat()
    if days["since"] > days["until"]:
        abort(400, description="开始日期不能晚于结束日期。")

    def utc(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), CN_TZ).astimezone(dt.UTC).replace(tzinfo=None)

    return values, utc(days["since"]), utc(days["until"] + dt.timedelta(days=1))


@bp.get("/hr/funnel")
@hr_page
def funnel_page():
    """The funnel of the period, overall and by the chosen dimension."""
    values, since, until = _period()
    dimension = request.args.get("by") or "position"
    if dimension not in funnel.DIMENSIONS:
        abort(400, description="分组方式只能是岗位、机构、渠道或来源。")
    with db_session():
        found = funnel_data.records(g.access.clause(), since, until)
    overall = funnel.funnel("全部", found)
    groups = funnel.by(found, dimension)
    chart = charts.funnel([(funnel.STAGE_LABELS[s], overall.counts[s]) for s in funnel.STAGES], title="招聘漏斗")
    hired = charts.bars([(group.name, 100 * group.counts["hired"] / group.counts["invited"])
                         for group in groups if group.counts["invited"]],
                        title=f"按{funnel.DIMENSIONS[dimension]}：邀请到入职的比例（%）")
    return render_template("hr/funnel.html", values={**values, "by": dimension}, overall=overall, groups=groups,
                           chart=chart, hired_chart=hired, stages=funnel.STAGES, labels=funnel.STAGE_LABELS,
                           steps=funnel.STEPS, dimensions=funnel.DIMENSIONS, duration=funnel.duration)
