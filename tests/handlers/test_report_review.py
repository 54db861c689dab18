"""The report page's side of decisions a person can take back: 不通过 takes a second step; a candidate's 人工复核
request is shown at the top, where a recruiter reopens the decision (audited, candidate told) and answers them."""
from __future__ import annotations

from tests.support.chat import click, reject, results, texts
from tests.support.h5 import reported
from tests.support.hr import csrf, login


def test_reject_on_the_page_needs_the_second_step(stack):
    from bot.store.models import Decision, Report

    reported(stack)
    report_id = Report.get().id
    session = login(stack, "hr_li")
    page = session.get(f"{stack.base}/hr/reports/{report_id}", timeout=30).text
    asked = session.post(f"{stack.base}/hr/reports/{report_id}/decision",
                         data={"csrf": csrf(page), "outcome": "reject"}, timeout=30)
    assert asked.status_code == 200 and "?confirm=reject" in asked.url
    assert 'data-testid="confirm-reject"' in asked.text and "确认不通过？" in asked.text and "撤回" in asked.text
    assert Decision.select().count() == 0
    stack.drain()
    assert not results(stack)
    done = session.post(f"{stack.base}/hr/reports/{report_id}/decision",
                        data={"csrf": csrf(asked.text), "outcome": "reject", "confirm": "yes"}, timeout=30)
    assert "已记录决定" in done.text and 'data-testid="decision">不通过 · hr_li' in done.text
    again = session.post(f"{stack.base}/hr/reports/{report_id}/decision",  # the confirmation posted twice
                         data={"csrf": csrf(asked.text), "outcome": "reject", "confirm": "yes"}, timeout=30)
    assert "已有决定" in again.text
    stack.drain()
    assert Decision.get().outcome == "reject" and len(results(stack)) == 1


def test_a_review_request_is_shown_and_the_decision_reopened_and_answered(stack):
    from bot.store.models import AuditLog, Decision, Report

    card = reported(stack, quality="weak")
    report_id = Report.get().id
    session = login(stack, "hr_li")
    before = session.get(f"{stack.base}/hr/reports/{report_id}", timeout=30).text
    assert 'data-testid="review-request"' not in before
    reject(stack, "hr_wang", card)
    stack.drain()
    stack.say("zhangsan", "我想申请人工复核")
    stack.drain()
    page = session.get(f"{stack.base}/hr/reports/{report_id}", timeout=30).text
    assert 'data-testid="review-request"' in page and "申请人工复核（针对决定：不通过）" in page
    assert page.index('data-testid="review-request"') < page.index('data-testid="candidate"')  # at the top
    viewer = login(stack, "mgr_zhao").get(f"{stack.base}/hr/reports/{report_id}", timeout=30).text
    assert 'data-testid="review-request"' in viewer  # an interviewer reads it; the forms are the recruiters'
    assert f"/hr/reports/{report_id}/reopen" not in viewer and f"/hr/reports/{report_id}/reply" not in viewer

    decision_id = Decision.get().id
    blank = session.post(f"{stack.base}/hr/reports/{report_id}/reopen",
                         data={"csrf": csrf(page), "decision": decision_id, "reason": " "}, timeout=30)
    assert blank.status_code == 400 and "原因" in blank.text and Decision.select().count() == 1
    odd = session.post(f"{stack.base}/hr/reports/{report_id}/reopen",
                       data={"csrf": csrf(page), "decision": "²", "reason": "x"}, timeout=30)
    assert odd.status_code == 400
    reopened = session.post(f"{stack.base}/hr/reports/{report_id}/reopen",
                            data={"csrf": csrf(page), "decision": decision_id, "reason": "第3题录音中断"}, timeout=30)
    assert "已重新打开决定" in reopened.text and "由 hr_li 重新打开" in reopened.text
    assert 'name="outcome" value="pass"' in reopened.text  # the buttons are back
    twice = session.post(f"{stack.base}/hr/reports/{report_id}/reopen",
                         data={"csrf": csrf(page), "decision": decision_id, "reason": "第3题录音中断"}, timeout=30)
    assert "未重复处理" in twice.text
    [audit] = AuditLog.select().where(AuditLog.action == "reopen_decision")
    assert audit.actor == "hr_li" and audit.detail["reason"] == "第3题录音中断"

    answered = session.post(f"{stack.base}/hr/reports/{report_id}/reply",
                            data={"csrf": csrf(page), "text": "您好，我们已重新审阅，会在两天内给您答复。"}, timeout=30)
    assert "答复已发给候选人" in answered.text and 'data-testid="review-answers"' in answered.text
    empty = session.post(f"{stack.base}/hr/reports/{report_id}/reply", data={"csrf": csrf(page), "text": ""})
    assert empty.status_code == 400
    session.post(f"{stack.base}/hr/reports/{report_id}/decision",
                 data={"csrf": csrf(page), "outcome": "pass"}, timeout=30)
    stack.drain()
    mine = texts(stack, "zhangsan")
    assert any("人工复核申请已受理" in t for t in mine)
    assert any("我们已重新审阅，会在两天内给您答复" in t for t in mine)
    letters = results(stack)
    assert len(letters) == 2 and "此前发给您的结果通知作废" in letters[1] and "恭喜您通过" in letters[1]
    assert AuditLog.select().where(AuditLog.action == "chat_reply").count() == 1
    assert any("hr_li 重新打开了 zhangsan" in t for t in texts(stack, "hr_wang"))


def test_a_decision_the_second_round_has_moved_past_is_not_reopened(stack):
    """Passed, interviewed again and decided on (录用): a review request is still answered, but the AI round's
    decision cannot be reopened under the final decision and the offer that hangs on it."""
    from bot.store.models import AuditLog, Decision, Invitation, Report, RoundDecision

    card = reported(stack, quality="weak")
    report_id = Report.get().id
    click(stack, "hr_wang", card, "pass")
    stack.drain()
    RoundDecision.create(invitation=Invitation.get(), outcome="hire", decided_by="hr_wang")
    stack.say("zhangsan", "我想申请人工复核")
    stack.drain()
    session = login(stack, "hr_li")
    page = session.get(f"{stack.base}/hr/reports/{report_id}", timeout=30).text
    assert f"/hr/reports/{report_id}/reopen" not in page and 'data-testid="reopen-closed"' in page
    assert f"/hr/reports/{report_id}/reply" in page  # answering stays open
    refused = session.post(f"{stack.base}/hr/reports/{report_id}/reopen",
                           data={"csrf": csrf(page), "decision": Decision.get().id, "reason": "复核"}, timeout=30)
    assert refused.status_code == 400 and "复试后已作出最终决定（录用，hr_wang）" in refused.text
    assert Decision.get().outcome == "pass" and not AuditLog.select().where(AuditLog.action == "reopen_decision")
