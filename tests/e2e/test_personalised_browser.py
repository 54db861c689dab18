"""A question from the candidate's résumé in a real browser (Debian chromium via Playwright): the candidate whose
résumé names an internship at 招商银行 reads, on the H5 page, a question naming 招商银行 and the title, answers it by
typing, and HR's report page (signed in through the sandbox's OAuth page) marks it 根据简历生成 with the résumé line
it came from. Screenshots in tests/output/ (the H5 steps) and tests/output/hr/."""
from __future__ import annotations

import os

import pytest

from bot.store.models import Interview, Report
from tests.support import paths
from tests.support.browser import CHROMIUM, QUESTIONS, shot, submit_all, text_practice, through_consent
from tests.support.resumes import ANSWER, EMPLOYER, TITLE, invited_with_resume

ASKED = QUESTIONS + 1  # the bank's six and one from the résumé (the shipped rules ask one)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


def type_answer(page, ordinal: int, text: str) -> None:
    page.wait_for_selector(f"h1:has-text('第 {ordinal} / {ASKED} 题')")
    page.wait_for_selector("#answer-text")
    page.fill("#answer-text", text)
    page.tap("button:has-text('提交回答')")
    if ordinal < ASKED:
        page.wait_for_selector("h1:has-text('本题回答已保存')", timeout=60_000)
        page.tap("button:has-text('下一题')")


def test_a_question_from_the_resume_on_the_page_and_on_the_report(stack, page, browser):
    link = invited_with_resume(stack)
    through_consent(page, link, questions=ASKED)  # announced as asked: the résumé's question counted
    page.wait_for_selector("h1:has-text('检查摄像头和麦克风')")
    page.tap("button:has-text('改用文字作答')")
    text_practice(page)
    type_answer(page, 1, "我叫张三，毕业于中央财经大学金融学专业，希望从柜员做起，踏实服务好每一位客户。")

    page.wait_for_selector(f"h1:has-text('第 2 / {ASKED} 题')")
    page.wait_for_selector(f".qtext:has-text('{EMPLOYER}')")  # "正在打开题目…" until its reveal has answered
    question = page.inner_text(".qtext")
    assert EMPLOYER in question and TITLE in question, question
    shot(page, "personalised-question")
    type_answer(page, 2, ANSWER)
    for ordinal in range(3, ASKED + 1):
        type_answer(page, ordinal, f"第 {ordinal} 题：我会先倾听客户的诉求，按规定核对身份后耐心解释原因并办理。")
    submit_all(page)  # the last answer is reviewed, then 提交全部回答
    assert Interview.get().status == "completed"
    stack.drain()

    report = Report.get()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.goto(f"{stack.base}/hr/reports/{report.id}")
    tab.get_by_role("link", name="hr_li").click()  # the sandbox's 网页授权 page: whose identity to use
    tab.wait_for_url(f"{stack.base}/hr/reports/{report.id}*")
    row = tab.locator("#asked tr[data-key='cv-bank_internship']")
    assert EMPLOYER in row.inner_text() and TITLE in row.inner_text()
    assert row.locator(".personalised .tag").inner_text() == "根据简历生成"
    source = row.locator(".personalised q.source").inner_text()
    assert EMPLOYER in source and TITLE in source  # the résumé's line itself
    (paths.OUTPUT / "hr").mkdir(parents=True, exist_ok=True)
    row.scroll_into_view_if_needed()
    tab.locator("#asked").screenshot(path=str(paths.OUTPUT / "hr" / "report-personalised-question.png"))
    context.close()
