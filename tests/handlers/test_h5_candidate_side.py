"""The candidate's side of issue 24 through the H5 API: words for their channel, the live end page, the last
answer reviewed before 提交全部回答, real per-question times, 暂不参加 with a reason, the talent pool's own choice."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.clock import utcnow
from bot.interviews import consent as notice
from bot.store.models import Answer, AuditLog, Candidate, Consent, Interview, Invitation, QuestionReveal
from bot.talent import pool
from tests.support.chat import answer_text, cards, click, invite_member, reject, texts, token_of
from tests.support.h5 import answer, consent, reveal

pytestmark = pytest.mark.sqlite_only  # the page's words and flow (other modules cover PostgreSQL)


def api(stack):
    link = invite_member(stack)
    return stack.app.test_client(), f"/h5/api/{token_of(link)}", link


def all_but_last(client, base) -> list[str]:
    keys = [q["key"] for q in client.get(f"{base}/state").json["questions"]]
    for key in keys[:-1]:
        assert answer(client, base, key, answer_text(key, "excellent")).status_code == 200
    return keys


# -- 11. words that fit the channel -----------------------------------------------------------------------------

@pytest.mark.parametrize(("channel", "words"), [("kf", "微信的客服对话"), ("external", "微信"), ("sms", "短信")])
def test_a_candidate_outside_wecom_is_never_told_to_reply_in_wecom(stack, channel, words):
    client, base, link = api(stack)
    Invitation.update(channel=channel).execute()
    state = client.get(f"{base}/state").json
    assert state["channel"]["key"] == channel and state["channel"]["zh-CN"] == words
    for locale, text in state["consent"]["texts"].items():
        shown = notice.canonical(text)
        assert "企业微信" not in shown and "WeCom" not in shown, locale
    assert f"在{words}里回复「人工复核」" in notice.canonical(state["consent"]["texts"]["zh-CN"])
    page = client.get(f"/i/{token_of(link)}").get_data(as_text=True)
    assert "企业微信" not in page and "WeCom" not in page
    # a consent given against the notice shown in this channel is taken (its hash is a current notice's)
    body = {"recording": True, "version": "consent-v1", "text_sha256": state["consent"]["texts"]["zh-CN"]["sha256"]}
    assert client.post(f"{base}/consent", json=body).status_code == 200


def test_expired_and_closed_pages_name_the_candidates_channel(stack):
    client, base, link = api(stack)
    Invitation.update(channel="kf", status="declined").execute()
    closed = client.get(f"/i/{token_of(link)}")
    assert closed.status_code == 409 and "企业微信" not in closed.get_data(as_text=True)
    assert "微信的客服对话" in closed.get_data(as_text=True)
    bad = client.get(f"/i/{token_of(link)[:-3]}xyz")
    assert bad.status_code == 403 and "企业微信" not in bad.get_data(as_text=True)
    assert "企业微信" not in client.get(f"/h5/api/{token_of(link)[:-3]}xyz/state").json["error"]


def test_a_wecom_member_is_still_told_wecom(stack):
    client, base, _ = api(stack)
    state = client.get(f"{base}/state").json
    assert state["channel"]["key"] == "member"
    assert "在企业微信里回复「删除我的数据」" in notice.canonical(state["consent"]["texts"]["zh-CN"])


# -- 14. the welcome page's times are the questions' ------------------------------------------------------------

def test_the_state_says_the_range_of_think_times_of_the_questions(stack):
    client, base, _ = api(stack)
    before = client.get(f"{base}/state").json["position"]
    # 柜员: the position says 90 s, its first question (intro) 60 s
    assert before["think_range"] == [60, 90] and before["answer_range"] == [120, 120]
    after = consent(client, base)
    asked = [q["think_seconds"] for q in after["questions"]]
    assert after["position"]["think_range"] == [min(asked), max(asked)]
    assert after["questions"][0]["think_seconds"] == 60


def test_a_reveal_after_the_mode_was_chosen_gives_the_whole_think_time(stack):
    client, base, _ = api(stack)
    key = consent(client, base)["questions"][0]["key"]
    shown = reveal(client, base, key)
    assert shown["think_left"] >= shown["think_seconds"] - 1  # the page reveals only once the mode is chosen
    typed = client.post(f"{base}/questions/{key}/start").json
    assert typed["time_left"] >= shown["think_seconds"] + shown["answer_seconds"] - 2  # typing keeps its timer


# -- 13. the last question like the others ----------------------------------------------------------------------

def test_the_last_answer_is_reviewed_and_retaken_before_submitting_all(stack):
    client, base, _ = api(stack)
    consent(client, base)
    keys = all_but_last(client, base)
    submit_early = client.post(f"{base}/submit")
    assert submit_early.status_code == 409 and submit_early.json["code"] == "not_all_answered"
    last = answer(client, base, keys[-1], "第一遍的回答。", review=True)
    assert last.status_code == 200 and last.json["status"] == "in_progress" and last.json["awaiting_submit"]
    assert Interview.get().status == "in_progress"
    state = client.get(f"{base}/state").json  # a reload while reviewing: still waiting, nothing completed
    assert state["status"] == "in_progress" and state["awaiting_submit"] and state["next_question"] is None
    retake = client.post(f"{base}/answers/{keys[-1]}/text",
                         json={"text": answer_text(keys[-1], "excellent"), "retake": True, "review": True})
    assert retake.status_code == 200 and retake.json["awaiting_submit"]
    assert Answer.get(Answer.question_key == keys[-1]).retakes_used == 1
    done = client.post(f"{base}/submit")
    assert done.status_code == 200 and done.json["status"] == "completed" and done.json["after"]["stage"] == "scoring"
    assert Interview.get().status == "completed"
    assert client.post(f"{base}/submit").json["status"] == "completed"  # a repeat answers the same
    stack.drain()
    assert sum("面试已完成" in t for t in texts(stack, "zhangsan")) == 1


def test_a_review_whose_retake_time_is_over_completes_on_its_own(stack):
    client, base, _ = api(stack)
    consent(client, base)
    keys = all_but_last(client, base)
    assert answer(client, base, keys[-1], "最后一题。", review=True).json["awaiting_submit"]
    assert client.get(f"{base}/state").json["status"] == "in_progress"
    gone = utcnow() - dt.timedelta(hours=1)  # the candidate walked away: the retake's time is long over
    QuestionReveal.update(window_from=gone).where(QuestionReveal.question_key == keys[-1]).execute()
    assert client.get(f"{base}/state").json["status"] == "completed"  # nothing left to change


def test_a_page_that_does_not_review_still_completes_at_the_last_answer(stack):
    client, base, _ = api(stack)
    consent(client, base)
    keys = all_but_last(client, base)
    assert answer(client, base, keys[-1], "最后一题。").json["status"] == "completed"


# -- 12. an end page that is alive ------------------------------------------------------------------------------

def test_the_end_state_follows_scoring_the_decision_and_the_second_round_without_scores(stack):
    client, base, link = api(stack)
    consent(client, base)
    keys = all_but_last(client, base)
    answer(client, base, keys[-1], answer_text(keys[-1], "excellent"), review=True)
    after = client.post(f"{base}/submit").json["after"]
    assert after["stage"] == "scoring" and after["reply_days"] == 5 and after["news_by"]
    stack.drain()  # scored: the report is there, HR has not decided
    state = client.get(f"{base}/state").json
    assert state["after"]["stage"] == "reviewing" and "月" in state["after"]["news_by"]
    [card] = cards(stack, "hr_li")
    click(stack, "hr_li", card, "hold")
    stack.drain()
    assert client.get(f"{base}/state").json["after"]["stage"] == "reviewing"  # a hold tells the candidate nothing
    click(stack, "hr_li", card, "pass")
    stack.drain()
    state = client.get(f"{base}/state").json
    assert state["after"]["stage"] == "next_round"
    when = state["after"]["appointment"]["when"]
    assert any(when in t for t in texts(stack, "zhangsan"))  # the same time as the 复试通知
    assert set(state["after"]) == {"stage", "reply_days", "poll_seconds", "news_by", "decided_on", "appointment"}
    assert set(state["after"]["appointment"]) == {"when", "place", "contact", "status"}  # no score, no report


def test_a_released_reject_shows_the_decision_and_nothing_of_scores(stack):
    client, base, _ = api(stack)
    consent(client, base)
    keys = all_but_last(client, base)
    answer(client, base, keys[-1], answer_text(keys[-1], "weak"))
    stack.drain()
    [card] = cards(stack, "hr_li")
    reject(stack, "hr_li", card)
    stack.drain()
    after = client.get(f"{base}/state").json["after"]
    assert after["stage"] == "closed" and after["news_by"] is None and "appointment" not in after


# -- 15. decline with care --------------------------------------------------------------------------------------

def test_decline_needs_confirmation_keeps_the_reason_and_tells_the_recruiter(stack):
    client, base, link = api(stack)
    unconfirmed = client.post(f"{base}/decline", json={"reason": "time"})
    assert unconfirmed.status_code == 400 and unconfirmed.json["code"] == "confirm_required"
    assert Invitation.get().status != "declined"
    done = client.post(f"{base}/decline", json={"confirm": True, "reason": "time", "text": "下周出差"})
    assert done.status_code == 200 and done.json["status"] == "declined" and done.json["channel"]["key"] == "member"
    assert Invitation.get().status == "declined"
    audit = AuditLog.get(AuditLog.action == "decline")
    assert audit.detail == {"via": "page", "reason": "时间不合适；下周出差"}
    stack.drain()
    assert any("暂不参加「柜员」" in t and "下周出差" in t for t in texts(stack, "hr_li"))
    closed = client.post(f"{base}/decline", json={"confirm": True})
    assert closed.status_code == 409 and closed.json["code"] == "invitation_closed"


def test_decline_without_a_reason_and_not_after_starting(stack):
    client, base, _ = api(stack)
    consent(client, base)
    late = client.post(f"{base}/decline", json={"confirm": True})
    assert late.status_code == 409 and late.json["code"] == "not_declinable"
    assert Invitation.get().status == "started"


# -- 16. the talent pool as its own choice ----------------------------------------------------------------------

def test_the_consent_page_explains_the_pool_and_its_retention(stack):
    client, base, _ = api(stack)
    zh = client.get(f"{base}/state").json["consent"]["texts"]["zh-CN"]
    pool_section = zh["sections"][-1]
    assert "人才库" in pool_section["heading"] and "365 天" in pool_section["body"]
    assert "可选" in zh["pool"] and "365 天" in zh["pool"]


def test_a_candidate_who_declines_the_pool_is_not_in_it_and_the_letter_says_nothing_of_it(stack):
    client, base, _ = api(stack)
    refused = client.post(f"{base}/consent", json={"recording": True, "version": "consent-v1", "pool": "yes"})
    assert refused.status_code == 400 and refused.json["code"] == "bad_pool_choice" and Interview.select().count() == 0
    state = client.post(f"{base}/consent", json={"recording": True, "version": "consent-v1", "pool": False}).json
    assert state["consent"]["pool"] is False
    assert Candidate.get().withdrawn_at is not None
    assert not Consent.select().where(Consent.kind == "pool").exists()
    keys = all_but_last(client, base)
    answer(client, base, keys[-1], answer_text(keys[-1], "weak"))
    stack.drain()
    assert pool.search("柜员") == []  # not searchable in the pool
    [card] = cards(stack, "hr_li")
    reject(stack, "hr_li", card)
    stack.drain()
    letter = next(t for t in texts(stack, "zhangsan") if "经过综合评估" in t)
    assert "人才库" not in letter


def test_a_candidate_who_agrees_to_the_pool_is_told_so_in_the_letter(stack):
    client, base, _ = api(stack)
    state = client.post(f"{base}/consent", json={"recording": True, "version": "consent-v1", "pool": True}).json
    assert state["consent"]["pool"] is True
    assert Consent.get(Consent.kind == "pool").text_sha256
    keys = all_but_last(client, base)
    answer(client, base, keys[-1], answer_text(keys[-1], "weak"))
    stack.drain()
    assert len(pool.search("柜员")) == 1  # searchable in the pool
    [card] = cards(stack, "hr_li")
    reject(stack, "hr_li", card)
    stack.drain()
    letter = next(t for t in texts(stack, "zhangsan") if "经过综合评估" in t)
    assert "人才库中 365 天" in letter
