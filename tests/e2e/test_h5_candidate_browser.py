"""The candidate's side of issue 24 in a real browser (Debian chromium via Playwright) at phone and desk sizes: the
welcome page's real think times, the answer mode chosen on the device check (typed answers keep their practice and
their answer timer), the last question reviewed and retaken before 提交全部回答, the end page following the
recruiter's side live (评分中 → 已出结果 → 复试安排), the talent pool as its own unticked choice, and 暂不参加
confirmed with a reason and a way back in the candidate's own channel. Screenshots in tests/output/."""
from __future__ import annotations

import os

import pytest

from bot.interviews import outcome
from bot.store.models import Answer, AuditLog, Candidate, Interview, Invitation, Report
from tests.support.browser import CHROMIUM, QUESTIONS, SMALL_TARGETS
from tests.support.chat import answer_text, cards, click, invite_member, texts
from tests.support.paths import OUTPUT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]

SIZES = {"phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
                   "device_scale_factor": 3},
         "desk": {"viewport": {"width": 1366, "height": 900}}}


@pytest.fixture(params=sorted(SIZES))
def sized(request, browser):
    """A tab at phone or desk size (no script error, ever), and the size's name for the screenshots."""
    context = browser.new_context(locale="zh-CN", bypass_csp=True, **SIZES[request.param])
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.set_default_timeout(20_000)
    yield tab, request.param
    context.close()
    assert errors == [], errors


def snap(page, size: str, step: str) -> None:
    """Save the step, checking every control is at least 44×44 px and no error banner shows."""
    assert page.evaluate(SMALL_TARGETS) == [], step
    assert page.locator("#oops").count() == 0
    page.screenshot(path=OUTPUT / f"h5-candidate-{size}-{step}.png", full_page=True)


def choose(page, fieldset: str, value: str) -> None:
    """Tap an option's label, as a person does (the radio itself is drawn small inside it), until it is chosen:
    a tap that lands while the page is still laying the choice out is tapped again."""
    label = page.locator(f"{fieldset} label:has(input[value={value}])")
    for _ in range(5):
        label.click()
        if page.is_checked(f"{fieldset} input[value={value}]"):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"{fieldset} {value} could not be chosen")


def type_and_send(page, ordinal: int, text: str) -> None:
    page.wait_for_selector(f"h1:has-text('第 {ordinal} / {QUESTIONS} 题')")
    page.wait_for_selector("#answer-text")
    page.fill("#answer-text", text)
    page.click("button:has-text('提交回答')")
    page.wait_for_selector("h1:has-text('本题回答已保存')")


