"""The first slice, end to end through the WeCom sandbox: a recruiter invites, the candidate gets a card."""
from __future__ import annotations

import datetime as dt

import pytest
import requests

from bot.store.models import AuditLog, Invitation, OutboundMessage
from tests.support.chat import texts


def cards(stack, user: str) -> list[dict]:
    return [m for m in stack.inbox(user) if m["msgtype"] == "template_card"]


@pytest.mark.parametrize("command", ["/invite 柜员 zhangsan", "邀请 柜员 zhangsan"])
def test_recruiter_invites_and_candidate_gets_a_personalized_card(stack, command):
    said = stack.say("hr_li", command)
    assert said["delivery"]["ok"], said
    stack.drain()

    [message] = cards(stack, "zhangsan")
    card = message["card"]
    assert card["card_type"] == "button_interaction"
    fields = {item["keyname"]: item["value"] for item in card["horizontal_content_list"]}
    assert fields["岗位"] == "柜员" and fields["题目数量"] == "6 题" and fields["思考时间"] == "每题 60–90 秒"
    invitation = Invitation.get()
    deadline = (invitation.expires_at + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert fields["截止时间"] == deadline and deadline.endswith("23:59")
    assert card["main_title"]["desc"].startswith("您好！")  # no name in the sandbox's directory: never the userid
    link = card["card_action"]["url"]
    assert link.startswith(f"{stack.base}/i/")
    assert [b["text"] for b in card["button_list"]] == ["开始面试", "暂不参加"]

    page = requests.get(link, timeout=10)  # the signed link opens the interview's welcome step
    assert page.status_code == 200 and "柜员 · AI 面试" in page.text and "90 秒" in page.text
    assert Invitation.get_by_id(invitation.id).status == "opened"

    [confirmation] = texts(stack, "hr_li")
    assert confirmation.startswith("✅ 已向 zhangsan 发送「柜员」面试邀请")
    assert AuditLog.get(AuditLog.action == "invite").actor == "hr_li"
    assert stack.api("GET", "stats")["dropped"] == 0


def test_one_command_invites_several_candidates(stack):
    stack.say("hr_wang", "/invite teller lisi wangwu")
    stack.drain()
    assert len(cards(stack, "lisi")) == 1 and len(cards(stack, "wangwu")) == 1
    assert len(texts(stack, "hr_wang")) == 2


def test_inviting_again_does_not_send_a_second_card(stack):
    stack.say("hr_li", "/invite 柜员 zhangsan")
    stack.drain()
    stack.say("hr_li", "/invite 柜员 zhangsan")
    stack.drain()
    assert len(cards(stack, "zhangsan")) == 1
    assert "已有「柜员」的邀请（已送达" in texts(stack, "hr_li")[-1]


def test_non_recruiter_gets_a_polite_refusal(stack):
    stack.say("zhangsan", "/invite 柜员 lisi")
    stack.drain()
    assert texts(stack, "zhangsan") == ["抱歉，这个命令仅限招聘人员使用。如需帮助，请联系贵司 HR。"]
    assert stack.inbox("lisi") == [] and Invitation.select().count() == 0


def test_help_and_hints(stack):
    stack.say("hr_li", "/help")
    stack.say("zhangsan", "/help")
    stack.say("zhangsan", "你好")
    stack.say("hr_li", "/invite")
    stack.say("hr_li", "/nosuch")
    stack.drain()
    hr = texts(stack, "hr_li")
    assert "/invite <岗位> <候选人ID 或 wx:姓名…>" in hr[0] and "/reschedule" in hr[0]
    assert hr[1].startswith("用法：/invite") and "没有这个命令" in hr[2]
    candidate = texts(stack, "zhangsan")
    assert "/invite" not in candidate[0] and "仅对招聘人员开放" in candidate[0]
    assert candidate[1] == "我是面试助手。发送 /help 查看可用命令。"


def test_unknown_position_lists_the_open_ones(stack):
    stack.say("hr_li", "/invite 宇航员 zhangsan")
    stack.drain()
    assert texts(stack, "hr_li") == ["没有找到岗位「宇航员」。现有岗位：柜员"]


def _press(stack, user: str, card: dict, index: int) -> None:
    stack.api("POST", "click", json={"user": user, "msgid": card["msgid"], "key": card["card"]["button_list"][index][
        "key"]})
    stack.drain()


def test_candidate_declines_from_the_card_after_confirming_and_can_say_why(stack):
    stack.say("hr_li", "/invite 柜员 zhangsan")
    stack.drain()
    [card] = cards(stack, "zhangsan")
    invitation = Invitation.get()
    _press(stack, "zhangsan", card, 1)  # 暂不参加 asks first: nothing is declined yet
    [asking] = cards(stack, "zhangsan")
    assert asking["card_update"]["replace_card"] and asking["card"]["main_title"]["title"] == "确认暂不参加？"
    assert "「柜员」的面试邀请将关闭" in asking["card"]["main_title"]["desc"]
    assert [b["text"] for b in asking["card"]["button_list"]] == ["确认暂不参加", "返回"]
    assert [b["key"] for b in asking["card"]["button_list"]] == [f"decline:{invitation.id}:confirm",
                                                                 f"decline:{invitation.id}:back"]
    assert asking["card"]["task_id"] == card["card"]["task_id"]
    assert Invitation.get().status == "sent" and texts(stack, "zhangsan") == []
    assert not AuditLog.select().where(AuditLog.action == "decline").exists()

    _press(stack, "zhangsan", asking, 0)  # 确认暂不参加
    assert Invitation.get().status == "declined"
    [done] = cards(stack, "zhangsan")
    assert done["card_disabled"] and done["card_update"]["replace_name"] == "已选择暂不参加"
    [ack] = texts(stack, "zhangsan")
    assert "感谢您对「柜员」岗位的关注" in ack and "原因（可选）" in ack and "直接回复本消息" in ack
    assert texts(stack, "hr_li")[-1] == "zhangsan 选择暂不参加「柜员」面试。"
    assert AuditLog.get(AuditLog.action == "decline").actor == "zhangsan"

    stack.say("zhangsan", "下周在外地实习，时间不合适")  # the optional reason reaches the recruiter
    stack.drain()
    assert any("下周在外地实习" in t for t in texts(stack, "hr_li")), (texts(stack, "zhangsan"), texts(stack, "hr_li"))


def test_back_on_the_asking_card_restores_the_invitation_card(stack):
    stack.say("hr_li", "/invite 柜员 zhangsan")
    stack.drain()
    [card] = cards(stack, "zhangsan")
    _press(stack, "zhangsan", card, 1)
    _press(stack, "zhangsan", cards(stack, "zhangsan")[0], 1)  # 返回
    [back] = cards(stack, "zhangsan")
    assert [b["text"] for b in back["card"]["button_list"]] == ["开始面试", "暂不参加"]
    assert back["card"]["main_title"] == card["card"]["main_title"]
    assert Invitation.get().status == "sent" and texts(stack, "zhangsan") == []
    _press(stack, "zhangsan", back, 1)  # and it asks again, then declines on 确认
    _press(stack, "zhangsan", cards(stack, "zhangsan")[0], 0)
    assert Invitation.get().status == "declined"


def test_asking_after_the_interview_started_only_says_so(stack):
    stack.say("hr_li", "/invite 柜员 zhangsan")
    stack.drain()
    [card] = cards(stack, "zhangsan")
    Invitation.update(status="started").execute()
    _press(stack, "zhangsan", card, 1)
    [now] = cards(stack, "zhangsan")
    assert now["card_update"]["replace_name"] == "邀请面试中" and Invitation.get().status == "started"


def test_someone_else_cannot_decline_a_candidates_invitation(stack):
    stack.say("hr_li", "/invite 柜员 zhangsan")
    stack.drain()
    invitation = Invitation.get()
    from bot.sandbox import protocol

    env = stack.settings
    xml = protocol.card_event_xml(env.wecom_corp_id, "lisi", f"decline:{invitation.id}", "t", "rc",
                                  env.wecom_agent_id)
    params, body = protocol.encrypt_callback(env.wecom_token, env.wecom_aes_key, env.wecom_corp_id, xml)
    assert requests.post(f"{stack.base}/wecom/callback", params=params, data=body, timeout=10).status_code == 200
    stack.drain()
    assert Invitation.get_by_id(invitation.id).status == "sent"


def test_tampered_and_expired_links(stack):
    stack.say("hr_li", "/invite 柜员 zhangsan")
    stack.drain()
    link = cards(stack, "zhangsan")[0]["card"]["card_action"]["url"]
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    response = requests.get(tampered, timeout=10)
    assert response.status_code == 403 and "链接无效" in response.text

    from bot.links import make_token

    invitation = Invitation.get()
    old = make_token(stack.settings.secret_key, invitation.id, invitation.candidate_id, 1_000_000)
    response = requests.get(f"{stack.base}/i/{old}", timeout=10)
    assert response.status_code == 410 and "重新发送邀请" in response.text


def test_undeliverable_invitation_tells_the_recruiter_with_the_link(stack):
    stack.api("POST", "faults", json={"path": "message/send", "errcode": 40058, "times": 1})
    stack.say("hr_li", "/invite 柜员 zhangsan")
    stack.drain()
    assert cards(stack, "zhangsan") == []
    assert Invitation.get().status == "failed"
    [note] = texts(stack, "hr_li")
    assert note.startswith("❌ 「柜员」面试邀请未能送达 zhangsan") and f"{stack.base}/i/" in note
    assert OutboundMessage.get(OutboundMessage.purpose == "invitation").state == "failed"


def test_wecom_retrying_the_same_message_three_times_sends_one_invitation(stack):
    from bot.sandbox import protocol

    env = stack.settings
    xml = protocol.text_message_xml(env.wecom_corp_id, "hr_li", "/invite 柜员 zhangsan", 9_000_001,
                                    env.wecom_agent_id)
    for _ in range(3):  # each retry is encrypted afresh (new nonce), as WeCom does
        params, body = protocol.encrypt_callback(env.wecom_token, env.wecom_aes_key, env.wecom_corp_id, xml)
        assert requests.post(f"{stack.base}/wecom/callback", params=params, data=body, timeout=10).status_code == 200
    stack.drain()
    assert len(cards(stack, "zhangsan")) == 1
    assert len(texts(stack, "hr_li")) == 1
    assert Invitation.select().count() == 1 and OutboundMessage.select().count() == 2
