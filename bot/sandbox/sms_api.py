"""Fake Tencent Cloud SMS and Alibaba Cloud SMS APIs on the sandbox's `/`, where the real SDKs POST when
SMS_ENDPOINT points at the sandbox: a request with X-TC-Action is Tencent's, one with x-acs-action Alibaba's.

Each request is verified as the provider does, with the sandbox's SMS_SECRET_ID/SMS_SECRET_KEY: Tencent API 3.0's
TC3-HMAC-SHA256 (Authorization over content-type;host and the body's hash, X-TC-Timestamp within 5 minutes),
Alibaba's ACS3-HMAC-SHA256, which alibabacloud-tea-openapi 0.4 signs by default (Authorization over every header
it lists, the query and x-acs-content-sha256; x-acs-date within 15 minutes; a nonce used once). Answers have the
providers' documented shapes and codes: Tencent answers HTTP 200 with Response.Error, or per number in
SendStatusSet; Alibaba answers gateway errors with 4xx and business ones with HTTP 200 and Code. What the SMS
model refuses and when receipts come is bot/sandbox/sms.py's.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import uuid
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request

from bot.sms.numbers import national, normalise, segments
from bot.sms.templates import TemplateError, render, template
from config.settings import SANDBOX_SMS_APP_ID

from .gate import sandbox_state
from .sms import SmsState, beijing, loads, provider_id, sms_state

bp = Blueprint("sandbox_sms_api", __name__)

TENCENT_VERSION, ALIYUN_VERSION = "2021-01-11", "2017-05-25"
TENCENT_REGIONS = ("ap-guangzhou", "ap-beijing", "ap-nanjing")
TENCENT_SKEW, ALIYUN_SKEW = 300, 900
PULL_MAX = 100
_TC3 = re.compile(r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, "
                  r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})")
_ACS3 = re.compile(r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})")


class Refused(Exception):
    """A request the fake provider refuses: its code, message and (Alibaba) HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(code)
        self.code, self.message, self.status = code, message, status


@bp.post("/")
def provider_api() -> Response | tuple[Response, int]:
    """Both providers' API endpoint: Tencent by X-TC-Action, Alibaba by x-acs-action."""
    if request.headers.get("X-TC-Action"):
        return tencent()
    if request.headers.get("x-acs-action"):
        return aliyun()
    return jsonify({"error": "the sandbox's / answers SMS API calls (X-TC-Action or x-acs-action)"}), 400


def _log(provider: str, action: str, code: str) -> None:
    sandbox_state().log_call({"path": f"sms/{provider}/{action}", "method": "POST", "errcode": code})


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


# -- Tencent -------------------------------------------------------------------------------------------
def tencent() -> Response:
    """Verify a Tencent API 3.0 request and answer it."""
    action = request.headers.get("X-TC-Action", "")
    request_id = str(uuid.uuid4())
    try:
        _tencent_verify(sms_state())
        body = loads(request.get_data())
        if not isinstance(body, dict):
            raise Refused("FailedOperation.JsonParseFail", "the body is not a JSON object")
        handler = TENCENT_ACTIONS.get(action)
        if handler is None:
            raise Refused("InvalidAction", f"no action {action!r} in sms {TENCENT_VERSION}")
        result = handler(sms_state(), body)
    except Refused as refused:
        _log("tencent", action, refused.code)
        return jsonify({"Response": {"Error": {"Code": refused.code, "Message": refused.message},
                                     "RequestId": request_id}})
    _log("tencent", action, "Ok")
    return jsonify({"Response": {**result, "RequestId": request_id}})


