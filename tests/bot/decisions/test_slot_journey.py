"""The candidate's side of published second-round slots, end to end through the sandbox: passed → the 复试通知 with
a link to pick a time → the page (no script, Beijing times) → book → confirmed on the page and by e-mail with an
.ics, the recruiter told, the interviewer's WeCom calendar holding the event."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlparse

import pytest

from tests.support.bulk import calendar_event, mailbox
from tests.support.chat import cards, click, texts
from tests.support.h5 import reported

# SQLite only: the booking lock's PostgreSQL side is tests/bot/decisions/test_slots.py's race
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

CN = dt.timezone(dt.timedelta(hours=8))


def working_day_ahead(days: int = 2) -> dt.date:
    """The first working day in China at least `days` from today (the tests run on the real clock)."""
    from bot.decisions.slots import working_day

    day = dt.datetime.now(CN).date() + dt.timedelta(days=days)
    while not working_day(day)[0]:
        day += dt.timedelta(days=1)
    return day


def publish_two(position, interviewer: str = "iv_zhao"):
    from bot.decisions import slots

    day = working_day_ahead()
    start = dt.datetime(day.year, day.month, day.day, 14, tzinfo=CN).astimezone(dt.UTC).replace(tzinfo=None)
    return slots.publish(position, interviewer, start, 30, count=2, place="3楼第2会议室", actor="hr_li")


def test_a_passed_candidate_picks_a_published_slot_and_gets_it_confirmed_with_a_calendar_entry(stack):
    from bot.decisions import slots
    from bot.store.models import Appointment, Candidate, Invitation, Position

    first, second = publish_two(Position.get())
    card = reported(stack)
    # reached by e-mail from here on, so the confirmation carries the .ics
    candidate = Candidate.get(Candidate.wecom_userid == "zhangsan")
    candidate.email = "zhangsan@example.com"
    candidate.save()
    Invitation.update(channel="email").execute()
    click(stack, "hr_li", card, "pass")
    stack.drain()

    [notice] = [m for m in mailbox(stack, "zhangsan@example.com") if "恭喜您通过" in m["text"]]
    assert "选择您方便的时间" in notice["text"] and not notice["attachments"]
    assert Appointment.select().count() == 0  # nothing booked until they pick
    path = urlparse(re.search(r"https?://\S+/slots/\S+", notice["text"]).group()).path
    client = stack.app.test_client()
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script" not in html and "style=" not in html
    assert slots.label(first) in html and slots.label(second) in html and "3楼第2会议室" in html
    assert re.search(r"\d+月\d+日（周[一二三四五六日]）14:00–14:30", html)

    assert client.post(path, data={}).status_code == 400  # nothing picked: said on the page
    booked = client.post(path, data={"slot": str(first.id)})
    assert booked.status_code == 200 and "已为您预约「柜员」复试" in booked.get_data(as_text=True)
    appointment = Appointment.get()
    assert (appointment.slot_id, appointment.starts_at, appointment.version) == (first.id, first.starts_at, 1)
    stack.drain()
    [confirmation] = [m for m in mailbox(stack, "zhangsan@example.com") if "复试改到" in m["text"]]
    event = calendar_event(confirmation)
    assert event.decoded("DTSTART").replace(tzinfo=None) == first.starts_at and int(event["SEQUENCE"]) == 0
    assert any("选好了「柜员」复试时间" in t and "iv_zhao" in t for t in texts(stack, "hr_li"))
    [schedule] = stack.api("GET", "schedules", params={"userid": "iv_zhao"})["schedules"]
    assert schedule["start_time"] == int(first.starts_at.replace(tzinfo=dt.UTC).timestamp())
    assert schedule["attendees"] == [{"userid": "iv_zhao"}] and "柜员" in schedule["summary"]
    assert "zhangsan" not in str(schedule)  # the candidate's name stays out of the interviewer's calendar

    # Another time: the same appointment moves, a higher SEQUENCE replaces the calendar entry
    moved = client.post(path, data={"slot": str(second.id)})
    assert moved.status_code == 200 and Appointment.get().version == 2
    stack.drain()
    changes = [m for m in mailbox(stack, "zhangsan@example.com") if "复试改到" in m["text"]]
    again = calendar_event(changes[-1])
    assert again["UID"] == event["UID"] and int(again["SEQUENCE"]) == 1
    [moved_event] = stack.api("GET", "schedules", params={"userid": "iv_zhao"})["schedules"]  # the first one went
    assert moved_event["start_time"] == int(second.starts_at.replace(tzinfo=dt.UTC).timestamp())
    # the first slot is free again; a forged link is a plain 404
    assert [s.id for s in slots.free_slots(Position.get())] == [first.id]
    assert client.get("/slots/forged").status_code == 404


def test_a_slot_taken_meanwhile_is_said_on_the_page_with_the_next_one_offered(stack):
    from bot.decisions import slots
    from bot.links import slot_link
    from bot.store.models import Candidate, Invitation, Position

    first, second = publish_two(Position.get())
    card = reported(stack)
    click(stack, "hr_li", card, "pass")
    stack.drain()
    [notice] = [t for t in texts(stack, "zhangsan") if "恭喜您通过" in t]
    assert "/slots/" in notice
    invitation = Invitation.get()
    other = Invitation.create(position=invitation.position, candidate=Candidate.create(wecom_userid="lisi"),
                              invited_by="hr_li",
                              expires_at=invitation.expires_at)
    assert slots.book(other, first.id, "someone").status == "booked"  # the last seat goes meanwhile
    path = urlparse(slot_link(stack.settings, invitation)).path
    answer = stack.app.test_client().post(path, data={"slot": str(first.id)})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "刚刚约满" in text and slots.label(second) in text
    assert cards(stack, "hr_li")  # nothing else disturbed


def test_a_candidate_reached_only_by_sms_gets_the_fixed_slot_by_sms(stack):
    """A pick-a-time link is free text no approved SMS template carries: an SMS-only candidate is not sent one for
    the recruiter to pass on, but the position's fixed slot by SMS, as before slots existed."""
    from bot.store.models import Appointment, Position
    from tests.support.bulk import TELLER, phone, sheet, upload
    from tests.support.h5 import take_interview

    publish_two(Position.get())
    upload(stack, sheet([["王五", "13912340001", "本科", "金融学", "3", TELLER]],
                        ("姓名", "手机", "学历", "专业", "工作年限", "简历")))
    stack.drain()
    code = re.search(r"/s/(\w+)", phone(stack, "+8613912340001")[0]["text"]).group(1)
    take_interview(stack, stack.app.test_client().get(f"/s/{code}").headers["Location"])
    stack.drain()
    [card] = cards(stack, "hr_li")
    click(stack, "hr_li", card, "pass")
    stack.drain()
    notice = phone(stack, "+8613912340001")[-1]["text"]
    assert "已通过柜员岗位初试" in notice and "/slots/" not in notice
    assert Appointment.get().slot_id is None  # the fixed slot, not a published one
    assert not any("/slots/" in t for t in texts(stack, "hr_li"))
