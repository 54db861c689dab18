"""The pictures in the recruiters' guide (docs/guide-hr.md), taken from one campaign on the sandbox in a real browser
(Debian chromium via Playwright) at phone and desk sizes: the position settings and editor, the chat and a result
card's 不通过 confirm step, the sheet upload page asking what a column is, the campaign view, a report and its
evidence, compare, the report page's confirm step, a 人工复核 request, the talent pool and what an interviewer sees
masked.

`make guide-screenshots` runs this walk with GUIDE_SHOTS=docs/guide and so refreshes the guide's pictures; in the
suite it saves them under tests/output/guide/ instead, so a page the guide shows that stops rendering fails here.
Every picture is a PNG under 150 KB (reduced to a palette with Pillow; made smaller until it fits) and every name
saved is one the guide links (tests/handlers/test_hr_guide.py checks the links the other way round)."""
from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.test_hr_browser import SIZES, open_as
from tests.support import paths
from tests.support.browser import CHROMIUM
from tests.support.bulk import member_row
from tests.support.chat import invite_member
from tests.support.h5 import take_interview

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]

OUT = Path(os.environ.get("GUIDE_SHOTS") or paths.OUTPUT / "guide").resolve()  # before the tests' chdir
LIMIT = 150_000  # bytes a picture may take in the repository
PICTURES = ("positions-desktop", "position-editor-desktop", "chat-desktop", "card-confirm-desktop",
            "bulk-mapping-phone", "campaign-desktop", "report-desktop", "report-evidence-phone", "compare-desktop",
            "reject-confirm-phone", "review-request-desktop", "pool-desktop", "report-masked-phone")
PEOPLE = {"zhangsan": ("张三", "excellent"), "lisi": ("李四", "weak"), "wangwu": ("王五", "adequate")}


def save(tab, name: str, *, full: bool = False) -> None:
    """Photograph the tab (the screen, or the whole page) into OUT/name.png, at most LIMIT bytes; the page must fit
    the screen's width and have raised no script error."""
    assert name in PICTURES, name
    overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name}: the page is {overflow}px wider than the screen"
    assert not getattr(tab, "errors", []), tab.errors
    image = Image.open(io.BytesIO(tab.screenshot(full_page=full))).convert("RGB")
    while True:
        data = io.BytesIO()
        image.quantize(colors=64).save(data, "PNG", optimize=True)
        if data.tell() <= LIMIT:
            break
        image = image.resize((int(image.width * 0.85), int(image.height * 0.85)), Image.LANCZOS)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.png").write_bytes(data.getvalue())


def until_shown(stack, locator, seconds: float = 30) -> None:
    """Run what the console's click or message set going (the callback takes it a moment after the page sends it)
    until locator shows on the page."""
    deadline = time.monotonic() + seconds
    while not locator.count() or not locator.is_visible():
        assert time.monotonic() < deadline, f"not shown in {seconds} s: {locator}"
        stack.drain()
        time.sleep(0.2)


def campaign(stack) -> dict[str, int]:
    """柜员 with three candidates who finished (excellent, weak, adequate) and one only invited; their report ids."""
    from bot.store.models import Candidate, Invitation, Report

    for who, (_, quality) in PEOPLE.items():
        take_interview(stack, invite_member(stack, who), quality)
    invite_member(stack, "zhaoliu")
    stack.drain()
    for who, chinese in (*((w, n) for w, (n, _) in PEOPLE.items()), ("zhaoliu", "赵六")):
        candidate = Candidate.get(Candidate.wecom_userid == who)
        candidate.name, candidate.phone = chinese, f"1381234{len(chinese) * 1000 + ord(chinese[0]) % 1000:04d}"
        candidate.save()
    return {who: Report.select().join_from(Report, Invitation.interviews.rel_model).join(Invitation).join(Candidate)
            .where(Candidate.wecom_userid == who).get().id for who in PEOPLE}


