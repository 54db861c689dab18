"""HR's page of a position's second-round slots (/hr/positions/<slug>/slots): publish times candidates who pass may
pick (bot/decisions/slots.py), see who booked each one, cancel one nobody booked.

Recruiters (and HR leads, admins) publish for any interviewer; an interviewer of the position publishes and cancels
only their own, and sees candidates masked (张*（#12）) as everywhere else. A form that cannot be saved saves
nothing and comes back with the message at its field and what was typed. Every publish and cancel is audited
(slots.py writes the AuditLog rows)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, abort, g, render_template, request

from bot.clock import CN_TZ
from bot.decisions import slots
from bot.privacy.roles import INTERVIEWER, can, masked_label
from bot.store.db import db_session
from bot.store.models import Appointment, Candidate, InterviewSlot, Invitation, Position
from handlers.hr import scope
from handlers.hr.auth import check_csrf, csrf_token, hr_page

bp = Blueprint("hr_slots", __name__)
TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
DEFAULTS = {"date": "", "start": "14:00", "minutes": "30", "count": "1", "capacity": "1", "place": "",
            "interviewer": ""}
SHOWN_DAYS = 60  # slots up to this long ago stay on the page


def _rows(position: Position, role: str) -> list[dict[str, Any]]:
    """The position's slots from SHOWN_DAYS ago on, each with its bookings (masked for interviewers)."""
    since = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=SHOWN_DAYS)
    found = (InterviewSlot.select().where((InterviewSlot.position == position) & (InterviewSlot.starts_at >= since))
             .order_by(InterviewSlot.starts_at, InterviewSlot.id))
    rows = []
    for slot in found:
        booked = (slots.bookings(slot).select(Appointment, Invitation, Candidate)
                  .join(Invitation).join(Candidate).order_by(Appointment.id))
        names = [a.invitation.candidate.display_name if can(role, "see_contacts")
                 else masked_label(a.invitation.candidate) for a in booked]
        mine = role != INTERVIEWER or slot.interviewer == g.userid
        rows.append({"id": slot.id, "when": slots.label(slot), "interviewer": slot.interviewer,
                     "place": slot.place or "-", "capacity": slot.capacity, "names": names,
                     "cancelled": slot.cancelled_at is not None,
                     "cancellable": mine and not names and slot.cancelled_at is None})
    return rows


def _render(position: Position, role: str, *, form: dict[str, str] | None = None,
            error: dict[str, str] | None = None, done: str = "", status: int = 200):
    values = {**DEFAULTS, "interviewer": g.userid, **(form or {})}
    return render_template("hr/slots.html", position=position, rows=_rows(position, role), form=values,
                           error=error, done=done, csrf=csrf_token(),
                           pick_interviewer=role != INTERVIEWER), status


@bp.get("/hr/positions/<slug>/slots")
@hr_page
def slot_list(slug: str):
    """The position's slots and the form to publish more."""
    with db_session():
        position, role = scope.position(slug)
        return _render(position, role)


def _number(form: dict[str, str], name: str, label: str) -> int:
    raw = form[name]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 4:
        raise slots.SlotError(f"{label}请填写正整数", name)
    return int(raw)


def _start(form: dict[str, str]) -> dt.datetime:
    """The form's date and start time (Beijing) as naive UTC."""
    try:
        day = dt.date.fromisoformat(form["date"])
    except ValueError:
        raise slots.SlotError("请填写日期，格式如 2026-09-08", "date") from None
    matched = TIME.fullmatch(form["start"])
    if matched is None:
        raise slots.SlotError("请填写开始时间，格式如 14:00", "start")
    start = dt.datetime(day.year, day.month, day.day, int(matched[1]), int(matched[2]), tzinfo=CN_TZ)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


@bp.post("/hr/positions/<slug>/slots")
@hr_page
def publish(slug: str):
    """Publish one or more consecutive slots; nothing is saved unless all of them can be."""
    check_csrf()
    form = {name: (request.form.get(name) or "").strip()[:200] for name in DEFAULTS}
    with db_session():
        position, role = scope.position(slug)
        if role == INTERVIEWER:
            form["interviewer"] = g.userid  # an interviewer publishes their own times only
        try:
            made = slots.publish(position, form["interviewer"], _start(form),
                                 _number(form, "minutes", "时长"), count=_number(form, "count", "场次"),
                                 capacity=_number(form, "capacity", "每场人数"), place=form["place"],
                                 actor=g.userid)
        except slots.SlotError as exc:
            return _render(position, role, form=form, error={"field": exc.field, "message": exc.message},
                           status=400)
        return _render(position, role, done=f"已发布 {len(made)} 个时段：{slots.label(made[0])} 起")


@bp.post("/hr/positions/<slug>/slots/<int:slot_id>/cancel")
@hr_page
def cancel(slug: str, slot_id: int):
    """Cancel a slot nobody booked (an interviewer: only their own)."""
    check_csrf()
    with db_session():
        position, role = scope.position(slug)
        slot = InterviewSlot.get_or_none((InterviewSlot.id == slot_id) & (InterviewSlot.position == position))
        if slot is None:
            abort(404, description="没有这个时段。")
        if role == INTERVIEWER and slot.interviewer != g.userid:
            abort(403, description="您只能取消自己发布的时段。")
        try:
            slots.cancel(slot.id, g.userid)
        except slots.SlotError as exc:
            return _render(position, role, error={"field": "", "message": exc.message}, status=409)
        return _render(position, role, done=f"已取消 {slots.label(slot)}")
