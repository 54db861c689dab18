"""Outsiders reached by SMS through the sandbox's fake Tencent Cloud SMS, end to end: a sheet of candidates with
only a phone, a phone and an e-mail, a blacklisted number, an invalid number — each invited once over the first
channel that works (SMS before e-mail; an SMS that cannot be sent hands over to e-mail once; a number the provider
reports unsubscribed opts the candidate out everywhere); the short link leads to the interview; the 复试通知 goes
by SMS with the .ics by e-mail beside it; an SMS due in the quiet hours waits for 08:00 Beijing time."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlparse

import pytest

from bot.clock import CN_TZ
from tests.support.bulk import TELLER, calendar_event, mailbox, phone, sheet, upload
from tests.support.chat import cards, click
from tests.support.h5 import take_interview

ROWS = [("王五", "13912340001", ""), ("赵六", "13912340002", "zhaoliu@example.com"),
        ("钱七", "13912340000", "qianqi@example.com"), ("孙八", "14012345678", "sunba@example.com")]


def followed(stack, message: dict) -> str:
    """The interview link the SMS's short link leads to."""
    code = re.search(r"/s/([A-Za-z0-9]+)", message["text"]).group(1)
    answer = stack.app.test_client().get(f"/s/{code}")
    assert answer.status_code == 302
    return answer.headers["Location"]


