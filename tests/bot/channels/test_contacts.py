"""Candidates who are WeChat users: the 20-second welcome with the interview link, and the kf welcome."""
from __future__ import annotations

from bot.store.models import Candidate, Invitation, OutboundMessage
from tests.support.chat import invite_member


def test_adding_the_recruiter_with_an_invitation_state_gets_the_link(stack):
    invite_member(stack)
    invitation = Invitation.get()
    added = stack.api("POST", "contact/add", json={"name": "张三", "userid": "hr_li", "state": f"inv.{invitation.id}"})
    assert added["delivery"]["ok"]
    stack.drain()
    external = added["external_userid"]
    [welcome] = [m for m in stack.inbox(external) if m["channel"] == "welcome"]
    body = welcome["payload"]
    assert "「柜员」岗位的 AI 面试" in body["text"]["content"]
    assert body["attachments"][0]["link"]["url"].startswith(f"{stack.base}/i/")
    assert Candidate.get_by_id(invitation.candidate_id).external_userid == external
    assert Invitation.get_by_id(invitation.id).channel == "external"
    assert OutboundMessage.get(OutboundMessage.purpose == "welcome").state == "sent"


def test_a_replayed_add_event_does_not_welcome_twice(stack):
    invite_member(stack)
    invitation = Invitation.get()
    added = stack.api("POST", "contact/add", json={"userid": "hr_li", "state": f"inv.{invitation.id}"})
    stack.drain()
    from bot.channels.contacts import welcome_external

    code = OutboundMessage.get(OutboundMessage.purpose == "welcome").payload["welcome_code"]
    assert welcome_external("hr_li", added["external_userid"], f"inv.{invitation.id}", code) == "duplicate"
    assert len([m for m in stack.inbox(added["external_userid"]) if m["channel"] == "welcome"]) == 1


def test_adding_without_a_state_gets_a_plain_welcome(stack):
    added = stack.api("POST", "contact/add", json={"userid": "hr_li"})
    stack.drain()
    [welcome] = [m for m in stack.inbox(added["external_userid"]) if m["channel"] == "welcome"]
    assert "招聘人员会尽快与您联系" in welcome["payload"]["text"]["content"]


def test_entering_the_kf_session_from_the_invitation_gets_the_link(stack):
    invite_member(stack)
    invitation = Invitation.get()
    entered = stack.api("POST", "kf/enter", json={"name": "张三", "scene_param": f"inv.{invitation.id}"})
    assert entered["delivery"]["ok"]
    stack.drain()
    [welcome] = [m for m in stack.inbox(entered["external_userid"]) if m["channel"] == "kf"]
    text = welcome["payload"]["text"]["content"]
    assert "「柜员」岗位的 AI 面试" in text and f"{stack.base}/i/" in text
    assert Candidate.get_by_id(invitation.candidate_id).external_userid == entered["external_userid"]


def test_a_kf_message_from_the_candidate_opens_the_48h_window(stack):
    from bot.store.kv import get_redis

    entered = stack.api("POST", "kf/enter", json={"name": "李四"})
    stack.drain()
    stack.say(entered["external_userid"], "你好，我想问一下面试的事")
    stack.drain()
    window = f"kf:window:{entered['open_kfid']}:{entered['external_userid']}"
    assert get_redis().ttl(window) > 47 * 3600
    assert get_redis().hget(window, "sent") == b"1"  # the one answer: the message went to HR (not dropped)
