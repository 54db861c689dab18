"""/offer and /hire in chat, Chinese and English forms: the recruiter records the answer to the offer and the hire;
an illegal change or a hire date before the interview is answered with its message; usage lines for the rest."""
from __future__ import annotations

import pytest

from bot.commands.hire import read_hire, read_offer
from bot.commands.registry import UsageError
from tests.bot.decisions.test_after_the_round import passed_candidate
from tests.support.chat import texts


def test_the_words_are_read_in_either_language():
    assert read_offer(("zhangsan", "接受")) == read_offer(("zhangsan", "Accept")) == ("zhangsan", "accepted")
    assert read_offer(("zhangsan", "撤回"))[1] == "withdrawn"
    assert read_hire(("zhangsan", "入职", "2027-01-04", "工号", "E1234")) == ("zhangsan", "2027-01-04", "E1234", "")
    assert read_hire(("zhangsan", "2027年1月4日", "id", "E1234", "unit", "bj")) == (
        "zhangsan", "2027-01-04", "E1234", "bj")
    for words in (("zhangsan", "好的"), ("zhangsan",)):
        with pytest.raises(UsageError):
            read_offer(words)
    for words in (("zhangsan", "入职", "2027-01-04"), ("zhangsan", "工号", "E1"), ("zhangsan", "2027-02-30", "E1")):
        with pytest.raises(UsageError):
            read_hire(words)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_offer_and_hire_by_chat(stack):
    from bot.decisions import final
    from bot.store.models import Hire

    invitation, _ = passed_candidate()
    assert final.decide(invitation.id, "hire", "hr_li", "k")[0] == "decided"
    stack.say("hr_li", "/hire wxm 入职 2027-01-04 工号 E1234")
    stack.drain()
    assert texts(stack, "hr_li")[-1] == "「已发录用通知」不能改为「已入职」（之后可以：已接受、已拒绝、已撤回）"
    stack.say("hr_li", "录用通知 wxm 接受")
    stack.drain()
    assert texts(stack, "hr_li")[-1] == "王小明（「柜员」）的录用状态已更新为：已接受。"
    stack.say("hr_wang", "入职 wxm 2026-11-01 工号 E1234")
    stack.drain()
    assert "早于候选人的面试日期 2026-11-20" in texts(stack, "hr_wang")[-1]
    stack.say("hr_wang", "/hire wxm 2027-01-04 id E1234")
    stack.say("hr_wang", "/offer nobody accept")
    stack.drain()
    hire = Hire.get()
    assert (hire.status, hire.employee_id, hire.updated_by) == ("hired", "E1234", "hr_wang")
    said = texts(stack, "hr_wang")
    assert "王小明（「柜员」）的录用状态已更新为：已入职，入职日期 2027-01-04。" in said
    assert "没有找到 nobody 的录用记录（先在复试页面作出「录用」决定）。" in said
    assert any(t.startswith("🎉 新员工入职：王小明") for t in texts(stack, "hr_li"))  # no hiring manager: recruiters
