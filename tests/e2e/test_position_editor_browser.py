"""HR's position editor in a real browser (Debian chromium via Playwright) at phone and desk sizes: a recruiter
creates a 客户经理 position from the shipped template, edits a question and a weight, is told beside the weights that
they do not sum to 1, fixes them, watches the previews follow, saves, opens the position and finds v2 in its
history. Screenshots go to tests/output/hr/."""
from __future__ import annotations

import os

import pytest

from tests.e2e.test_hr_browser import CHROMIUM, browser, open_as, shoot  # noqa: F401  (browser: a fixture)

SIZES = {"phone": "phone", "desk": "desktop"}  # test_hr_browser's sizes: 390×844 and a desk screen
DESK = {"width": 1280, "height": 800}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_a_recruiter_builds_a_position_from_the_template(browser, stack, size):  # noqa: F811  (the fixture)
    from playwright.sync_api import expect

    from bot.positions import versions
    from bot.store.models import Position

    tab = open_as(browser, stack, "hr_li", SIZES[size], "/hr/positions")
    if size == "desk":
        tab.set_viewport_size(DESK)
    expect(tab.locator('tr[data-slug="teller"]')).to_contain_text("招聘中")
    shoot(tab, f"position-list-{size}")
    tab.get_by_label("从模板新建").select_option("retail-rm-campus")
    tab.get_by_role("button", name="用这个模板").click()
    tab.wait_for_url("**/hr/positions/new?template=retail-rm-campus")
    expect(tab.locator("#question-list fieldset.question")).to_have_count(12)
    tab.get_by_label("岗位代码").fill("rm-bj")
    tab.get_by_label("岗位名称").fill("客户经理（北京分行）")
    cards = tab.get_by_test_id("card-preview")
    expect(cards).to_contain_text("邀请您参加「客户经理（北京分行）」岗位的 AI 面试")
    expect(cards).to_contain_text("6 题")  # the draw asks 6 of the bank's 12
    tab.get_by_label("每题思考时间（秒）").fill("45")
    expect(cards).to_contain_text("每题有 45 秒思考时间")
    shoot(tab, f"position-new-{size}")
    tab.get_by_test_id("save").click()
    tab.wait_for_url("**/hr/positions/rm-bj/edit?saved=1")
    expect(tab.get_by_test_id("saved")).to_have_text("已保存为 v1。")

    expect(tab.locator("details.qwrap[open]")).to_have_count(1)  # a bank of twelve folds to its summaries
    tab.locator('details.qwrap[data-index="1"] > summary').click()
    question = tab.locator('[data-path="questions[1].text"]')
    question.fill("一位客户拿着信用卡账单来问年费，你会怎么解释？")
    expect(tab.get_by_test_id("question-preview")).to_contain_text("一位客户拿着信用卡账单来问年费")
    expect(tab.get_by_test_id("question-preview")).to_contain_text("第 2 / 6 题")
    expect(tab.locator('details.qwrap[data-index="1"] > summary')).to_contain_text("一位客户拿着信用卡账单来问年费")
    tab.locator('[data-path="dimensions.沟通能力"]').fill("0.4")  # 0.4 + 0.2 + 0.2 + 0.2 + 0.1 = 1.1
    expect(tab.get_by_test_id("weight-sum")).to_contain_text("现在合计 1.1")
    tab.get_by_test_id("save").click()
    error = tab.locator('[data-field-box="dimensions"] .field-error')
    expect(error).to_contain_text("各维度权重之和必须为 1（现在是 1.1）")
    expect(tab.get_by_test_id("error")).to_have_attribute("data-field", "dimensions")
    expect(question).to_have_value("一位客户拿着信用卡账单来问年费，你会怎么解释？")  # nothing typed is lost
    shoot(tab, f"position-error-{size}")
    tab.locator('[data-path="dimensions.逻辑思维"]').fill("0.1")
    expect(tab.get_by_test_id("weight-sum")).to_contain_text("现在合计 1")
    tab.get_by_test_id("save").click()
    tab.wait_for_url("**/hr/positions/rm-bj/edit?saved=2")
    expect(tab.get_by_test_id("saved")).to_have_text("已保存为 v2。")
    saved = Position.get(Position.slug == "rm-bj")
    assert saved.questions[1]["text"] == "一位客户拿着信用卡账单来问年费，你会怎么解释？"
    assert saved.rubric["dimensions"]["沟通能力"] == 0.4 and saved.think_seconds == 45 and saved.status == "draft"
    shoot(tab, f"position-saved-{size}")

    tab.get_by_role("button", name="开放招聘").click()
    expect(tab.get_by_test_id("state")).to_have_text("招聘中")
    assert Position.get(Position.slug == "rm-bj").is_open
    tab.get_by_role("link", name="版本记录").first.click()
    tab.wait_for_url("**/hr/positions/rm-bj/history")
    expect(tab.locator('tr[data-version="2"]')).to_contain_text("hr_li")
    expect(tab.locator('tr[data-version="2"]')).to_contain_text("HR 页面")
    shoot(tab, f"position-history-{size}")

    tab.goto(f"{stack.base}/hr/positions/teller/edit")  # saved as loaded: the editor changes nothing by itself
    tab.get_by_test_id("save").click()
    tab.wait_for_url("**/hr/positions/teller/edit?saved=1")
    assert [v.number for v in versions.history(Position.get(Position.slug == "teller"))] == [1]


def test_an_error_in_a_folded_question_is_shown_beside_its_field(browser, stack):  # noqa: F811  (the fixture)
    from playwright.sync_api import expect

    tab = open_as(browser, stack, "hr_li", "phone", "/hr/positions/teller/edit")
    tab.locator('details.qwrap[data-index="2"] > summary').click()
    tab.locator('[data-path="questions[2].rubric[0].point"]').fill("")
    tab.get_by_test_id("save").click()
    expect(tab.get_by_test_id("error")).to_have_attribute("data-field", "questions[2].rubric[0].point")
    error = tab.locator('.field-error[data-error-for="questions[2].rubric[0].point"]')
    expect(error).to_be_visible()  # its question unfolded on the refused page
    expect(error).to_have_text("评分要点 1 还没有填写要点。")
    expect(tab.locator('[data-path="questions[2].rubric[0].point"]')).to_have_attribute("aria-invalid", "true")
    shoot(tab, "position-question-error-phone")
