"""What needs no provider: numbers, lengths, the template texts, the SMS settings, the sandbox credentials file."""
from __future__ import annotations

import json

import pytest

from bot.sms.numbers import normalise, segments
from bot.sms.templates import TEMPLATES, TemplateError, render, request_text, values
from config.settings import SMS_KINDS, SettingsError, load

REAL = {"WECOM_CORP_ID": "ww1234567890", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "s3cret",
        "WECOM_TOKEN": "Tok3n", "WECOM_AES_KEY": "a" * 43}


def test_numbers_and_segments():
    for raw in ("13800138000", "+86 138-0013-8000", "008613800138000", "8613800138000", "(+86)13800138000"):
        assert normalise(raw) == "+8613800138000", raw
    assert normalise("+852 5123 4567") == "+85251234567" and normalise("+44 7911 123456") == "+447911123456"
    for raw in ("", "12345", "010-12345678", "+8612345678901", "x" * 40, "13800138000abc"):
        assert normalise(raw) is None, raw  # a landline gets no SMS
    assert [segments("字" * n) for n in (1, 70, 71, 134, 135, 201, 202)] == [1, 1, 2, 2, 3, 3, 4]
    assert segments("😀" * 35) == 1 and segments("😀" * 36) == 2  # an emoji is two UCS-2 units


def test_templates_render_and_are_requested_in_each_providers_syntax(tmp_path):
    settings = load({"DATA_DIR": str(tmp_path), "PUBLIC_BASE_URL": "https://hr.example.com"}, dotenv=None)
    assert tuple(TEMPLATES) == SMS_KINDS
    for kind in SMS_KINDS:
        text = TEMPLATES[kind].text
        assert "{base}/s/{code}" in text if "code" in TEMPLATES[kind].variables else "{base}" not in text
        assert text.endswith("拒收请回复R") != (kind == "unsubscribed")
    assert request_text("reminder", "tencent", settings) == (
        "{1}您好，您的{2}岗位在线面试尚未完成，截止时间{3}，请尽快完成：https://hr.example.com/s/{4} 拒收请回复R")
    assert request_text("reminder", "aliyun", settings) == (
        "${name}您好，您的${position}岗位在线面试尚未完成，截止时间${deadline}，请尽快完成："
        "https://hr.example.com/s/${code} 拒收请回复R")
    text = render("reschedule", {"position": "柜员【急】", "when": "1月9日 14:30", "place": "金融街1号{3层}"}, settings)
    assert text == "【示例银行】您的柜员 急岗位复试时间已改为1月9日 14:30，地点金融街1号 3层，请准时参加。拒收请回复R"
    assert values("unsubscribed", {"company": "某" * 30}) == ["某" * 19 + "…"]  # at most 20 characters
    with pytest.raises(TemplateError, match="needs place"):
        values("reschedule", {"position": "柜员", "when": "明天"})
    with pytest.raises(TemplateError, match="no variable url"):  # no free text, no link as a variable
        values("unsubscribed", {"company": "示例银行", "url": "https://x"})
    with pytest.raises(TemplateError, match="no SMS template"):
        render("welcome", {}, settings)


def test_sms_settings_defaults_and_refusals(tmp_path):
    sandbox = load({"DATA_DIR": str(tmp_path), "SANDBOX_PORT": "9001"}, dotenv=None)
    assert (sandbox.sms_provider, sandbox.sms_endpoint, sandbox.sms_app_id, sandbox.sms_sign_name) == (
        "tencent", "http://127.0.0.1:9001", "1400006666", "示例银行")
    assert [kind for kind, _ in sandbox.sms_templates] == list(SMS_KINDS) and sandbox.sms_daily_limit == 10
    assert sandbox.sms_secret_key not in repr(sandbox)
    real = load({"DATA_DIR": str(tmp_path), **REAL}, dotenv=None)
    assert (real.sms_provider, real.sms_endpoint, real.sms_secret_id, real.sms_templates) == ("", "", "", ())
    aliyun = load({"DATA_DIR": str(tmp_path), **REAL, "SMS_PROVIDER": "Aliyun", "SMS_SECRET_ID": "LTAI5t",
                   "SMS_SECRET_KEY": "k", "SMS_SIGN_NAME": "示例银行", "SMS_TEMPLATES": " invitation = SMS_1 ,"},
                  dotenv=None)
    assert (aliyun.sms_provider, aliyun.sms_endpoint, aliyun.sms_templates) == (
        "aliyun", "https://dysmsapi.aliyuncs.com", (("invitation", "SMS_1"),))
    refusals = {
        "SMS_PROVIDER": ("twilio", "tencent, aliyun"), "SMS_ENDPOINT": ("https://sms.example/api", "no path"),
        "SMS_TEMPLATES": ("invite=1", "unknown kind"), "SMS_APP_ID": ("app-1", "digits"),
        "SMS_REGION": ("Guangzhou", "region"), "SMS_DAILY_LIMIT": ("0", "between"),
    }
    for name, (value, words) in refusals.items():
        with pytest.raises(SettingsError, match=words):
            load({"DATA_DIR": str(tmp_path), **REAL, name: value}, dotenv=None)
    with pytest.raises(SettingsError, match="SMS_SECRET_ID, SMS_SECRET_KEY, SMS_SIGN_NAME, SMS_APP_ID"):
        load({"DATA_DIR": str(tmp_path), **REAL, "SMS_PROVIDER": "tencent"}, dotenv=None)
    off = load({"DATA_DIR": str(tmp_path), "SMS_PROVIDER": ""}, dotenv=None)  # empty: no SMS, even in the sandbox
    assert (off.sms_provider, off.sms_secret_id) == ("", "")


def test_a_sandbox_credentials_file_from_before_sms_keeps_its_values_and_gains_the_keys(tmp_path):
    old = {"WECOM_CORP_ID": "wwsandboxabc", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "s", "WECOM_TOKEN": "T",
           "WECOM_AES_KEY": "b" * 43}
    path = tmp_path / "sandbox_credentials.json"
    path.write_text(json.dumps(old))
    path.chmod(0o600)
    settings = load({"DATA_DIR": str(tmp_path)}, dotenv=None)
    assert (settings.wecom_corp_id, settings.wecom_secret) == ("wwsandboxabc", "s")
    kept = json.loads(path.read_text())
    assert kept == {**old, "SMS_SECRET_ID": settings.sms_secret_id, "SMS_SECRET_KEY": settings.sms_secret_key}
    assert settings.sms_secret_id.startswith("AKID") and path.stat().st_mode & 0o777 == 0o600
    assert load({"DATA_DIR": str(tmp_path)}, dotenv=None).sms_secret_key == settings.sms_secret_key
