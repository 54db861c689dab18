"""SMS through the providers' real SDKs to the sandbox's fake Tencent and Alibaba APIs: what arrives, and what each
refusal becomes (opted_out, invalid, retry, setup), then receipts and replies read back."""
from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask, request
from werkzeug.serving import make_server

from bot.clock import utcnow
from bot.sms import aliyun, limit, once, tencent
from bot.sms.numbers import segments
from bot.sms.send import UNSURE_CHECK, UNSURE_SECONDS, Pending, pull_receipts, pull_replies, send
from bot.sms.templates import render
from bot.store.kv import get_redis
from tests.bot.sms.conftest import INVITATION, messages
from tests.conftest import free_port

ONE_DB = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
FORGED = {"tencent": "AuthFailure.SignatureFailure", "aliyun": "SignatureDoesNotMatch"}
LIMITED = {"tencent": "LimitExceeded.PhoneNumberOneHourLimit", "aliyun": "isv.BUSINESS_LIMIT_CONTROL"}
UNAPPROVED = {"tencent": "FailedOperation.TemplateIncorrectOrUnapproved", "aliyun": "isv.SMS_TEMPLATE_ILLEGAL"}
INVALID = {"tencent": "InvalidParameterValue.IncorrectPhoneNumber", "aliyun": "isv.MOBILE_NUMBER_ILLEGAL"}


@ONE_DB
def test_an_sms_arrives_and_each_refusal_means_what_the_provider_says(sms_stack, provider):
    stack, settings = sms_stack, sms_stack.settings
    sent = send(settings, "138 0013 8000", "invitation", INVITATION, reference="outbox-1")
    text = render("invitation", INVITATION, settings)
    assert sent.outcome == "sent" and sent.provider_id and sent.segments == segments(text) == 2
    [got] = messages(stack, "+8613800138000")
    assert got["text"] == text and text.startswith("【示例银行】张三您好，您应聘示例银行的柜员岗位")
    assert text.endswith(f"{settings.public_base_url}/s/Ab3xK9 拒收请回复R")
    assert (got["provider"], got["reference"], got["provider_id"], got["segments"], got["kind"]) == (
        provider, "outbox-1", sent.provider_id, 2, "invitation")
    assert got["template_id"] == dict(settings.sms_templates)["invitation"] and got["status"] == "pending"

    forged = send(dataclasses.replace(settings, sms_secret_key="forged"), "13800138000", "invitation", INVITATION,
                  reference="outbox-2")
    assert (forged.outcome, forged.code) == ("setup", FORGED[provider]) and "SMS_SECRET_KEY" in forged.detail
    unapproved = send(dataclasses.replace(settings, sms_templates=(("invitation", "SMS_999"),)), "13800138000",
                      "invitation", INVITATION, reference="outbox-3")
    assert (unapproved.outcome, unapproved.code) == ("setup", UNAPPROVED[provider])
    assert "SMS_TEMPLATES" in unapproved.detail and "docs/sms.md" in unapproved.detail
    down = send(dataclasses.replace(settings, sms_endpoint=f"http://127.0.0.1:{free_port()}"), "13800138000",
                "invitation", INVITATION, reference="outbox-4")
    assert (down.outcome, down.code, down.retry_after) == ("retry", "network", 60.0)
    assert send(settings, "12345", "invitation", INVITATION, reference="outbox-5").outcome == "invalid"
    transport = tencent if provider == "tencent" else aliyun  # past our own check: the provider refuses it too
    values = list(INVITATION.values()) if provider == "tencent" else INVITATION
    refused = transport.send(settings, "+8612345", dict(settings.sms_templates)["invitation"], values, "x", 1)
    assert (refused.outcome, refused.code) == ("invalid", INVALID[provider])

    blacklisted = send(settings, "13800000000", "invitation", INVITATION, reference="outbox-6")
    if provider == "tencent":  # Tencent refuses a blacklisted number; Alibaba takes it and its receipt fails
        assert (blacklisted.outcome, blacklisted.code) == ("opted_out", "FailedOperation.PhoneNumberInBlacklist")
    else:
        assert blacklisted.outcome == "sent"
    stack.api("POST", "sms/settings", json={"per_hour": 1})
    limited = send(settings, "13800138000", "reminder", {k: v for k, v in INVITATION.items() if k != "company"},
                   reference="outbox-7")
    assert (limited.outcome, limited.code, limited.retry_after) == ("retry", LIMITED[provider], 3600.0)
    assert [m["status"] for m in messages(stack, "+8613800138000")] == ["pending"]
    assert [m["code"] for m in messages(stack, "+8613800138000", "refused")] == [UNAPPROVED[provider],
                                                                               LIMITED[provider]]


