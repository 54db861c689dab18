"""What candidates write in chat, through the real callback, dispatcher, workers and the WeCom sandbox.

A table of candidate messages (Chinese and English: requests, refusals, questions, several things at once, typing
slips, full-width punctuation) each with what the bot must do with it. After every message nothing irreversible
has happened: the candidate is not erased, still in the pool, the invitation open, and no such act is in the audit
log — consequential requests only ever reach the step that asks for confirmation.
"""
from __future__ import annotations

import datetime as dt

import pytest

from tests.support.chat import invite_member, texts

pytestmark = pytest.mark.sqlite_only  # reading chat (other modules cover PostgreSQL)

# text → the steps the conversation takes, in order: "<intent>:<how>" (how: asked | declined | explained | answered,
# or what an act returned), "forwarded", "nothing_pending", "ask:several" (a clarifying question).
TABLE = [
    # the issue's sentences
    ("我不想退出人才库，请保留我的资料", ["leave_pool:declined"]),
    ("我不需要人工复核，谢谢", ["review:declined"]),
    ("我还没确认删除", ["nothing_pending"]),
    ("怎么退出人才库？", ["leave_pool:explained"]),
    # leaving the talent pool
    ("我想退出人才库", ["leave_pool:asked"]),
    ("请把我移出人才库。", ["leave_pool:asked"]),
    ("退出人材库", ["leave_pool:asked"]),  # 材 for 才
    ("退出人才库！！", ["leave_pool:asked"]),
    ("别把我移出人才库", ["leave_pool:declined"]),
    ("退出人才库会怎么样", ["leave_pool:explained"]),
    ("能不能退出人才库？", ["leave_pool:explained"]),
    ("我不能退出人才库吗？", ["leave_pool:explained"]),
    ("please remove me from the talent pool", ["leave_pool:asked"]),
    ("把我从人才库移除", ["leave_pool:asked"]),  # the act and what it acts on, in either order
    ("不想留在人才库里", ["leave_pool:asked"]),
    ("I don't want to leave the talent pool", ["leave_pool:declined"]),
    ("How can I leave the talent pool?", ["leave_pool:explained"]),
    # deleting one's data
    ("请删除我的数据", ["erasure:asked"]),
    ("删除我的个人信息", ["erasure:asked"]),
    ("删除我的数剧", ["erasure:asked"]),  # 剧 for 据
    ("DELETE MY DATA", ["erasure:asked"]),
    ("ｄｅｌｅｔｅ ｍｙ ｄａｔａ", ["erasure:asked"]),  # full-width letters
    ("delet my data please", ["erasure:asked"]),
    ("不要删除我的数据", ["erasure:declined"]),
    ("我并非要删除我的信息", ["erasure:declined"]),
    ("如何删除我的个人信息？", ["erasure:explained"]),
    ("How do I delete my data?", ["erasure:explained"]),
    ("do not delete my data", ["erasure:declined"]),
    ("请删掉我的信息", ["erasure:asked"]),
    ("把我的资料删了", ["erasure:asked"]),
    ("注销我的个人资料", ["erasure:asked"]),
    ("我的资料不要删", ["erasure:declined"]),  # the negation stands before the act, after what it acts on
    ("好的，确认删除我的数据", ["erasure:asked"]),  # nothing was asked before: it asks now
    # declining the invitation, withdrawing
    ("我暂不参加这次面试", ["decline:asked"]),
    ("放弃面试", ["decline:asked"]),
    ("我不参加面试了", ["decline:asked"]),
    ("我想参加，不会放弃面试", ["decline:declined"]),
    ("不想参加了", ["decline:asked"]),
    ("我找到工作了，不用面试了", ["decline:asked"]),
    ("我没说不想参加", ["decline:declined"]),  # a negation before a phrase that starts with one: the opposite
    ("我还想参加，不想放弃", ["forwarded"]),  # 放弃 counts only as the whole clause
    ("可以取消面试吗？", ["decline:explained"]),
    ("I want to decline the interview", ["decline:asked"]),
    ("我想撤回申请", ["withdraw:asked"]),
    ("不想撤回申请", ["withdraw:declined"]),
    ("撤回申请要怎么做", ["withdraw:explained"]),
    ("please withdraw my application", ["withdraw:asked"]),
    ("我放弃", ["withdraw:asked"]),  # alone, at any stage: leaving the process
    # answering an offer (none is waiting here: said so, nothing asked)
    ("我接受录用", ["accept_offer:unavailable"]),
    ("我不接受录用", ["accept_offer:declined"]),
    ("可以拒绝offer吗？", ["decline_offer:explained"]),
    ("我决定放弃入职", ["decline_offer:unavailable"]),
    ("I accept the offer", ["accept_offer:unavailable"]),
    # human review: at once, unless refused or asked about
    ("我想申请人工复核", ["review:review"]),
    ("对结果有疑问，申请人工复核", ["review:review_repeat"]),
    ("人工复合", ["review:review_repeat"]),  # 合 for 核
    ("无需人工复核", ["review:declined"]),
    ("不用复核了", ["review:declined"]),
    ("人工复核是什么？", ["review:explained"]),
    ("能申请人工复核吗", ["review:explained"]),
    ("I'd like a human review", ["review:review_repeat"]),
    ("我要申诉", ["review:review_repeat"]),
    ("no need for a human review", ["review:declined"]),
    ("can I get a human review?", ["review:explained"]),
    # a new time
    ("我想改期", ["reschedule:none"]),  # asked back for a time
    ("我不想改期", ["reschedule:declined"]),
    ("怎么改期？", ["reschedule:explained"]),
    ("how do I reschedule?", ["reschedule:explained"]),
    ("能改个时间吗？", ["reschedule:explained"]),
    # questions answered from the position's and the invitation's facts
    ("面试要多久？", ["duration:answered"]),
    ("大概需要多长时间", ["duration:answered"]),
    ("How long does the interview take?", ["duration:answered"]),
    ("截止时间是什么时候？", ["deadline:answered"]),
    ("What's the deadline?", ["deadline:answered"]),
    ("可以用电脑吗？", ["devices:answered"]),
    ("苹果手机能打开吗", ["devices:answered"]),
    ("Which browser should I use?", ["devices:answered"]),
    ("可以用语音回答吗？", ["modes:answered"]),
    ("能打字作答吗", ["modes:answered"]),
    ("can I answer by video?", ["modes:answered"]),
    ("答错了可以重录吗？", ["retake:answered"]),
    ("can I retake a question?", ["retake:answered"]),
    ("面试完之后多久出结果？", ["after:answered"]),
    ("what happens after the interview?", ["after:answered"]),
    ("我的数据你们会怎么用？", ["data:answered"]),
    ("录音保存多久", ["data:answered"]),
    ("how is my personal data used?", ["data:answered"]),
    ("你好", ["greeting:answered"]),
    ("Hello", ["greeting:answered"]),
    ("谢谢！", ["thanks:answered"]),
    # confirmations and cancellations with nothing waiting
    ("确认", ["nothing_pending"]),
    ("确认删除", ["nothing_pending"]),
    ("取消", ["nothing_pending"]),
    ("yes", ["nothing_pending"]),
    # several things in one message
    ("退出人才库并人工复核", ["leave_pool:asked", "review:review_repeat"]),
    ("我想退出人才库，还要删除我的数据", ["ask:several", "leave_pool:clarified", "erasure:clarified"]),
    ("我不想退出人才库，但是请删除我的数据", ["leave_pool:declined", "erasure:asked"]),
    ("面试要多久？可以用手机吗？", ["duration:answered", "devices:answered"]),
    ("你好，请问截止时间是几号", ["deadline:answered"]),
    ("不好意思，我想退出人才库", ["leave_pool:asked"]),  # 不好意思 negates nothing
    ("I don't want a human review, but please delete my data", ["review:declined", "erasure:asked"]),
    # anything else goes to the recruiter
    ("你们银行的待遇怎么样？", ["forwarded"]),
    ("面试的时候家里可能有点吵，没关系吧", ["forwarded"]),
    ("What is the salary range?", ["forwarded"]),
    ("嗯嗯", ["forwarded"]),
    ("this is fine", ["forwarded"]),
    ("我觉得自己很符合这个岗位", ["forwarded"]),  # 符合 sounds like 复核: two syllables are not matched by sound
]
IRREVERSIBLE = ("erase", "pool_withdraw", "decline", "withdraw", "hire:accepted", "hire:declined")


