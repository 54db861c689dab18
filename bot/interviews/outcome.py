"""What a candidate who has finished sees of what happens next (the end page, docs/h5-api.md#after-the-interview).

The stages follow the records the recruiter's side writes: no report yet (scoring), a report but no released
decision (HR reviewing it: news within the position's reply_days), a released pass (the second round's time and
place, as the 复试通知 says them) or a released reject (the 感谢函 was sent). A decision counts only once
released (Report.released_at: the moment the 复试通知 or 感谢函 went out), so the page never tells before the chat
does, and a hold is still "reviewing". Scores, recommendations and the report itself never reach the page.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from bot.clock import beijing, day_label
from bot.decisions.results import when_text
from bot.store.models import Appointment, Decision, Interview, Invitation, Report

REPLY_DAYS = 5  # days within which HR replies once the report is there (a position's rubric may say reply_days)
POLL_SECONDS = 30  # how often the end page asks again


def reply_days(invitation: Invitation) -> int:
    """Within how many days the candidate hears from HR once their report is ready."""
    days = (invitation.position.rubric or {}).get("reply_days", REPLY_DAYS)
    return int(days) if isinstance(days, int) and 0 < days <= 60 else REPLY_DAYS


def day_text(moment: dt.datetime) -> str:
    """'12月9日（周三）' in Beijing time, for a naive UTC moment."""
    return day_label(beijing(moment))


def after(invitation: Invitation, interview: Interview | None) -> dict[str, Any] | None:
    """The completed interview's stage for the candidate (None before completion): scoring | reviewing |
    next_round | closed, with when to expect news and, for the second round, its time, place and contact."""
    if interview is None or interview.status != "completed":
        return None
    days = reply_days(invitation)
    since = interview.completed_at or interview.started_at
    out: dict[str, Any] = {"stage": "scoring", "reply_days": days, "poll_seconds": POLL_SECONDS,
                           "news_by": day_text(since + dt.timedelta(days=days))}
    report = Report.get_or_none(Report.interview == interview)
    if report is None:
        return out
    decision = Decision.get_or_none(Decision.interview == interview)
    out.update(stage="reviewing", news_by=day_text(report.created_at + dt.timedelta(days=days)))
    if report.released_at is None or decision is None or decision.outcome not in ("pass", "reject"):
        return out
    out.update(news_by=None, decided_on=day_text(report.released_at))
    if decision.outcome == "reject":
        out["stage"] = "closed"
        return out
    out["stage"] = "next_round"
    appointment = Appointment.get_or_none((Appointment.invitation == invitation)
                                          & (Appointment.kind == "second_round"))
    if appointment is not None and appointment.status != "cancelled":
        out["appointment"] = {"when": when_text(appointment), "place": appointment.place or "",
                              "contact": appointment.contact or "", "status": appointment.status}
    return out
