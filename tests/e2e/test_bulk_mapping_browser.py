"""The bulk upload page in a real browser (Debian chromium via Playwright) at phone and desk sizes: a sheet whose
résumé column is not recognised stops at 确认列映射, the recruiter picks 简历 for it, previews and starts the run; a
screened-out row is then invited with 仍然邀请. Screenshots in tests/output/hr/."""
from __future__ import annotations

import csv
import io
import os

import pytest

from tests.e2e.test_hr_browser import OUTPUT, SIZES, shoot
from tests.support.browser import CHROMIUM
from tests.support.bulk import member_row
from tests.support.chat import texts

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


def _sheet() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "手机", "企业微信ID", "学历", "专业", "工作年限", "候选人自述"])
    writer.writerows([member_row(i) for i in range(3)])
    writer.writerow(["周八", "13700000008", "c00008", "高中", "计算机", "0", "熟悉 Java 和 Go 后端开发"])
    return out.getvalue().encode("utf-8-sig")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_mapping_step_and_an_override_in_the_browser(browser, stack, size, tmp_path):
    from playwright.sync_api import expect

    from bot.store.models import BulkRun

    OUTPUT.mkdir(parents=True, exist_ok=True)
    stack.say("hr_li", "/bulk 柜员")
    stack.drain()
    link = [t for t in texts(stack, "hr_li") if "上传「柜员」的候选人名单" in t][-1].rsplit("：", 1)[1]
    sheet = tmp_path / "名单.csv"
    sheet.write_bytes(_sheet())
    tab = browser.new_context(locale="zh-CN", **SIZES[size]).new_page()
    tab.errors = []
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    tab.set_default_timeout(20_000)
    tab.goto(link)
    expect(tab.get_by_role("link", name="下载名单模板（.xlsx）")).to_be_visible()
    tab.get_by_label("候选人名单").set_input_files(str(sheet))
    tab.get_by_role("button", name="上传并开始").click()

    expect(tab.get_by_role("heading", name="确认列映射")).to_be_visible()
    expect(tab.locator(".mapping-lines")).to_contain_text("未使用的列：「候选人自述」")
    expect(tab.get_by_role("alert")).to_contain_text("仍未选择简历列")
    shoot(tab, f"bulk-mapping-{size}")
    assert BulkRun.select().count() == 0
    tab.get_by_label("「候选人自述」对应的字段").select_option(label="简历")
    tab.get_by_role("button", name="按此映射重新预览").click()
    expect(tab.locator(".mapping-lines")).to_contain_text("简历 ←「候选人自述」")
    expect(tab.get_by_role("alert")).to_have_count(0)
    tab.get_by_role("button", name="确认映射并开始导入").click()
    expect(tab.get_by_role("status")).to_contain_text("按您确认的列映射")
    stack.drain()
    run = BulkRun.get()
    assert run.screened_out == 1

    tab.goto(link)
    screened = tab.locator("details.screened")
    expect(screened).to_contain_text("第 5 行 周八：学历 高中 低于要求的 大专")
    shoot(tab, f"bulk-screened-{size}")
    screened.get_by_role("button", name="仍然邀请", exact=True).click()
    expect(tab.get_by_role("status")).to_contain_text("仍然邀请")
    stack.drain()
    assert [m for m in stack.inbox("c00008") if m["msgtype"] == "template_card"]
