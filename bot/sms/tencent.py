"""Tencent Cloud SMS (API 3.0, version 2021-01-11) through tencentcloud-sdk-python-sms: SendSms, the pull APIs
for delivery receipts (PullSmsSendStatus) and replies (PullSmsReplyStatus), and one number's receipts
(PullSmsSendStatusByPhoneNumber) to learn whether an SMS whose answer was lost was taken.

The SDK signs each request with TC3-HMAC-SHA256 and POSTs JSON to SMS_ENDPOINT's `/`; it opens no connection
until a call (the region breaker, which would fall back to another domain, is off). Pulled records come once: the
API is a queue (Tencent: 拉取过的内容不会再重复返回), so the caller must keep what it pulls. Both pull APIs must be
switched on by Tencent's SMS helper for an account.
"""
from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlsplit

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from config.settings import Settings

from . import codes
from .codes import Receipt, Reply, SmsOutcome

TIMEOUT_SECONDS = 10
PULL_LIMIT = 100  # the most one pull returns
SKEW = 300  # seconds either side of a status query's window: the provider's clock and ours may differ a little
# the SDK's own codes for no answer, a non-200 answer, and an answer that is not Tencent's JSON
NETWORK_CODES = ("ClientNetworkError", "ServerNetworkError", "JSONDecodeError", "KeyError", "TypeError", "ValueError")


class PullError(Exception):
    """A pull the provider refused or could not answer (the message names the code)."""


def client(settings: Settings) -> sms_client.SmsClient:
    """An SMS client on SMS_ENDPOINT with the configured key (no network until a call)."""
    endpoint = urlsplit(settings.sms_endpoint)
    http = HttpProfile(protocol=endpoint.scheme, endpoint=endpoint.netloc, reqTimeout=TIMEOUT_SECONDS)
    profile = ClientProfile(httpProfile=http, disable_region_breaker=True)
    key = credential.Credential(settings.sms_secret_id, settings.sms_secret_key)
    return sms_client.SmsClient(key, settings.sms_region, profile)


def _failure(exc: TencentCloudSDKException, segments: int) -> SmsOutcome:
    code = exc.get_code() or ""
    if code in NETWORK_CODES:
        return codes.network("tencent", str(exc.get_message()), segments)
    return codes.classify("tencent", code, str(exc.get_message() or ""), segments=segments)


def send(settings: Settings, number: str, template: str, values: list[str], reference: str,
         segments: int) -> SmsOutcome:
    """Send one SMS; the provider's answer as an SmsOutcome (never raises for what the provider or network does)."""
    request = models.SendSmsRequest()
    request.PhoneNumberSet = [number]
    request.SmsSdkAppId = settings.sms_app_id
    request.SignName = settings.sms_sign_name
    request.TemplateId = template
    request.TemplateParamSet = values
    request.SessionContext = reference
    try:
        response = client(settings).SendSms(request)
    except TencentCloudSDKException as exc:
        return _failure(exc, segments)
    status = (response.SendStatusSet or [None])[0]
    if status is None:
        return codes.network("tencent", "the answer has no SendStatusSet", segments)
    billed = int(status.Fee or 0) or segments
    return codes.classify("tencent", status.Code or "", status.Message or "", segments=billed,
                          provider_id=status.SerialNo or "")


def _utc(seconds: int | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None) if seconds else None


def pull_receipts(settings: Settings) -> list[Receipt]:
    """Delivery receipts not pulled before (up to PULL_LIMIT a call). Raises PullError."""
    found = _pull(settings, "PullSmsSendStatus")
    return [Receipt(provider_id=item.SerialNo or "", number=item.PhoneNumber or "",
                    delivered=item.ReportStatus == "SUCCESS", code=item.Description or item.ReportStatus or "",
                    detail=item.Description or "", at=_utc(item.UserReceiveTime),
                    reference=item.SessionContext or "", opted_out=codes.blacklisted(item.Description or ""))
            for item in found]


def pull_replies(settings: Settings) -> list[Reply]:
    """Replies (上行) not pulled before (up to PULL_LIMIT a call). Raises PullError."""
    found = _pull(settings, "PullSmsReplyStatus")
    return [Reply(number=item.PhoneNumber or "", text=item.ReplyContent or "", at=_utc(item.ReplyTime))
            for item in found]


def sent_with(settings: Settings, number: str, reference: str, since: float) -> str | None:
    """The SerialNo of the SMS to number whose SessionContext is reference, sent since (UNIX seconds), or None when
    none is listed. The query lists an SMS once its carrier's report is in (seconds, at times minutes), so None
    soon after the send proves nothing yet. Raises PullError."""
    request = models.PullSmsSendStatusByPhoneNumberRequest()
    request.SmsSdkAppId, request.PhoneNumber = settings.sms_app_id, number
    request.BeginTime, request.EndTime = int(since) - SKEW, int(time.time()) + SKEW
    request.Offset, request.Limit = 0, PULL_LIMIT
    try:
        found = client(settings).PullSmsSendStatusByPhoneNumber(request).PullSmsSendStatusSet or []
    except TencentCloudSDKException as exc:
        raise PullError(f"{exc.get_code()}: {exc.get_message()}") from None
    return next((item.SerialNo or "" for item in found if item.SessionContext == reference), None)


def _pull(settings: Settings, action: str) -> list:
    """One pull API call (PullSmsSendStatus, PullSmsReplyStatus): the items not pulled before. Raises PullError."""
    request = getattr(models, f"{action}Request")()
    request.SmsSdkAppId, request.Limit = settings.sms_app_id, PULL_LIMIT
    try:
        return getattr(getattr(client(settings), action)(request), f"{action}Set") or []
    except TencentCloudSDKException as exc:
        raise PullError(f"{exc.get_code()}: {exc.get_message()}") from None
