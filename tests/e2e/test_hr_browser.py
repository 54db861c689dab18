"""The HR pages in a real browser (Debian chromium via Playwright), at phone and desk sizes: signed in through
the sandbox's OAuth page, the report, compare, dashboard and pool pages are checked and photographed into
tests/output/hr/."""
from __future__ import annotations

import os

import pytest

from tests.support import paths
from tests.support.chat import invite_member
from tests.support.h5 import take_interview

CHROMIUM = "/usr/bin/chromium"
OUTPUT = paths.OUTPUT / "hr"
SIZES = {"phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
                   "device_scale_factor": 2},
         "desktop": {"viewport": {"width": 1366, "height": 900}, "device_scale_factor": 1}}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-component-update", "--disable-sync",
            "--disable-background-networking"])
        yield launched
        launched.close()


@pytest.fixture
def two_reports(stack) -> list[int]:
    from bot.store.models import Candidate, Report

    for who, quality in (("zhangsan", "excellent"), ("lisi", "weak")):
        take_interview(stack, invite_member(stack, who), quality)
    stack.drain()
    Candidate.update(name="张三", phone="13812345678").where(Candidate.wecom_userid == "zhangsan").execute()
    Candidate.update(name="李四").where(Candidate.wecom_userid == "lisi").execute()
    return [r.id for r in Report.select().order_by(Report.total.desc())]


def open_as(browser, stack, user: str, size: str, path: str):
    """A tab signed in as user (through the sandbox's OAuth chooser), showing path."""
    context = browser.new_context(locale="zh-CN", **SIZES[size])
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.set_default_timeout(20_000)
    tab.goto(f"{stack.base}{path}")
    tab.get_by_role("link", name=user).click()  # the sandbox's 网页授权 page: whose identity to use
    tab.wait_for_url(f"{stack.base}{path.split('#')[0]}*")
    tab.errors = errors
    return tab


def shoot(tab, name: str) -> None:
    tab.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)
    overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name}: the page is {overflow}px wider than the screen"
    assert not tab.errors, tab.errors


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_report_page(browser, stack, two_reports, size):
    from bot.store.models import Report

    best = Report.get_by_id(two_reports[0])
    tab = open_as(browser, stack, "hr_li", size, f"/hr/reports/{best.id}")
    assert tab.get_by_test_id("candidate").inner_text() == "张三"
    assert tab.get_by_test_id("total").inner_text() == f"{best.total:.0f}"
    radar = tab.locator(".chart.radar svg")
    assert radar.is_visible() and radar.bounding_box()["width"] > 250
    assert tab.locator("section.answer").count() == len(best.document["answers"])
    assert tab.locator("mark").count() >= 1
    shoot(tab, f"report-{size}")
    tab.get_by_placeholder("写下您的观察").fill("沟通自然，建议复试时追问合规细节。")
    tab.get_by_role("button", name="保存备注").click()
    assert tab.locator("#notes").get_by_text("建议复试时追问合规细节").is_visible()
    tab.get_by_role("button", name="进入复试").click()
    assert tab.get_by_test_id("decision").inner_text().startswith("进入复试 · hr_li")
    shoot(tab, f"report-decided-{size}")


def test_a_viewer_sees_masked_data(browser, stack, two_reports):
    tab = open_as(browser, stack, "mgr_zhao", "phone", f"/hr/reports/{two_reports[0]}")
    assert tab.get_by_test_id("candidate").inner_text() == "张*"
    assert "13812345678" not in tab.content() and "138****5678" in tab.content()
    assert tab.get_by_role("button", name="进入复试").count() == 0
    shoot(tab, "report-viewer-phone")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_compare_page(browser, stack, two_reports, size):
    tab = open_as(browser, stack, "hr_li", size, f"/hr/compare?r={two_reports[1]},{two_reports[0]}")
    headers = tab.get_by_test_id("compare").locator("thead th a").all_inner_texts()
    assert headers == ["张三", "李四"]  # best total first
    assert tab.locator(".chart.radar svg polygon").count() >= 2
    assert tab.locator("td.best").count() >= 1
    shoot(tab, f"compare-{size}")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_dashboard_page(browser, stack, two_reports, size):
    tab = open_as(browser, stack, "hr_li", size, "/hr/positions/teller")
    assert tab.get_by_role("heading", name="柜员").is_visible()
    assert tab.get_by_role("heading", name="招聘漏斗").is_visible()
    assert tab.locator("svg[role=img]").count() >= 2
    assert tab.get_by_test_id("top").locator("tbody tr").count() == 1  # 10 % of 2, at least one
    shoot(tab, f"dashboard-{size}")
    if size == "desktop":  # ticking rows and 对比所选 opens the compare page
        tab.get_by_test_id("top").locator("input[type=checkbox]").first.check()
        tab.get_by_role("button", name="对比所选").click()
        tab.wait_for_url("**/hr/compare?*")
        assert "张三" in tab.get_by_test_id("compare").inner_text()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_pool_page(browser, stack, two_reports, size):
    tab = open_as(browser, stack, "hr_li", size, "/hr/pool")
    tab.get_by_placeholder("输入关键词").fill("客户 倾听 解决问题 柜员")
    tab.get_by_role("button", name="搜索").click()
    results = tab.get_by_test_id("results").locator("li")
    names = " ".join(results.all_inner_texts())
    assert results.count() == 2 and "张三" in names and "李四" in names and "命中：" in names
    shoot(tab, f"pool-{size}")
