"""Alibaba's SmsUp push (handlers/h5/sms_push.py): only its secret path takes replies; a wrong path, another
provider, a body that is not a batch or too large get a clear answer and keep nothing."""
from __future__ import annotations

import json

import pytest

from bot.links import sms_push_path
from bot.sms import send as sms

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # Redis and HTTP: one database is enough


@pytest.fixture
def aliyun(monkeypatch):
    monkeypatch.setenv("SMS_PROVIDER", "aliyun")


def test_only_the_secret_path_keeps_pushed_replies(aliyun, env, client):
    path = sms_push_path(env)
    batch = [{"phone_number": "13912340001", "content": "R", "send_time": "2026-12-07 10:00:00",
              "dest_code": "1", "sequence_id": 1}]
    taken = client.post(path, data=json.dumps(batch), content_type="application/json")
    assert taken.status_code == 200 and taken.json == {"code": 0, "msg": "接收成功", "taken": 1}
    for wrong in (path[:-1] + ("1" if path.endswith("0") else "0"), "/sms/aliyun/up/x", "/sms/aliyun/up/" + "a" * 500):
        assert client.post(wrong, data=json.dumps(batch)).status_code == 404, wrong
    assert client.post(path, data=b"{not json").json["code"] == 400
    assert client.post(path, data=json.dumps({"a": 1})).status_code == 400
    assert client.post(path, data=json.dumps([{"content": "R"}])).status_code == 400  # no number
    assert client.post(path, data=b"[" + b" " * 300_000 + b"]").status_code == 413
    [reply] = sms.pull_replies(env)
    assert (reply.number, reply.text) == ("+8613912340001", "R")


def test_with_tencent_the_path_is_not_there(env, client):
    assert client.post(sms_push_path(env), data=b"[]").status_code == 404
