"""Decisions a person can take back: 不通过 asks 确认不通过？ on the card first; after a 人工复核 request HR reopens the
decision (audited, the candidate told) and the next decision's message replaces the earlier one.

Through the sandbox: the card, its updates and every message are what the sandbox recorded.
"""
from __future__ import annotations

import time

import pytest

from tests.support.chat import card_now, cards, click, reject, results, texts
from tests.support.h5 import reported

pytestmark = pytest.mark.sqlite_only  # the flows (the decision race is test_decisions')


def keys(card: dict) -> list[str]:
    return [b.get("key", "") for b in card["card"]["button_list"]]


def test_reject_on_the_card_asks_first_and_only_the_confirmation_decides(stack):
    from bot.store.models import AuditLog, Decision

    card = reported(stack)
    report_id = int(keys(card)[0].split(":")[1])
    click(stack, "hr_li", card, "reject")
    stack.drain()
    asking = card_now(stack, "hr_li", card)
    assert asking["card_update"]["replace_card"] and asking["card"]["main_title"]["title"] == "确认不通过？"
    assert "zhangsan 会收到感谢函" in asking["card"]["main_title"]["desc"]
    assert [b["text"] for b in asking["card"]["button_list"]] == ["确认不通过", "撤回"]
    assert keys(asking) == [f"decide:{report_id}:reject:confirm", f"decide:{report_id}:reject:undo"]
    assert asking["card"]["task_id"] == card["card"]["task_id"]
    assert card_now(stack, "hr_wang", card)["card_update"] is None  # the others' cards keep their buttons
    assert Decision.select().count() == 0 and not results(stack)
    assert not AuditLog.select().where(AuditLog.action.startswith("decide:")).exists()

    click(stack, "hr_li", asking, "confirm")
    stack.drain()
    assert Decision.get().outcome == "reject" and Decision.get().decided_by == "hr_li"
    [letter] = results(stack)
    assert "经过综合评估" in letter
    for hr in ("hr_li", "hr_wang"):  # greyed for everyone, with who and when
        assert card_now(stack, hr, card)["card_update"]["replace_name"].startswith("不通过 · hr_li ")


def test_undo_puts_the_card_back_and_sends_no_letter(stack):
    from bot.store.models import Decision, OutboundMessage

    card = reported(stack)
    click(stack, "hr_wang", card, "hold")
    stack.drain()
    held = card_now(stack, "hr_li", card)
    click(stack, "hr_li", held, "reject")
    stack.drain()
    click(stack, "hr_li", card_now(stack, "hr_li", card), "undo")
    stack.drain()
    back = card_now(stack, "hr_li", card)
    assert [b["text"] for b in back["card"]["button_list"]] == ["进入复试", "待定", "不通过", "查看报告"]
    assert back["card"]["sub_title_text"].startswith("已标记待定 · hr_wang")  # as it was: on hold
    assert back["card"]["main_title"] == card["card"]["main_title"]
    assert Decision.get().outcome == "hold"
    assert not results(stack)
    assert not OutboundMessage.select().where(OutboundMessage.purpose == "result").exists()
    # the card still works afterwards: one decision
    click(stack, "hr_li", back, "pass")
    stack.drain()
    assert Decision.get().outcome == "pass" and len(results(stack)) == 1


def test_a_replayed_confirmation_decides_once(stack):
    """WeCom re-sends the 确认 callback, and a second 确认 comes from another card: one decision, one letter."""
    from bot.sandbox.delivery import send_xml
    from bot.sandbox.protocol import card_event_xml
    from bot.store.models import AuditLog, Decision

    card = reported(stack)
    click(stack, "hr_li", card, "reject")
    click(stack, "hr_wang", card, "reject")
    stack.drain()
    asking = card_now(stack, "hr_li", card)
    confirm = keys(asking)[0]
    s = stack.settings
    xml = card_event_xml(s.wecom_corp_id, "hr_li", confirm, asking["card"]["task_id"], asking["response_code"],
                         s.wecom_agent_id, create_time=int(time.time()))
    for _ in range(3):
        assert send_xml(f"{stack.base}/wecom/callback", s.wecom_token, s.wecom_aes_key, s.wecom_corp_id, xml)["ok"]
    click(stack, "hr_wang", card_now(stack, "hr_wang", card), "confirm")
    stack.drain()
    assert Decision.select().count() == 1 and Decision.get().outcome == "reject"
    assert len(results(stack)) == 1
    assert AuditLog.select().where(AuditLog.action == "decide:reject").count() == 1


def test_reject_on_a_card_already_decided_asks_nothing(stack):
    from bot.store.models import Decision

    card = reported(stack)
    click(stack, "hr_wang", card, "pass")
    click(stack, "hr_li", card, "reject")  # tapped before hr_wang's click was taken
    stack.drain()
    assert card_now(stack, "hr_li", card)["card"]["main_title"] == card["card"]["main_title"]
    assert Decision.get().outcome == "pass" and len(results(stack)) == 1


def review_requested(stack) -> dict:
    """A rejected candidate who asked for a human review; return the card."""
    card = reported(stack, quality="weak")
    reject(stack, "hr_li", card)
    stack.drain()
    stack.say("zhangsan", "我想申请人工复核")
    stack.drain()
    return card


