"""The stack (product + sandbox on loopback) with SMS on through one provider, and helpers to steer the sandbox."""
from __future__ import annotations

import pytest

SMS_VARS = ("SMS_ENDPOINT", "SMS_SECRET_ID", "SMS_SECRET_KEY", "SMS_APP_ID", "SMS_SIGN_NAME", "SMS_TEMPLATES",
            "SMS_REGION", "SMS_DAILY_LIMIT")
INVITATION = {"name": "张三", "company": "示例银行", "position": "柜员", "deadline": "1月5日 18:00", "code": "Ab3xK9"}


@pytest.fixture(params=["tencent", "aliyun"])
def provider(request, monkeypatch) -> str:
    """SMS_PROVIDER for the stack (set before the settings are read); every other SMS_* at its sandbox default."""
    for name in SMS_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMS_PROVIDER", request.param)
    return request.param


@pytest.fixture
def sms_stack(provider, stack):
    """The stack with SMS through `provider` (its settings are stack.settings)."""
    assert stack.settings.sms_provider == provider
    return stack


def messages(stack, number: str, key: str = "messages") -> list[dict]:
    """What the sandbox's phone `number` received (key="refused": the SMS to it the provider refused)."""
    return stack.api("GET", "sms", params={"to": number})[key]
