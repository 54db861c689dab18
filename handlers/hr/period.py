"""A report page's period from its query string: Beijing dates ?since= and ?until= (both inclusive), the last N days
unless given; a malformed or reversed one is a clear 400."""
from __future__ import annotations

import datetime as dt

from flask import abort, request

from bot.clock import CN_TZ

DATE_LABELS = {"since": "开始日期", "until": "结束日期"}


def period(default_days: int) -> tuple[dict[str, str], dt.datetime, dt.datetime]:
    """The dates as shown in the form, and the period as naive UTC bounds [start, end)."""
    today = dt.datetime.now(CN_TZ).date()
    values = {"since": (today - dt.timedelta(days=default_days - 1)).isoformat(), "until": today.isoformat()}
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
    return values, _utc(days["since"]), _utc(days["until"] + dt.timedelta(days=1))


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CN_TZ).astimezone(dt.UTC).replace(tzinfo=None)