def test_reopening_after_a_review_is_audited_tells_the_candidate_and_the_new_letter_replaces_the_old(stack):
    from bot.decisions import results as decisions
    from bot.decisions import review
    from bot.store.models import AuditLog, Decision, Report

    review_requested(stack)
    report = Report.get()
    decision = Decision.get()
    assert review.reopen(report.id, decision.id, "hr_wang", "候选人说明了第3题的情况", "k1") == "reopened"
    assert review.reopen(report.id, decision.id, "hr_wang", "再点一次", "k2") == "already"  # a second submit
    assert Decision.select().count() == 0 and Report.get().released_at is None
    [audit] = AuditLog.select().where(AuditLog.action == "reopen_decision")
    assert audit.actor == "hr_wang" and audit.detail["decision"] == "reject"
    assert audit.detail["reason"] == "候选人说明了第3题的情况" and audit.target_id == str(report.interview_id)
    stack.drain()
    assert any("人工复核申请已受理" in t for t in texts(stack, "zhangsan"))
    assert any("hr_wang 重新打开了 zhangsan" in t for t in texts(stack, "hr_li"))

    assert decisions.decide(report.id, "pass", "hr_wang", "", "again") == "decided"
    stack.drain()
    letters = results(stack)
    assert len(letters) == 2 and "经过综合评估" in letters[0]
    assert "此前发给您的结果通知作废" in letters[1] and "恭喜您通过" in letters[1]
    state = review.state(report.interview.invitation, report.interview_id)
    assert state["reopened_by"] == "hr_wang" and state["outcome"] == "不通过"


def test_reopen_needs_a_reason_and_leaves_nothing_half_done(stack):
    import pytest

    from bot.decisions import review
    from bot.store.models import AuditLog, Decision, Report

    review_requested(stack)
    with pytest.raises(review.ReviewError, match="原因"):
        review.reopen(Report.get().id, Decision.get().id, "hr_wang", "   ", "k")
    assert Decision.get().outcome == "reject" and not AuditLog.select().where(
        AuditLog.action == "reopen_decision").exists()
    assert len(cards(stack, "hr_li")) == 1


def test_a_reject_with_a_dead_response_code_or_from_an_outsider_decides_nothing(stack):
    from bot.decisions import results as decisions
    from bot.store.models import Decision, Report

    reported(stack)
    report_id = Report.get().id
    assert decisions.click(report_id, "reject", "hr_li", "no-such-code", "dead-1") == "stale"
    assert decisions.click(report_id, "reject", "lisi", "no-such-code", "outsider-1") == "refused"
    assert decisions.click(report_id, "reject:undo", "hr_li", "no-such-code", "dead-2") == "stale"
    assert decisions.click(report_id, "reject:undo", "lisi", "no-such-code", "outsider-2") == "refused"
    stack.drain()
    told = [t for t in texts(stack, "hr_li") if "卡片已过期" in t]
    assert len(told) == 2 and all("请在报告页作出决定" in t for t in told)
    assert len([t for t in texts(stack, "lisi") if "只有招聘人员" in t]) == 2  # the outsider is told, each time
    assert Decision.select().count() == 0 and not results(stack)


def test_a_reopened_pass_turned_reject_cancels_the_booked_second_round(stack):
    """The seat an earlier 进入复试 booked is freed, the interviewer's WeCom event goes, and the new letter carries the
    CANCEL .ics (the row stays, cancelled, its version bumped); passed again, they are asked to pick a time anew."""
    from bot.decisions import booking, review
    from bot.decisions import results as decisions
    from bot.store.models import Appointment, Candidate, Decision, Invitation, Position, Report
    from tests.bot.decisions.test_slot_journey import publish_two
    from tests.support.bulk import calendar_event, mailbox

    first, _ = publish_two(Position.get())
    card = reported(stack)
    Candidate.update(email="zhangsan@example.com").execute()
    Invitation.update(channel="email").execute()
    click(stack, "hr_li", card, "pass")
    stack.drain()
    assert booking.pick(Invitation.get(), first.id).status == "booked"
    stack.drain()
    assert len(stack.api("GET", "schedules", params={"userid": "iv_zhao"})["schedules"]) == 1
    stack.say("zhangsan", "我想申请人工复核")
    stack.drain()

    report = Report.get()
    assert review.reopen(report.id, Decision.get().id, "hr_wang", "复核后改为不通过", "k1") == "reopened"
    assert decisions.decide(report.id, "reject", "hr_wang", "", "again") == "decided"
    stack.drain()
    booked = Appointment.get()
    assert (booked.status, booked.version) == ("cancelled", 2)
    assert stack.api("GET", "schedules", params={"userid": "iv_zhao"})["schedules"] == []
    [letter] = [m for m in mailbox(stack, "zhangsan@example.com") if "此前发给您的结果通知作废" in m["text"]]
    cancel = calendar_event(letter)
    assert str(cancel["STATUS"]) == "CANCELLED" and int(cancel["SEQUENCE"]) == 1

    assert review.reopen(report.id, Decision.get().id, "hr_wang", "再次复核", "k2") == "reopened"
    assert decisions.decide(report.id, "pass", "hr_wang", "", "third") == "decided"
    stack.drain()
    assert "/slots/" in mailbox(stack, "zhangsan@example.com")[-1]["text"]
    assert booking.pick(Invitation.get(), first.id).status == "booked"
    assert Appointment.get().status == "scheduled" and Appointment.select().count() == 1
