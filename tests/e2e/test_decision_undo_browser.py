"""Decisions a person can take back, in a real browser (Debian chromium via Playwright) at phone and desk sizes:
the report page's 不通过 asks 确认不通过？ and 撤回 leaves everything as it was; after the candidate asks for a
人工复核 the request stands at the top of the report, the recruiter reopens the decision with a reason, answers the
candidate and decides again. Screenshots in tests/output/hr/."""
from __future__ import annotations

import os

import pytest

from tests.e2e.test_hr_browser import OUTPUT, open_as, shoot
from tests.support.browser import CHROMIUM
from tests.support.chat import results, texts
from tests.support.h5 import reported

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_reject_is_undone_then_reopened_after_a_review(browser, stack, size):
    from playwright.sync_api import expect

    from bot.store.models import AuditLog, Decision, Report

    OUTPUT.mkdir(parents=True, exist_ok=True)
    reported(stack, quality="weak")
    report_id = Report.get().id
    tab = open_as(browser, stack, "hr_li", size, f"/hr/reports/{report_id}")
    decision = tab.locator("#decision")
    decision.get_by_role("button", name="不通过").click()
    confirm = tab.get_by_test_id("confirm-reject")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("确认不通过？")
    shoot(tab, f"decision-confirm-{size}")
    confirm.get_by_role("link", name="撤回").click()  # taken back: nothing decided, nothing sent
    expect(decision.get_by_role("button", name="进入复试")).to_be_visible()
    stack.drain()
    assert Decision.select().count() == 0 and not results(stack)

    decision.get_by_role("button", name="不通过").click()
    tab.get_by_test_id("confirm-reject").get_by_role("button", name="确认不通过").click()
    expect(tab.get_by_test_id("decision")).to_contain_text("不通过 · hr_li")
    stack.drain()
    assert len(results(stack)) == 1

    stack.say("zhangsan", "对结果有疑问，申请人工复核")
    stack.drain()
    tab.goto(f"{stack.base}/hr/reports/{report_id}")  # afresh, without the last flash
    request = tab.get_by_test_id("review-request")
    expect(request).to_contain_text("申请人工复核（针对决定：不通过）")
    assert request.bounding_box()["y"] < tab.get_by_test_id("candidate").bounding_box()["y"]  # above the report
    shoot(tab, f"review-request-{size}")
    request.get_by_label("重新打开决定的原因").fill("候选人说明第3题作答时网络中断")
    request.get_by_role("button", name="重新打开决定").click()
    expect(tab.get_by_role("status")).to_contain_text("已重新打开决定")
    expect(tab.get_by_test_id("review-request")).to_contain_text("由 hr_li 重新打开")
    tab.get_by_test_id("review-request").get_by_label("答复候选人").fill("您好，我们已重新审阅，复试通知随后发出。")
    tab.get_by_test_id("review-request").get_by_role("button", name="发送答复").click()
    expect(tab.get_by_test_id("review-answers")).to_contain_text("已答复候选人 1 次")
    tab.locator("#decision").get_by_role("button", name="进入复试").click()
    expect(tab.get_by_test_id("decision")).to_contain_text("进入复试 · hr_li")
    expect(tab.get_by_test_id("review-request")).to_contain_text("已重新决定：进入复试")
    shoot(tab, f"review-reopened-{size}")
    stack.drain()
    letters = results(stack)
    assert len(letters) == 2 and "此前发给您的结果通知作废" in letters[1]
    assert any("人工复核申请已受理" in t for t in texts(stack, "zhangsan"))
    assert AuditLog.select().where(AuditLog.action == "reopen_decision").count() == 1
