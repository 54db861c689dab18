"""The H5 page's optional résumé step in a real browser (Debian chromium via Playwright, phone size): on the consent
screen the candidate first picks a file the reader refuses (its reason shown), then their résumé; the page says it
was received and that the interview now has 7 questions, and after consent 7 are asked. Screenshots in
tests/output/."""
from __future__ import annotations

import os

import pytest

from bot.store.models import Interview, Resume
from tests.support.browser import CHROMIUM, QUESTIONS, shot
from tests.support.chat import invite_member
from tests.support.resumes import bank_intern_pdf

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


def test_the_candidate_attaches_a_resume_before_consent(stack, page):
    page.goto(invite_member(stack))
    page.wait_for_selector("#app h1:has-text('柜员 · AI 面试')")
    assert f"{QUESTIONS} 道" in page.inner_text(".facts")
    page.tap("button:has-text('开始面试')")
    page.wait_for_selector("h1:has-text('录制与个人信息说明')")
    assert "上传简历（可选）" in page.inner_text("fieldset.cv")

    page.set_input_files("#c-cv", {"name": "简历.doc", "mimeType": "application/msword",
                                   "buffer": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600})
    page.tap("button:has-text('上传简历')")
    page.wait_for_selector("fieldset.cv .msg.err:has-text('旧版 Word 格式')")
    page.set_input_files("#c-cv", {"name": "张三-简历.pdf", "mimeType": "application/pdf", "buffer": bank_intern_pdf()})
    page.tap("button:has-text('上传简历')")
    page.wait_for_selector(f"fieldset.cv .msg.ok:has-text('这次面试共 {QUESTIONS + 1} 道题')")
    shot(page, "consent-resume")
    assert Resume.get().source == "h5"

    page.check("#c-rec")
    page.tap("button:has-text('同意并继续')")
    page.wait_for_selector("h1:has-text('检查摄像头和麦克风')")
    questions = Interview.get().questions
    assert len(questions) == QUESTIONS + 1 and questions[1]["key"].startswith("cv-")
