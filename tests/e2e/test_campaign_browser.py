"""A branch's campaign end to end in a real browser (Debian chromium via Playwright): a recruiter of 北京分行 signs in
at desk size, creates a 客户经理（对公） position from the shipped template (12 questions in 4 competencies, 6 drawn),
finds it placed in 北京分行, opens it and invites two candidates from chat. Each candidate's phone shows the drawn
questions one at a time, only the one being answered, and the two sets differ; the recruiter reads on a phone that
the report lists the questions asked with the server's think and answer times, while 上海分行's recruiter is refused.
Screenshots in tests/output/hr/ (HR) and tests/output/ (the candidate's page)."""
from __future__ import annotations

import os

import pytest

from bot.interviews import draw
from bot.store.models import Candidate, Interview, Invitation, Position, Report
from tests.e2e.test_hr_browser import open_as, shoot
from tests.support.browser import CHROMIUM, shot, submit_all, text_practice
from tests.support.chat import texts

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]

ASKED = 6  # the template's draw: 专业知识 2, 合规意识 2, 沟通表达 1, 抗压 1


def create_and_open(browser, stack) -> Position:
    """bj_zhou builds the position from the template in the editor and opens it."""
    from playwright.sync_api import expect

    tab = open_as(browser, stack, "bj_zhou", "desktop", "/hr/positions")
    tab.get_by_label("从模板新建").select_option("corporate-rm")
    tab.get_by_role("button", name="用这个模板").click()
    tab.wait_for_url("**/hr/positions/new?template=corporate-rm")
    expect(tab.locator("#question-list fieldset.question")).to_have_count(12)
    expect(tab.get_by_label("所属机构")).to_have_value("bj")  # the recruiter's own branch
    assert tab.locator("#f-unit option").all_inner_texts() == ["北京分行"]  # and no other to choose
    tab.get_by_label("岗位代码").fill("crm-bj")
    tab.get_by_label("岗位名称").fill("客户经理（对公·北京分行）")
    expect(tab.get_by_test_id("card-preview")).to_contain_text("6 题")
    shoot(tab, "campaign-new-position-desktop")
    tab.get_by_test_id("save").click()
    tab.wait_for_url("**/hr/positions/crm-bj/edit?saved=1")
    tab.get_by_role("button", name="开放招聘").click()
    expect(tab.get_by_test_id("state")).to_have_text("招聘中")
    shoot(tab, "campaign-opened-desktop")
    tab.context.close()
    position = Position.get(Position.slug == "crm-bj")
    assert position.is_open and position.unit.code == "bj" and len(position.questions) == 12
    assert len({q["competency"] for q in position.questions}) == 4
    return position


def answer_on_the_phone(page, link: str, drawn: list[dict], who: str) -> None:
    """The candidate consents, types each question's answer as it comes, and submits them all."""
    page.goto(link)
    page.wait_for_selector("#app h1:has-text('客户经理（对公·北京分行） · AI 面试')")
    assert not [q for q in drawn if q["text"][:12] in page.content()]  # no question before consent
    page.tap("button:has-text('开始面试')")
    page.check("#c-rec")
    page.tap("button:has-text('同意并继续')")
    page.tap("button:has-text('改用文字作答')")
    text_practice(page)
    for ordinal, question in enumerate(drawn, 1):
        page.wait_for_selector(f"h1:has-text('第 {ordinal} / {ASKED} 题')")
        page.wait_for_selector("#answer-text")
        assert page.inner_text(".qtext") == question["text"]
        later = [q for q in drawn[ordinal:] if q["text"][:12] in page.content()]
        assert not later, later  # only the question being answered is on the page
        if ordinal == 1:
            shot(page, f"campaign-{who}-question-1")
        page.fill("#answer-text", f"第 {ordinal} 题：我会先了解客户企业的经营和资金需求，核实资料真实性，"
                                  "按授信制度审慎评估风险，再给出方案并跟进落实。")
        page.tap("button:has-text('提交回答')")
        if ordinal < ASKED:
            page.wait_for_selector("h1:has-text('本题回答已保存')", timeout=60_000)
            page.tap("button:has-text('下一题')")
    submit_all(page)


def test_a_branch_recruiter_runs_a_campaign_from_a_template(browser, page, stack):
    from bot.org import units

    units.sync(units.load(stack.settings.organisation_path))
    position = create_and_open(browser, stack)

    stack.say("bj_zhou", "/invite crm-bj zhangsan lisi wangwu")
    stack.drain()
    links = {}
    for who in ("zhangsan", "lisi", "wangwu"):
        [card] = [m for m in stack.inbox(who) if m["msgtype"] == "template_card"]
        links[who] = card["card"]["card_action"]["url"]
    # Each invitation's set is fixed by its seed; take a second candidate whose set differs from the first's (two
    # of three sharing one is already rare: the draw has 144 possible sets), then check the pages show exactly them.
    secret = stack.settings.secret_key
    sets = {who: draw.draw(position.questions, position.draw_rule, draw.seed_for(secret, Invitation.get(
        Invitation.candidate == Candidate.get(Candidate.wecom_userid == who)).id)) for who in links}
    second = next(who for who in ("lisi", "wangwu") if [q["key"] for q in sets[who]]
                  != [q["key"] for q in sets["zhangsan"]])
    for who in ("zhangsan", second):
        assert len(sets[who]) == ASKED
        answer_on_the_phone(page, links[who], sets[who], who)
    stack.drain()

    interviews = {i.invitation.candidate.wecom_userid: i for i in Interview.select()
                  if i.invitation.candidate.wecom_userid in ("zhangsan", second)}
    asked = {who: [q["key"] for q in interview.questions] for who, interview in interviews.items()}
    assert asked == {who: [q["key"] for q in sets[who]] for who in ("zhangsan", second)}
    assert asked["zhangsan"] != asked[second]
    assert not [t for t in texts(stack, "bj_zhou") if "失败" in t]

    report = Report.get(Report.interview == interviews["zhangsan"].id)
    tab = open_as(browser, stack, "bj_zhou", "phone", f"/hr/reports/{report.id}")
    rows = tab.locator("#asked tbody tr")
    assert [rows.nth(i).get_attribute("data-key") for i in range(rows.count())] == asked["zhangsan"]
    for i in range(rows.count()):  # the server's times, each under its limit
        think, answer = rows.nth(i).locator("td.think").inner_text(), rows.nth(i).locator("td.answer-time").inner_text()
        assert "—" not in think and "—" not in answer and "秒" in answer, (think, answer)
    assert "岗位版本 v1" in tab.content()
    tab.locator("#asked").scroll_into_view_if_needed()
    shoot(tab, "campaign-report-asked-phone")
    tab.context.close()

    outsider = open_as(browser, stack, "sh_chen", "phone", "/hr/")
    assert "客户经理（对公·北京分行）" not in outsider.content()
    refused = outsider.goto(f"{stack.base}/hr/reports/{report.id}")
    assert refused.status == 403 and "不在您负责的机构范围内" in outsider.content()
    outsider.context.close()
