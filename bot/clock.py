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


def beijing(moment: dt.datetime) -> dt.datetime:
    """A naive UTC time as Beijing time."""
    return moment.replace(tzinfo=dt.UTC).astimezone(CN_TZ)


def day_label(day: dt.date) -> str:
    """'12月9日（周三）' for a day as people in Beijing count it."""
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def span_label(start: dt.datetime, end: dt.datetime | None = None) -> str:
    """'12月9日（周三）14:00–14:30' in Beijing time, for naive UTC moments: the one way a slot, an appointment or a
    reminder names its time, so what a candidate picked reads the same when it is confirmed."""
    local = beijing(start)
    text = f"{day_label(local)}{local:%H:%M}"
    return text + (f"–{beijing(end):%H:%M}" if end else "")


def deadline_on(day: dt.date) -> dt.datetime:
    """Return 23:59 Beijing time on day, as naive UTC."""
    end = dt.datetime(day.year, day.month, day.day, 23, 59, tzinfo=CN_TZ)
    return end.astimezone(dt.UTC).replace(tzinfo=None)
