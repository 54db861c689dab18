"""The second round in a real browser (Debian chromium via Playwright), with the pages' own Content-Security-Policy
on, at phone and desk size: an interviewer fills a scorecard (a missing rating first refused at its field, what was
tapped kept), then two recruiters with the page open both click 录用 — one decision, one offer, the second told who
decided. Screenshots under tests/output."""
from __future__ import annotations

import os

import pytest

from tests.bot.decisions.test_after_the_round import COMPETENCIES, passed_candidate
from tests.e2e.test_hr_browser import SIZES, browser, open_as, shoot  # noqa: F401  (browser: the fixture)
from tests.support.browser import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]

TAP_TARGETS = """() => [...document.querySelectorAll('.stars label, .lean label, main button')]
    .filter(el => el.offsetParent !== null)
    .map(el => [el.textContent.trim(), el.getBoundingClientRect()])
    .filter(([, box]) => box.width < 44 || box.height < 44)
    .map(([name, box]) => `${name}: ${Math.round(box.width)}x${Math.round(box.height)}`)"""


def open_as_member(browser, stack, user: str, size: str, path: str):  # noqa: F811
    """A tab signed in as a member the sandbox's chooser does not list (a position's interviewer)."""
    context = browser.new_context(locale="zh-CN", **SIZES[size])
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    tab.set_default_timeout(20_000)
    tab.goto(f"{stack.base}{path}")
    tab.goto(f"{tab.url.split('#')[0]}&sandbox_user={user}")
    tab.wait_for_url(f"{stack.base}{path}*")
    return tab


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_scorecard_is_filled_and_the_offer_decided_once(browser, stack, size):  # noqa: F811
    from bot.org import team
    from bot.store.models import Hire, OutboundMessage, Position, RoundDecision, Scorecard

    team.assign(Position.get(), None, team.parse_team({"interviewers": ["iv_zhao"]}), "test")
    invitation, report = passed_candidate()
    path = f"/hr/reports/{report.id}/second-round"

    interviewer = open_as_member(browser, stack, "iv_zhao", size, path)
    assert interviewer.evaluate(TAP_TARGETS) == []
    for name in COMPETENCIES[1:]:  # the first one left out
        interviewer.locator(f"fieldset[data-competency='{name}'] .stars label").nth(3).click()
    interviewer.get_by_label("建议录用", exact=True).check()
    interviewer.fill("textarea[name=notes]", "表达清楚，案例具体")
    interviewer.get_by_role("button", name="提交评分表").click()
    interviewer.wait_for_selector(f"[data-field='rating:{COMPETENCIES[0]}']")
    assert interviewer.locator(f"fieldset[data-competency='{COMPETENCIES[1]}'] input:checked").get_attribute(
        "value") == "4"
    interviewer.locator(f"fieldset[data-competency='{COMPETENCIES[0]}'] .stars label").nth(4).click()
    interviewer.get_by_role("button", name="提交评分表").click()
    interviewer.wait_for_selector("text=评分表已保存")
    shoot(interviewer, f"second-round-scorecard-{size}")
    card = Scorecard.get()
    assert card.ratings[COMPETENCIES[0]] == 5 and card.ratings[COMPETENCIES[1]] == 4 and card.recommendation == "hire"

    first = open_as(browser, stack, "hr_li", size, path)
    second = open_as(browser, stack, "hr_wang", size, path)
    assert "表达清楚，案例具体" in first.inner_text("[data-testid=scorecards]")
    first.get_by_role("button", name="录用", exact=True).click()
    first.wait_for_selector("[data-testid=final-decision]")
    second.get_by_role("button", name="录用", exact=True).click()
    second.wait_for_selector("[data-testid=error]")
    assert "hr_li 已于" in second.inner_text("[data-testid=error]")
    shoot(first, f"second-round-decided-{size}")
    shoot(second, f"second-round-already-{size}")
    decision = RoundDecision.get()
    assert (RoundDecision.select().count(), decision.outcome, decision.decided_by) == (1, "hire", "hr_li")
    assert Hire.select().count() == 1 and first.inner_text("[data-testid=hire-status]").startswith("已发录用通知")
    assert OutboundMessage.select().where(OutboundMessage.idempotency_key == f"offer:{invitation.id}").count() == 1