def outcome(stack, text: str) -> list[str]:
    """What the worker's conversation job returned for the latest message with this text."""
    from rq.job import Job

    from bot.queues import COMMANDS, get_queue
    from bot.store.kv import get_redis

    queue = get_queue(COMMANDS)
    jobs = [Job.fetch(i, connection=get_redis()) for i in queue.finished_job_registry.get_job_ids()]
    mine = [j for j in jobs if j.func_name.endswith("candidate_text") and j.args[2] == text[:2000]]
    assert mine, f"no conversation job ran for {text!r}"
    return max(mine, key=lambda j: j.ended_at).return_value().split(",")


def forget_rate_limits() -> None:
    from bot.store.kv import get_redis

    client = get_redis()
    for key in client.scan_iter("limits*"):
        client.delete(key)


def assert_nothing_irreversible() -> None:
    from bot.store.models import AuditLog, Candidate, ErasureRequest, Invitation

    candidate = Candidate.get(Candidate.wecom_userid == "zhangsan")
    assert candidate.erased_at is None and candidate.withdrawn_at is None
    assert ErasureRequest.select().count() == 0 and Invitation.get().status != "declined"
    assert not AuditLog.select().where(AuditLog.action.in_(IRREVERSIBLE)).exists()


def test_the_table_has_enough_messages_of_each_kind():
    assert len(TABLE) >= 80 and len({text for text, _ in TABLE}) == len(TABLE)
    english = [t for t, _ in TABLE if t.isascii()]
    assert len(english) >= 20 and any("？" in t for t, _ in TABLE) and any("！" in t for t, _ in TABLE)


