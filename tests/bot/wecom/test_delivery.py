"""Outbound delivery through the sandbox: token refetch, retries, rate limits, exactly-once sends."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from limits import parse

from bot.clock import utcnow
from bot.store.models import OutboundMessage
from bot.wecom import delivery, outbox
from bot.wecom.cards import text_message


def record_text(user: str, content: str, key: str) -> int:
    message, _ = outbox.record(key, text_message(user, content), purpose="reply")
    return message.id


def received(stack, user: str) -> list[str]:
    return [m["payload"]["text"]["content"] for m in stack.inbox(user) if m["msgtype"] == "text"]


def test_expired_token_is_refetched_once_and_the_message_delivered(stack):
    assert delivery.deliver(record_text("zhangsan", "第一条", "t1")) == "sent"
    assert len(stack.calls("gettoken")) == 1
    stack.api("POST", "expire_tokens")
    assert delivery.deliver(record_text("zhangsan", "第二条", "t2")) == "sent"
    assert len(stack.calls("gettoken")) == 2  # exactly one refetch
    sends = stack.calls("message/send")
    assert [c["errcode"] for c in sends] == [0, 42001, 0]
    assert received(stack, "zhangsan") == ["第一条", "第二条"]


def test_token_is_shared_by_every_process(stack):
    from bot.store.kv import connect
    from bot.wecom.client import WeComClient

    first = WeComClient(stack.settings, connect(stack.settings.redis_url))
    second = WeComClient(stack.settings, connect(stack.settings.redis_url))  # another process's client
    first.send(text_message("zhangsan", "a"))
    second.send(text_message("zhangsan", "b"))
    assert len(stack.calls("gettoken")) == 1


def test_system_busy_is_retried_and_delivered_once(stack):
    stack.api("POST", "faults", json={"path": "message/send", "errcode": -1, "times": 2})
    assert delivery.deliver(record_text("zhangsan", "你好", "busy")) == "sent"
    assert [c["errcode"] for c in stack.calls("message/send")] == [-1, -1, 0]
    assert received(stack, "zhangsan") == ["你好"]


def test_server_error_is_retried(stack):
    stack.api("POST", "faults", json={"path": "message/send", "status": 500, "times": 1})
    assert delivery.deliver(record_text("zhangsan", "你好", "5xx")) == "sent"
    assert received(stack, "zhangsan") == ["你好"]


def test_busy_beyond_three_tries_is_deferred_then_delivered_once(stack):
    stack.api("POST", "faults", json={"path": "message/send", "errcode": -1, "times": 3})
    message_id = record_text("zhangsan", "稍后送达", "later")
    assert delivery.deliver(message_id) == "deferred"
    assert OutboundMessage.get_by_id(message_id).state == "deferred"
    stack.drain()  # runs the delayed retry now
    assert OutboundMessage.get_by_id(message_id).state == "sent"
    assert received(stack, "zhangsan") == ["稍后送达"]


def test_permanent_error_fails_without_retrying(stack):
    stack.api("POST", "faults", json={"path": "message/send", "errcode": 40008, "times": 1})
    message_id = record_text("zhangsan", "x", "bad")
    assert delivery.deliver(message_id) == "failed"
    assert len(stack.calls("message/send")) == 1
    assert "40008" in OutboundMessage.get_by_id(message_id).last_error


def test_a_sent_message_is_never_sent_again(stack):
    message_id = record_text("zhangsan", "只一次", "once")
    assert delivery.deliver(message_id) == "sent"
    assert delivery.deliver(message_id) == "sent"
    again, created = outbox.record("once", text_message("zhangsan", "只一次"), purpose="reply")
    assert not created and again.id == message_id
    assert len(stack.calls("message/send")) == 1


def test_worker_killed_mid_send_resends_once_and_wecom_drops_the_repeat(stack):
    message_id = record_text("zhangsan", "断点续传", "killed")
    # A worker claims it and the request reaches WeCom, then the worker dies before recording it.
    assert outbox.claim(message_id)
    delivery.wecom().send(text_message("zhangsan", "断点续传") | delivery.DUPLICATE_CHECK)
    OutboundMessage.update(lease_until=utcnow() - dt.timedelta(seconds=1)).where(
        OutboundMessage.id == message_id).execute()
    assert delivery.requeue_due() == 1
    stack.drain()
    assert OutboundMessage.get_by_id(message_id).state == "sent"
    assert received(stack, "zhangsan") == ["断点续传"]


def test_concurrent_workers_send_once(stack):
    message_id = record_text("zhangsan", "并发", "race")
    results = []
    start = threading.Barrier(4)

    def worker():
        start.wait()
        results.append(delivery.deliver(message_id))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One worker claims and sends; the others find it held ("busy") or, arriving later, already "sent".
    assert set(results) <= {"sent", "busy"} and "sent" in results
    message = OutboundMessage.get_by_id(message_id)
    assert (message.state, message.attempts) == ("sent", 1)
    assert received(stack, "zhangsan") == ["并发"]


def test_per_member_limit_defers_instead_of_losing_messages(stack, monkeypatch):
    from bot.store.kv import get_redis
    from bot.wecom.ratelimit import OutboundLimiter

    # WeCom's 30/min, scaled to 5 per 2 s so the test sees the window pass.
    limiter = OutboundLimiter(get_redis(), per_member=(parse("5/2 seconds"),))
    monkeypatch.setattr(delivery, "limiter", lambda: limiter)
    ids = [record_text("lisi", f"第{i}条", f"burst-{i}") for i in range(8)]
    states = [delivery.deliver(i) for i in ids]
    assert states.count("sent") == 5 and states.count("deferred") == 3
    time.sleep(2.1)
    stack.drain()
    assert OutboundMessage.select().where(OutboundMessage.state == "sent").count() == 8
    assert sorted(received(stack, "lisi")) == sorted(f"第{i}条" for i in range(8))
    assert stack.api("GET", "stats")["dropped"] == 0


@pytest.fixture
def scaled_channels(monkeypatch):
    """SMS_RATE 2 a second and MAIL_RATE 2 a minute, set before the stack reads the settings."""
    monkeypatch.setenv("SMS_RATE", "2")
    monkeypatch.setenv("MAIL_RATE", "2")


def test_sms_and_mail_bounds_bind_and_what_waits_is_sent_later(scaled_channels, stack):
    from bot.store.models import Candidate

    invitation = {"name": "张三", "company": "示例银行", "position": "柜员", "deadline": "1月5日", "code": "Ab3xK9"}
    sms_ids, mail_ids = [], []
    for i in range(3):
        candidate = Candidate.create(name=f"张{i}", phone=f"+86139123400{i + 1:02d}", email=f"z{i}@example.com")
        sms_ids.append(outbox.record(f"sms-{i}", {"msgtype": "sms", "candidate": candidate.id, "kind": "invitation",
                                                  "params": invitation}, purpose="candidate", channel="sms")[0].id)
        mail_ids.append(outbox.record(f"mail-{i}", {"msgtype": "email", "candidate": candidate.id, "subject": "邀请",
                                                    "text": "您好"}, purpose="candidate", channel="email")[0].id)
    # WeCom's per-API limits no longer count SMS and e-mail: SMS_RATE and MAIL_RATE do
    assert [delivery.deliver(i) for i in sms_ids] == ["sent", "sent", "deferred"]
    assert [delivery.deliver(i) for i in mail_ids] == ["sent", "sent", "deferred"]
    sms_wait, mail_wait = (OutboundMessage.get_by_id(ids[2]) for ids in (sms_ids, mail_ids))
    assert "2 per 1 second" in sms_wait.last_error and "2 per 1 minute" in mail_wait.last_error
    assert 50 < (mail_wait.next_attempt_at - utcnow()).total_seconds() <= 63  # the minute and its margin
    for _ in range(delivery.MAX_ATTEMPTS + 2):  # waiting on our own bound is never a try: a later 4xx still retries
        OutboundMessage.update(next_attempt_at=utcnow()).where(OutboundMessage.id == mail_ids[2]).execute()
        assert delivery.deliver(mail_ids[2]) == "deferred"
    assert OutboundMessage.get_by_id(mail_ids[2]).attempts == 0
    time.sleep(1.2)  # the SMS window (1 s and its margin) moves on: its deferred message is retried, not lost
    stack.drain()
    assert OutboundMessage.get_by_id(sms_ids[2]).state == "sent"
    assert len(stack.api("GET", "sms", params={"to": "+8613912340003"})["messages"]) == 1
    assert OutboundMessage.get_by_id(mail_ids[2]).state == "deferred"  # e-mail: still inside its minute


def test_wecom_limits_are_the_documented_ones():
    from bot.wecom.ratelimit import PER_API, PER_MEMBER

    assert [str(x) for x in PER_MEMBER] == [str(parse("30/minute")), str(parse("1000/hour"))]
    assert [str(x) for x in PER_API] == [str(parse("10000/minute")), str(parse("150000/hour"))]


@pytest.mark.parametrize("content, limit", [("好" * 1000, 2048), ("a" * 5000, 2048)])
def test_long_text_is_clipped_to_wecoms_limit(content, limit):
    payload = text_message("u", content)
    assert len(payload["text"]["content"].encode()) <= limit
