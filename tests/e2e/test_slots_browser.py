"""Second-round slots in a real browser (Debian chromium via Playwright), with the pages' own Content-Security-Policy
on: a recruiter publishes two of an interviewer's slots on HR's page at desk size; the passed candidate picks one on
their phone (nothing wider than the screen, targets big enough to tap, no script needed) and sees it confirmed; two
candidates race for the last seat and exactly one gets it, with the .ics and the calendar event agreeing."""
from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from tests.bot.decisions.test_slot_journey import CN, working_day_ahead
from tests.e2e.test_hr_browser import SIZES, browser, open_as, shoot  # noqa: F401  (browser: the fixture)
from tests.support.browser import CHROMIUM, SMALL_TARGETS, watched
from tests.support.bulk import calendar_event, mailbox
from tests.support.chat import click, texts
from tests.support.h5 import reported
from tests.support.paths import OUTPUT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


def test_slots_are_published_and_the_candidate_picks_one_on_a_phone(browser, stack):  # noqa: F811
    from bot.org import team
    from bot.store.models import Appointment, InterviewSlot, Position

    position = Position.get()
    team.assign(position, None, team.parse_team({"interviewers": ["iv_zhao"]}), "test")
    hr = open_as(browser, stack, "hr_li", "desktop", f"/hr/positions/{position.slug}/slots")
    day = working_day_ahead()
    hr.fill("input[name=interviewer]", "iv_zhao")
    hr.fill("input[name=date]", day.isoformat())
    hr.fill("input[name=start]", "14:00")
    hr.fill("input[name=minutes]", "30")
    hr.fill("input[name=count]", "2")
    hr.fill("input[name=place]", "3楼第2会议室")
    hr.get_by_role("button", name=re.compile("发布")).click()
    hr.wait_for_selector("text=14:30–15:00")
    shoot(hr, "slots-hr-desktop")
    assert InterviewSlot.select().where(InterviewSlot.interviewer == "iv_zhao").count() == 2

    card = reported(stack)
    click(stack, "hr_li", card, "pass")
    stack.drain()
    [notice] = [t for t in texts(stack, "zhangsan") if "恭喜您通过" in t]
    link = re.search(r"https?://\S+/slots/\S+", notice).group().replace(stack.settings.public_base_url, stack.base)
    context = browser.new_context(locale="zh-CN", **SIZES["phone"])  # the policy on: no bypass_csp
    phone = context.new_page()
    problems = watched(phone)  # CSP refusals, a stylesheet not found, script errors
    phone.goto(link)
    assert phone.locator("input[type=radio]").count() == 2
    assert phone.evaluate(SMALL_TARGETS) == [] and phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("label.check").nth(1).click()
    phone.get_by_role("button").click()
    phone.wait_for_selector("text=已为您预约「柜员」复试")
    phone.screenshot(path=str(OUTPUT / "slots-phone.png"), full_page=True)
    context.close()
    booked = Appointment.get()
    start = dt.datetime(day.year, day.month, day.day, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert booked.starts_at == start.astimezone(dt.UTC).replace(tzinfo=None) and booked.slot_id is not None
    assert problems == []


def passed_by_email(position, userid: str):
    """A candidate reached by e-mail whose AI interview HR passed (rows made directly: the scoring is not the
    point here, tests/bot/decisions/test_slot_journey.py walks it)."""
    from bot.clock import utcnow
    from bot.store.models import Candidate, Decision, Interview, Invitation

    candidate = Candidate.create(wecom_userid=userid, name=userid, email=f"{userid}@example.com")
    invitation = Invitation.create(position=position, candidate=candidate, invited_by="hr_li", channel="email",
                                   status="completed", expires_at=utcnow() + dt.timedelta(days=7))
    interview = Interview.create(invitation=invitation, status="completed", completed_at=utcnow())
    Decision.create(interview=interview, outcome="pass", decided_by="hr_li")
    return invitation


def test_two_candidates_race_for_the_last_seat_and_the_calendar_and_ics_agree(browser, stack):  # noqa: F811
    """Two candidates on their phones send the same last seat at once: one books it, the other is told on the page
    that it was just taken and is offered the next free time; the winner's .ics and the interviewer's WeCom calendar
    event say the same time and place."""
    from bot.decisions import slots
    from bot.links import slot_link
    from bot.store.models import Appointment, Position

    position = Position.get()
    day = working_day_ahead()
    start = dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=CN).astimezone(dt.UTC).replace(tzinfo=None)
    seat, later = slots.publish(position, "iv_zhao", start, 45, count=2, place="3楼第2会议室", actor="hr_li")
    racers = [passed_by_email(position, userid) for userid in ("wangwu", "zhaoliu")]
    phones = []
    for invitation in racers:
        context = browser.new_context(locale="zh-CN", **SIZES["phone"])
        phone = context.new_page()
        phone.goto(slot_link(stack.settings, invitation).replace(stack.settings.public_base_url, stack.base))
        phone.locator(f"input[type=radio][value='{seat.id}']").check(force=True)
        phones.append((context, phone, watched(phone)))
    for _, phone, _ in phones:  # both forms go without waiting for the other's answer
        phone.evaluate("document.querySelector('form').requestSubmit()")
    for _, phone, _ in phones:
        phone.wait_for_selector("text=/已为您预约|刚刚约满/")
    pages = [phone.content() for _, phone, _ in phones]
    won = [i for i, html in enumerate(pages) if "已为您预约" in html]
    assert len(won) == 1, "exactly one candidate gets the last seat"
    lost = 1 - won[0]
    assert "刚刚约满" in pages[lost] and slots.label(later) in pages[lost]  # the next free time offered
    for i, (context, phone, problems) in enumerate(phones):
        phone.screenshot(path=str(OUTPUT / f"slots-race-{'won' if i == won[0] else 'lost'}-phone.png"),
                         full_page=True)
        assert [p for p in problems if "status of 409" not in p] == []  # the loser's page is the 409 itself
        context.close()
    [booked] = Appointment.select()
    assert (booked.invitation_id, booked.slot_id) == (racers[won[0]].id, seat.id)

    stack.drain()
    winner = racers[won[0]].candidate.email
    [confirmation] = [m for m in mailbox(stack, winner) if "复试改到" in m["text"]]
    ics = calendar_event(confirmation)
    [event] = stack.api("GET", "schedules", params={"userid": "iv_zhao"})["schedules"]
    assert int(ics.decoded("DTSTART").timestamp()) == event["start_time"] == int(
        seat.starts_at.replace(tzinfo=dt.UTC).timestamp())
    assert int(ics.decoded("DTEND").timestamp()) == event["end_time"]
    assert str(ics["LOCATION"]) == event["location"] == "3楼第2会议室"
    assert not mailbox(stack, racers[lost].candidate.email)  # the one who lost was answered on the page only