def test_every_message_in_the_table_gets_its_answer_and_nothing_irreversible_happens(stack):
    from bot.channels import confirmations
    from bot.store.models import Candidate, OutboundMessage

    invite_member(stack)
    candidate = Candidate.get()
    to_candidate = OutboundMessage.select().where(OutboundMessage.recipient == "zhangsan")
    wrong = []
    for text, expected in TABLE:
        forget_rate_limits()  # ~90 messages in a minute: WeCom's 30 a minute per member would defer most
        before = to_candidate.count()
        stack.say("zhangsan", text)
        stack.drain()
        got = outcome(stack, text)
        if got != expected:
            wrong.append((text, expected, got))
        assert to_candidate.count() > before, f"{text!r} got no answer"
        assert_nothing_irreversible()
        confirmations.take(candidate.id)  # each row starts with nothing waiting
    assert not wrong, "\n".join(f"{t!r}: expected {e}, got {g}" for t, e, g in wrong)


def test_the_issue_sentences_do_nothing_irreversible_and_say_so(stack):
    from bot.store.models import AuditLog, Candidate, OutboundMessage

    invite_member(stack)
    stack.say("zhangsan", "我不想退出人才库，请保留我的资料")
    stack.drain()
    kept = texts(stack, "zhangsan")[-1]
    assert kept.startswith("好的，您仍在") and "人才库中，资料保持不变" in kept
    stack.say("zhangsan", "我不需要人工复核，谢谢")
    stack.drain()
    assert "不会为您申请人工复核" in texts(stack, "zhangsan")[-1]
    assert not AuditLog.select().where(AuditLog.action == "review_request").exists()
    assert not [t for t in texts(stack, "hr_li") if "申请人工复核" in t]
    stack.say("zhangsan", "怎么退出人才库？")
    stack.drain()
    assert "请回复「退出人才库」" in texts(stack, "zhangsan")[-1]

    stack.say("zhangsan", "请删除我的数据")  # an erasure waits for confirmation…
    stack.drain()
    stack.say("zhangsan", "我还没确认删除")  # …and this is not one: it cancels
    stack.drain()
    assert "已取消「删除个人信息」，没有做任何更改" in texts(stack, "zhangsan")[-1]
    stack.say("zhangsan", "确认")
    stack.drain()
    assert "没有待确认的操作" in texts(stack, "zhangsan")[-1]
    assert_nothing_irreversible()
    assert Candidate.get().erased_at is None and OutboundMessage.select().count() > 0