def _tencent_verify(state: SmsState) -> None:
    match = _TC3.fullmatch(request.headers.get("Authorization", ""))
    if match is None:
        raise Refused("AuthFailure.InvalidAuthorization", "Authorization is not TC3-HMAC-SHA256 as documented")
    secret_id, date, service, signed, signature = match.groups()
    settings = state.settings
    if not settings.sms_secret_id or not hmac.compare_digest(secret_id, settings.sms_secret_id):
        raise Refused("AuthFailure.SecretIdNotFound", "the SecretId is not found")
    try:
        stamp = int(request.headers.get("X-TC-Timestamp", ""))
    except ValueError:
        raise Refused("InvalidParameter", "X-TC-Timestamp must be a UNIX time") from None
    if abs(sandbox_state().clock() - stamp) > TENCENT_SKEW:
        raise Refused("AuthFailure.SignatureExpire", "the signature expired: the timestamp is more than 5 minutes "
                      "from the server's time")
    if date != dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%d") or service != "sms":
        raise Refused("AuthFailure.SignatureFailure", "the credential scope does not match the timestamp")
    if request.headers.get("X-TC-Version") != TENCENT_VERSION:
        raise Refused("NoSuchVersion", f"sms answers version {TENCENT_VERSION}")
    if request.headers.get("X-TC-Region") not in TENCENT_REGIONS:
        raise Refused("UnsupportedRegion", f"sms is in {', '.join(TENCENT_REGIONS)}")
    names = signed.split(";")
    if not {"content-type", "host"} <= set(names):
        raise Refused("AuthFailure.SignatureFailure", "SignedHeaders must include content-type and host")
    headers = "".join(f"{name}:{request.headers.get(name, '').strip().lower()}\n" for name in names)
    body = request.get_data()
    if request.headers.get("X-TC-Content-SHA256") == "UNSIGNED-PAYLOAD":
        body = b"UNSIGNED-PAYLOAD"
    canonical = "\n".join(["POST", request.path, request.query_string.decode(), headers, signed,
                           hashlib.sha256(body).hexdigest()])
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac(_hmac(_hmac(("TC3" + settings.sms_secret_key).encode(), date), service), "tc3_request")
    if not hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), signature):
        raise Refused("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please "
                      "check your signature is correct.")


def _app(state: SmsState, body: dict) -> None:
    if str(body.get("SmsSdkAppId", "")) not in (state.settings.sms_app_id or SANDBOX_SMS_APP_ID, SANDBOX_SMS_APP_ID):
        raise Refused("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId does not belong to this key")


def tencent_send(state: SmsState, body: dict) -> dict:
    """SendSms: one SendStatus per number, each accepted or refused on its own."""
    _app(state, body)
    numbers, values = body.get("PhoneNumberSet"), body.get("TemplateParamSet") or []
    if not isinstance(numbers, list) or not numbers or len(numbers) > 200:
        raise Refused("MissingParameter.EmptyPhoneNumberSet", "PhoneNumberSet holds 1–200 numbers")
    sign, template_id = str(body.get("SignName", "")), str(body.get("TemplateId", ""))
    reference = str(body.get("SessionContext", ""))
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise Refused("InvalidParameterValue.TemplateParameterFormatError", "TemplateParamSet holds strings")
    statuses = []
    for raw in numbers:
        number = normalise(str(raw))
        code, message, entry = _tencent_check(state, number, sign, template_id, values)
        serial = f"2433:{provider_id(28)}" if code == "Ok" else ""
        entry = state.record("tencent", number or str(raw), accepted=code == "Ok", code=code, message=message,
                             reference=reference, sign_name=sign, provider_id=serial, **entry)
        country, rest = national(number) if number else ("", "")
        statuses.append({"SerialNo": entry["provider_id"], "PhoneNumber": number or str(raw),
                         "Fee": entry.get("segments", 0) if code == "Ok" else 0, "SessionContext": reference,
                         "Code": code, "Message": message, "IsoCode": "CN" if country == "86" else ""})
    state.answer_late([s["PhoneNumber"] for s in statuses])  # taken already: a slow answer changes nothing
    return {"SendStatusSet": statuses}


