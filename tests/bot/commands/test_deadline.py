"""/deadline, the worked example of docs/commands.md: one module (bot/commands/deadline.py) and its template."""
from __future__ import annotations

from bot.clock import local_time
from bot.wecom import messages
from tests.support.chat import invite_member, texts
from tests.support.h5 import take_interview


def test_deadline_says_when_each_unfinished_interview_closes(stack):
    from bot.store.models import Invitation

    invite_member(stack, "zhangsan")
    stack.say("hr_li", "/deadline zhangsan")
    stack.say("hr_wang", "截止 nobody")
    stack.drain()
    invitation = Invitation.get()
    [line] = texts(stack, "hr_li")[-1:]
    assert line.startswith(f"zhangsan「柜员」面试 {local_time(invitation.expires_at)} 截止，还剩约 ")
    assert line.endswith("小时（还没打开）")
    assert texts(stack, "hr_wang") == ["没有找到 nobody 尚未完成的面试邀请。"]

    take_interview(stack, invite_member(stack, "lisi"))  # finished: nothing left to close
    stack.say("hr_li", "/deadline lisi")
    stack.drain()
    assert "没有找到 lisi 尚未完成的面试邀请。" in texts(stack, "hr_li")


def test_deadline_reads_in_english_too():
    line = messages.render("deadline", "en", who="zhangsan", position="Teller", deadline="2026-01-05 23:59",
                           hours_left=30, opened=True, started=False)
    assert line == "zhangsan's Teller interview closes at 2026-01-05 23:59, about 30 h left (opened, not started)."