def test_leaving_the_pool_is_stated_then_confirmed_by_text(stack):
    from bot.store.models import AuditLog, Candidate

    invite_member(stack)
    stack.say("zhangsan", "退出人才库")
    stack.drain()
    statement = texts(stack, "zhangsan")[-1]
    assert "资料和标签会被删除" in statement and "30 分钟内回复「确认」" in statement
    [card] = [m for m in stack.inbox("zhangsan") if m["msgtype"] == "template_card"
              and m["card"].get("button_list", [{}])[0].get("key", "").startswith("confirm:")]
    assert Candidate.get().withdrawn_at is None
    stack.say("zhangsan", "确认。")
    stack.drain()
    assert Candidate.get().withdrawn_at is not None and AuditLog.get(AuditLog.action == "pool_withdraw")
    assert "已将您移出" in texts(stack, "zhangsan")[-1]
    stack.say("zhangsan", "确认")  # once only
    stack.drain()
    assert "没有待确认的操作" in texts(stack, "zhangsan")[-1]
    assert AuditLog.select().where(AuditLog.action == "pool_withdraw").count() == 1


def test_the_card_confirms_once_and_an_old_card_confirms_nothing(stack):
    from bot.store.models import AuditLog, Invitation
    from tests.support.chat import click

    invite_member(stack)
    stack.say("zhangsan", "暂不参加")
    stack.drain()
    stack.say("zhangsan", "放弃面试")  # asks again: the first card is now stale
    stack.drain()
    asks = [m for m in stack.inbox("zhangsan") if m["msgtype"] == "template_card"
            and m["card"].get("button_list", [{}])[0].get("key", "").startswith("confirm:")]
    assert len(asks) == 2
    click(stack, "zhangsan", asks[0], asks[0]["card"]["button_list"][0]["key"].split(":", 1)[1])
    stack.drain()
    assert Invitation.get().status != "declined"
    confirm_key = asks[1]["card"]["button_list"][0]["key"]
    stack.api("POST", "click", json={"user": "zhangsan", "msgid": asks[1]["msgid"], "key": confirm_key})
    stack.api("POST", "click", json={"user": "zhangsan", "msgid": asks[1]["msgid"], "key": confirm_key})
    stack.drain()
    assert Invitation.get().status == "declined"
    assert AuditLog.select().where(AuditLog.action == "decline").count() == 1
    assert any("选择暂不参加" in t for t in texts(stack, "hr_li"))


def test_anything_else_cancels_what_waits(stack):
    from bot.store.models import Candidate

    invite_member(stack)
    stack.say("zhangsan", "I want to leave the talent pool")
    stack.drain()
    stack.say("zhangsan", "面试要多久？")
    stack.drain()
    steps = outcome(stack, "面试要多久？")
    assert steps == ["leave_pool:cancelled", "duration:answered"]
    stack.say("zhangsan", "confirm")
    stack.drain()
    assert Candidate.get().withdrawn_at is None
    for doubtful in ("确认，不对，先不要", "确认？", "确认取消", "我确认不了", "不确定", "确认，不要退出人才库"):
        stack.say("zhangsan", "退出人才库")
        stack.drain()
        stack.say("zhangsan", doubtful)
        stack.drain()
        assert outcome(stack, doubtful)[0] == "leave_pool:cancelled", doubtful
        assert Candidate.get().withdrawn_at is None


def test_answers_carry_the_positions_facts(stack):
    from bot.store.models import Invitation

    invite_member(stack)
    invitation = Invitation.get()
    position = invitation.position
    stack.say("zhangsan", "面试要多久？")
    stack.say("zhangsan", "截止时间是什么时候？")
    stack.say("zhangsan", "答错了可以重录吗？")
    stack.drain()
    duration, deadline, retake = texts(stack, "zhangsan")[-3:]
    assert f"共 {len(position.questions)} 道题" in duration and f"{position.think_seconds} 秒" in duration
    from bot.clock import local_time
    assert local_time(invitation.expires_at) in deadline
    assert f"重答 {position.max_retakes} 次" in retake


