"""A booked second round that changes, end to end through the sandbox: the candidate asks in chat and is offered the
free slots, a time that falls in one books it; HR moves the candidate to another interviewer's slot and then cancels
the booking on the slots page (a reason required, the candidate told); HR cancels a slot with bookings. The
interviewer's WeCom calendar event follows every step (oa/schedule/update, del, add) and the candidate's .ics keeps
its UID with a higher SEQUENCE each time, ending in a METHOD:CANCEL."""
from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from tests.bot.decisions.test_slot_journey import CN, working_day_ahead
from tests.support.bulk import mailbox
from tests.support.chat import texts
from tests.support.hr import csrf, login

# SQLite only: the booking lock's PostgreSQL side is tests/bot/decisions/test_slots.py's race
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
MAIL = "zhangsan@example.com"


def passed_candidate(position, userid: str = "zhangsan", email: str = MAIL):
    """A candidate (a WeCom member reached by e-mail, so messages carry the .ics) whose AI interview HR passed."""
    from bot.store.models import Candidate, Decision, Interview, Invitation

    candidate = Candidate.create(wecom_userid=userid, name="张三", email=email)
    invitation = Invitation.create(position=position, candidate=candidate, invited_by="hr_li", channel="email",
                                   status="completed", expires_at=dt.datetime(2099, 1, 1))
    interview = Interview.create(invitation=invitation, status="completed")
    Decision.create(interview=interview, outcome="pass", decided_by="hr_li")
    return invitation


def ics_of(message: dict) -> tuple[str, object]:
    """(METHOD, VEVENT) of the e-mail's calendar attachment."""
    [ics] = [a for a in message["attachments"] if a["content_type"] == "text/calendar"]
    calendar = Calendar.from_ical(ics["content"])
    return str(calendar["METHOD"]), calendar.walk("VEVENT")[0]


def shown(slot, text: str) -> bool:
    """Whether the slot's Beijing time is in a message, as the page writes it (spaces and all)."""
    from bot.decisions import slots

    return slots.label(slot) in text


def seconds(moment: dt.datetime) -> int:
    return int(moment.replace(tzinfo=dt.UTC).timestamp())


