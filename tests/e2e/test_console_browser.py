"""The sandbox console in a real browser (Debian chromium via Playwright): the demo of the first slice."""
from __future__ import annotations

import os

import pytest

from bot.store.models import Invitation
from tests.support.paths import OUTPUT

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
]


@pytest.fixture
def page(chromium_tmp):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-component-update",
            "--disable-sync", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        yield context.new_page()
        browser.close()


def switch_to(page, user: str) -> None:
    page.fill("#new-user", user)
    page.press("#new-user", "Enter")
    page.wait_for_function(f"document.getElementById('chat-title').textContent.includes('{user}')")


def click_and_deliver(page, selector: str) -> None:
    """Click a card button and wait until the callback for *this* click answered: the count of answered deliveries
    grows (waiting for "the last one" returns at once on an earlier click's, and the drain then runs too soon)."""
    before = page.locator("#messages .delivery.ok").count()
    page.click(selector)
    page.wait_for_function(f"document.querySelectorAll('#messages .delivery.ok').length > {before}")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_invite_from_the_console_and_open_the_card(stack, page):
    OUTPUT.mkdir(exist_ok=True)
    page.goto(f"{stack.sandbox}/console")
    switch_to(page, "hr_li")
    page.fill("#input", "/invite 柜员 zhangsan")
    page.press("#input", "Enter")
    page.wait_for_selector("#messages .delivery.ok")  # the callback answered 200
    stack.drain()
    page.wait_for_selector("#messages >> text=✅ 已向 zhangsan 发送「柜员」面试邀请")
    page.screenshot(path=OUTPUT / "console-hr.png")

    switch_to(page, "zhangsan")
    card = page.wait_for_selector("#messages .card >> text=AI 面试邀请")
    assert card is not None
    text = page.inner_text("#messages")
    assert "柜员" in text and "6 题" in text and "每题 60–90 秒" in text
    page.screenshot(path=OUTPUT / "console-candidate-card.png")

    with page.context.expect_page() as opened:
        page.click("#messages button:has-text('开始面试')")
    welcome = opened.value
    welcome.wait_for_load_state()
    assert "柜员 · AI 面试" in welcome.inner_text("h1")
    welcome.set_viewport_size({"width": 390, "height": 844})
    welcome.screenshot(path=OUTPUT / "h5-welcome.png", full_page=True)
    welcome.close()

    click_and_deliver(page, "#messages button:has-text('暂不参加')")
    stack.drain()
    page.wait_for_selector("#messages button:has-text('确认暂不参加')")  # the card asks first
    assert Invitation.get().status == "opened"  # the welcome page above opened it; nothing declined yet
    click_and_deliver(page, "#messages button:has-text('确认暂不参加')")
    stack.drain()
    page.wait_for_selector("#messages button.greyed:has-text('已选择暂不参加')")
    assert Invitation.get().status == "declined"
    page.screenshot(path=OUTPUT / "console-declined.png")