def test_outsiders_are_invited_by_sms_then_e_mail_and_the_second_round_reaches_them(stack, monkeypatch):
    from bot.store.models import Candidate, Invitation, OutboundMessage
    from bot.wecom import delivery

    upload(stack, sheet([[name, number, email, "本科", "金融学", "3", TELLER] for name, number, email in ROWS],
                        ("姓名", "手机", "邮箱", "学历", "专业", "工作年限", "简历")))
    stack.drain()

    [wangwu] = phone(stack, "+8613912340001")
    assert wangwu["text"].startswith("【示例银行】王五您好") and "拒收请回复R" in wangwu["text"]
    [zhaoliu] = phone(stack, "+8613912340002")
    assert mailbox(stack, "zhaoliu@example.com") == []  # SMS first: one invitation, one channel
    # the blacklisted number: refused by the provider → opted out on every channel, no e-mail either
    qianqi = Candidate.get(Candidate.lookup("name", "钱七"))
    assert qianqi.unsubscribed_at is not None and qianqi.unsubscribe_source == "sms"
    assert phone(stack, "+8613912340000") == [] and mailbox(stack, "qianqi@example.com") == []
    # 140… has 11 digits but is no allocated mobile range: the SMS cannot go, the e-mail prepared beside it goes
    [sunba] = mailbox(stack, "sunba@example.com")
    assert "/i/" in sunba["text"]
    channels = {c.name: Invitation.get(Invitation.candidate == c).channel for c in Candidate.select()}
    assert channels == {"王五": "sms", "赵六": "sms", "钱七": "sms", "孙八": "email"}
    states = sorted(m.state for m in OutboundMessage.select().where(OutboundMessage.channel == "sms"))
    assert states == ["failed", "failed", "sent", "sent"]  # one try each: no number is sent to twice
    assert "13912340001" not in str([m.payload for m in OutboundMessage.select()])  # numbers stay sealed

    take_interview(stack, followed(stack, zhaoliu))
    stack.drain()
    [card] = cards(stack, "hr_li")
    click(stack, "hr_li", card, "pass")
    stack.drain()
    notice = phone(stack, "+8613912340002")[-1]
    assert "已通过柜员岗位初试" in notice["text"]
    [beside] = [m for m in mailbox(stack, "zhaoliu@example.com") if "恭喜您通过" in m["text"]]
    assert str(calendar_event(beside)["SUMMARY"]) == "示例银行「柜员」复试"

    # Quiet hours: a reschedule at 22:30 Beijing time waits for 08:00.
    night = dt.datetime.now(CN_TZ).replace(hour=22, minute=30, second=0, microsecond=0)
    monkeypatch.setattr(delivery, "beijing_now", lambda: night)
    stack.say("hr_li", "/reschedule 赵六 下周三上午十点")
    stack.drain(rounds=1)
    waiting = OutboundMessage.get(OutboundMessage.channel == "sms", OutboundMessage.purpose == "reschedule")
    assert waiting.state == "deferred" and "quiet hours" in waiting.last_error
    assert round((waiting.next_attempt_at - waiting.created_at).total_seconds() / 3600, 1) == 9.5
    monkeypatch.setattr(delivery, "beijing_now", lambda: night.replace(hour=8, minute=0) + dt.timedelta(days=1))
    stack.drain()
    assert "复试时间已改为" in phone(stack, "+8613912340002")[-1]["text"]
    assert urlparse(followed(stack, wangwu)).path.startswith("/i/")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_receipts_are_recorded_and_replies_opt_out_or_reach_the_recruiter(provider, stack, monkeypatch):
    """Tencent: receipts and replies pulled. Alibaba: receipts queried per message, replies pushed by the sandbox
    to the product's secret SmsUp path (handlers/h5/sms_push.py) and taken by the same pull. The replies come at
    22:30 Beijing time: the answer to a candidate who just texted us goes at once, quiet hours or not."""
    from bot.channels import sms_inbox
    from bot.store.models import Candidate, OutboundMessage
    from bot.wecom import delivery
    from tests.support.chat import texts

    stack.api("POST", "sms/settings", json={"receipt_delay": 0})
    upload(stack, sheet([["王五", "13912340001", "本科", "金融学", "3", TELLER],
                         ["赵六", "13912340002", "本科", "金融学", "3", TELLER]],
                        ("姓名", "手机", "学历", "专业", "工作年限", "简历")))
    stack.drain()
    night = dt.datetime.now(CN_TZ).replace(hour=22, minute=30, second=0, microsecond=0)
    monkeypatch.setattr(delivery, "beijing_now", lambda: night)
    stack.api("POST", "sms/reply", json={"from": "+8613912340001", "text": "我周五下午才有空，可以吗"})
    stack.api("POST", "sms/reply", json={"from": "+8613912340002", "text": " R "})
    assert sms_inbox.pull() == {"receipts": 2, "replies": 2}
    stack.drain()
    assert {m.response_code for m in OutboundMessage.select().where(OutboundMessage.channel == "sms",
                                                                    OutboundMessage.purpose == "invitation")} \
        == {"DELIVERED"}
    assert any("王五" in t and "我周五下午才有空" in t for t in texts(stack, "hr_li"))
    zhaoliu = Candidate.get(Candidate.lookup("name", "赵六"))
    assert zhaoliu.unsubscribed_at is not None and zhaoliu.unsubscribe_source == "sms"
    assert "您已退订示例银行的招聘短信" in phone(stack, "+8613912340002")[-1]["text"]  # the one confirmation
    assert Candidate.get(Candidate.lookup("name", "王五")).unsubscribed_at is None
    assert sms_inbox.pull() == {"receipts": 1, "replies": 0}  # the confirmation's receipt; no reply taken twice


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_sms_reply_is_read_as_chat_when_answers_can_reach_the_candidate_by_e_mail(stack):
    from bot.channels import sms_inbox

    upload(stack, sheet([["赵六", "13912340002", "zhaoliu@example.com", "本科", "金融学", "3", TELLER]],
                        ("姓名", "手机", "邮箱", "学历", "专业", "工作年限", "简历")))
    stack.drain()
    stack.api("POST", "sms/reply", json={"from": "+8613912340002", "text": "请问截止时间是什么时候？"})
    assert sms_inbox.pull()["replies"] == 1
    stack.drain()
    [answer] = mailbox(stack, "zhaoliu@example.com")  # no e-mail invitation (SMS went first): this is the answer
    assert "23:59" in answer["text"] and len(phone(stack, "+8613912340002")) == 1