def test_chat_books_a_free_slot_hr_moves_then_cancels_and_the_calendar_and_ics_follow(stack):
    from bot.decisions import booking, slots
    from bot.store.models import Appointment, AuditLog, Position

    position = Position.get()
    day = working_day_ahead()
    start = dt.datetime(day.year, day.month, day.day, 14, tzinfo=CN).astimezone(dt.UTC).replace(tzinfo=None)
    first, second = slots.publish(position, "iv_zhao", start, 30, count=2, place="3楼", actor="hr_li")
    [third] = slots.publish(position, "iv_qian", start + dt.timedelta(hours=2), 30, place="视频", actor="hr_li")
    invitation = passed_candidate(position)
    assert booking.pick(invitation, first.id).status == "booked"
    stack.drain()
    [event] = stack.api("GET", "schedules")["schedules"]
    _, booked = ics_of(mailbox(stack, MAIL)[-1])

    # Asking in chat for another time: the free slots (not the one held), Beijing time, and the page's link
    stack.say("zhangsan", "我想改个时间")
    stack.drain()
    offer = mailbox(stack, MAIL)[-1]["text"]
    assert "可预约的复试时间" in offer and shown(second, offer) and shown(third, offer)
    assert not shown(first, offer) and "/slots/" in offer
    # A time that falls in a free slot books it: the same event is updated, the .ics replaces the entry
    stack.say("zhangsan", f"改到{booking.example(second)}可以吗")
    stack.drain()
    appointment = Appointment.get()
    assert (appointment.slot_id, appointment.version) == (second.id, 2)
    [moved] = stack.api("GET", "schedules")["schedules"]
    assert moved["schedule_id"] == event["schedule_id"] and moved["start_time"] == seconds(second.starts_at)
    assert len(stack.calls("oa/schedule/update")) == 1 and not stack.calls("oa/schedule/del")
    method, again = ics_of(mailbox(stack, MAIL)[-1])
    assert method == "PUBLISH" and again["UID"] == booked["UID"] and int(again["SEQUENCE"]) == 1

    # HR moves the candidate to another interviewer's slot, with a reason the candidate is told
    url = f"{stack.base}/hr/positions/{position.slug}/slots"
    hr = login(stack, "hr_li")
    page = hr.get(url, timeout=30)
    assert f'data-booking="{appointment.id}"' in page.text
    done = hr.post(f"{url}/bookings/{appointment.id}/move",
                   data={"csrf": csrf(page.text), "slot": str(third.id), "reason": "面试官临时出差"}, timeout=30)
    assert done.status_code == 200 and "已改到" in done.text
    stack.drain()
    told = mailbox(stack, MAIL)[-1]
    assert "面试官临时出差" in told["text"] and int(ics_of(told)[1]["SEQUENCE"]) == 2
    assert stack.api("GET", "schedules", params={"userid": "iv_zhao"})["schedules"] == []
    [theirs] = stack.api("GET", "schedules", params={"userid": "iv_qian"})["schedules"]
    assert theirs["start_time"] == seconds(third.starts_at) and theirs["location"] == "视频"

    # Cancelling needs a reason (said at the row, nothing changed); with one: CANCEL .ics, free slots offered
    refused = hr.post(f"{url}/bookings/{appointment.id}/cancel", data={"csrf": csrf(page.text), "reason": " "},
                      timeout=30)
    assert refused.status_code == 400 and 'data-testid="row-error"' in refused.text and "请填写原因" in refused.text
    assert Appointment.get().status == "scheduled"
    cancelled = hr.post(f"{url}/bookings/{appointment.id}/cancel",
                        data={"csrf": csrf(page.text), "reason": "岗位暂停招聘"}, timeout=30)
    assert cancelled.status_code == 200 and Appointment.get().status == "cancelled"
    stack.drain()
    last = mailbox(stack, MAIL)[-1]
    method, gone = ics_of(last)
    assert method == "CANCEL" and gone["UID"] == booked["UID"] and int(gone["SEQUENCE"]) == 3
    assert str(gone["STATUS"]) == "CANCELLED"
    assert "岗位暂停招聘" in last["text"] and shown(first, last["text"]) and "/slots/" in last["text"]
    assert stack.api("GET", "schedules")["schedules"] == []
    assert [s.id for s in slots.free_slots(position)] == [first.id, second.id, third.id]
    actions = [(a.actor, a.action, (a.detail or {}).get("reason")) for a in AuditLog.select().where(
        AuditLog.action.in_(["slot_book", "slot_booking_cancel"])).order_by(AuditLog.id)]
    me = f"candidate:{invitation.candidate_id}"
    assert actions == [(me, "slot_book", None), (me, "slot_book", None),
                       ("hr_li", "slot_book", "面试官临时出差"), ("hr_li", "slot_booking_cancel", "岗位暂停招聘")]


def test_cancelling_a_booked_slot_needs_a_reason_and_tells_its_candidates_with_free_slots(stack):
    from bot.decisions import booking, slots
    from bot.org import team
    from bot.store.models import Appointment, InterviewSlot, Position

    position = Position.get()
    team.assign(position, None, team.parse_team({"interviewers": ["iv_zhao"]}), "test")
    day = working_day_ahead()
    start = dt.datetime(day.year, day.month, day.day, 10, tzinfo=CN).astimezone(dt.UTC).replace(tzinfo=None)
    full, spare = slots.publish(position, "iv_zhao", start, 60, count=2, capacity=2, actor="hr_li")
    one = passed_candidate(position)
    two = passed_candidate(position, "lisi", "lisi@example.com")
    assert booking.pick(one, full.id).status == booking.pick(two, full.id).status == "booked"
    stack.drain()
    url = f"{stack.base}/hr/positions/{position.slug}/slots"
    interviewer = login(stack, "iv_zhao", f"/hr/positions/{position.slug}/slots")
    page = interviewer.get(url, timeout=30)
    refused = interviewer.post(f"{url}/{full.id}/cancel", data={"csrf": csrf(page.text)}, timeout=30)
    assert refused.status_code == 409 and "请填写取消原因" in refused.text
    assert InterviewSlot.get_by_id(full.id).cancelled_at is None
    done = interviewer.post(f"{url}/{full.id}/cancel", data={"csrf": csrf(page.text), "reason": "会议室维修"},
                            timeout=30)
    assert done.status_code == 200 and "通知了 2 位" in done.text
    assert {a.status for a in Appointment.select()} == {"cancelled"}
    stack.drain()
    for address in (MAIL, "lisi@example.com"):
        text = mailbox(stack, address)[-1]["text"]
        assert "会议室维修" in text and shown(spare, text) and not shown(full, text.split("原因")[1])
    assert stack.api("GET", "schedules")["schedules"] == []


