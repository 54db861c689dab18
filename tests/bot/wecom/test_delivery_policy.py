"""The delivery policy (bot/wecom/policy.py): a position's channels in order and what SMS and e-mail may carry, checked
by the position validator with field paths; the candidate's preferred channel first; an invitation unopened after the
policy's hours sent once more over the next channel; and a candidate invited by SMS who enters 微信客服 from the
interview page gets the result and the 复试通知 there, not by SMS."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.support.bulk import TELLER, mailbox, phone, sheet, upload
from tests.support.chat import cards, click, texts
from tests.support.h5 import take_interview

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
HEADER = ("姓名", "手机", "邮箱", "学历", "专业", "工作年限", "简历")


def row(name: str, number: str, email: str) -> list[str]:
    return [name, number, email, "本科", "金融学", "3", TELLER]


def set_policy(**delivery) -> None:
    """Give 柜员 a delivery policy through the position validator, as the editor and the API save it."""
    from bot.positions.catalog import document_of, parse_position_doc
    from bot.store.models import Position

    position = Position.get(Position.title == "柜员")
    doc = document_of(position)
    doc.pop("unit"), doc.pop("team")
    values = parse_position_doc({**doc, "delivery": delivery}, "柜员", "test")
    Position.update(rubric=values["rubric"]).where(Position.id == position.id).execute()


def test_the_validator_reads_chinese_names_and_refuses_what_a_policy_cannot_be(env):
    from bot.positions.catalog import PositionFileError, parse_position_doc
    from handlers.hr.position_form import chinese

    base = {"slug": "t", "title": "柜员", "questions": [{"key": "q1", "text": "请介绍自己"}]}
    values = parse_position_doc({**base, "delivery": {"channels": "短信、邮件", "sms": ["面试邀请", "reminder"],
                                                      "fallback_hours": 24}}, "t", "x")
    assert values["rubric"]["delivery"] == {"channels": ["sms", "email"], "sms": ["invitation", "reminder"],
                                            "fallback_hours": 24}
    for delivery, field, words in (({"sms": ["感谢函"]}, "delivery.sms", "短信只能发送有审核模板的消息"),
                                   ({"channels": []}, "delivery.channels", "至少写一个联系渠道"),
                                   ({"channels": "短信,飞鸽"}, "delivery.channels", "不认识的渠道 飞鸽"),
                                   ({"channels": "sms,短信"}, "delivery.channels", "写了两次"),
                                   ({"fallback_hours": -1}, "delivery.fallback_hours", "0–720"),
                                   ({"retries": 2}, "delivery.retries", "不认识的字段")):
        with pytest.raises(PositionFileError) as caught:
            parse_position_doc({**base, "delivery": delivery}, "t", "x")
        assert caught.value.field == field, delivery
        assert words in chinese(caught.value), (delivery, chinese(caught.value))


def test_the_position_orders_the_channels_and_limits_what_sms_carries(stack):
    """E-mail before SMS for 柜员: a row with both is e-mailed, one with a phone only gets an SMS; with reminders not
    allowed by SMS, the phone-only candidate's reminder goes to the recruiter to pass on; the 感谢函 never goes by
    SMS whatever the policy says (no template can carry it)."""
    from bot.store.models import Invitation
    from bot.wecom import notify

    set_policy(channels=["member", "kf", "email", "sms"], sms=["invitation"])
    upload(stack, sheet([row("王五", "13912340001", "wangwu@example.com"), row("赵六", "13912340002", "")], HEADER))
    stack.drain()
    assert len(mailbox(stack, "wangwu@example.com")) == 1 and phone(stack, "+8613912340001") == []
    assert len(phone(stack, "+8613912340002")) == 1
    stack.say("hr_li", "/remind 柜员")
    stack.drain()
    assert len(phone(stack, "+8613912340002")) == 1  # no second SMS: reminders are not allowed by SMS here
    assert any("赵六" in t and "送达策略" in t for t in texts(stack, "hr_li")), texts(stack, "hr_li")[-3:]
    assert any("提醒" in m["subject"] or "截止" in m["text"] for m in mailbox(stack, "wangwu@example.com")[1:])
    zhaoliu = Invitation.select().join(Invitation.candidate.rel_model).where(Invitation.channel == "sms").get()
    assert notify.route(zhaoliu, "thanks") == "none" and notify.route(zhaoliu, "invitation") == "sms"


def test_an_unopened_invitation_goes_once_more_over_the_next_channel(stack):
    from bot.clock import utcnow
    from bot.invitations import fallback
    from bot.store.models import AuditLog, Candidate, Invitation

    upload(stack, sheet([row("王五", "13912340001", "wangwu@example.com"), row("赵六", "13912340002", "zhaoliu@x.cn")],
                        HEADER))
    stack.drain()
    assert [len(phone(stack, n)) for n in ("+8613912340001", "+8613912340002")] == [1, 1]
    code = re.search(r"/s/(\w+)", phone(stack, "+8613912340002")[0]["text"]).group(1)
    client = stack.app.test_client()
    client.get(client.get(f"/s/{code}").headers["Location"].split("/", 3)[3])  # 赵六 opens it
    assert Candidate.get(Candidate.lookup("name", "赵六")).preferred_channel == "sms"

    assert fallback.resend_unopened(utcnow() + dt.timedelta(hours=47)) == 0  # DELIVERY_FALLBACK_HOURS is 48
    assert fallback.resend_unopened(utcnow() + dt.timedelta(hours=97)) == 0  # long past: no wave on turning it on
    later = utcnow() + dt.timedelta(hours=49)
    assert fallback.resend_unopened(later) == 1 and fallback.resend_unopened(later) == 0  # once only
    stack.drain()
    [again] = mailbox(stack, "wangwu@example.com")
    assert "柜员" in again["subject"] and "/i/" in again["text"]
    assert mailbox(stack, "zhaoliu@x.cn") == [] and len(phone(stack, "+8613912340001")) == 1
    wangwu = Invitation.select().join(Candidate).where(Candidate.lookup("name", "王五")).get()
    assert wangwu.channel == "email"  # later messages follow it there
    assert AuditLog.get(AuditLog.action == "invitation.fallback").detail == {"from": "sms", "to": "email"}


def test_an_sms_invitee_who_enters_wechat_service_gets_the_result_there(stack):
    from bot.store.models import Candidate, Invitation

    upload(stack, sheet([row("王五", "13912340001", "")], HEADER))
    stack.drain()
    [invite] = phone(stack, "+8613912340001")
    code = re.search(r"/s/(\w+)", invite["text"]).group(1)
    client = stack.app.test_client()
    link = client.get(f"/s/{code}").headers["Location"]
    page = client.get("/" + link.split("/", 3)[3]).get_data(as_text=True)
    invitation = Invitation.get()
    assert "进入微信客服" in page and f"scene_param=inv.{invitation.id}" in page.replace("&amp;", "&")
    entered = stack.api("POST", "kf/enter", json={"name": "王五", "scene_param": f"inv.{invitation.id}"})
    user = entered["external_userid"]
    stack.say(user, "好的，结果请在这里告诉我")  # the candidate's message opens the 48 h window
    stack.drain()
    assert Invitation.get_by_id(invitation.id).channel == "kf"
    assert Candidate.get_by_id(invitation.candidate_id).preferred_channel == "kf"
    # the SMS's link opened again: the page offers nothing more, and the choice of WeChat stands
    assert "进入微信客服" not in client.get("/" + link.split("/", 3)[3]).get_data(as_text=True)
    assert Candidate.get_by_id(invitation.candidate_id).preferred_channel == "kf"

    take_interview(stack, link)
    stack.drain()
    [card] = cards(stack, "hr_li")
    click(stack, "hr_li", card, "pass")
    stack.drain()
    assert any("恭喜您通过「柜员」岗位的 AI 面试" in t for t in texts(stack, user, "kf"))
    assert len(phone(stack, "+8613912340001")) == 1  # the invitation only: the 复试通知 came in WeChat
