"""Real names: a member candidate is greeted by the name in the WeCom directory (user/get through the sandbox,
cached a day), a member without one by 您好 and never by their userid, a name HR gave is kept, and the result card
names the candidate and how they were reached (masked for interviewers)."""
from __future__ import annotations

import json

import pytest
import requests

from bot.bulk.runs import candidate_for
from bot.clock import utcnow
from bot.decisions import results
from bot.integrations.tokens import create_token
from bot.org import names
from bot.store.kv import get_redis
from bot.store.models import Candidate, Interview, Invitation, Position, PositionMember, Report
from bot.wecom import messages
from tests.support.chat import cards, invite_member, texts, token_of

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the sandbox and Redis matter, not the database

GREETINGS = ("invitation_greeting", "invitation_text", "reminder", "result_pass", "result_reject")
DOC = {"total": 81.0, "recommendation": {"label": "推荐", "confidence_label": "高"},
       "dimensions": [{"name": f"维度{i}", "score": 80} for i in range(6)],
       "highlights": ["表达清楚"], "concerns": ["举例偏少"], "suggestions": ["多举例"]}


def directory(stack, userid: str, name: str) -> None:
    stack.api("POST", "directory", json={"userid": userid, "name": name})


def invite(stack, position: str, userid: str) -> str:
    """/invite in chat; the greeting of the newest invitation card userid received."""
    stack.say("hr_li", f"/invite {position} {userid}")
    stack.drain()
    return [m for m in stack.inbox(userid) if m["msgtype"] == "template_card"][-1]["card"]["main_title"]["desc"]


def position(slug: str, title: str) -> Position:
    teller = Position.get(Position.slug == "teller")
    return Position.create(slug=slug, title=title, questions=teller.questions, rubric=teller.rubric)


@SQLITE
def test_a_member_is_greeted_by_the_directory_name_and_a_failed_look_up_holds_nothing_back(stack):
    directory(stack, "zhangsan", "张三")
    stack.api("POST", "faults", json={"path": "user/get", "errcode": 45009})  # WeCom's frequency limit, once
    assert invite(stack, "柜员", "zhangsan").startswith("您好！")  # invited all the same, without the name
    assert Candidate.get(Candidate.wecom_userid == "zhangsan").name == ""
    assert get_redis().ttl(names.PAUSE_KEY) > 0
    assert invite(stack, "柜员", "lisi").startswith("您好！")  # within the pause WeCom is not asked
    assert len(stack.calls("user/get")) == 1

    get_redis().delete(names.PAUSE_KEY)  # a minute later: the next invitation asks again
    position("lobby", "大堂经理")
    assert invite(stack, "大堂经理", "zhangsan").startswith("张三，您好！")
    candidate = Candidate.get(Candidate.wecom_userid == "zhangsan")
    assert candidate.name == "张三" and Candidate.get(Candidate.lookup("name", "张三")).id == candidate.id
    assert texts(stack, "hr_li")[-1].startswith("✅ 已向张三发送「大堂经理」面试邀请")  # HR reads the name too
    assert 0 < get_redis().ttl(names.cache_key("zhangsan")) <= names.CACHE_TTL
    cached = {k: get_redis().get(k) for k in get_redis().scan_iter("wecom:member-name:*")}
    assert names.cache_key("zhangsan") in {k.decode() for k in cached}
    assert "zhangsan" not in str(cached) and "张三" not in str(cached)  # a keyed hash and a sealed name