def sent(key_part: str) -> list[str]:
    """The texts of the messages queued so far whose key has key_part (chat or e-mail), oldest first."""
    from bot.store.models import OutboundMessage

    found = OutboundMessage.select().where(OutboundMessage.idempotency_key.contains(key_part))
    return [str((m.payload.get("text") or {}).get("content", "") if isinstance(m.payload.get("text"), dict)
                else m.payload.get("text")) for m in found.order_by(OutboundMessage.id)]


def test_chat_offers_the_days_slots_and_a_seat_taken_meanwhile_offers_the_next(env, monkeypatch):
    from bot.decisions import reschedule, slots
    from bot.store.models import Appointment, Candidate, Invitation, Position

    position = Position.get()
    day = working_day_ahead(3)
    start = dt.datetime(day.year, day.month, day.day, 9, tzinfo=CN).astimezone(dt.UTC).replace(tzinfo=None)
    early = slots.publish(position, "iv_zhao", start - dt.timedelta(days=1), 30, actor="hr_li")[0]
    morning, later = slots.publish(position, "iv_zhao", start, 60, count=2, actor="hr_li")
    invitation = passed_candidate(position)

    # a day without a time of day: that day's slots come first, the question is not asked
    assert reschedule.reschedule(invitation, f"能改到{day.month}月{day.day}日吗", actor="zhangsan",
                                 request_key="k1") == "offered"
    [offer] = sent("k1:reply")
    assert shown(morning, offer) and shown(later, offer) and not shown(early, offer) and "/slots/" in offer
    # a time no slot has: said, with the free ones
    assert reschedule.reschedule(invitation, f"{day.month}月{day.day}日20点", actor="zhangsan",
                                 request_key="k2") == "offered"
    assert "没有可预约" in sent("k2:reply")[0]
    # the seat goes between reading the free slots and booking: the other's, and the next one is offered
    other = Invitation.create(position=position, candidate=Candidate.create(wecom_userid="lisi"),
                              invited_by="hr_li", expires_at=dt.datetime(2099, 1, 1))
    assert slots.book(other, morning.id, "lisi").status == "booked"
    monkeypatch.setattr(reschedule, "_free", lambda _: [morning, later])  # what was read before lisi booked
    assert reschedule.reschedule(invitation, f"{day.month}月{day.day}日9:30", actor="zhangsan",
                                 request_key="k3") == "taken"
    [taken] = sent("k3:reply")
    assert "刚刚约满" in taken and shown(later, taken)
    assert [a.invitation_id for a in Appointment.select()] == [other.id]  # nothing booked for the loser


