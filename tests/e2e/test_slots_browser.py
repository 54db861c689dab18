"""Second-round slots in a real browser (Debian chromium via Playwright), with the pages' own Content-Security-Policy
on: a recruiter publishes two of an interviewer's slots on HR's page at desk size; the passed candidate picks one on
their phone (nothing wider than the screen, targets big enough to tap, no script needed) and sees it confirmed."""
from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from tests.bot.decisions.test_slot_journey import working_day_ahead
from tests.e2e.test_hr_browser import SIZES, browser, open_as, shoot  # noqa: F401  (browser: the fixture)
from tests.support.browser import CHROMIUM, SMALL_TARGETS, watched
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
