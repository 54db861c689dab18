"""Résumés in the HR pages in a real browser (Debian chromium via Playwright), at phone and desk sizes: a recruiter
drops a résumé on 柜员's dashboard, opens the candidate's résumé from the outcome, sees a field's span marked in the
text, corrects the title and sees it kept beside what was read; photographed into tests/output/hr/."""
from __future__ import annotations

import os

import pytest

from tests.bot.resumes.generate import to_docx
from tests.e2e.test_hr_browser import CHROMIUM, OUTPUT, browser, open_as, shoot  # noqa: F401  (browser: a fixture)
from tests.handlers.test_hr_resumes import BANKER

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_recruiter_drops_a_resume_and_corrects_a_field(browser, stack, size):  # noqa: F811
    from bot.store.models import AuditLog, Resume

    tab = open_as(browser, stack, "hr_li", size, "/hr/positions/teller")
    form = tab.get_by_test_id("drop-resumes")
    form.locator("input[type=file]").set_input_files(
        [{"name": "林晓北.docx", "mimeType": "application/octet-stream", "buffer": to_docx(BANKER, "tables")},
         {"name": "照片.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 64}])
    form.get_by_role("button", name="上传并筛选").click()
    results = tab.get_by_test_id("drop-results")
    results.wait_for()
    assert results.locator("tr[data-state=invited]").count() == 1
    assert "OCR" in results.locator("tr[data-state=refused]").inner_text()  # a picture: no OCR, said so
    shoot(tab, f"resume-drop-{size}")

    results.get_by_role("link", name="林晓北").click()
    tab.get_by_test_id("fields").wait_for()
    title = tab.locator('tr[data-field="experience.0.title"]')
    assert title.get_by_test_id("value").inner_text() == "大堂经理助理"
    title.get_by_test_id("value").click()  # to its span in the text, marked
    assert tab.evaluate("location.hash").startswith("#span-")
    assert tab.locator("mark:target").inner_text() == "大堂经理助理"
    shoot(tab, f"resume-{size}")

    title.locator("summary").click()
    title.get_by_label("实习经历 1 职位").fill("大堂经理（实习）")
    title.get_by_role("button", name="保存").click()
    tab.get_by_test_id("flash").wait_for()
    title = tab.locator('tr[data-field="experience.0.title"]')
    assert title.get_by_test_id("value").inner_text() == "大堂经理（实习）"
    assert "系统读取：大堂经理助理" in title.get_by_test_id("corrected").inner_text()
    shoot(tab, f"resume-corrected-{size}")
    row = Resume.get()
    assert row.corrections["experience.0.title"]["by"] == "hr_li"
    assert AuditLog.get(AuditLog.action == "resume.correct").detail["field"] == "experience.0.title"
    assert (OUTPUT / f"resume-corrected-{size}.png").stat().st_size > 10_000