def _tencent_check(state: SmsState, number: str | None, sign: str, template_id: str,
                   values: list[str]) -> tuple[str, str, dict]:
    kind = state.approved.get(template_id)
    entry: dict[str, Any] = {"template_id": template_id, "kind": kind or "", "params": list(values)}
    if sign != state.settings.sms_sign_name:
        return "FailedOperation.SignatureIncorrectOrUnapproved", "signature is not approved or format error", entry
    if kind is None:
        return ("FailedOperation.TemplateIncorrectOrUnapproved",
                "template is not approved or request content does not match the approved template content", entry)
    names = template(kind).variables
    if len(values) != len(names):
        return ("FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                "the TemplateParamSet does not match the approved template", entry)
    entry.update(_rendered(state, kind, dict(zip(names, values, strict=True))))  # shown even when refused
    if any(re.search(r"https?://|www\.", value) for value in values):
        return "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter", "no URL in a variable", entry
    if number is None:
        return "InvalidParameterValue.IncorrectPhoneNumber", "incorrect phone number", entry
    if number.endswith("0000"):
        return "FailedOperation.PhoneNumberInBlacklist", "phone number in blacklist", entry
    if state.limited(number):
        return ("LimitExceeded.PhoneNumberOneHourLimit", "the number of SMS messages sent from a single mobile "
                "number within 1 hour exceeds the upper limit", entry)
    return "Ok", "send success", entry


def _rendered(state: SmsState, kind: str, params: dict[str, str]) -> dict:
    try:
        text = render(kind, params, state.settings)
    except TemplateError as exc:
        text = f"（无法生成：{exc}）"
    return {"params": params, "text": text, "segments": segments(text)}


def _pull(body: dict) -> int:
    limit = body.get("Limit")
    if not isinstance(limit, int) or not 1 <= limit <= PULL_MAX:
        raise Refused("InvalidParameterValue.LimitVerifyFail", f"Limit must be 1–{PULL_MAX}")
    return limit


def _tencent_receipt(entry: dict) -> dict:
    country, rest = national(entry["to"])
    delivered = not entry["receipt_code"]
    return {"UserReceiveTime": int(entry["receipt_at"]), "CountryCode": country, "SubscriberNumber": rest,
            "PhoneNumber": entry["to"], "SerialNo": entry["provider_id"], "ReportStatus": "SUCCESS" if delivered
            else "FAIL", "Description": "DELIVRD" if delivered else entry["receipt_code"],
            "SessionContext": entry["reference"]}


def tencent_receipts(state: SmsState, body: dict) -> dict:
    """PullSmsSendStatus: receipts due and never pulled."""
    _app(state, body)
    return {"PullSmsSendStatusSet": [_tencent_receipt(entry) for entry in state.due_receipts("tencent", _pull(body))]}


def tencent_number_receipts(state: SmsState, body: dict) -> dict:
    """PullSmsSendStatusByPhoneNumber: one number's receipts for the SMS sent between BeginTime and EndTime (at most
    7 days back), pulled or not (a query: the pull queue is left as it is); an SMS still waiting for its carrier's
    report is not listed."""
    _app(state, body)
    limit, number = _pull(body), normalise(str(body.get("PhoneNumber", "")))
    begin, end, offset = body.get("BeginTime"), body.get("EndTime"), body.get("Offset")
    if number is None:
        raise Refused("InvalidParameterValue.IncorrectPhoneNumber", "incorrect phone number")
    if not all(isinstance(v, int) for v in (begin, offset)) or not isinstance(end, int | None):
        raise Refused("InvalidParameter", "BeginTime, EndTime (UNIX seconds) and Offset are integers")
    if begin < state.clock() - 7 * 86400:
        raise Refused("InvalidParameterValue.BeginTimeVerifyFail", "BeginTime reaches back at most 7 days")
    with state.lock:
        found = [m for m in state.messages.get(number, []) if m["provider"] == "tencent" and m["accepted"]
                 and begin <= m["sent_at"] <= (end or state.clock()) and state.status(m) != "pending"]
    return {"PullSmsSendStatusSet": [_tencent_receipt(entry) for entry in found[offset:offset + limit]]}


def tencent_replies(state: SmsState, body: dict) -> dict:
    """PullSmsReplyStatus: replies never pulled."""
    _app(state, body)
    found = []
    for reply in state.due_replies(_pull(body)):
        country, rest = national(reply["from"])
        found.append({"ExtendCode": "", "CountryCode": country, "PhoneNumber": reply["from"],
                      "SubscriberNumber": rest, "SignName": state.settings.sms_sign_name,
                      "ReplyContent": reply["text"], "ReplyTime": int(reply["at"])})
    return {"PullSmsReplyStatusSet": found}


TENCENT_ACTIONS = {"SendSms": tencent_send, "PullSmsSendStatus": tencent_receipts,
                   "PullSmsSendStatusByPhoneNumber": tencent_number_receipts, "PullSmsReplyStatus": tencent_replies}


# -- Alibaba -------------------------------------------------------------------------------------------
def aliyun() -> Response | tuple[Response, int]:
    """Verify an Alibaba ACS3 request and answer it."""
    action = request.headers.get("x-acs-action", "")
    request_id = str(uuid.uuid4()).upper()
    try:
        _aliyun_verify(sms_state())
        handler = ALIYUN_ACTIONS.get(action)
        if handler is None:
            raise Refused("InvalidAction.NotFound", f"no action {action!r} in Dysmsapi {ALIYUN_VERSION}", 404)
        params = {**request.form.to_dict(), **request.args.to_dict()}
        result = handler(sms_state(), params)
    except Refused as refused:
        _log("aliyun", action, refused.code)
        return jsonify({"RequestId": request_id, "HostId": "dysmsapi.aliyuncs.com", "Code": refused.code,
                        "Message": refused.message,
                        "Recommend": f"https://api.aliyun.com/troubleshoot?q={refused.code}&product=Dysmsapi"}
                       ), refused.status
    _log("aliyun", action, result.get("Code", ""))
    return jsonify({"RequestId": request_id, **result})


def _canonical_query(args: dict[str, str]) -> str:
    return "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(args.items()))


def _aliyun_verify(state: SmsState) -> None:
    match = _ACS3.fullmatch(request.headers.get("Authorization", ""))
    if match is None:
        raise Refused("IncompleteSignature", "the request signature does not conform to Aliyun standards")
    access_key, signed, signature = match.groups()
    settings = state.settings
    if not settings.sms_secret_id or not hmac.compare_digest(access_key, settings.sms_secret_id):
        raise Refused("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
    names = signed.split(";")
    needed = {"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"}
    if not needed <= set(names):
        raise Refused("IncompleteSignature", "SignedHeaders must include host and every x-acs- header")
    try:
        when = dt.datetime.strptime(request.headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise Refused("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.") from None
    stamp = when.replace(tzinfo=dt.UTC).timestamp()
    now = sandbox_state().clock()
    if abs(now - stamp) > ALIYUN_SKEW:
        raise Refused("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
    if request.headers.get("x-acs-version") != ALIYUN_VERSION:
        raise Refused("InvalidVersion", f"Dysmsapi answers version {ALIYUN_VERSION}")
    body = request.get_data()
    hashed = request.headers.get("x-acs-content-sha256", "")
    if not hmac.compare_digest(hashed, hashlib.sha256(body).hexdigest()):
        raise Refused("SignatureDoesNotMatch", "x-acs-content-sha256 is not the body's SHA-256")
    headers = "".join(f"{name}:{request.headers.get(name, '').strip()}\n" for name in names)
    canonical = "\n".join([request.method, request.path, _canonical_query(request.args.to_dict()), headers, signed,
                           hashed])
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    expected = hmac.new(settings.sms_secret_key.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Refused("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
    nonce = request.headers.get("x-acs-signature-nonce", "")
    with state.lock:
        state.nonces = {n: t for n, t in state.nonces.items() if t > now - ALIYUN_SKEW}
        if nonce in state.nonces:
            raise Refused("SignatureNonceUsed", "Specified signature nonce was used already.")
        state.nonces[nonce] = now


def _aliyun_number(raw: str) -> str | None:
    digits = raw.strip().lstrip("+")
    if digits.startswith("0086"):
        digits = digits[4:]
    return normalise(digits) if len(digits) == 11 else normalise("+" + digits)


def aliyun_send(state: SmsState, params: dict[str, str]) -> dict:
    """SendSms to one number (the sandbox takes one: the product sends one at a time)."""
    raw, sign = params.get("PhoneNumbers", ""), params.get("SignName", "")
    template_id, reference = params.get("TemplateCode", ""), params.get("OutId", "")
    number = _aliyun_number(raw)
    kind = state.approved.get(template_id)
    values = loads(params.get("TemplateParam", "").encode())
    code, message = "OK", "OK"
    if sign != state.settings.sms_sign_name:
        code, message = "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名"
    elif kind is None:
        code, message = "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"
    elif not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        code, message = "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值"
    elif set(values) != set(template(kind).variables):
        code, message = "isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值"
    elif any(len(v) > 35 for v in values.values()):
        code, message = "isv.PARAM_LENGTH_LIMIT", "参数超出长度限制"
    elif number is None:
        code, message = "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"
    elif state.limited(number):
        code, message = "isv.BUSINESS_LIMIT_CONTROL", f"触发小时级流控Permits:{state.per_hour}"
    entry: dict[str, Any] = {"template_id": template_id, "kind": kind or "", "params": values, "sign_name": sign,
                             "reference": reference, "code": code, "message": message}
    if kind and isinstance(values, dict) and set(values) == set(template(kind).variables):
        entry.update(_rendered(state, kind, values))  # shown even when refused
    biz_id = f"{provider_id(18)}^0" if code == "OK" else ""
    state.record("aliyun", number or raw, accepted=code == "OK", provider_id=biz_id, **entry)
    state.answer_late([number or raw])
    if code != "OK":
        return {"Code": code, "Message": message}
    return {"Code": "OK", "Message": "OK", "BizId": biz_id}


def aliyun_details(state: SmsState, params: dict[str, str]) -> dict:
    """QuerySendDetails: one number's SMS on one day (SendStatus 1 waiting, 2 failed, 3 delivered)."""
    number = _aliyun_number(params.get("PhoneNumber", ""))
    day = params.get("SendDate", "")
    try:
        size, page = int(params.get("PageSize", "")), int(params.get("CurrentPage", ""))
    except ValueError:
        raise Refused("isv.INVALID_PARAMETERS", "PageSize and CurrentPage are required") from None
    if number is None or not re.fullmatch(r"\d{8}", day) or not 1 <= size <= 50 or page < 1:
        raise Refused("isv.INVALID_PARAMETERS", "PhoneNumber, SendDate (yyyyMMdd), PageSize 1–50, CurrentPage ≥ 1")
    found = state.find(number, day, params.get("BizId", ""))
    rows = []
    for entry in found[(page - 1) * size:page * size]:
        status = state.status(entry)
        rows.append({"PhoneNum": national(number)[1], "SendStatus": {"pending": 1, "failed": 2}.get(status, 3),
                     "ErrCode": "" if status == "pending" else entry["receipt_code"] or "DELIVERED",
                     "TemplateCode": entry["template_id"], "Content": entry.get("text", ""),
                     "SendDate": beijing(entry["sent_at"]), "OutId": entry["reference"],
                     "ReceiveDate": "" if status == "pending" else beijing(entry["receipt_at"])})
    return {"Code": "OK", "Message": "OK", "TotalCount": len(found), "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows}}


ALIYUN_ACTIONS = {"SendSms": aliyun_send, "QuerySendDetails": aliyun_details}
