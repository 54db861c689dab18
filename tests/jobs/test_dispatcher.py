"""The dispatcher: what the callback took is handled once, survives a crashed dispatcher, and a message
that keeps failing is set aside with its error instead of blocking the stream."""
from __future__ import annotations

import pytest

from bot.wecom.intake import DEAD_LETTERS, STREAM, Intake
from bot.wecom.registry import handles
from jobs import dispatcher

calls: list[str] = []


@handles("event:test_explodes")
def _explodes(inbound) -> None:
    calls.append(inbound.key)
    raise RuntimeError("handler bug")


def doc(event: str = "test_explodes", user: str = "zhangsan", created: str = "1700000000") -> dict:
    return {"ToUserName": "corp", "FromUserName": user, "CreateTime": created, "MsgType": "event", "Event": event}


@pytest.fixture
def client(env):
    import handlers.wecom  # noqa: F401  (fills the handler registry)
    from bot.store.kv import get_redis

    calls.clear()
    redis = get_redis()
    dispatcher.ensure_group(redis)
    return redis


def test_the_same_message_is_taken_once(client):
    intake = Intake(client)
    assert intake.take("msg:1", doc("enter_agent")) is True
    assert intake.take("msg:1", doc("enter_agent")) is False
    assert client.xlen(STREAM) == 1


def test_handled_entries_are_acknowledged_and_deleted(env, client):
    Intake(client).take("msg:2", doc("enter_agent"))
    assert dispatcher.process(client, env, "a") == 1
    assert client.xlen(STREAM) == 0
    assert client.xpending(STREAM, dispatcher.GROUP)["pending"] == 0


def test_an_entry_left_by_a_crashed_dispatcher_is_handled_by_another(env, client, monkeypatch):
    from bot.queues import get_queue

    text = {"ToUserName": "corp", "FromUserName": "hr_li", "CreateTime": "1", "MsgType": "text",
            "Content": "/help", "MsgId": "42"}
    Intake(client).take("msg:42", text)
    client.xreadgroup(dispatcher.GROUP, "crashed", {STREAM: ">"}, count=10)  # read, then died
    assert dispatcher.process(client, env, "b") == 0  # not idle long enough yet
    monkeypatch.setattr(dispatcher, "CLAIM_IDLE_MS", 0)
    assert dispatcher.process(client, env, "b") == 1
    assert len(get_queue("delivery")) == 1
    assert client.xlen(STREAM) == 0


def test_a_failing_message_is_retried_then_dead_lettered(env, client, monkeypatch):
    monkeypatch.setattr(dispatcher, "CLAIM_IDLE_MS", 0)
    Intake(client).take("evt:boom", doc())
    for _ in range(dispatcher.MAX_ATTEMPTS):
        dispatcher.process(client, env, "a")
    assert calls == ["evt:boom"] * dispatcher.MAX_ATTEMPTS
    assert client.xlen(STREAM) == 0
    [(_, fields)] = client.xrange(DEAD_LETTERS)
    assert fields[b"key"] == b"evt:boom" and b"handler bug" in fields[b"error"]
    assert dispatcher.process(client, env, "a") == 0


def test_a_failing_message_does_not_block_the_next(env, client):
    Intake(client).take("evt:boom", doc())
    Intake(client).take("msg:7", doc("enter_agent", created="2"))
    assert dispatcher.process(client, env, "a") == 2
    assert client.xlen(STREAM) == 1  # only the failing one waits for its retry


def test_works_on_the_embedded_redis_the_product_ships(env, tmp_path, monkeypatch):
    import subprocess

    import redis

    from bot.store.kv import embedded_redis_argv, wait_for_redis

    sock = tmp_path / "r.sock"
    argv = embedded_redis_argv(tmp_path, sock)
    argv[argv.index("--appendonly") + 1] = "no"
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    try:
        embedded = redis.Redis.from_url(f"unix://{sock}")
        wait_for_redis(embedded)
        assert embedded.info("server")["redis_version"].startswith("6.2")
        dispatcher.ensure_group(embedded)
        intake = Intake(embedded)
        assert intake.take("evt:a", doc("enter_agent")) and not intake.take("evt:a", doc("enter_agent"))
        embedded.xreadgroup(dispatcher.GROUP, "crashed", {STREAM: ">"}, count=10)
        monkeypatch.setattr(dispatcher, "CLAIM_IDLE_MS", 0)
        assert dispatcher.process(embedded, env, "b") == 1
        assert embedded.xlen(STREAM) == 0
    finally:
        proc.terminate()
        proc.wait(10)