@ONE_DB
def test_receipts_and_replies_come_back(sms_stack, provider):
    stack, settings = sms_stack, sms_stack.settings
    first = send(settings, "13800138000", "result_pass",
                 {"name": "张三", "position": "柜员", "when": "1月8日 10:00", "place": "金融街1号"}, reference="r-1")
    missing = send(settings, "13900001111", "unsubscribed", {"company": "示例银行"}, reference="r-2")
    assert first.outcome == missing.outcome == "sent"
    pending = [Pending("+8613800138000", first.provider_id, utcnow()),
               Pending("+8613900001111", missing.provider_id, utcnow())]
    assert pull_receipts(settings, pending) == []  # the carriers have not answered yet
    stack.api("POST", "clock", json={"advance": 5})
    receipts = {r.reference: r for r in pull_receipts(settings, pending)}
    assert receipts["r-1"].delivered and receipts["r-1"].provider_id == first.provider_id
    assert receipts["r-1"].number == "+8613800138000" and receipts["r-1"].at is not None
    assert not receipts["r-2"].delivered and receipts["r-2"].code == "MK:0001" and not receipts["r-2"].opted_out
    if provider == "tencent":
        assert pull_receipts(settings) == []  # Tencent's pull hands each receipt out once

    with _receiver(settings) as url:  # Alibaba pushes replies (SmsUp) to a URL; the product keeps them for pull_replies
        stack.api("POST", "sms/settings", json={"push_url": url})
        stack.api("POST", "sms/reply", json={"from": "+8613800138000", "text": "R"})
    [reply] = pull_replies(settings)
    assert (reply.number, reply.text) == ("+8613800138000", "R") and reply.at is not None
    assert pull_replies(settings) == []
    [shown] = stack.api("GET", "sms", params={"to": "+8613800138000"})["replies"]
    assert shown["text"] == "R" and (shown["pulled"] if provider == "tencent" else shown["pushed"])


@contextlib.contextmanager
def _receiver(settings) -> Iterator[str]:
    """A stand-in for the product's SmsUp route: a server that hands the push body to accept_replies."""
    app = Flask(__name__)

    @app.post("/up")
    def up():
        aliyun.accept_replies(settings, request.get_data())
        return json.dumps({"code": 0, "msg": "接收成功"})

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/up"
    server.shutdown()
    thread.join(5)


@ONE_DB
@pytest.mark.parametrize("provider", ["tencent"], indirect=True)
def test_our_daily_limit_stops_an_sms_before_the_provider_and_clock_skew_is_a_setup_error(monkeypatch, provider,
                                                                                         stack):
    settings = dataclasses.replace(stack.settings, sms_daily_limit=2)
    stack.api("POST", "sms/settings", json={"per_hour": 100})
    assert send(settings, "13800138000", "unsubscribed", {"company": "示例银行"}, reference="a").outcome == "sent"
    assert send(settings, "13800138000", "unsubscribed", {"company": "示例银行"}, reference="a").outcome == "sent"
    assert send(settings, "13800138000", "unsubscribed", {"company": "示例银行"}, reference="b").outcome == "sent"
    held = send(settings, "13800138000", "unsubscribed", {"company": "示例银行"}, reference="c")
    assert (held.outcome, held.code) == ("retry", "limit") and 86000 < held.retry_after <= 86400
    assert len(messages(stack, "+8613800138000")) == 2  # a (once: its repeat asks nothing) and b; c was not asked
    sandbox = stack.sandbox_app.extensions["sandbox"]
    monkeypatch.setattr(sandbox, "clock", lambda: time.time() + 600)  # this machine 10 minutes behind the provider
    late = send(settings, "13900139000", "unsubscribed", {"company": "示例银行"}, reference="d")
    assert (late.outcome, late.code) == ("setup", "AuthFailure.SignatureExpire") and "clock" in late.detail
    assert limit.used(get_redis(), "+8613900139000") == 0  # an SMS that did not go out gives its place back


@ONE_DB
def test_one_sms_per_reference_even_when_its_answer_was_lost(sms_stack, provider):
    """Neither provider de-duplicates: a retry of a reference the provider took sends nothing, and one whose answer
    was lost (the sender killed mid-request) finds the SMS at the provider instead of sending it again."""
    stack, settings = sms_stack, sms_stack.settings
    stack.api("POST", "sms/settings", json={"receipt_delay": 0})
    company = {"company": "示例银行"}
    first = send(settings, "13800138000", "unsubscribed", company, reference="k-1")
    again = send(settings, "13800138000", "unsubscribed", company, reference="k-1")
    assert (again.outcome, again.code, again.provider_id) == ("sent", "earlier", first.provider_id)
    # The provider took k-2, but its answer never came back to a sender that noted it was asking.
    once.asking(get_redis(), "k-2")
    transport, values = (tencent, ["示例银行"]) if provider == "tencent" else (aliyun, company)
    lost = transport.send(settings, "+8613800138000", dict(settings.sms_templates)["unsubscribed"], values, "k-2", 1)
    found = send(settings, "13800138000", "unsubscribed", company, reference="k-2")
    assert (lost.outcome, found.outcome, found.code) == ("sent", "sent", "earlier")
    assert found.provider_id == (lost.provider_id if provider == "tencent" else aliyun.out_id("k-2"))
    receipts = pull_receipts(settings, [Pending("+8613800138000", found.provider_id, utcnow())])
    assert [r.reference for r in receipts if r.provider_id == found.provider_id] == ["k-2"]  # receipts match it
    assert len(messages(stack, "+8613800138000")) == 2
    # k-3's request never reached the provider: no trace of it, so it waits a while, then goes.
    once.asking(get_redis(), "k-3")
    unsure = send(settings, "13800138000", "unsubscribed", company, reference="k-3")
    assert (unsure.outcome, unsure.code, unsure.retry_after) == ("retry", "unsure", UNSURE_CHECK)
    once.asking(get_redis(), "k-3", now=time.time() - UNSURE_SECONDS - 1)
    assert send(settings, "13800138000", "unsubscribed", company, reference="k-3").outcome == "sent"
    assert len(messages(stack, "+8613800138000")) == 3
