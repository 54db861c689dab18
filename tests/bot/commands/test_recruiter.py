"""Recruiters' query commands through the sandbox: /status /report /compare /remind /cancel /positions."""
from __future__ import annotations

import pytest

from tests.support.chat import cards, click, invite_member, texts
from tests.support.h5 import reported, take_interview

pytestmark = pytest.mark.sqlite_only  # the commands' replies (other modules cover PostgreSQL)


def test_positions_and_the_funnel(stack):
    card = reported(stack)
    click(stack, "hr_li", card, "pass")
    invite_member(stack, "lisi")
    stack.say("hr_li", "/positions")
    stack.say("hr_li", "/status")
    stack.say("hr_wang", "进度 柜员")
    stack.drain()
    hr = texts(stack, "hr_li")
    # the editor's link on a line of its own
    assert any("「柜员」(teller)：6 道题" in t and "已邀请 2 人\n编辑：http" in t for t in hr)
    assert any("「柜员」2 → 1 → 1 → 1 → 1 → 1" in t for t in hr)
    assert any("「柜员」2 → 1 → 1 → 1 → 1 → 1" in t for t in texts(stack, "hr_wang"))


def test_report_again_and_compare(stack):
    reported(stack, "zhangsan")
    take_interview(stack, invite_member(stack, "lisi"), "weak")
    stack.drain()
    stack.say("hr_wang", "/report zhangsan")
    stack.say("hr_wang", "/compare lisi zhangsan nobody")
    stack.say("hr_wang", "/compare zhangsan nobody")
    stack.say("hr_wang", "/report nobody")
    stack.drain()
    mine = [m for m in stack.inbox("hr_wang") if m["msgtype"] == "template_card"]
    again = [m for m in mine if m["card"]["main_title"]["title"] == "面试报告 · zhangsan"]
    assert len(again) == 2  # the original card to the team and the one asked for
    assert again[0]["card"]["sub_title_text"] == again[1]["card"]["sub_title_text"]  # the same name and channel line
    assert "企业微信" in again[1]["card"]["sub_title_text"].split("\n")[0]
    [table] = [m["card"] for m in mine if m["card"]["card_type"] == "text_notice"]
    names = [f["keyname"] for f in table["horizontal_content_list"]]
    assert names == ["zhangsan", "lisi"]  # by total, best first
    assert "没有报告：nobody" in table["sub_title_text"]
    hr = texts(stack, "hr_wang")
    assert any("至少需要两位" in t for t in hr) and any("没有找到 nobody 的面试报告" in t for t in hr)
    # the requester alone got the copy
    assert len([c for c in cards(stack, "hr_li") if c["card"]["main_title"]["title"] == "面试报告 · zhangsan"]) == 1


def test_remind_and_cancel(stack):
    from bot.store.models import AuditLog, Invitation

    invite_member(stack, "zhangsan")
    invite_member(stack, "lisi")
    stack.say("hr_li", "/remind 柜员")
    stack.drain()
    assert any("提醒您" in t for t in texts(stack, "zhangsan")) and any("提醒您" in t for t in texts(stack, "lisi"))
    assert any("已提醒「柜员」2 位" in t for t in texts(stack, "hr_li"))
    stack.say("hr_li", "/cancel lisi 柜员")
    stack.drain()
    assert Invitation.get(Invitation.candidate == Invitation.select(Invitation.candidate).where(
        Invitation.id == 2)).status == "cancelled"
    assert any("面试邀请已取消" in t for t in texts(stack, "lisi"))
    assert AuditLog.get(AuditLog.action == "cancel").actor == "hr_li"
    stack.say("hr_li", "/cancel lisi")
    stack.drain()
    assert any("没有找到 lisi 尚未完成的面试邀请" in t for t in texts(stack, "hr_li"))


@pytest.mark.parametrize("command", ["/status", "/report zhangsan", "/compare a b", "/remind 柜员",
                                     "/cancel zhangsan", "/positions", "/bulk 柜员"])
def test_candidates_may_not_run_recruiter_commands(stack, command):
    stack.say("zhangsan", command)
    stack.drain()
    assert texts(stack, "zhangsan") == ["抱歉，这个命令仅限招聘人员使用。如需帮助，请联系贵司 HR。"]


@pytest.mark.parametrize("command, usage", [
    ("/status 柜员 多余", "/status [岗位]"), ("/report", "/report <候选人>"), ("/compare zhangsan", "/compare"),
    ("/remind", "/remind <岗位>"), ("/cancel", "/cancel <候选人>"), ("/positions 柜员", "/positions"),
    ("/remind 宇航员", "没有找到岗位「宇航员」"),
])
def test_malformed_commands_get_a_usage_line(stack, command, usage):
    stack.say("hr_li", command)
    stack.drain()
    assert any(usage in t for t in texts(stack, "hr_li")), texts(stack, "hr_li")


def test_help_shows_every_command_with_an_example(stack):
    stack.say("hr_li", "/help")
    stack.drain()
    [help_text] = texts(stack, "hr_li")
    for name in ("/invite", "/bulk", "/status", "/report", "/compare", "/remind", "/cancel", "/positions",
                 "/reschedule"):
        assert name in help_text
    assert help_text.count("例：") >= 7
