"""A candidate who has only an e-mail address, end to end through the sandbox's SMTP server: invited from a bulk
sheet by e-mail, interviewed from the e-mail's link, passed, the 复试通知 with its .ics, moved by HR (the same
calendar entry, a higher SEQUENCE), then 退订 — after which nothing more is mailed and the recruiter is told."""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from tests.support.bulk import TELLER, calendar_event, mailbox, sheet, upload
from tests.support.chat import cards, click, texts
from tests.support.h5 import take_interview


def test_a_candidate_with_only_an_e_mail_is_reached_by_e_mail_from_invitation_to_second_round(stack):
    from bot.store.models import Candidate, Invitation, OutboundMessage

    upload(stack, sheet([["王五", "Wangwu@Example.com", "本科", "金融学", "3", TELLER],
                         ["赵六", "bounce6@example.com", "本科", "金融学", "3", TELLER]],
                        ("姓名", "邮箱", "学历", "专业", "工作年限", "简历")))
    stack.drain()

    [invite] = mailbox(stack, "wangwu@example.com")
    assert invite["subject"] == "示例银行诚邀您参加「柜员」岗位的 AI 面试"
    link = re.search(r"https?://\S+/i/\S+", invite["text"]).group()
    assert f'<a href="{link}">' in invite["html"] and "请在" in invite["text"]
    unsubscribe = invite["headers"]["List-Unsubscribe"].strip("<>")
    assert invite["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The outbox keeps no address: it is read from the candidate's sealed record when the e-mail is sent.
    sent = OutboundMessage.select().where(OutboundMessage.channel == "email").order_by(OutboundMessage.id).first()
    assert "example.com" not in str(sent.payload) and sent.state == "sent" and sent.recipient == ""
    wangwu = Candidate.get(Candidate.lookup("email", "wangwu@example.com"))
    assert Invitation.get(Invitation.candidate == wangwu).channel == "email"
    # The refused address: failed for good with the server's reason, the recruiter's summary says so.
    bounced = OutboundMessage.get(OutboundMessage.channel == "email", OutboundMessage.state == "failed")
    assert "550" in bounced.last_error and mailbox(stack, "bounce6@example.com") == []

    take_interview(stack, link)
    stack.drain()
    [completed] = [m for m in mailbox(stack, "wangwu@example.com") if "系统正在评分" in m["text"]]
    assert completed["subject"] == "示例银行招聘：「柜员」面试通知"
    [card] = cards(stack, "hr_li")
    click(stack, "hr_li", card, "pass")
    stack.drain()
    [notice] = [m for m in mailbox(stack, "wangwu@example.com") if "恭喜您通过" in m["text"]]
    first = calendar_event(notice)
    assert str(first["SUMMARY"]) == "示例银行「柜员」复试" and int(first["SEQUENCE"]) == 0

    stack.say("hr_li", "/reschedule 王五 下周三上午十点")
    stack.drain()
    [moved] = [m for m in mailbox(stack, "wangwu@example.com") if "改到" in m["text"]]
    second = calendar_event(moved)
    assert second["UID"] == first["UID"] and int(second["SEQUENCE"]) == 1
    assert second.decoded("DTSTART").hour == 2  # 10:00 Beijing time, in UTC
    assert second.decoded("DTSTART") != first.decoded("DTSTART")

    # 退订 in one click (RFC 8058), as a mail client does: nothing more is mailed, the recruiter is told.
    client = stack.app.test_client()
    answer = client.post(urlparse(unsubscribe).path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    before = len(mailbox(stack, "wangwu@example.com"))
    stack.say("hr_li", "/reschedule 王五 下周四下午三点")
    stack.drain()
    assert len(mailbox(stack, "wangwu@example.com")) == before
    assert any("退订" in t for t in texts(stack, "hr_li"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_e_mail_invitation_offers_the_wechat_service_chat_and_entering_it_moves_the_candidate_there(stack):
    from bot.store.models import Invitation

    upload(stack, sheet([["王五", "wangwu@example.com", "本科", "金融学", "3", TELLER]],
                        ("姓名", "邮箱", "学历", "专业", "工作年限", "简历")))
    stack.drain()
    [invite] = mailbox(stack, "wangwu@example.com")
    invitation = Invitation.get()
    scene = re.search(r"scene_param=([\w.%]+)", invite["text"]).group(1)
    assert scene in (f"inv.{invitation.id}", f"inv%2E{invitation.id}") and "微信客服" in invite["text"]
    entered = stack.api("POST", "kf/enter", json={"name": "王五", "scene_param": f"inv.{invitation.id}"})
    stack.drain()
    assert Invitation.get_by_id(invitation.id).channel == "kf"  # from now on the chat, inside its 48 h windows
    [welcome] = [m for m in stack.inbox(entered["external_userid"]) if m["channel"] == "kf"]
    assert "/i/" in welcome["payload"]["text"]["content"]
