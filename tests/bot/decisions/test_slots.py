"""Second-round slots (bot/decisions/slots.py): what may be published, and two candidates racing for the last seat
(on SQLite and PostgreSQL, real threads with their own connections)."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

CN = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 1, 2, 0)  # naive UTC: 10:00 Beijing time, 1 September 2026


def utc(y: int, m: int, d: int, hh: int, mm: int = 0) -> dt.datetime:
    """A Beijing wall-clock time as naive UTC."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=CN).astimezone(dt.UTC).replace(tzinfo=None)


@pytest.fixture
def clock(env, monkeypatch):
    monkeypatch.setattr("bot.decisions.slots.utcnow", lambda: NOW)
    from bot.store.models import Position

    return Position.get()


def invitation(position, n: int):
    from bot.store.models import Candidate, Invitation

    candidate = Candidate.create(wecom_userid=f"cand{n}", name=f"候选人{n}")
    return Invitation.create(position=position, candidate=candidate, invited_by="hr_li", status="completed",
                             expires_at=NOW + dt.timedelta(days=7))


def refusal(position, start: dt.datetime, minutes: int = 30, interviewer: str = "iv_zhao", **kw) -> str:
    from bot.decisions import slots

    with pytest.raises(slots.SlotError) as caught:
        slots.publish(position, interviewer, start, minutes, actor="hr_li", **kw)
    return caught.value.message


def test_publish_rules_past_overlap_holidays_and_adjusted_working_days(clock):
    from bot.decisions import slots
    from bot.store.models import AuditLog, InterviewSlot

    position = clock
    assert "已经过去" in refusal(position, utc(2026, 8, 31, 14))
    assert "结束时间必须晚于开始时间" in pytest.raises(
        slots.SlotError, slots.publish_one, position, "iv_zhao", utc(2026, 9, 8, 15), utc(2026, 9, 8, 14),
        actor="hr_li").value.message
    assert "法定节假日" in refusal(position, utc(2026, 10, 1, 10))  # 国庆节, a Thursday
    assert "周末" in refusal(position, utc(2026, 9, 12, 10))  # an ordinary Saturday
    # 2026-09-20 is a Sunday worked instead of a day of the 国庆 holiday (调休上班): allowed
    [sunday] = slots.publish(position, "iv_zhao", utc(2026, 9, 20, 14), 30, actor="hr_li")
    assert slots.label(sunday) == "9月20日（周日）14:00–14:30"
    made = slots.publish(position, "iv_zhao", utc(2026, 9, 8, 14), 30, count=3, capacity=2, place="3楼会议室",
                         actor="hr_li")
    assert [slots.label(s)[-11:] for s in made] == ["14:00–14:30", "14:30–15:00", "15:00–15:30"]
    message = refusal(position, utc(2026, 9, 8, 14, 45), 60)  # runs into the 2nd and 3rd
    assert "重叠" in message and "9月8日（周二）14:30–15:00" in message
    slots.publish(position, "iv_qian", utc(2026, 9, 8, 14, 45), 60, actor="hr_li")  # another interviewer: fine
    assert "同一天" in refusal(position, utc(2026, 9, 8, 23, 30), 60)
    assert refusal(position, utc(2026, 9, 9, 10), capacity=0).startswith("每场人数")
    assert InterviewSlot.select().count() == 5
    assert AuditLog.select().where(AuditLog.action == "slot_publish").count() == 3


def test_a_year_the_holiday_data_does_not_know_counts_weekdays_and_says_so(clock):
    from bot.decisions import slots

    assert slots.working_day(dt.date(2099, 1, 5)) == (True, "2099年的法定节假日安排尚未收录，只按周一至周五判断")
    message = refusal(clock, utc(2099, 1, 3, 10))  # a Saturday
    assert "周末" in message and "尚未收录" in message


def test_cancel_only_an_unbooked_slot(clock):
    from bot.decisions import slots

    one, two = slots.publish(clock, "iv_zhao", utc(2026, 9, 8, 14), 30, count=2, actor="hr_li")
    assert slots.book(invitation(clock, 1), one.id, "cand1").status == "booked"
    with pytest.raises(slots.SlotError, match="已有候选人预约"):
        slots.cancel(one.id, "hr_li")
    assert slots.cancel(two.id, "hr_li").cancelled_at is not None
    assert slots.free_slots(clock) == []


def test_two_candidates_racing_for_the_last_seat_one_wins_the_other_is_offered_the_next(clock, monkeypatch):
    from bot.decisions import slots
    from bot.store.db import db_session
    from bot.store.models import Appointment

    last, spare = slots.publish(clock, "iv_zhao", utc(2026, 9, 8, 14), 30, count=2, actor="hr_li")
    racers = [invitation(clock, 1), invitation(clock, 2)]
    counted = threading.Barrier(2, timeout=1.5)
    real_taken = slots.taken

    def slow_taken(slot):
        seats = real_taken(slot)
        try:  # without the lock both count 0 here, then both write; with it the second waits before counting
            counted.wait()
        except threading.BrokenBarrierError:
            pass
        return seats

    monkeypatch.setattr(slots, "taken", slow_taken)
    answers: dict[int, object] = {}

    def race(i: int) -> None:
        with db_session():
            answers[i] = slots.book(racers[i], last.id, f"cand{i}")

    threads = [threading.Thread(target=race, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert sorted(a.status for a in answers.values()) == ["booked", "full"]
    [lost] = [a for a in answers.values() if a.status == "full"]
    assert lost.offer.id == spare.id
    assert Appointment.select().where(Appointment.slot == last.id).count() == 1
    assert [s.id for s in slots.free_slots(clock)] == [spare.id]


def test_booking_again_moves_the_appointment_and_bumps_its_version(clock):
    from bot.decisions import slots
    from bot.decisions.results import when_text

    first, second = slots.publish(clock, "iv_zhao", utc(2026, 9, 8, 14), 30, count=2, actor="hr_li")
    who = invitation(clock, 1)
    booked = slots.book(who, first.id, "cand1").appointment
    assert (booked.version, booked.slot_id, booked.starts_at) == (1, first.id, first.starts_at)
    assert when_text(booked) == slots.label(first) == "9月8日（周二）14:00–14:30"  # picked = confirmed
    assert slots.book(who, first.id, "cand1").status == "same"
    moved = slots.book(who, second.id, "cand1")
    assert moved.moved and moved.appointment.id == booked.id and moved.appointment.version == 2
    assert moved.appointment.starts_at == second.starts_at
    assert slots.book(who, 9999, "cand1").status == "gone"