def test_a_forwarded_question_reaches_the_recruiter_and_reply_reaches_the_candidate(stack):
    from bot.store.models import AuditLog

    invite_member(stack)
    stack.say("zhangsan", "你们银行的待遇怎么样？")
    stack.drain()
    assert "已把您的留言转给招聘人员" in texts(stack, "zhangsan")[-1]
    [forwarded] = [t for t in texts(stack, "hr_li") if "你们银行的待遇怎么样？" in t]
    assert "/reply zhangsan" in forwarded
    stack.say("hr_li", "/reply zhangsan 月薪面议，复试时详谈")
    stack.drain()
    assert texts(stack, "zhangsan")[-1].endswith("招聘人员回复：月薪面议，复试时详谈")
    assert any("已把您的回复发给" in t for t in texts(stack, "hr_li"))
    forward = AuditLog.get(AuditLog.action == "chat_forward")
    answer = AuditLog.get(AuditLog.action == "chat_reply")
    assert forward.actor.startswith("candidate:") and forward.detail["to"] == ["hr_li"]
    assert answer.actor == "hr_li" and answer.detail["route"] == "member"
    stack.say("hr_li", "/reply nobody 你好")
    stack.say("zhangsan", "/reply hr_li 你好")  # a candidate cannot use it
    stack.drain()
    assert any("没有找到 nobody 的面试邀请" in t for t in texts(stack, "hr_li"))
    assert "仅限招聘人员" in texts(stack, "zhangsan")[-1]


def test_a_kf_candidate_is_read_the_same_way_and_gets_the_reply_in_kf(stack):
    from bot.store.models import AuditLog, Candidate, Invitation

    stack.say("hr_li", "/invite 柜员 wx:王五")
    stack.drain()
    invitation = Invitation.get()
    entered = stack.api("POST", "kf/enter", json={"name": "王五", "scene_param": f"inv.{invitation.id}"})
    stack.drain()
    user = entered["external_userid"]
    stack.say(user, "我不想退出人才库")
    stack.say(user, "删除我的数据")
    stack.say(user, "我还没确认")
    stack.say(user, "面试时家里有点吵，可以吗")
    stack.drain()
    kf = texts(stack, user, "kf")
    assert any("仍在" in t and "人才库" in t for t in kf)
    assert any("30 分钟内回复「确认」" in t for t in kf) and any("已取消「删除个人信息」" in t for t in kf)
    assert Candidate.get().erased_at is None and not AuditLog.select().where(AuditLog.action == "erase").exists()
    [forwarded] = [t for t in texts(stack, "hr_li") if "家里有点吵" in t]
    handle = forwarded.split("/reply ", 1)[1].split(" ", 1)[0]
    stack.say("hr_li", f"/reply {handle} 没关系，找个安静的房间即可")
    stack.drain()
    assert texts(stack, user, "kf")[-1].endswith("没关系，找个安静的房间即可")
    assert AuditLog.get(AuditLog.action == "chat_reply").detail["route"] == "kf"


def test_a_wechat_user_with_no_invitation_is_not_dropped(stack):
    from bot.store.models import AuditLog

    entered = stack.api("POST", "kf/enter", json={"name": "路人"})
    stack.drain()
    user = entered["external_userid"]
    stack.say(user, "你们还招人吗？")
    stack.drain()
    assert "已把您的留言转给招聘人员" in texts(stack, user, "kf")[-1]
    assert all(any("你们还招人吗？" in t and "微信客服里回复" in t for t in texts(stack, hr)) for hr in ("hr_li",))
    assert AuditLog.get(AuditLog.action == "chat_forward").target_type == "wechat_user"


def test_declining_a_closed_invitation_changes_nothing_and_withdrawing_later_tells_hr(stack):
    from bot.store.models import AuditLog, Invitation

    invite_member(stack)
    Invitation.update(status="expired").execute()
    stack.say("zhangsan", "暂不参加")
    stack.drain()
    stack.say("zhangsan", "确认")
    stack.drain()
    assert outcome(stack, "确认") == ["decline:nothing"] and "邀请已经结束" in texts(stack, "zhangsan")[-1]
    assert Invitation.get().status == "expired" and not AuditLog.select().where(AuditLog.action == "decline").exists()
    Invitation.update(status="completed").execute()
    stack.say("zhangsan", "我想撤回申请")
    stack.drain()
    stack.say("zhangsan", "是的")
    stack.drain()
    assert outcome(stack, "是的") == ["withdraw:withdrawn_after"] and Invitation.get().status == "completed"
    assert AuditLog.get(AuditLog.action == "withdraw").detail == {"status": "completed", "declined": False}
    assert any("退出了「柜员」的应聘" in t for t in texts(stack, "hr_li"))


