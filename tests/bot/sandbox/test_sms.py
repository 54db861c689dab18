"""The sandbox's fake SMS providers on `/` and its phones: /sandbox/api/sms, replies, reset, and /console/sms."""
from __future__ import annotations

import os

import pytest
import requests
from alibabacloud_tea_openapi.utils import Utils

from bot.sandbox.app import create_sandbox_app, serve_in_thread
from bot.sms import aliyun
from bot.sms.send import send
from config.settings import load
from tests.bot.sms.conftest import INVITATION
from tests.conftest import free_port
from tests.support.paths import OUTPUT


@pytest.fixture
def sandbox(tmp_path):
    """The sandbox app, as Alibaba, served on SANDBOX_PORT (where SMS_ENDPOINT points)."""
    port = free_port()
    settings = load({"DATA_DIR": str(tmp_path), "SANDBOX_PORT": str(port), "SMS_PROVIDER": "aliyun"}, dotenv=None)
    running = serve_in_thread(create_sandbox_app(settings, callback_url="http://127.0.0.1:9/cb"), port)
    yield running, settings
    running.shutdown()


def test_requests_that_are_not_signed_as_the_providers_sign_are_refused(sandbox, monkeypatch):
    running, settings = sandbox
    tencent = requests.post(running.url + "/", json={}, headers={"X-TC-Action": "SendSms"}, timeout=10)
    assert tencent.status_code == 200 and tencent.json()["Response"]["Error"]["Code"] == (
        "AuthFailure.InvalidAuthorization")
    forged = requests.post(running.url + "/", headers={
        "x-acs-action": "SendSms", "Authorization": f"ACS3-HMAC-SHA256 Credential={settings.sms_secret_id},"
        f"SignedHeaders=host,Signature={'0' * 64}"}, timeout=10)
    assert forged.status_code == 400 and forged.json()["Code"] == "IncompleteSignature"
    assert requests.post(running.url + "/", timeout=10).status_code == 400
    template = dict(settings.sms_templates)["invitation"]
    monkeypatch.setattr(Utils, "get_nonce", lambda: "same-nonce")  # a replayed request: Alibaba refuses it
    assert aliyun.send(settings, "+8613800138000", template, INVITATION, "n-1", 2).outcome == "sent"
    replayed = aliyun.send(settings, "+8613800138000", template, INVITATION, "n-2", 2)
    assert (replayed.outcome, replayed.code) == ("retry", "SignatureNonceUsed")
    calls = requests.get(running.url + "/sandbox/api/calls", params={"path": "sms/aliyun/SendSms"}, timeout=10)
    assert [c["errcode"] for c in calls.json()["calls"]] == ["IncompleteSignature", "OK", "SignatureNonceUsed"]


def test_phones_list_take_replies_and_reset(sandbox):
    running, settings = sandbox
    api = running.url + "/sandbox/api/sms"
    template = dict(settings.sms_templates)["unsubscribed"]
    assert aliyun.send(settings, "+8613800138000", template, {"company": "示例银行"}, "u-1", 1).outcome == "sent"
    assert requests.post(api + "/reply", json={"from": "12345", "text": "R"}, timeout=10).status_code == 400
    assert requests.post(api + "/reply", json={"from": "13800138000", "text": " "}, timeout=10).status_code == 400
    answer = requests.post(api + "/reply", json={"from": "138 0013 8000", "text": "TD"}, timeout=10).json()
    assert answer["ok"] and answer["reply"]["from"] == "+8613800138000"
    assert not answer["reply"]["pushed"] and answer["reply"]["push_error"]  # nobody listens on the web port
    listing = requests.get(api, timeout=10).json()
    assert listing["provider"] == "aliyun" and listing["total"] == 1
    assert listing["numbers"] == [{"number": "+8613800138000", "count": 1, "replies": 1, "last": listing[
        "numbers"][0]["last"], "last_text": "TD"}]
    one = requests.get(api, params={"to": "13800138000"}, timeout=10).json()
    assert one["messages"][0]["text"] == "【示例银行】您已退订示例银行的招聘短信，此后不会再收到。"
    assert requests.post(api + "/settings", json={"per_hour": 0}, timeout=10).status_code == 400
    requests.post(running.url + "/sandbox/api/reset", json={}, timeout=10).raise_for_status()
    assert requests.get(api, timeout=10).json()["numbers"] == []


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="Debian chromium is not installed")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sms_page_at_phone_width(stack, page):
    assert send(stack.settings, "13800138000", "invitation", INVITATION, reference="ui-1").outcome == "sent"
    assert send(stack.settings, "13800000000", "invitation", INVITATION, reference="ui-2").outcome == "opted_out"
    page.goto(f"{stack.sandbox}/console")
    page.click("#link-sms")
    page.wait_for_selector("#number-list >> text=+8613800138000")
    page.click("#number-list >> text=+8613800138000")
    bubble = page.wait_for_selector(".row.sms:not(.dropped) .sms-text")
    assert "张三您好，您应聘示例银行的柜员岗位" in bubble.inner_text() and "拒收请回复R" in bubble.inner_text()
    assert "计费 2 条" in page.inner_text(".sms-facts") and "参考号 ui-1" in page.inner_text(".sms-facts")
    page.fill("#reply-text", "R")
    page.click("#reply-send")
    page.wait_for_selector(".row.reply >> text=R")
    [reply] = stack.api("GET", "sms", params={"to": "+8613800138000"})["replies"]
    assert reply["text"] == "R"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / "console-sms.png", full_page=True)
    page.click("#number-list >> text=+8613800000000")
    page.wait_for_selector(".row.sms.dropped >> text=PhoneNumberInBlacklist")
