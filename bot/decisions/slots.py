"""Second-round times that interviewers publish for a position, and candidates booking them.

A slot is refused when it is in the past, ends before it starts, overlaps another live slot of the same interviewer
(for any position), or falls on a day that is not a working day in China: weekends and public holidays are
refused, adjusted working days (调休上班) allowed, by the `chinesecalendar` package's data; for a year the package
does not know yet, weekdays count and the answer says so.

Booking is safe under races: the slot's seats are counted and taken inside one write transaction that first locks
the slot (SQLite: the write lock, BEGIN IMMEDIATE; PostgreSQL: the slot's row, SELECT … FOR UPDATE), so of two
candidates racing for the last seat exactly one gets it and the other is offered the next free slot. Booking creates
the invitation's second_round Appointment or moves it (its version goes up, so the new .ics replaces the old one).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import chinese_calendar
import peewee as pw

from bot.clock import beijing, day_label, span_label, utcnow
from bot.store.db import database, write_transaction
from bot.store.models import Appointment, AuditLog, InterviewSlot, Invitation, Position

KIND = "second_round"
MAX_BATCH = 20  # consecutive slots in one publish
MAX_CAPACITY = 50
MAX_MINUTES = 8 * 60
USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


class SlotError(ValueError):
    """A slot that cannot be published (or cancelled): message is for people, field names the form's field."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Booking:
    """What booking answered: booked (appointment set), or full / gone with the next free slot offered, if any."""

    status: str  # booked | same | full | gone
    appointment: Appointment | None = None
    offer: InterviewSlot | None = None
    moved: bool = False


def label(slot: InterviewSlot) -> str:
    """'12月7日（周一）14:00–14:30' in Beijing time."""
    return span_label(slot.starts_at, slot.ends_at)


def working_day(day: dt.date) -> tuple[bool, str]:
    """Whether people work on day in China, and a note when the holiday data does not cover its year."""
    try:
        return chinese_calendar.is_workday(day), ""
    except NotImplementedError:  # the package ships each year's State Council notice; later years are unknown
        return day.weekday() < 5, f"{day.year}年的法定节假日安排尚未收录，只按周一至周五判断"


def _check_day(start_cn: dt.datetime) -> str:
    """'' when the Beijing day of start is a working day; else why not (with the note about unknown years)."""
    works, note = working_day(start_cn.date())
    if works:
        return ""
    day = day_label(start_cn)
    why = "是周末" if start_cn.weekday() >= 5 else "是法定节假日"
    return f"{day}{why}，不是工作日，请选择工作日" + (f"（{note}）" if note else "")


def _overlapping(interviewer: str, starts_at: dt.datetime, ends_at: dt.datetime) -> InterviewSlot | None:
    return (InterviewSlot.select()
            .where((InterviewSlot.interviewer == interviewer) & InterviewSlot.cancelled_at.is_null()
                   & (InterviewSlot.starts_at < ends_at) & (InterviewSlot.ends_at > starts_at))
            .first())


def publish(position: Position, interviewer: str, starts_at: dt.datetime, minutes: int, *, count: int = 1,
            capacity: int = 1, place: str = "", actor: str) -> list[InterviewSlot]:
    """Publish count consecutive slots of minutes each from starts_at (naive UTC); all or none (SlotError)."""
    if not USERID.fullmatch(interviewer or ""):
        raise SlotError("请填写面试官的企业微信账号（字母、数字、_.@-）", "interviewer")
    if not 1 <= minutes <= MAX_MINUTES:
        raise SlotError(f"时长须在 1 到 {MAX_MINUTES} 分钟之间（结束时间不能早于开始时间）", "minutes")
    if not 1 <= count <= MAX_BATCH:
        raise SlotError(f"连续场次须在 1 到 {MAX_BATCH} 之间", "count")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise SlotError(f"每场人数须在 1 到 {MAX_CAPACITY} 之间", "capacity")
    if len(place) > 128:
        raise SlotError("地点或会议链接最多 128 个字符", "place")
    times = [(starts_at + dt.timedelta(minutes=minutes * i), starts_at + dt.timedelta(minutes=minutes * (i + 1)))
             for i in range(count)]
    return _publish(position, interviewer, times, capacity, place, actor)