@pytest.mark.parametrize("text", ["确认", "确定", "是的", "yes", "confirm", "确认删除"])
def test_a_plain_confirmation_carries_out_an_erasure(stack, text):
    from bot.store.models import Candidate, ErasureRequest

    invite_member(stack)
    stack.say("zhangsan", "删除我的数据")
    stack.drain()
    stack.say("zhangsan", text)
    stack.drain()
    assert ErasureRequest.select().count() == 1 and Candidate.get().erased_at is not None


def test_an_offer_on_an_earlier_invitation_is_the_one_answered_after_a_newer_invitation(stack):
    """The chat is about the candidate's latest invitation; an offer waiting on an earlier one (the candidate was
    invited for another position since) is still what "接受录用" answers: asked about, confirmed and recorded on
    that invitation, its position named."""
    from bot.positions.templates import create_from_template
    from bot.store.models import Hire, Invitation

    invite_member(stack)
    first = Invitation.get()
    Invitation.update(status="completed").where(Invitation.id == first.id).execute()
    hire = Hire.create(invitation=first, status="offered", updated_by="hr_li")
    # invited since for another position: the newer invitation is the one the chat is about
    other = create_from_template("it-developer", actor="hr_li")
    Invitation.create(position=other, candidate=first.candidate, invited_by="hr_li", status="sent",
                      expires_at=first.expires_at, created_at=first.created_at + dt.timedelta(days=1))
    stack.say("zhangsan", "我接受录用")
    stack.drain()
    assert "您要接受「柜员」岗位的录用" in texts(stack, "zhangsan")[-1]
    stack.say("zhangsan", "确认")
    stack.drain()
    assert Hire.get_by_id(hire.id).status == "accepted" and Hire.select().count() == 1
    assert "已记录您接受「柜员」岗位的录用" in texts(stack, "zhangsan")[-1]


def test_an_offer_is_accepted_or_declined_in_chat_only_once_confirmed(stack):
    """With a 录用 waiting: "我接受录用" states what happens and waits; 确认 records it as the candidate's (audited,
    the recruiter told, the webhook's state), once. "我不接受录用" changes nothing and says how to decline; a second
    candidate declines. An answered offer is not answered again."""
    from bot.store.models import AuditLog, Candidate, Hire, Invitation

    invite_member(stack)
    invitation = Invitation.get()
    Hire.create(invitation=invitation, status="offered", updated_by="hr_li")
    stack.say("zhangsan", "我不接受录用")
    stack.drain()
    assert "没有为您接受录用" in texts(stack, "zhangsan")[-1] and Hire.get().status == "offered"
    stack.say("zhangsan", "我接受录用")
    stack.drain()
    assert "您要接受「柜员」岗位的录用" in texts(stack, "zhangsan")[-1] and Hire.get().status == "offered"
    stack.say("zhangsan", "确认")
    stack.drain()
    hire = Hire.get()
    assert (hire.status, hire.updated_by) == ("accepted", f"candidate:{Candidate.get().id}")
    assert hire.responded_at is not None and AuditLog.get(AuditLog.action == "hire:accepted").actor == hire.updated_by
    assert "已记录您接受「柜员」岗位的录用" in texts(stack, "zhangsan")[-1]
    assert any("在聊天中答复了「柜员」的录用：已接受" in t for t in texts(stack, "hr_li"))
    stack.say("zhangsan", "我拒绝录用")  # answered already: nothing to confirm, nothing changes
    stack.drain()
    assert "已有答复或已由招聘人员处理" in texts(stack, "zhangsan")[-1] and Hire.get().status == "accepted"

    invite_member(stack, "lisi")
    other = Invitation.get(Invitation.candidate == Candidate.get(Candidate.wecom_userid == "lisi"))
    Hire.create(invitation=other, status="offered", updated_by="hr_li")
    stack.say("lisi", "抱歉，我决定放弃入职")
    stack.drain()
    assert "您要拒绝「柜员」岗位的录用" in texts(stack, "lisi")[-1]
    stack.say("lisi", "确认")
    stack.drain()
    assert Hire.get(Hire.invitation == other).status == "declined"
    assert "已记录您拒绝「柜员」岗位的录用" in texts(stack, "lisi")[-1]
