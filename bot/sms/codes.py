"""What an SMS provider's answer means for the sender: the outcome of a send, a delivery receipt, a reply.

Each provider's error codes are mapped to one of: sent, retry (later, maybe after a delay), opted_out (the number
refuses our SMS), invalid (no SMS can reach the number), setup (an administrator must fix something: the detail
says what), failed (this message cannot be sent). Codes verified against the SDKs' own lists
(tencentcloud/sms/v20210111/errorcodes.py of tencentcloud-sdk-python-sms 3.1) and the providers' documents:
Tencent "短信 API 3.0 错误码" (cloud.tencent.com/document/api/382/59177) and "公共错误码" (382/52075); Alibaba
"国内消息API错误码" (help.aliyun.com/document_detail/101346) and the OpenAPI gateway's common client errors.
A code in neither table is `failed` with the provider's words.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.clock import CN_TZ

OUTCOMES = ("sent", "retry", "opted_out", "invalid", "setup", "failed")
NETWORK = "network"  # our code for an endpoint that could not be reached or answered 5xx
RETRY_SOON = 60.0


@dataclass(frozen=True)
class SmsOutcome:
    """How one send ended. code is the provider's (or `network`, `limit` for our own daily limit, `params`,
    `disabled`); detail is for people, with the fix when outcome is `setup`."""

    outcome: str
    code: str
    detail: str
    provider_id: str = ""  # Tencent SerialNo, Alibaba BizId
    retry_after: float | None = None  # seconds, when outcome is `retry` and the wait is known
    segments: int = 1


@dataclass(frozen=True)
class Receipt:
    """A delivery report: delivered or not, the carrier's code, when (naive UTC), our reference when it came back.
    opted_out: the carrier refused because the number is on a blacklist (it unsubscribed or complained)."""

    provider_id: str
    number: str
    delivered: bool
    code: str
    detail: str
    at: dt.datetime | None
    reference: str = ""
    opted_out: bool = False


@dataclass(frozen=True)
class Reply:
    """An SMS a candidate sent back (上行): from whom, what, when (naive UTC). Providers do not tie a reply to the
    message it answers, so reference is mostly empty."""

    number: str
    text: str
    at: dt.datetime | None
    reference: str = ""


def _until_midnight(now: dt.datetime | None = None) -> float:
    """Seconds until the next 00:00 Beijing time (Tencent's daily limits count natural days)."""
    now = now or dt.datetime.now(CN_TZ)
    tomorrow = (now.astimezone(CN_TZ) + dt.timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
    return (tomorrow - now).total_seconds()


_DAY = "midnight"
# code → (outcome, retry_after seconds or _DAY or None, what it means / what to do)
TENCENT: dict[str, tuple[str, float | str | None, str]] = {
    "Ok": ("sent", None, "accepted"),
    "LimitExceeded.PhoneNumberThirtySecondLimit": ("retry", 30.0, "Tencent: this number's 30-second limit"),
    "LimitExceeded.PhoneNumberOneHourLimit": ("retry", 3600.0, "Tencent: this number's hourly limit"),
    "LimitExceeded.PhoneNumberDailyLimit": ("retry", _DAY, "Tencent: this number's daily limit"),
    "LimitExceeded.PhoneNumberSameContentDailyLimit": ("retry", _DAY, "Tencent: same text to this number today"),
    "LimitExceeded.DeliveryFrequencyLimit": ("retry", 3600.0, "Tencent: the console's frequency policy"),
    "LimitExceeded.AppDailyLimit": ("retry", _DAY, "Tencent: the application's daily total (console)"),
    "LimitExceeded.AppMainlandChinaDailyLimit": ("retry", _DAY, "Tencent: the mainland daily total (console)"),
    "LimitExceeded.DailyLimit": ("retry", _DAY, "Tencent: the daily total (console)"),
    "LimitExceeded": ("retry", _DAY, "Tencent: a sending limit set in the console"),
    "LimitExceeded.AppCountryOrRegionInBlacklist": (
        "setup", None, "the console forbids SMS to this country or region (应用管理 > 基础配置)"),
    "RequestLimitExceeded": ("retry", 1.0, "Tencent: API call rate"),
    "InternalError.Timeout": ("retry", RETRY_SOON, "Tencent: timed out"),
    "InternalError.SendAndRecvFail": ("retry", RETRY_SOON, "Tencent: timed out"),
    "InternalError": ("retry", RETRY_SOON, "Tencent: internal error"),
    "FailedOperation.PhoneNumberInBlacklist": (
        "opted_out", None, "the number is on Tencent's do-not-disturb list (it unsubscribed or complained)"),
    "InvalidParameterValue.IncorrectPhoneNumber": ("invalid", None, "not a valid phone number"),
    "FailedOperation.PhoneNumberParseFail": ("invalid", None, "not a valid phone number"),
    "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone": (
        "invalid", None, "a number outside mainland China: the mainland templates cannot reach it"),
    "UnsupportedOperation.UnsupportedRegion": ("invalid", None, "Tencent sends no SMS to this region"),
    "FailedOperation.TemplateIncorrectOrUnapproved": (
        "setup", None, "the template is not approved or the text does not match it: check SMS_TEMPLATES against "
        "the console's approved templates (docs/sms.md has the texts)"),
    "FailedOperation.TemplateUnapprovedOrNotExist": (
        "setup", None, "no approved template with this id: fix SMS_TEMPLATES or wait for the review"),
    "FailedOperation.TemplateIdNotExist": ("setup", None, "no template with this id: fix SMS_TEMPLATES"),
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": (
        "setup", None, "the approved template has other variables than the product sends: request the text in "
        "docs/sms.md"),
    "FailedOperation.SignatureIncorrectOrUnapproved": (
        "setup", None, "the signature is not approved: set SMS_SIGN_NAME to an approved one, exactly as approved"),
    "FailedOperation.MissingSignature": ("setup", None, "no approved signature: request one (docs/sms.md)"),
    "InvalidCredential": ("setup", None, "SMS_SECRET_ID or SMS_SECRET_KEY is empty or holds spaces"),
    "AuthFailure.SignatureFailure": ("setup", None, "Tencent refused the request's signature: check SMS_SECRET_KEY"),
    "AuthFailure.SecretIdNotFound": ("setup", None, "Tencent does not know SMS_SECRET_ID (deleted or mistyped)"),
    "AuthFailure.InvalidSecretId": ("setup", None, "SMS_SECRET_ID is not a cloud API key"),
    "AuthFailure.InvalidAuthorization": ("setup", None, "Tencent refused the Authorization header"),
    "AuthFailure.UnauthorizedOperation": ("setup", None, "the key may not send SMS: grant QcloudSMSFullAccess"),
    "AuthFailure.SignatureExpire": (
        "setup", None, "this machine's clock is more than 5 minutes off: synchronise it (NTP)"),
    "InternalError.RequestTimeException": ("setup", None, "this machine's clock is off: synchronise it (NTP)"),
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": (
        "setup", None, "SMS_APP_ID does not belong to the account of SMS_SECRET_ID"),
    "InvalidParameterValue.SdkAppIdNotExist": ("setup", None, "no SMS application SMS_APP_ID: check the console"),
    "UnauthorizedOperation.SdkAppIdIsDisabled": ("setup", None, "the SMS application is disabled"),
    "UnauthorizedOperation.RequestIpNotInWhitelist": ("setup", None, "this server's IP is not in the whitelist"),
    "UnauthorizedOperation.RequestPermissionDeny": ("setup", None, "the account may not send: ask Tencent"),
    "UnauthorizedOperation.ServiceSuspendDueToArrears": ("setup", None, "the account is in arrears: top it up"),
    "FailedOperation.InsufficientBalanceInSmsPackage": ("setup", None, "the SMS package is used up: buy more"),
    "AuthFailure": ("setup", None, "Tencent refused the key: check SMS_SECRET_ID and SMS_SECRET_KEY"),
    "UnauthorizedOperation": ("setup", None, "the account or key may not do this: check the console"),
}
ALIYUN: dict[str, tuple[str, float | str | None, str]] = {
    "OK": ("sent", None, "accepted"),
    "isv.BUSINESS_LIMIT_CONTROL": ("retry", 3600.0, "Alibaba: flow control for this number"),
    "isv.DAY_LIMIT_CONTROL": ("retry", _DAY, "Alibaba: the account's daily total (console)"),
    "Throttling.User": ("retry", 1.0, "Alibaba: API call rate"),
    "Throttling.Api": ("retry", 1.0, "Alibaba: API call rate"),
    "Throttling": ("retry", 1.0, "Alibaba: API call rate"),
    "SignatureNonceUsed": ("retry", 1.0, "Alibaba: repeated nonce"),
    "isp.SYSTEM_ERROR": ("retry", RETRY_SOON, "Alibaba: system error"),
    "InternalError": ("retry", RETRY_SOON, "Alibaba: internal error"),
    "ServiceUnavailable": ("retry", RETRY_SOON, "Alibaba: service unavailable"),
    "isv.MOBILE_NUMBER_ILLEGAL": ("invalid", None, "not a valid phone number"),
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED": ("invalid", None, "an international template cannot reach this number"),
    "isv.SMS_TEMPLATE_ILLEGAL": (
        "setup", None, "no approved template with this code, or the variables differ: check SMS_TEMPLATES against "
        "the console's approved templates (docs/sms.md has the texts)"),
    "isv.TEMPLATE_MISSING_PARAMETERS": (
        "setup", None, "the approved template has other variables than the product sends: request the text in "
        "docs/sms.md"),
    "isv.SMS_SIGNATURE_ILLEGAL": (
        "setup", None, "the signature is not approved: set SMS_SIGN_NAME to an approved one, exactly as approved"),
    "isv.SMS_SIGN_ILLEGAL": ("setup", None, "the signature may not be used: request another"),
    "isv.SIGN_STATE_ILLEGAL": ("setup", None, "the signature is unavailable: see its state in the console"),
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": ("setup", None, "a verification-code signature cannot send notices"),
    "SignatureDoesNotMatch": ("setup", None, "Alibaba refused the request's signature: check SMS_SECRET_KEY"),
    "IncompleteSignature": ("setup", None, "Alibaba refused the request's signature: check SMS_SECRET_KEY"),
    "InvalidAccessKeyId.NotFound": ("setup", None, "Alibaba does not know SMS_SECRET_ID (the AccessKey ID)"),
    "InvalidAccessKeyId.Inactive": ("setup", None, "the AccessKey is disabled"),
    "InvalidTimeStamp.Expired": (
        "setup", None, "this machine's clock is more than 15 minutes off: synchronise it (NTP)"),
    "isp.RAM_PERMISSION_DENY": ("setup", None, "the RAM user may not send SMS: grant AliyunDysmsFullAccess"),
    "Forbidden.RAM": ("setup", None, "the RAM user may not send SMS: grant AliyunDysmsFullAccess"),
    "isv.ACCOUNT_NOT_EXISTS": ("setup", None, "no such account: check SMS_SECRET_ID"),
    "isv.ACCOUNT_ABNORMAL": ("setup", None, "the account is abnormal: ask Alibaba"),
    "isv.PRODUCT_UN_SUBSCRIPT": ("setup", None, "the account has not opened the SMS service"),
    "isv.PRODUCT_UNSUBSCRIBE": ("setup", None, "the account has not opened the SMS service"),
    "isv.OUT_OF_SERVICE": ("setup", None, "the account's balance is used up: top it up"),
    "isv.AMOUNT_NOT_ENOUGH": ("setup", None, "the account's balance is used up: top it up"),
    "isv.MONTH_LIMIT_CONTROL": ("setup", None, "the account's monthly total is reached: raise it in the console"),
    "InvalidAccessKeyId": ("setup", None, "Alibaba refused the AccessKey: check SMS_SECRET_ID"),
    "Forbidden": ("setup", None, "the RAM user may not do this: grant AliyunDysmsFullAccess"),
}
TABLES = {"tencent": TENCENT, "aliyun": ALIYUN}
_ALIYUN_WINDOWS = (("分钟级", 60.0), ("小时级", 3600.0), ("天级", 86400.0))  # 触发分钟级流控Permits:1