def publish_one(position: Position, interviewer: str, starts_at: dt.datetime, ends_at: dt.datetime, *,
                capacity: int = 1, place: str = "", actor: str) -> InterviewSlot:
    """Publish one slot from starts_at to ends_at (naive UTC); SlotError when it ends before it starts."""
    if ends_at <= starts_at:
        raise SlotError("结束时间必须晚于开始时间", "minutes")
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    if starts_at + dt.timedelta(minutes=minutes) != ends_at:
        raise SlotError("开始和结束时间请精确到分钟", "minutes")
    return publish(position, interviewer, starts_at, minutes, capacity=capacity, place=place, actor=actor)[0]


def _publish(position: Position, interviewer: str, times: list[tuple[dt.datetime, dt.datetime]], capacity: int,
             place: str, actor: str) -> list[InterviewSlot]:
    now = utcnow()
    for start, end in times:
        if start <= now:
            raise SlotError("开始时间已经过去，请选择以后的时间", "date")
        start_cn, end_cn = beijing(start), beijing(end - dt.timedelta(microseconds=1))
        if start_cn.date() != end_cn.date():
            raise SlotError("一场面试须在同一天内结束", "count")
        refusal = _check_day(start_cn)
        if refusal:
            raise SlotError(refusal, "date")
    created = []
    with write_transaction():  # the overlap check and the inserts see the same slots
        for start, end in times:
            clash = _overlapping(interviewer, start, end)
            if clash is not None:
                raise SlotError(f"与 {interviewer} 已发布的时段（{label(clash)}）重叠", "start")
            created.append(InterviewSlot.create(position=position, interviewer=interviewer, starts_at=start,
                                                ends_at=end, place=place, capacity=capacity, created_by=actor))
        AuditLog.create(actor=actor, action="slot_publish", target_type="position", target_id=str(position.id),
                        detail={"slots": [s.id for s in created], "interviewer": interviewer,
                                "first": label(created[0]), "capacity": capacity})
    return created


def cancel(slot_id: int, actor: str) -> InterviewSlot:
    """Cancel a slot nobody booked (SlotError otherwise); audited."""
    with write_transaction():
        slot = _locked(slot_id)
        if slot is None or slot.cancelled_at is not None:
            raise SlotError("这个时段不存在或已取消")
        if taken(slot):
            raise SlotError("这个时段已有候选人预约：请填写取消原因（会告知已预约的候选人），或先为他们改期", "reason")
        InterviewSlot.update(cancelled_at=utcnow()).where(InterviewSlot.id == slot.id).execute()
        AuditLog.create(actor=actor, action="slot_cancel", target_type="interview_slot", target_id=str(slot.id),
                        detail={"position": slot.position_id, "when": label(slot)})
    return InterviewSlot.get_by_id(slot.id)


def cancel_booked(slot_id: int, actor: str, reason: str) -> tuple[InterviewSlot, list[Appointment]]:
    """Cancel a slot and every booking in it (each appointment cancelled, its version bumped); audited. Return the
    slot and the cancelled appointments, whose candidates the caller tells."""
    reason = check_reason(reason)
    with write_transaction():
        slot = _locked(slot_id)
        if slot is None or slot.cancelled_at is not None:
            raise SlotError("这个时段不存在或已取消")
        ids = [a.id for a in bookings(slot)]
        InterviewSlot.update(cancelled_at=utcnow()).where(InterviewSlot.id == slot.id).execute()
        _cancel_appointments(ids, actor)
        AuditLog.create(actor=actor, action="slot_cancel", target_type="interview_slot", target_id=str(slot.id),
                        detail={"position": slot.position_id, "when": label(slot), "bookings": ids,
                                "reason": reason})
    return InterviewSlot.get_by_id(slot.id), list(Appointment.select().where(Appointment.id.in_(ids or [0])))


