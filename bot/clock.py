"""One clock: UTC as stored (naive, the same on SQLite and PostgreSQL) and Beijing time as people read it."""
from __future__ import annotations

import datetime as dt

CN_TZ = dt.timezone(dt.timedelta(hours=8))
WEEKDAYS = "一二三四五六日"


def utcnow() -> dt.datetime:
    """Return the current UTC time without tzinfo (stored the same on SQLite and PostgreSQL)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def local_time(moment: dt.datetime) -> str:
    """Format a naive UTC datetime as Beijing time for people."""
    return moment.replace(tzinfo=dt.UTC).astimezone(CN_TZ).strftime("%Y-%m-%d %H:%M")


def deadline_on(day: dt.date) -> dt.datetime:
    """Return 23:59 Beijing time on day, as naive UTC."""
    end = dt.datetime(day.year, day.month, day.day, 23, 59, tzinfo=CN_TZ)
    return end.astimezone(dt.UTC).replace(tzinfo=None)
