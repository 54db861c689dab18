"""The H5 page's optional fairness step in a real browser (Debian chromium via Playwright, phone size): after consent
one candidate answers (女, age 不愿透露; the notice switches language) and goes on to the device check, and later
withdraws it on the end page; another taps 跳过 and goes on too, nothing stored but the refusal. Screenshots in
tests/output/."""
from __future__ import annotations

import os

import pytest

from bot.store.models import Consent, Interview, SelfDeclared
from tests.support.browser import CHROMIUM, shot, through_consent
from tests.support.chat import invite_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


@pytest.fixture(autouse=True)
def asking(monkeypatch):
    monkeypatch.setenv("FAIRNESS_QUESTIONS", "true")  # before the stack reads the settings


def test_the_fairness_step_is_answered_or_skipped(stack, page):
    through_consent(page, invite_member(stack))
    page.wait_for_selector("h1:has-text('招聘公平性（可选）')")
    text = page.inner_text("#app")
    assert "为监测招聘公平性，您可自愿提供以下信息" in text and "不会影响您的面试和结果" in text
    assert "AI 评分不会读取，招聘人员也看不到您个人的填写" in text
    page.tap("#lang")  # the notice is the server's, in either language
    page.wait_for_selector("h1:has-text('Fair hiring (optional)')")
    page.tap("#lang")
    page.wait_for_selector("h1:has-text('招聘公平性（可选）')")
    page.tap("#fr-agree")  # nothing chosen yet
    page.wait_for_selector("text=请至少选择一项")
    page.check("input[name=fr-gender][value=female]")
    page.check("input[name=fr-age_band][value=undisclosed]")
    shot(page, "fairness-step")
    page.tap("#fr-agree")
    page.wait_for_selector("h1:has-text('检查摄像头和麦克风')")
    assert SelfDeclared.get().attributes == {"gender": "female"}
    assert Consent.select().where(Consent.kind == "fairness").count() == 1
    Interview.update(status="completed", completed_at=Interview.started_at).execute()
    page.reload()  # the end page offers to withdraw it among the rights
    page.tap("button:has-text('撤回公平性信息')")
    page.tap("button:has-text('确认撤回')")
    page.wait_for_selector("text=已撤回，您提供的信息已删除")
    assert SelfDeclared.select().count() == 0

    through_consent(page, invite_member(stack, "lisi"))
    page.wait_for_selector("h1:has-text('招聘公平性（可选）')")
    page.tap("#fr-skip")
    page.wait_for_selector("h1:has-text('检查摄像头和麦克风')")
    assert SelfDeclared.select().count() == 0
    assert Consent.select().where(Consent.kind == "fairness_no").count() == 1
