"""The opt-out page in a real browser (Debian chromium via Playwright) at phone size, with the page's own
Content-Security-Policy on: one button, big enough to tap, nothing wider than the screen, and 已退订 after it."""
from __future__ import annotations

import os

import pytest

from bot.links import unsubscribe_link
from bot.store.models import Candidate
from tests.support.browser import CHROMIUM, SMALL_TARGETS, watched
from tests.support.paths import OUTPUT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


def test_the_opt_out_page_works_on_a_phone(stack, browser):
    candidate = Candidate.create(name="张三")
    link = unsubscribe_link(stack.settings, candidate.id).replace(stack.settings.public_base_url, stack.base)
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                  device_scale_factor=3, locale="zh-CN")  # the policy on: no bypass_csp
    page = context.new_page()
    problems = watched(page)  # CSP refusals, a stylesheet not found, script errors
    page.goto(link)
    assert page.evaluate(SMALL_TARGETS) == [] and page.get_by_role("button").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / "unsubscribe-phone-ask.png", full_page=True)
    page.get_by_role("button", name="确认退订").click()
    page.wait_for_selector("h1:has-text('已退订')")
    page.screenshot(path=OUTPUT / "unsubscribe-phone-done.png", full_page=True)
    context.close()
    assert problems == [] and Candidate.get_by_id(candidate.id).unsubscribe_source == "email_link"
