"""HR's campaign view in a real browser (Debian chromium via Playwright) at phone and desk sizes: every invitee of
a position with where they stand, counts that agree with the chat's /status, a filter by state, all completed
candidates ranked, and compare by ticking two of them (the compare page's row labels stay whole). Screenshots in
tests/output/hr/."""
from __future__ import annotations

import os

import pytest

from bot.commands.lookup import funnel
from bot.store.models import Position, Report
from tests.e2e.test_hr_browser import open_as, shoot
from tests.support.browser import CHROMIUM
from tests.support.chat import invite_member
from tests.support.h5 import take_interview

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def campaign(stack):
    """柜员: two candidates who finished (one excellent, one weak), one who was only invited, one whose card WeCom
    refused for good (81013)."""
    take_interview(stack, invite_member(stack, "zhangsan"), "excellent")
    take_interview(stack, invite_member(stack, "lisi"), "weak")
    invite_member(stack, "wangwu")
    stack.say("hr_li", "/invite 柜员 ghost_user")
    stack.api("POST", "faults", json={"path": "message/send", "errcode": 81013, "times": 1})
    stack.drain()
    return Position.get(Position.slug == "teller")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_campaign_view_lists_everyone_and_compares_by_ticking(browser, stack, campaign, size):
    tab = open_as(browser, stack, "hr_li", size, "/hr/positions/teller/candidates")
    counts = {a.get_attribute("data-state"): int(a.locator("b").inner_text())
              for a in tab.locator("[data-testid=counts] a").all()}
    assert counts == {"completed": 2, "delivered": 1, "failed": 1}
    chat = funnel(campaign)  # what /status says: invited counts only the invitations that arrived
    assert chat["invited"] == counts["completed"] + counts["delivered"] and chat["completed"] == counts["completed"]
    ranked = tab.locator("[data-testid=ranked] tbody tr")
    totals = [float(ranked.nth(i).locator("td.num").nth(1).inner_text()) for i in range(ranked.count())]
    assert len(totals) == 2 and totals == sorted(totals, reverse=True)  # everyone who finished, best first
    shoot(tab, f"campaign-view-{size}")

    tab.get_by_label("状态").select_option("failed")
    tab.get_by_test_id("filter").click()
    tab.wait_for_url("**state=failed*")
    rows = tab.locator("[data-testid=invitees] tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("data-state") == "failed"
    assert "ghost_user" in rows.first.inner_text()

    tab.goto(f"{stack.base}/hr/positions/teller/candidates")
    for box in tab.locator("[data-testid=ranked] input[type=checkbox]").all():
        box.check()
    tab.get_by_test_id("compare").click()
    tab.wait_for_url("**/hr/compare?r=*")
    table = tab.get_by_test_id("compare")
    assert table.locator("thead th[scope=col]").count() == 2
    label = table.locator("th[scope=row]", has_text="总分")
    box = label.bounding_box()
    assert box["height"] < 2 * 24 and box["width"] > box["height"]  # one line, not a character per line
    expected = sorted(r.id for r in Report.select())
    assert sorted(int(h.split("/")[-1]) for h in table.locator("thead a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")) == expected
    shoot(tab, f"campaign-compare-{size}")
    tab.context.close()
