"""Opting out (bot/privacy/optout.py): recorded once with its first time and source, audited, never for someone
erased; and the candidate's 退订 / TD / unsubscribe in chat, through the callback, workers and the WeCom sandbox."""
from __future__ import annotations

import pytest

from bot.clock import utcnow
from bot.privacy.optout import is_unsubscribed, unsubscribe
from bot.store.models import AuditLog, Candidate
from tests.bot.channels.test_candidate_chat import outcome
from tests.support.chat import invite_member, texts


def audited() -> list[tuple[str, str, dict]]:
    return [(a.actor, a.target_id, a.detail) for a in AuditLog.select().where(AuditLog.action == "unsubscribe")]


def test_the_first_opt_out_is_kept_and_audited_once(env):
    candidate, erased = Candidate.create(name="张三"), Candidate.create(erased_at=utcnow())
    assert not is_unsubscribed(candidate)
    assert unsubscribe(candidate.id, "api", actor="api:ats") is True
    first = Candidate.get_by_id(candidate.id)
    assert is_unsubscribed(first) and first.unsubscribe_source == "api"
    assert unsubscribe(candidate.id, "chat") is False and unsubscribe(candidate.id, "hr", actor="hr_li") is False
    again = Candidate.get_by_id(candidate.id)
    assert (again.unsubscribed_at, again.unsubscribe_source) == (first.unsubscribed_at, "api")
    assert unsubscribe(erased.id, "one_click") is False and unsubscribe(candidate.id + 999, "chat") is False
    assert not is_unsubscribed(Candidate.get_by_id(erased.id))
    assert audited() == [("api:ats", str(candidate.id), {"source": "api"})]
    with pytest.raises(ValueError, match="source"):
        unsubscribe(candidate.id, "fax")
    with pytest.raises(ValueError, match="names who"):
        unsubscribe(candidate.id, "hr")  # HR or the API on the candidate's behalf: say who


def test_a_candidate_opts_out_in_chat(stack):
    invite_member(stack)
    candidate = Candidate.get(Candidate.wecom_userid == "zhangsan")
    stack.say("zhangsan", "我在TD银行实习过两个月")  # TD counts only as the whole message
    stack.drain()
    assert not [o for o in outcome(stack, "我在TD银行实习过两个月") if o.startswith("unsubscribe")]
    assert not is_unsubscribed(Candidate.get_by_id(candidate.id))
    for text, expected, words in (("我不想退订", "unsubscribe:declined", "不会为您退订"),
                                  ("怎么退订？", "unsubscribe:explained", "回复「退订」"),
                                  ("退订", "unsubscribe:unsubscribed", "已为您退订")):
        stack.say("zhangsan", text)
        stack.drain()
        assert outcome(stack, text) == [expected] and words in texts(stack, "zhangsan")[-1], text
        assert is_unsubscribed(Candidate.get_by_id(candidate.id)) == (text == "退订")
    first = Candidate.get_by_id(candidate.id)
    stack.say("zhangsan", "TD")  # a repeat, as an SMS reply would say it: the first time is kept
    stack.drain()
    assert outcome(stack, "TD") == ["unsubscribe:already"]
    assert "已为您退订" in texts(stack, "zhangsan")[-1]  # replies to what they write still reach them
    again = Candidate.get_by_id(candidate.id)
    assert (again.unsubscribed_at, again.unsubscribe_source) == (first.unsubscribed_at, "chat")
    assert audited() == [(f"candidate:{candidate.id}", str(candidate.id), {"source": "chat"})]