def cancel_booking(appointment_id: int, actor: str, reason: str) -> Appointment:
    """Cancel one booked second round (its seat is free again, its version bumped); audited."""
    reason = check_reason(reason)
    with write_transaction():
        appointment = Appointment.get_or_none((Appointment.id == appointment_id) & (Appointment.kind == KIND))
        if appointment is None or appointment.status != "scheduled":
            raise SlotError("这个预约不存在或已取消")
        _cancel_appointments([appointment.id], actor)
        AuditLog.create(actor=actor, action="slot_booking_cancel", target_type="appointment",
                        target_id=str(appointment.id),
                        detail={"slot": appointment.slot_id, "invitation": appointment.invitation_id,
                                "reason": reason})
    return Appointment.get_by_id(appointment.id)


def check_reason(reason: str) -> str:
    """The reason HR gave, tidied; SlotError when empty or too long (it is told to the candidate)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise SlotError("请填写原因（会告知候选人）", "reason")
    if len(reason) > 200:
        raise SlotError("原因最多 200 个字", "reason")
    return reason


def _cancel_appointments(ids: list[int], actor: str) -> None:
    if ids:
        Appointment.update(status="cancelled", version=Appointment.version + 1, updated_by=actor,
                           reminded_at=None).where(Appointment.id.in_(ids)).execute()


def bookings(slot: InterviewSlot) -> pw.SelectQuery:
    """The second rounds booked into slot."""
    return Appointment.select().where((Appointment.slot == slot) & (Appointment.kind == KIND)
                                      & (Appointment.status == "scheduled"))


def taken(slot: InterviewSlot) -> int:
    """How many seats of slot are booked."""
    return bookings(slot).count()


def free_slots(position: Position | int, *, limit: int = 60) -> list[InterviewSlot]:
    """The position's future, live slots with a seat left, earliest first."""
    booked = (Appointment.select(pw.fn.COUNT(Appointment.id))
              .where((Appointment.slot == InterviewSlot.id) & (Appointment.kind == KIND)
                     & (Appointment.status == "scheduled")))
    return list(InterviewSlot.select()
                .where((InterviewSlot.position == position) & InterviewSlot.cancelled_at.is_null()
                       & (InterviewSlot.starts_at > utcnow()) & (booked < InterviewSlot.capacity))
                .order_by(InterviewSlot.starts_at, InterviewSlot.id)
                .limit(limit))


def _locked(slot_id: int) -> InterviewSlot | None:
    """The slot, its row locked until the transaction ends (PostgreSQL; SQLite's write lock covers everything)."""
    query = InterviewSlot.select().where(InterviewSlot.id == slot_id)
    if getattr(database.obj, "for_update", False):
        query = query.for_update()
    return query.first()


def book(invitation: Invitation, slot_id: int, actor: str, *, reason: str = "") -> Booking:
    """Book slot_id as the invitation's second round (or move it there; reason: HR's, audited); full or gone offers
    the next free slot."""
    with write_transaction():
        slot = _locked(slot_id)
        current = Appointment.get_or_none((Appointment.invitation == invitation) & (Appointment.kind == KIND))
        if slot is None or slot.position_id != invitation.position_id or slot.cancelled_at is not None \
                or slot.starts_at <= utcnow():
            return Booking("gone", offer=_next(invitation, slot_id))
        if current is not None and current.slot_id == slot.id and current.status == "scheduled":
            return Booking("same", current)
        if taken(slot) >= slot.capacity:
            return Booking("full", offer=_next(invitation, slot_id))
        fields = {"starts_at": slot.starts_at, "ends_at": slot.ends_at, "place": slot.place, "slot": slot,
                  "updated_by": actor, "status": "scheduled", "reminded_at": None}
        if current is None:
            appointment = Appointment.create(invitation=invitation, kind=KIND, contact=invitation.invited_by,
                                             **fields)
        else:
            Appointment.update(version=Appointment.version + 1, **fields).where(
                Appointment.id == current.id).execute()
            appointment = Appointment.get_by_id(current.id)
        AuditLog.create(actor=actor, action="slot_book", target_type="appointment", target_id=str(appointment.id),
                        detail={"slot": slot.id, "when": label(slot), "moved": current is not None,
                                **({"reason": reason} if reason else {})})
    return Booking("booked", appointment, moved=current is not None)


def _next(invitation: Invitation, not_this: int) -> InterviewSlot | None:
    return next((s for s in free_slots(invitation.position_id, limit=5) if s.id != not_this), None)
