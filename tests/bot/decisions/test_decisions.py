"""The whole loop through the sandbox: invite → interview → progress → report → HR card → click → candidate told.

Each channel that reaches a candidate is walked: company member, 微信客服 inside and outside its window,
external contact (a mass-message task the member confirms). Assertions read the sandbox's own record of
what each person received.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.chat import card_now, cards, click, invite_member, reject, results, texts
from tests.support.h5 import reported, take_interview

pytestmark = pytest.mark.sqlite_only  # the messages; the clicks at once keep PostgreSQL


def test_member_loop_pass_sends_progress_card_and_second_round_notice(stack):
    from bot.store.models import Decision, OutboundMessage, Report

    card = reported(stack)
    assert any("面试已完成，系统正在评分" in t for t in texts(stack, "zhangsan"))
    assert any("zhangsan 已完成「柜员」面试" in t for t in texts(stack, "hr_li"))
    report = Report.get()
    body = card["card"]
    assert body["card_type"] == "button_interaction" and body["main_title"]["title"] == "面试报告 · zhangsan"
    assert f"总分 {report.total:.0f}" in body["main_title"]["desc"]
    assert [d["keyname"] for d in body["horizontal_content_list"]] == [d["name"] for d in report.document["dimensions"]]
    assert "亮点：" in body["sub_title_text"]
    assert [b["text"] for b in body["button_list"]] == ["进入复试", "待定", "不通过", "查看报告"]
    [same] = cards(stack, "hr_wang")  # the HR team got the same card (one message, one response_code)
    assert same["msgid"] == card["msgid"]
    page = stack.app.test_client().get(urlparse(body["button_list"][3]["url"]).path)  # signs in first
    assert page.status_code == 302 and "/connect/oauth2/authorize?" in page.headers["Location"]

    click(stack, "hr_li", card, "pass")
    stack.drain()
    for hr in ("hr_li", "hr_wang"):  # greyed for everyone who received it, with who and when
        update = cards(stack, hr)[0]["card_update"]
        assert update["replace_name"].startswith("进入复试 · hr_li ")
    notice = results(stack)
    assert len(notice) == 1
    assert "示例银行北京分行" in notice[0] and "王经理" in notice[0] and "身份证" in notice[0]
    assert re.search(r"时间：\d+月\d+日（周[一二三四五]）10:00–11:00", notice[0])
    assert Decision.get().outcome == "pass" and Report.get().released_at is not None
    assert OutboundMessage.select().where(OutboundMessage.state.not_in(["sent", "merged"])).count() == 0


def test_not_selected_gets_a_thank_you_with_suggestions_and_can_ask_for_review(stack):
    card = reported(stack, quality="weak")
    reject(stack, "hr_wang", card)
    stack.drain()
    [letter] = results(stack)
    suggestions = re.findall(r"^\d\. .+$", letter, flags=re.M)
    assert 2 <= len(suggestions) <= 3, letter
    assert "人工复核" in letter and "招聘人员" in letter
    assert cards(stack, "hr_li")[0]["card_update"]["replace_name"].startswith("不通过 · hr_wang")

    stack.say("zhangsan", "我想申请人工复核")
    stack.drain()
    assert any("已收到您的人工复核申请" in t for t in texts(stack, "zhangsan"))
    [review] = [t for t in texts(stack, "hr_li") if "申请人工复核" in t]
    assert "决定：不通过" in review and "/hr/reports/" in review


@pytest.mark.postgres
def test_duplicate_and_simultaneous_clicks_decide_once_and_message_once(stack):
    from bot.decisions import results as decisions
    from bot.store.models import AuditLog, Decision

    card = reported(stack)
    # Before any job runs: hr_li taps 进入复试 twice, hr_wang taps 不通过 — three jobs race.
    first = click(stack, "hr_li", card, "pass")
    click(stack, "hr_li", card, "pass")
    click(stack, "hr_wang", card, "reject")
    stack.drain()
    [decision] = Decision.select()
    assert decision.outcome in ("pass", "reject")
    assert len(results(stack)) == 1
    assert AuditLog.select().where(AuditLog.action.startswith("decide:")).count() == 1
    # A replayed job with a used response_code: still one decision, the clicker is told, no candidate message.
    report_id = int(card["card"]["button_list"][0]["key"].split(":")[1])
    assert decisions.decide(report_id, "reject", "hr_li", first["response_code"], "replay-1") == "already"
    stack.drain()
    assert any("未重复处理" in t for t in texts(stack, "hr_li"))
    assert len(results(stack)) == 1
    # Someone outside HR cannot decide.
    assert decisions.decide(report_id, "pass", "lisi", "", "outsider") == "refused"


def test_hold_keeps_the_buttons_then_one_final_decision(stack):
    from bot.store.models import Decision

    card = reported(stack)
    click(stack, "hr_wang", card, "hold")
    stack.drain()
    held = cards(stack, "hr_li")[0]
    assert held["card_update"].get("replace_card") and held["card"]["sub_title_text"].startswith("已标记待定 · hr_wang")
    assert Decision.get().outcome == "hold"
    assert not results(stack)
    click(stack, "hr_li", held, "pass")
    stack.drain()
    assert Decision.get().outcome == "pass" and Decision.get().decided_by == "hr_li"
    assert len(results(stack)) == 1


def invite_wechat(stack, name: str) -> tuple[int, str]:
    """Invite a WeChat user (not a member): HR gets a kf link carrying scene_param=inv.<id>; return (id, link)."""
    stack.say("hr_li", f"/invite 柜员 wx:{name}")
    stack.drain()
    [note] = [t for t in texts(stack, "hr_li") if name in t and "微信客服" in t]
    kf = re.search(r"① 微信客服（推荐）：(\S+)", note).group(1)
    scene = parse_qs(urlparse(kf).query)["scene_param"][0]
    assert scene.startswith("inv.")
    assert "/sandbox/contact/" in re.search(r"② 加招聘人员为微信好友（扫码）：(\S+)", note).group(1)
    return int(scene[4:]), re.search(r"③ 面试链接：(\S+)", note).group(1)


def kf_link_in_welcome(stack, external: str) -> str:
    [welcome] = texts(stack, external, "kf")
    return re.search(r"(http\S+/i/\S+)", welcome).group(1)


def test_kf_candidate_inside_the_window_gets_progress_and_result_by_kf(stack):
    from bot.store.models import Invitation

    invitation_id, _ = invite_wechat(stack, "王五")
    entered = stack.api("POST", "kf/enter", json={"name": "王五", "scene_param": f"inv.{invitation_id}"})
    external = entered["external_userid"]
    stack.drain()
    link = kf_link_in_welcome(stack, external)
    stack.say(external, "你好，我准备好了")  # the candidate writes: the 48 h window opens
    stack.drain()
    assert Invitation.get_by_id(invitation_id).channel == "kf"
    take_interview(stack, link)
    stack.drain()
    card = cards(stack, "hr_li")[0]
    reject(stack, "hr_li", card)
    stack.drain()
    kf_texts = texts(stack, external, "kf")
    assert any("面试已完成，系统正在评分" in t for t in kf_texts)
    assert len(results(stack, external, "kf")) == 1
    assert not [t for t in texts(stack, "hr_li") if "已排队" in t]


def test_kf_candidate_outside_the_window_waits_then_gets_everything_in_order(stack):
    from bot.store.models import OutboundMessage

    invitation_id, _ = invite_wechat(stack, "赵六")
    entered = stack.api("POST", "kf/enter", json={"name": "赵六", "scene_param": f"inv.{invitation_id}"})
    external = entered["external_userid"]
    stack.drain()
    take_interview(stack, kf_link_in_welcome(stack, external))  # never wrote: no window
    stack.drain()
    waiting = OutboundMessage.get((OutboundMessage.channel == "kf") & (OutboundMessage.purpose == "completed"))
    assert waiting.state == "waiting"
    [note] = [t for t in texts(stack, "hr_li") if "赵六" in t and "已排队" in t]
    assert "面试已完成" in note  # the text to pass on
    assert not [t for t in texts(stack, external, "kf") if "面试已完成" in t]
    click(stack, "hr_li", cards(stack, "hr_li")[0], "pass")
    stack.drain()
    assert len([t for t in texts(stack, "hr_li") if "赵六" in t and "已排队" in t]) == 1  # told once
    stack.say(external, "请问结果出来了吗")
    stack.drain()
    kf_texts = texts(stack, external, "kf")
    progress = next(i for i, t in enumerate(kf_texts) if "面试已完成" in t)
    result = next(i for i, t in enumerate(kf_texts) if "恭喜您通过" in t)
    assert progress < result
    assert OutboundMessage.select().where(OutboundMessage.state == "waiting").count() == 0


def test_external_contact_gets_messages_the_recruiter_confirms(stack):
    from bot.store.models import Invitation

    invitation_id, _ = invite_wechat(stack, "孙八")
    [note] = [t for t in texts(stack, "hr_li") if "孙八" in t and "微信客服" in t]
    config_id = re.search(r"/sandbox/contact/(\S+)", note).group(1)  # the candidate scans the recruiter's QR code
    added = stack.api("POST", "contact/add", json={"name": "孙八", "config_id": config_id})
    external = added["external_userid"]
    stack.drain()
    [welcome] = [m for m in stack.inbox(external) if m["channel"] == "welcome"]
    assert Invitation.get_by_id(invitation_id).channel == "external"
    take_interview(stack, welcome["payload"]["attachments"][0]["link"]["url"])
    stack.drain()
    tasks = [e for e in stack.api("GET", "conversation", params={"user": "hr_li"})["entries"]
             if e.get("channel") == "msg_template"]
    assert len(tasks) == 1 and "面试已完成" in tasks[0]["payload"]["text"]["content"]
    stack.api("POST", "contact/confirm", json={"userid": "hr_li", "msgid": tasks[0]["msgid"]})
    assert any("面试已完成" in t for t in texts(stack, external, "external"))


def test_a_candidate_nobody_can_reach_is_handed_to_hr_with_the_text(stack):
    import datetime as dt

    from bot.clock import utcnow
    from bot.ops import reminders as periodic
    from bot.store.models import Invitation

    invitation_id, link = invite_wechat(stack, "钱七")
    Invitation.update(expires_at=utcnow() + dt.timedelta(hours=5)).where(Invitation.id == invitation_id).execute()
    assert periodic.send_reminders() == 1 and periodic.send_reminders() == 0
    stack.drain()
    [note] = [t for t in texts(stack, "hr_li") if "无法直接联系到候选人钱七" in t]
    assert "提醒您" in note and "/i/" in note


def test_reminders_reach_members_once_per_deadline(stack):
    import datetime as dt

    from bot.clock import utcnow
    from bot.ops import reminders as periodic
    from bot.store.models import Invitation

    invite_member(stack, "lisi")
    Invitation.update(expires_at=utcnow() + dt.timedelta(hours=3)).execute()
    assert periodic.send_reminders() == 1
    assert periodic.send_reminders() == 0
    stack.drain()
    [reminder] = [t for t in texts(stack, "lisi") if "提醒您" in t]
    assert "/i/" in reminder and "截止" in reminder


def test_the_daily_digest_counts_and_links_the_oldest_pending_report(stack):
    from bot.ops import reminders as periodic

    reported(stack)
    # hr_li invited; hr_wang gets the position's cards too (a root recruiter): each gets a digest, once a day
    assert periodic.send_digest() == 2 and periodic.send_digest() == 0
    stack.drain()
    [digest] = [m for m in stack.inbox("hr_li") if m["msgtype"] == "template_card"
                and m["card"]["card_type"] == "text_notice"]
    fields = {f["keyname"]: f["value"] for f in digest["card"]["horizontal_content_list"]}
    assert fields["新邀请"] == "1" and fields["完成面试"] == "1" and fields["待决定"] == "1"
    assert "/hr/reports/" in digest["card"]["card_action"]["url"]


@pytest.mark.postgres
def test_a_worker_killed_mid_send_delivers_the_result_once(stack):
    import datetime as dt

    from bot.clock import utcnow
    from bot.store.models import OutboundMessage
    from bot.wecom import delivery, notify, outbox

    card = reported(stack)
    original = notify.send_to_candidate

    def record_only(invitation, text, key, *, purpose, **extra):
        found = notify.candidate_payload(invitation, text, key, **extra)
        outbox.record(key, found[1], purpose=purpose, channel=found[0], invitation=invitation)
        return found[0]

    notify.send_to_candidate = record_only  # the decision records the message; no delivery job yet
    try:
        click(stack, "hr_li", card, "pass")
        stack.drain()
    finally:
        notify.send_to_candidate = original
    message = OutboundMessage.get(OutboundMessage.purpose == "result")
    # A worker claims it, WeCom delivers it, the worker dies before recording that.
    assert outbox.claim(message.id)
    delivery.wecom().send(message.payload)
    OutboundMessage.update(lease_until=utcnow() - dt.timedelta(seconds=1)).where(
        OutboundMessage.id == message.id).execute()
    OutboundMessage.update(created_at=utcnow() - dt.timedelta(minutes=5)).execute()
    assert delivery.requeue_due() >= 1
    stack.drain()
    assert OutboundMessage.get_by_id(message.id).state == "sent"
    assert len([t for t in texts(stack, "zhangsan") if "恭喜您通过" in t]) == 1


def test_a_candidate_who_interviews_in_english_gets_english_messages(stack):
    from bot.store.models import Candidate
    from tests.support.h5 import consent

    link = invite_member(stack)
    client, base = stack.app.test_client(), f"/h5/api/{link.rsplit('/', 1)[1]}"
    assert client.post(f"{base}/consent", json={"recording": True, "version": "consent-v1",
                                                  "locale": "en-US"}).status_code == 200
    assert Candidate.get().locale == "en"
    consent(client, base)  # a repeat changes nothing
    take_interview(stack, link, consented=True)
    stack.drain()
    assert any("Your interview is complete" in t for t in texts(stack, "zhangsan"))
    reject(stack, "hr_li", cards(stack, "hr_li")[0])
    stack.drain()
    assert any("thank you for interviewing" in t for t in texts(stack, "zhangsan"))


def test_the_scheduler_enqueues_reminders_retries_and_the_digest_at_their_times():
    import datetime as dt

    from apscheduler.schedulers.background import BackgroundScheduler

    from config.settings import load
    from jobs import scheduler

    settings = load({"DIGEST_HOUR": "8", "DATA_DIR": "/tmp/unused-scheduler-test"}, dotenv=None)
    built = scheduler.build(BackgroundScheduler(timezone="UTC"), settings)
    jobs = {job.id: job for job in built.get_jobs()}
    assert {"requeue_due", "flush_stale_batches", "expire_invitations", "send_reminders", "send_digest",
            "match_new_positions", "requeue_webhooks", "watch_bulk", "sweep", "apply_retention"} <= set(jobs)
    digest = jobs["send_digest"].trigger
    after = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)  # 20:00 in Beijing
    fire = digest.get_next_fire_time(None, after)
    assert fire.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%d %H:%M") == "25 08:05"
    assert all(job.kwargs["key"] == f"periodic:{job.id}" for job in jobs.values())


def passed(stack) -> None:
    """A member candidate who passed: the second round is booked."""
    card = reported(stack)
    click(stack, "hr_li", card, "pass")
    stack.drain()


def test_the_candidate_moves_the_second_round_in_plain_chinese(stack):
    import datetime as dt

    from bot.decisions.results import when_text
    from bot.store.models import Appointment, AuditLog

    passed(stack)
    before = when_text(Appointment.get())
    stack.say("zhangsan", "不好意思，那天有课，能改期至下周一下午2点吗？")
    stack.drain()
    appointment = Appointment.get()
    start = appointment.starts_at.replace(tzinfo=dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert start.weekday() == 0 and start.strftime("%H:%M") == "14:00" and appointment.version == 2
    assert (appointment.ends_at - appointment.starts_at) == dt.timedelta(hours=1)
    [confirm] = [t for t in texts(stack, "zhangsan") if "已为您将「柜员」复试改到" in t]
    assert when_text(appointment) in confirm
    [told] = [t for t in texts(stack, "hr_li") if "把「柜员」复试改到了" in t]
    assert f"原定 {before}" in told or f"原定{before}" in told
    assert AuditLog.get(AuditLog.action == "reschedule").actor == "zhangsan"


@pytest.mark.parametrize("phrase, question", [
    ("改到下周一吧", "几点"),
    ("能不能改成昨天下午3点", "已经过去"),
    ("我想改期", "什么时间"),
])
def test_unclear_or_past_times_get_a_question_and_change_nothing(stack, phrase, question):
    from bot.store.models import Appointment

    passed(stack)
    version = Appointment.get().version
    stack.say("zhangsan", phrase)
    stack.drain()
    assert Appointment.get().version == version
    assert any(question in t for t in texts(stack, "zhangsan")[-1:])


def test_hr_reschedules_with_a_command_and_the_candidate_is_told(stack):
    from bot.store.models import Appointment

    passed(stack)
    stack.say("hr_wang", "/reschedule zhangsan 明天上午十点")
    stack.say("hr_wang", "/reschedule nobody 明天上午十点")
    stack.say("hr_wang", "/reschedule zhangsan")
    stack.drain()
    assert Appointment.get().version == 2 and Appointment.get().updated_by == "hr_wang"
    assert any("复试改到" in t and "10:00" in t for t in texts(stack, "zhangsan"))
    hr = texts(stack, "hr_wang")
    assert any("已把 zhangsan 的「柜员」复试改到" in t for t in hr)
    assert any("没有找到 nobody 的复试安排" in t for t in hr)
    assert any(t.startswith("用法：/reschedule") for t in hr)


def test_a_candidate_asking_for_more_time_gets_a_later_deadline_and_a_new_link(stack):
    from bot.store.models import Invitation

    invite_member(stack)
    before = Invitation.get().expires_at
    stack.say("zhangsan", "这周实在太忙，AI面试能延期到下下周一上午10点吗")
    stack.drain()
    after = Invitation.get().expires_at
    assert after > before
    [extended] = [t for t in texts(stack, "zhangsan") if "截止时间延长到" in t]
    link = extended.rsplit("：", 1)[1]
    assert stack.app.test_client().get(link.replace(stack.base, "")).status_code == 200
    assert any("截止时间已按其请求延长到" in t for t in texts(stack, "hr_li"))


@pytest.mark.postgres
def test_a_replayed_click_event_decides_once(stack):
    """WeCom re-sends a callback it got no answer to: the same 确认不通过 event three times is one decision."""
    import time

    from bot.sandbox.delivery import send_xml
    from bot.sandbox.protocol import card_event_xml
    from bot.store.models import Decision

    card = reported(stack)
    click(stack, "hr_li", card, "reject")
    stack.drain()
    card = card_now(stack, "hr_li", card)
    key = next(b["key"] for b in card["card"]["button_list"] if b.get("key", "").endswith(":confirm"))
    s = stack.settings
    xml = card_event_xml(s.wecom_corp_id, "hr_li", key, card["card"]["task_id"], card["response_code"],
                         s.wecom_agent_id, create_time=int(time.time()))
    for _ in range(3):
        assert send_xml(f"{stack.base}/wecom/callback", s.wecom_token, s.wecom_aes_key, s.wecom_corp_id, xml)["ok"]
    stack.drain()
    assert Decision.select().count() == 1 and Decision.get().outcome == "reject"
    assert len(results(stack)) == 1


def test_the_completion_notice_reaches_hr_before_the_result_card(stack):
    reported(stack)
    kinds = ["card" if m["msgtype"] == "template_card" else m["payload"]["text"]["content"][:12]
             for m in stack.inbox("hr_li")]
    assert kinds.index("card") > next(i for i, k in enumerate(kinds) if "已完成" in k)


def test_a_mass_message_task_wecom_refuses_goes_to_hr_with_the_text(stack):
    from bot.store.models import Invitation, OutboundMessage
    from bot.wecom import notify

    invitation_id, _ = invite_wechat(stack, "吴九")
    [note] = [t for t in texts(stack, "hr_li") if "吴九" in t and "微信客服" in t]
    config_id = re.search(r"/sandbox/contact/(\S+)", note).group(1)
    stack.api("POST", "contact/add", json={"name": "吴九", "config_id": config_id})
    stack.drain()
    invitation = Invitation.get_by_id(invitation_id)
    for i in range(5):  # the sandbox lets a customer receive 4 such tasks a month
        notify.send_to_candidate(invitation, f"第 {i + 1} 条通知", f"monthly:{i}", purpose="candidate")
    stack.drain()
    tasks = list(OutboundMessage.select().where(OutboundMessage.idempotency_key.startswith("monthly:")
                                                & (OutboundMessage.purpose == "candidate")))
    assert sorted(m.state for m in tasks) == ["failed"] + ["sent"] * 4
    [refused] = [m for m in tasks if m.state == "failed"]
    assert refused.recipient.startswith("wm")  # the customer id itself, matched against WeCom's fail_list
    text = refused.payload["text"]["content"]
    assert any("无法直接联系到候选人吴九" in t and text in t for t in texts(stack, "hr_li"))