def test_the_guides_pages_render_and_are_photographed(browser, stack, tmp_path):
    from playwright.sync_api import expect

    from bot import links
    from bot.store.models import Position

    reports = campaign(stack)
    teller = Position.get(Position.slug == "teller")

    desk = open_as(browser, stack, "hr_li", "desktop", "/hr/positions")
    expect(desk.locator("body")).to_contain_text("招聘中")
    save(desk, "positions-desktop")
    desk.goto(f"{stack.base}/hr/positions/teller/edit")
    expect(desk.get_by_test_id("card-preview")).to_contain_text("柜员")
    save(desk, "position-editor-desktop")
    desk.goto(f"{stack.base}/hr/positions/teller/candidates")
    expect(desk.get_by_test_id("ranked").locator("tbody tr")).to_have_count(3)
    save(desk, "campaign-desktop", full=True)
    desk.goto(f"{stack.base}/hr/reports/{reports['zhangsan']}")
    expect(desk.get_by_test_id("candidate")).to_have_text("张三")
    save(desk, "report-desktop")
    desk.goto(f"{stack.base}/hr/compare?r={','.join(str(r) for r in reports.values())}")
    expect(desk.get_by_test_id("compare").locator("thead th[scope=col]")).to_have_count(3)
    save(desk, "compare-desktop")
    desk.goto(f"{stack.base}/hr/pool?q=柜员 服务 沟通")
    expect(desk.locator("main")).to_contain_text("张三")
    save(desk, "pool-desktop")

    phone = open_as(browser, stack, "hr_li", "phone", f"/hr/reports/{reports['zhangsan']}")
    phone.locator("section.answer").first.scroll_into_view_if_needed()
    expect(phone.locator("section.answer mark").first).to_be_visible()
    save(phone, "report-evidence-phone")
    phone.goto(f"{stack.base}/hr/reports/{reports['wangwu']}")
    phone.locator("#decision").get_by_role("button", name="不通过").click()
    confirm = phone.get_by_test_id("confirm-reject")
    expect(confirm).to_contain_text("确认不通过？")
    confirm.scroll_into_view_if_needed()
    save(phone, "reject-confirm-phone")
    confirm.get_by_role("link", name="撤回").click()

    desk.goto(f"{stack.base}/hr/reports/{reports['lisi']}")
    desk.locator("#decision").get_by_role("button", name="不通过").click()
    desk.get_by_test_id("confirm-reject").get_by_role("button", name="确认不通过").click()
    expect(desk.get_by_test_id("decision")).to_contain_text("不通过 · hr_li")
    stack.say("lisi", "对结果有疑问，申请人工复核")
    stack.drain()
    desk.goto(f"{stack.base}/hr/reports/{reports['lisi']}")
    expect(desk.get_by_test_id("review-request")).to_contain_text("申请人工复核")
    save(desk, "review-request-desktop")

    sheet = tmp_path / "名单.csv"  # a sheet whose résumé column has a name of its own: the page asks what it is
    rows = io.StringIO()
    csv.writer(rows).writerows([["姓名", "手机", "企业微信ID", "学历", "专业", "工作年限", "候选人自述"],
                                *(member_row(i) for i in range(3))])
    sheet.write_bytes(rows.getvalue().encode("utf-8-sig"))
    phone.goto(links.upload_link(stack.settings, "hr_li", teller.id))
    phone.get_by_label("候选人名单").set_input_files(str(sheet))
    phone.get_by_role("button", name="上传并开始").click()
    expect(phone.get_by_role("heading", name="确认列映射")).to_be_visible()
    save(phone, "bulk-mapping-phone")

    masked = open_as(browser, stack, "mgr_zhao", "phone", f"/hr/reports/{reports['zhangsan']}")
    expect(masked.get_by_test_id("candidate")).to_have_text("张*")
    save(masked, "report-masked-phone")

    console = browser.new_context(locale="zh-CN", **SIZES["desktop"]).new_page()
    console.goto(f"{stack.sandbox}/console")
    console.fill("#new-user", "hr_li")
    console.press("#new-user", "Enter")
    console.wait_for_function("document.getElementById('chat-title').textContent.includes('hr_li')")
    wangwu = console.locator("#messages .card", has_text="wangwu").last  # its result card (sent before the name)
    wangwu.get_by_role("button", name="不通过").click()
    confirm = console.locator("#messages .card", has=console.get_by_role("button", name="确认不通过")).last
    until_shown(stack, confirm)
    expect(confirm).to_contain_text("确认不通过？")
    confirm.scroll_into_view_if_needed()
    save(console, "card-confirm-desktop")
    confirm.get_by_role("button", name="撤回").click()
    until_shown(stack, console.locator("#messages .card", has_text="wangwu").last.get_by_role("button", name="待定"))
    for said, reply in (("柜员面试进度怎么样了", "招聘漏斗"), ("怎么批量邀请", "例如：/bulk 柜员")):
        console.fill("#input", said)
        console.press("#input", "Enter")
        until_shown(stack, console.locator("#messages .bubble, #messages div", has_text=reply).last)
    save(console, "chat-desktop")
    assert sorted(p.stem for p in OUT.glob("*.png") if p.stem in PICTURES) == sorted(PICTURES)