def test_reminders_go_the_day_before_at_six_once_per_time_and_again_after_a_move(env, monkeypatch):
    from bot.decisions import booking, reminders, slots
    from bot.privacy.roles import masked_label
    from bot.store.models import Appointment, Position

    position = Position.get()
    day = working_day_ahead(3)
    start = dt.datetime(day.year, day.month, day.day, 14, tzinfo=CN).astimezone(dt.UTC).replace(tzinfo=None)
    first, second = slots.publish(position, "iv_zhao", start, 30, count=2, place="3楼", actor="hr_li")
    invitation = passed_candidate(position)
    booked = booking.pick(invitation, first.id).appointment
    key = f"second-round-reminder:{booked.id}"
    eve = dt.datetime(day.year, day.month, day.day, 18, tzinfo=CN) - dt.timedelta(days=1)
    at = {"now": eve.astimezone(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=1)}
    monkeypatch.setattr(reminders, "utcnow", lambda: at["now"])

    assert reminders.send_second_round_reminders() == 0  # 17:59 the day before
    at["now"] += dt.timedelta(minutes=1)
    assert reminders.send_second_round_reminders() == 1
    assert reminders.send_second_round_reminders() == 0  # claimed: once
    [mine] = sent(f"{key}:1:candidate")
    assert "提醒" in mine and "14:00" in mine and "3楼" in mine
    [theirs] = sent(f"{key}:1:interviewer")
    assert masked_label(invitation.candidate) in theirs and "张三" not in theirs
    # moved: the new time is reminded of (booked less than a day ahead: at once)
    assert booking.pick(invitation, second.id).status == "booked"
    at["now"] += dt.timedelta(hours=18)  # 12:00 on the day, the new slot at 14:30
    assert reminders.send_second_round_reminders() == 1 and "14:30" in sent(f"{key}:2:candidate")[0]
    booking.cancel(Appointment.get(), "面试官请假", "hr_li")
    assert Appointment.get().reminded_at is None and reminders.send_second_round_reminders() == 0


def test_hr_rescheduling_by_chat_to_a_published_slots_time_books_the_slot(stack, monkeypatch):
    """/reschedule 张三 <a time inside a free published slot>: the candidate moves into the slot (its seat counted,
    the interviewer's event updated, the candidate told why, with the .ics); a time outside every slot stays a time
    of its own, and the slot it left is free again."""
    from bot.decisions import booking, reminders, slots
    from bot.decisions.results import when_text
    from bot.store.models import Appointment, OutboundMessage, Position

    position = Position.get()
    day = working_day_ahead()
    start = dt.datetime(day.year, day.month, day.day, 14, tzinfo=CN).astimezone(dt.UTC).replace(tzinfo=None)
    first, second = slots.publish(position, "iv_zhao", start, 30, count=2, place="3楼", actor="hr_li")
    invitation = passed_candidate(position)
    assert booking.pick(invitation, first.id).status == "booked"
    stack.drain()

    at = (second.starts_at + dt.timedelta(minutes=10)).replace(tzinfo=dt.UTC).astimezone(CN)
    stack.say("hr_wang", f"/reschedule zhangsan {at.month}月{at.day}日{at.hour}点{at.minute}分")
    stack.drain()
    appointment = Appointment.get()
    assert (appointment.slot_id, appointment.starts_at, appointment.updated_by) == (second.id, second.starts_at,
                                                                                    "hr_wang")
    assert (slots.taken(first), slots.taken(second)) == (0, 1)
    told = mailbox(stack, MAIL)[-1]
    assert "招聘人员调整了复试安排" in told["text"] and when_text(appointment) in told["text"]
    method, event = ics_of(told)
    assert method == "PUBLISH" and event.decoded("DTSTART").replace(tzinfo=None) == second.starts_at
    [moved] = stack.api("GET", "schedules")["schedules"]
    assert moved["start_time"] == seconds(second.starts_at)
    assert any("已把张三的「柜员」复试改到" in t for t in texts(stack, "hr_wang"))

    stack.say("hr_wang", f"/reschedule zhangsan {at.month}月{at.day}日17点")  # no slot then: a time of its own
    stack.drain()
    appointment = Appointment.get()
    assert appointment.slot_id is None and appointment.starts_at.replace(tzinfo=dt.UTC).astimezone(CN).hour == 17
    assert slots.taken(second) == 0
    [kept] = stack.api("GET", "schedules")["schedules"]  # still in iv_zhao's calendar, at 17:00
    assert kept["start_time"] == seconds(appointment.starts_at)
    # …and the day-before reminder still reaches the interviewer, though no slot names them any more
    monkeypatch.setattr(reminders, "utcnow", lambda: appointment.starts_at - dt.timedelta(hours=2))
    assert reminders.send_second_round_reminders() == 1
    [theirs] = sent(f"second-round-reminder:{appointment.id}:{appointment.version}:interviewer")
    assert "17:00" in theirs and "张三" not in theirs
    assert OutboundMessage.get(OutboundMessage.idempotency_key.contains(":interviewer")).recipient == "iv_zhao"