@SQLITE
def test_a_member_without_a_name_is_never_greeted_by_their_userid(stack):
    link = invite_member(stack, "wangwu")  # the sandbox's directory has no name for wangwu
    client = stack.app.test_client()
    assert client.get(f"/h5/api/{token_of(link)}/state").json["candidate"] == ""  # the page says 您好 alone
    stack.say("hr_li", "/remind 柜员")
    stack.drain()
    assert texts(stack, "wangwu")[-1].startswith("您好，提醒您：「柜员」岗位的 AI 面试")
    position("lobby", "大堂经理")
    assert invite(stack, "大堂经理", "wangwu").startswith("您好！")
    assert len(stack.calls("user/get")) == 1  # the answer without a name is cached too
    sent = [{k: v for k, v in m["payload"].items() if k != "touser"} for m in stack.inbox("wangwu")]
    assert len(sent) == 3 and "wangwu" not in json.dumps(sent, ensure_ascii=False)

    directory(stack, "wangwu", "王五")  # named in WeCom since; once the day's cache is stale the name is read
    get_redis().delete(names.cache_key("wangwu"))
    position("desk", "客服专员")
    assert invite(stack, "客服专员", "wangwu").startswith("王五，您好！")
    assert len(stack.calls("user/get")) == 2


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
def test_a_name_the_sheet_or_the_api_gave_is_kept(stack):
    for userid, name in (("zhangsan", "张三"), ("lisi", "李四"), ("wangwu", "王五")):
        directory(stack, userid, name)
    assert candidate_for({"wecom_userid": "zhangsan", "name": "张三丰"}).name == "张三丰"
    assert not stack.calls("user/get")  # the sheet named them: WeCom is not asked
    assert candidate_for({"wecom_userid": "zhangsan"}).name == "张三丰"  # a later sheet without the name keeps it
    assert candidate_for({"wecom_userid": "lisi", "phone": "13812345678"}).name == "李四"
    Candidate.create(wecom_userid="zhaoliu")  # invited in chat before, no name: a sheet's name fills it
    assert candidate_for({"wecom_userid": "zhaoliu", "name": "赵六"}).name == "赵六"

    headers = {"Authorization": f"Bearer {create_token('hr_li', 'full')[1]}"}
    made = requests.post(f"{stack.base}/api/v1/candidates", json={"name": "王小明", "wecom_userid": "wangwu"},
                         headers=headers, timeout=30)
    assert made.status_code == 201, made.text
    invited = requests.post(f"{stack.base}/api/v1/invitations", headers=headers, timeout=30,
                            json={"position": "teller", "candidate_id": made.json()["id"], "invited_by": "hr_li"})
    assert invited.status_code == 201, invited.text
    stack.drain()
    assert Candidate.get_by_id(made.json()["id"]).name == "王小明"
    card = [m for m in stack.inbox("wangwu") if m["msgtype"] == "template_card"][0]["card"]
    assert card["main_title"]["desc"].startswith("王小明，您好！")


@SQLITE
def test_the_result_card_names_the_candidate_and_the_channel_and_the_masked_copy_neither_name(stack):
    directory(stack, "zhangsan", "张三")
    invite_member(stack, "zhangsan")
    invitation = Invitation.get()
    PositionMember.create(position=invitation.position, userid="mgr_zhao", role="interviewer")
    interview = Interview.create(invitation=invitation, status="completed", completed_at=utcnow())
    report = Report.create(interview=interview, schema_version="test", document=DOC, total=81.0,
                           recommendation="recommend")
    results.send_card(report)
    stack.drain()

    [full] = cards(stack, "hr_li")
    assert full["card"]["main_title"]["title"] == "面试报告 · 张三"
    assert full["card"]["sub_title_text"].startswith("候选人：张三（zhangsan） · 企业微信\n")
    [masked] = [m["card"] for m in stack.inbox("mgr_zhao") if m["msgtype"] == "template_card"]
    label = f"张*（#{invitation.candidate_id}）"
    assert masked["main_title"]["title"] == f"面试报告 · {label}" and "button_list" not in masked
    assert masked["sub_title_text"].startswith(f"候选人：{label} · 企业微信")
    assert "张三" not in json.dumps(masked, ensure_ascii=False) and "zhangsan" not in json.dumps(masked)

    for channel, words in (("kf", "微信客服"), ("external", "外部联系人"), ("email", "邮件"), ("sms", "短信")):
        Invitation.update(channel=channel).where(Invitation.id == invitation.id).execute()
        assert results.card_names(stack.settings, Invitation.get_by_id(invitation.id))["channel"] == words


@pytest.mark.parametrize("locale", messages.LOCALES)
def test_without_a_name_every_greeting_starts_with_hello(locale):
    values = {"company": "银行", "position": "柜员", "questions": 6, "think": 60, "modes": "文字", "total_minutes": 20,
              "deadline": "12-08 23:59", "materials": "", "link": "L", "answer_minutes": 3, "started": False,
              "when": "周一", "place": "-", "contact": "-", "suggestions": [], "days": 90, "pool": False}
    for key in GREETINGS:
        text = messages.render(key, locale, name="", **values)
        assert text.startswith("您好" if locale == "zh-CN" else "Hello,"), (key, text)
        assert messages.render(key, locale, name="张三", **values).startswith(
            "张三，" if locale == "zh-CN" else ("Hello 张三," if key.startswith("invitation") else "张三,"))
