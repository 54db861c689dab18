"""The SMS rows' constants and parsers (config/settings.py reads them; bot/sms and docs/sms.md explain them)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from config.parsers import SettingsError

# SMS (bot/sms, docs/sms.md): the providers' API endpoints, and the kinds of message the product sends by SMS
SMS_ENDPOINTS = {"tencent": "https://sms.tencentcloudapi.com", "aliyun": "https://dysmsapi.aliyuncs.com"}
# SendSms calls a second each provider documents as its default API rate (above it the call is refused: Tencent
# RequestLimitExceeded, Alibaba Throttling.*); SMS_RATE defaults to the configured provider's. Tencent: its SendSms
# API reference (API 3.0, version 2021-01-11) gives 3,000 calls a second. Alibaba: the Dysmsapi 2017-05-25 flow
# control table (help.aliyun.com/en/sms/developer-reference/api-dysmsapi-2017-05-25-quota) gives SendSms
# 5000/1(s), raised in its Quota Center.
SMS_API_RATES = {"tencent": 3000, "aliyun": 5000}
SMS_KINDS = ("invitation", "reminder", "result_pass", "reschedule", "unsubscribed")
SANDBOX_SMS_APP_ID = "1400006666"
# the sandbox's approved templates: Tencent numbers its templates, Alibaba names them SMS_…
SANDBOX_SMS_TEMPLATES = {
    "tencent": ",".join(f"{kind}={2310001 + n}" for n, kind in enumerate(SMS_KINDS)),
    "aliyun": ",".join(f"{kind}=SMS_46000000{1 + n}" for n, kind in enumerate(SMS_KINDS)),
}


def parse_sms_provider(name: str, raw: str) -> str:
    """`tencent`, `aliyun`, or empty (no SMS)."""
    value = raw.strip().lower()
    if value not in ("", *SMS_ENDPOINTS):
        raise SettingsError(f"{name} must be one of tencent, aliyun or empty (no SMS), got {raw!r}")
    return value


def parse_sms_endpoint(name: str, raw: str) -> str:
    """An http(s) origin (scheme, host, port; no path: both providers' APIs answer on `/`), or empty."""
    value = raw.strip().rstrip("/")
    if not value:
        return ""
    if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", value):
        raise SettingsError(f"{name} must be an http/https URL of a host (and port) with no path, got {raw!r}")
    return value


def parse_sms_templates(name: str, raw: str) -> tuple[tuple[str, str], ...]:
    """`kind=template_id,…` with the product's message kinds (SMS_KINDS), each at most once."""
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        kind, equals, template = (word.strip() for word in item.partition("="))
        if not equals or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", template):
            raise SettingsError(f"{name} holds {item[:80]!r}: write kind=template_id, e.g. invitation=1234567")
        if kind not in SMS_KINDS:
            raise SettingsError(f"{name} names an unknown kind {kind[:40]!r}; the kinds are {', '.join(SMS_KINDS)}")
        if kind in pairs:
            raise SettingsError(f"{name} names {kind} twice")
        pairs[kind] = template
    return tuple((kind, pairs[kind]) for kind in SMS_KINDS if kind in pairs)


def parse_sms_app_id(name: str, raw: str) -> str:
    """Tencent's SmsSdkAppId: digits, or empty."""
    value = raw.strip()
    if value and not re.fullmatch(r"[0-9]{1,20}", value):
        raise SettingsError(f"{name} must be the SmsSdkAppId's digits (e.g. 1400006666), got {raw!r}")
    return value


def parse_region(name: str, raw: str) -> str:
    """A cloud region name such as ap-guangzhou."""
    value = raw.strip()
    if not re.fullmatch(r"[a-z]{2}(-[a-z0-9]+)+", value):
        raise SettingsError(f"{name} must be a region name such as ap-guangzhou, got {raw!r}")
    return value


def check_sms(values: Mapping[str, Any]) -> None:
    """With SMS_PROVIDER set, the keys, the signature and (Tencent) the SmsSdkAppId are needed too."""
    provider = values["sms_provider"]
    if not provider:
        return
    needed = {"SMS_ENDPOINT": values["sms_endpoint"], "SMS_SECRET_ID": values["sms_secret_id"],
              "SMS_SECRET_KEY": values["sms_secret_key"], "SMS_SIGN_NAME": values["sms_sign_name"]}
    if provider == "tencent":
        needed["SMS_APP_ID"] = values["sms_app_id"]
    missing = [name for name, value in needed.items() if not value]
    if missing:
        raise SettingsError(f"SMS_PROVIDER is {provider}, so these are needed too: {', '.join(missing)}")