def test_the_last_question_is_reviewed_and_the_end_page_follows_the_decision(stack, sized, monkeypatch):
    page, size = sized
    monkeypatch.setattr(outcome, "POLL_SECONDS", 1)  # the page asks again every second instead of every 30
    OUTPUT.mkdir(exist_ok=True)
    link = invite_member(stack)
    page.goto(link)
    page.wait_for_selector("#app h1:has-text('柜员 · AI 面试')")
    assert "每题 60–90 秒" in page.inner_text(".facts")  # the questions' own times (intro: 60 s), not the position's
    page.click("button:has-text('开始面试')")
    page.wait_for_selector("h1:has-text('录制与个人信息说明')")
    consent_text = page.inner_text("#app")
    assert "人才库（可选）" in consent_text and "365 天" in consent_text
    assert not page.is_checked("#c-pool")  # a separate choice, not ticked for them
    snap(page, size, "1-consent-pool")
    page.check("#c-rec")
    page.click("button:has-text('同意并继续')")

    # the answer mode is chosen on the device check, before any think time runs; text still gets the practice
    page.wait_for_selector("h1:has-text('检查摄像头和麦克风')")
    page.click("button:has-text('开启摄像头和麦克风')")
    page.wait_for_selector("fieldset.modes input[value=text]")
    choose(page, "fieldset.modes", "text")
    snap(page, size, "2-device-mode")
    page.click("button:has-text('下一步')")
    page.wait_for_selector("h1:has-text('练习题')")
    page.fill("#practice-text", "我叫张三。")
    page.click("button:has-text('试着提交')")
    page.wait_for_selector("text=练习完成")
    assert Answer.select().count() == 0  # the practice never leaves the page
    page.click("button:has-text('开始正式答题')")

    keys = [q["key"] for q in Interview.get().questions]
    page.wait_for_selector("h1:has-text('第 1 / 6 题')")
    page.wait_for_selector("#answer-text")
    assert page.is_checked("fieldset.modes input[value=text]") and page.is_visible(".timer-num")
    assert page.inner_text(".timer-num").startswith(("3:0", "2:5"))  # think 60 s + answer 120 s, to type in
    page.fill("#answer-text", "先写几句，")
    choose(page, "fieldset.modes", "audio")  # a look at recording, then back to typing
    choose(page, "fieldset.modes", "text")
    assert page.input_value("#answer-text") == "先写几句，"  # what was typed stays, and so does its timer
    page.fill("#answer-text", answer_text(keys[0], "excellent"))
    page.click("button:has-text('提交回答')")
    page.wait_for_selector("h1:has-text('本题回答已保存')")
    for ordinal in range(2, QUESTIONS + 1):
        page.click("button:has-text('下一题')")
        first_take = "第一遍：我会先倾听。" if ordinal == QUESTIONS else answer_text(keys[ordinal - 1], "excellent")
        type_and_send(page, ordinal, first_take)

    # the last answer: reviewed like the others, retaken, then submitted explicitly
    page.wait_for_selector("text=这是最后一题")
    assert Interview.get().status == "in_progress"
    snap(page, size, "3-last-review")
    page.click("button:has-text('重答本题（还可 1 次）')")
    type_and_send(page, QUESTIONS, answer_text(keys[-1], "excellent"))
    page.wait_for_selector("button:has-text('提交全部回答')")
    assert page.locator("button:has-text('重答本题')").count() == 0  # no retake left
    assert Answer.get(Answer.question_key == keys[-1]).retakes_used == 1
    page.reload()  # a reload while reviewing comes back to the review, nothing submitted behind the candidate's back
    page.wait_for_selector("text=这是最后一题")
    assert Interview.get().status == "in_progress"
    page.click("button:has-text('提交全部回答')")

    page.wait_for_selector("#app h1:has-text('已收到您的全部回答，正在评分')")
    assert "5 天内" in page.inner_text("#app") and "企业微信" in page.inner_text("#app")
    assert Interview.get().status == "completed"
    assert Candidate.get().withdrawn_at is not None  # the pool was left unticked: not in it
    snap(page, size, "4-end-scoring")

    stack.drain()  # scored: the report waits for HR, and the open page says so by itself
    page.wait_for_selector("#app h1:has-text('已出结果，招聘人员正在审阅')", timeout=15_000)
    snap(page, size, "5-end-reviewing")
    [card] = cards(stack, "hr_li")
    click(stack, "hr_li", card, "pass")
    stack.drain()
    page.wait_for_selector("#app h1:has-text('恭喜您进入复试')", timeout=15_000)
    when = page.inner_text(".appointment")
    notice = next(t for t in texts(stack, "zhangsan") if "恭喜您通过" in t)
    assert when.split("\n")[1] in notice  # the time shown is the time the 复试通知 gave
    shown, report = page.inner_text("#app"), Report.get()
    assert not [w for w in ("得分", "分数", "总分", "推荐", f"{report.total:g}") if w in shown]  # no score, anywhere
    snap(page, size, "6-end-next-round")


def test_decline_asks_to_confirm_takes_a_reason_and_says_how_to_come_back(stack, sized):
    page, size = sized
    OUTPUT.mkdir(exist_ok=True)
    link = invite_member(stack)
    Invitation.update(channel="kf").execute()  # reached through 微信客服: never told about 企业微信
    page.goto(link)
    page.wait_for_selector("#app h1:has-text('柜员 · AI 面试')")
    page.click("button:has-text('暂不参加')")
    page.wait_for_selector("h1:has-text('确定暂不参加这次面试吗')")
    snap(page, size, "decline-1-confirm")
    page.click("button:has-text('返回，我再想想')")  # changed their mind: nothing happened
    page.wait_for_selector("#app h1:has-text('柜员 · AI 面试')")
    assert Invitation.get().status != "declined"
    page.click("button:has-text('暂不参加')")
    choose(page, "fieldset.reasons", "time")
    page.fill("#decline-text", "下周出差，回来后可以参加。")
    snap(page, size, "decline-2-reason")
    page.click("button:has-text('确认暂不参加')")
    page.wait_for_selector("h1:has-text('已为您关闭这次邀请')")
    shown = page.inner_text("#app")
    assert "在微信的客服对话里留言" in shown and "重新发送邀请" in shown and "企业微信" not in shown
    snap(page, size, "decline-3-done")
    assert Invitation.get().status == "declined"
    assert AuditLog.get(AuditLog.action == "decline").detail["reason"] == "时间不合适；下周出差，回来后可以参加。"
    stack.drain()
    assert any("时间不合适" in t for t in texts(stack, "hr_li"))
    page.reload()  # the closed link says so, in the candidate's channel
    page.wait_for_selector("text=这次面试邀请已关闭")
    assert "企业微信" not in page.inner_text("body")