def classify(provider: str, code: str, message: str = "", *, segments: int = 1, provider_id: str = "") -> SmsOutcome:
    """The outcome of a provider's answer code (and its message, for Alibaba's flow-control window)."""
    table = TABLES[provider]
    outcome, wait, meaning = table.get(code) or table.get(code.split(".")[0]) or ("failed", None, "")
    if provider == "tencent" and code.startswith("RequestLimitExceeded"):
        outcome, wait, meaning = table["RequestLimitExceeded"]
    if code == "isv.BUSINESS_LIMIT_CONTROL":
        wait = next((seconds for word, seconds in _ALIYUN_WINDOWS if word in message), wait)
    retry_after = _until_midnight() if wait == _DAY else wait
    detail = "; ".join(part for part in (meaning, message.strip()[:300]) if part) or code
    return SmsOutcome(outcome, code, detail, provider_id, retry_after if outcome == "retry" else None, segments)


def network(provider: str, error: str, segments: int = 1) -> SmsOutcome:
    """An endpoint that could not be reached, timed out or answered 5xx: try again later."""
    return SmsOutcome("retry", NETWORK, f"{provider} SMS endpoint unreachable or failing: {error[:300]}", "",
                      RETRY_SOON, segments)


def blacklisted(code: str) -> bool:
    """Whether a receipt's carrier code says the number is on a blacklist (MBBLACK, DBBLACK, W-BLACK, …)."""
    return "BLACK" in code.upper()
