"""HR's page of a position's second-round slots (/hr/positions/<slug>/slots): publish times candidates who pass may
pick (bot/decisions/slots.py), see who booked each one, move a booked candidate to another free slot or cancel their
booking (with a reason the candidate is told: bot/decisions/booking.py), cancel a slot (one with bookings: with a
reason; its candidates are told and offered the free slots).

Recruiters (and HR leads, admins) publish for any interviewer; an interviewer of the position publishes and cancels
and manages only their own (moving a candidate only into their own slots), and sees candidates masked (张*（#12）) as
everywhere else. A form that cannot be saved saves nothing and comes back with the message at its field (or at the
row it was about) and what was typed. Every publish, move and cancel is audited (slots.py writes the AuditLog
rows)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, abort, g, render_template, request

from bot.clock import CN_TZ
from bot.decisions import booking, slots
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
    """The position's slots from SHOWN_DAYS ago on, each with its bookings (masked for interviewers) and what the
    viewer may do with them (an interviewer: their own slots only)."""
    since = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=SHOWN_DAYS)
    found = (InterviewSlot.select().where((InterviewSlot.position == position) & (InterviewSlot.starts_at >= since))
             .order_by(InterviewSlot.starts_at, InterviewSlot.id))
    free = slots.free_slots(position)
    rows = []
    for slot in found:
        booked = (slots.bookings(slot).select(Appointment, Invitation, Candidate)
                  .join(Invitation).join(Candidate).order_by(Appointment.id))
        people = [{"id": a.id, "name": a.invitation.candidate.display_name if can(role, "see_contacts")
                   else masked_label(a.invitation.candidate)} for a in booked]
        mine = role != INTERVIEWER or slot.interviewer == g.userid
        live = slot.cancelled_at is None
        rows.append({"id": slot.id, "when": slots.label(slot), "interviewer": slot.interviewer,
                     "place": slot.place or "-", "capacity": slot.capacity, "people": people,
                     "names": [p["name"] for p in people], "cancelled": not live,
                     "cancellable": mine and live, "manage": mine and live and bool(people),
                     "targets": [{"id": t.id, "when": slots.label(t)} for t in free if t.id != slot.id
                                 and (role != INTERVIEWER or t.interviewer == g.userid)]})
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


def _own_slot(position: Position, role: str, slot_id: int) -> InterviewSlot:
    """The position's slot, 404 when it has none such; 403 for an interviewer's not their own."""
    slot = InterviewSlot.get_or_none((InterviewSlot.id == slot_id) & (InterviewSlot.position == position))
    if slot is None:
        abort(404, description="没有这个时段。")
    if role == INTERVIEWER and slot.interviewer != g.userid:
        abort(403, description="您只能管理自己发布的时段。")
    return slot


@bp.post("/hr/positions/<slug>/slots/<int:slot_id>/cancel")
@hr_page
def cancel(slug: str, slot_id: int):
    """Cancel a slot (an interviewer: only their own); one with bookings needs a reason, and each candidate booked
    into it is told and offered the free slots."""
    check_csrf()
    reason = (request.form.get("reason") or "").strip()[:400]
    with db_session():
        position, role = scope.position(slug)
        slot = _own_slot(position, role, slot_id)
        try:
            if slots.taken(slot) and reason:
                told = booking.cancel_slot(slot, reason, g.userid)
                done = f"已取消 {slots.label(slot)}，并通知了 {len(told)} 位已预约的候选人"
            else:
                slots.cancel(slot.id, g.userid)
                done = f"已取消 {slots.label(slot)}"
        except slots.SlotError as exc:
            return _render(position, role, error={"field": "", "message": exc.message, "target": f"s{slot.id}",
                                                  "reason": reason}, status=409)
        return _render(position, role, done=done)


def _own_booking(position: Position, role: str, appointment_id: int) -> Appointment:
    """A scheduled booking in one of the position's slots the viewer may manage (404 / 403 otherwise)."""
    appointment = Appointment.get_or_none((Appointment.id == appointment_id) & (Appointment.kind == slots.KIND)
                                          & (Appointment.status == "scheduled"))
    if appointment is None or appointment.slot is None or appointment.slot.position_id != position.id:
        abort(404, description="没有这个预约，或它已被取消。")
    _own_slot(position, role, appointment.slot_id)
    return appointment


@bp.post("/hr/positions/<slug>/slots/bookings/<int:appointment_id>/move")
@hr_page
def move(slug: str, appointment_id: int):
    """Move a booked candidate to another free slot (with a reason the candidate is told)."""
    check_csrf()
    reason, raw = (request.form.get("reason") or "").strip()[:400], (request.form.get("slot") or "").strip()
    with db_session():
        position, role = scope.position(slug)
        appointment = _own_booking(position, role, appointment_id)
        who = {"target": f"b{appointment.id}", "reason": reason}
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
            return _render(position, role, error={"field": "", "message": "请选择要改到的时段", **who}, status=400)
        target = _own_slot(position, role, int(raw))
        try:
            answer = booking.move(appointment, target.id, reason, g.userid)
        except slots.SlotError as exc:
            return _render(position, role, error={"field": "", "message": exc.message, **who}, status=400)
        if answer.status == "same":
            return _render(position, role, error={"field": "", "message": "候选人已在这个时段", **who}, status=400)
        if answer.status != "booked":
            offer = f"；下一个可选时段：{slots.label(answer.offer)}" if answer.offer else ""
            return _render(position, role, error={"field": "", "message": f"这个时段已约满或已不可预约{offer}",
                                                  **who}, status=409)
        return _render(position, role, done=f"已改到 {slots.label(target)}，并通知了候选人")


@bp.post("/hr/positions/<slug>/slots/bookings/<int:appointment_id>/cancel")
@hr_page
def cancel_booking(slug: str, appointment_id: int):
    """Cancel one booking (with a reason the candidate is told, with the free slots offered)."""
    check_csrf()
    reason = (request.form.get("reason") or "").strip()[:400]
    with db_session():
        position, role = scope.position(slug)
        appointment = _own_booking(position, role, appointment_id)
        try:
            booking.cancel(appointment, reason, g.userid)
        except slots.SlotError as exc:
            return _render(position, role, error={"field": "", "message": exc.message,
                                                  "target": f"b{appointment.id}", "reason": reason}, status=400)
        return _render(position, role, done="已取消这个预约，并通知了候选人")
