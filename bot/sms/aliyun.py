"""Alibaba Cloud SMS (dysmsapi 2017-05-25) through alibabacloud-dysmsapi20170525: SendSms, QuerySendDetails for
delivery receipts (and to learn whether an SMS whose answer was lost was taken: it lists our OutId), and the SmsUp
HTTP batch push for replies.

The SDK (tea-openapi 0.4) signs with ACS3-HMAC-SHA256 in the Authorization header and POSTs to SMS_ENDPOINT's
`/`. The AccessKey is given explicitly, so the credentials chain never looks at the environment, files or the
ECS metadata service; the SDK retries nothing (no retry options) and opens no connection until a call.

Alibaba has no API to pull replies: they come by "message receipt" subscription, either an MNS queue or an HTTP
batch push (SmsUp: a JSON array POSTed to a URL set in the console). `accept_replies` takes such a push body and
keeps the replies in Redis until `pull_replies` hands them out, so both providers are read the same way.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from alibabacloud_dysmsapi20170525 import models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import utils_models
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException

from bot.clock import CN_TZ
from bot.store.kv import get_redis
from config.settings import Settings

from . import codes
from .codes import Receipt, Reply, SmsOutcome
from .numbers import national

TIMEOUT_MS = 10_000
REPLIES_KEY = "sms:aliyun:replies"  # replies pushed by Alibaba, waiting for pull_replies
REPLIES_KEPT = 10_000
WAITING, FAILED, DELIVERED = 1, 2, 3  # QuerySendDetails' SendStatus
PAGE = 50  # QuerySendDetails' largest page
OUT = "out:"  # our id for an SMS found by its OutId (QuerySendDetails does not list the BizId): out:<digest>


class PullError(Exception):
    """A query the provider refused or could not answer (the message names the code)."""


def client(settings: Settings) -> Client:
    """A dysmsapi client on SMS_ENDPOINT with the configured AccessKey (no network until a call)."""
    endpoint = urlsplit(settings.sms_endpoint)
    config = utils_models.Config(
        access_key_id=settings.sms_secret_id, access_key_secret=settings.sms_secret_key,
        endpoint=endpoint.netloc, protocol=endpoint.scheme, connect_timeout=TIMEOUT_MS, read_timeout=TIMEOUT_MS)
    return Client(config)


def provider_number(number: str) -> str:
    """E.164 as Alibaba wants it: a mainland number as its 11 digits, others as country code + number."""
    country, rest = national(number)
    return rest if country == "86" else country + rest


def _failure(exc: Exception, segments: int) -> SmsOutcome:
    status = getattr(exc, "status_code", None) or 0
    code = str(getattr(exc, "code", "") or "")
    if not isinstance(exc, AlibabaCloudException) or status >= 500 or not code or code == "None":
        return codes.network("aliyun", f"{type(exc).__name__}: {exc}", segments)
    return codes.classify("aliyun", code, str(getattr(exc, "message", "") or ""), segments=segments)


def send(settings: Settings, number: str, template: str, params: dict[str, str], reference: str,
         segments: int) -> SmsOutcome:
    """Send one SMS; the provider's answer as an SmsOutcome (never raises for what the provider or network does)."""
    request = models.SendSmsRequest(
        phone_numbers=provider_number(number), sign_name=settings.sms_sign_name, template_code=template,
        template_param=json.dumps(params, ensure_ascii=False), out_id=reference)
    try:
        body = client(settings).send_sms(request).body
    except Exception as exc:  # the SDK raises its own, requests' and tea's errors alike: sort them by what they say
        return _failure(exc, segments)
    if body is None or not body.code:
        return codes.network("aliyun", "the answer has no Code", segments)
    return codes.classify("aliyun", body.code, body.message or "", segments=segments, provider_id=body.biz_id or "")


def _utc(text: str | None) -> dt.datetime | None:
    """Alibaba's `2024-01-05 10:00:03` (Beijing time) as naive UTC."""
    try:
        local = dt.datetime.strptime(text or "", "%Y-%m-%d %H:%M:%S").replace(tzinfo=CN_TZ)
    except ValueError:
        return None
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _details(settings: Settings, number: str, day: str, biz_id: str = "") -> list:
    """QuerySendDetails: the SMS to number on day (yyyymmdd, Beijing time), one of them by biz_id. Raises
    PullError."""
    request = models.QuerySendDetailsRequest(phone_number=provider_number(number), biz_id=biz_id or None,
                                             send_date=day, page_size=PAGE, current_page=1)
    try:
        body = client(settings).query_send_details(request).body
    except Exception as exc:  # as in send(): whatever the SDK raises is one failed query
        raise PullError(f"{getattr(exc, 'code', type(exc).__name__)}: {getattr(exc, 'message', exc)}") from None
    if body is None or body.code != "OK":
        raise PullError(f"{getattr(body, 'code', '')}: {getattr(body, 'message', '')}")
    return list(body.sms_send_detail_dtos.sms_send_detail_dto or []) if body.sms_send_detail_dtos else []


def out_id(reference: str) -> str:
    """Our id for the SMS whose OutId is reference (short enough for the outbox's provider-id column)."""
    return OUT + hashlib.sha256(reference.encode()).hexdigest()[:32]


def _day(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=dt.UTC).astimezone(CN_TZ).strftime("%Y%m%d")


def sent_with(settings: Settings, number: str, reference: str, since: float) -> str | None:
    """out_id(reference) when Alibaba lists an SMS to number with OutId reference, sent since (UNIX seconds): it
    lists an SMS as soon as it took it. None when none is listed. Raises PullError."""
    days = {_day(dt.datetime.fromtimestamp(moment, dt.UTC).replace(tzinfo=None)) for moment in (since, time.time())}
    found = [d for day in sorted(days) for d in _details(settings, number, day)]
    return out_id(reference) if any(d.out_id == reference for d in found) else None


def receipt(settings: Settings, number: str, provider_id: str, sent_at: dt.datetime) -> Receipt | None:
    """The receipt of one SMS (sent_at naive UTC, to name the day Alibaba files it under; provider_id its BizId or
    our out_id), or None while the carrier has not answered. Raises PullError."""
    if provider_id.startswith(OUT):
        details = [d for d in _details(settings, number, _day(sent_at)) if out_id(d.out_id or "") == provider_id]
    else:
        details = _details(settings, number, _day(sent_at), provider_id)
    found = next(iter(details), None)
    if found is None or found.send_status not in (FAILED, DELIVERED):
        return None
    code = found.err_code or ""
    return Receipt(provider_id=provider_id, number=number, delivered=found.send_status == DELIVERED, code=code,
                   detail=code, at=_utc(found.receive_date), reference=found.out_id or "",
                   opted_out=codes.blacklisted(code))


def accept_replies(settings: Settings, body: bytes | str) -> int:
    """Keep the replies of an SmsUp push (Alibaba's JSON array) for pull_replies; return how many. Raises
    ValueError for a body that is not such an array (answer the push with an error so Alibaba pushes again)."""
    items = json.loads(body)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValueError("an SmsUp push is a JSON array of objects")
    replies = [_reply(item) for item in items]
    if replies:
        redis = get_redis(settings)
        redis.rpush(REPLIES_KEY, *(json.dumps(reply, ensure_ascii=False) for reply in replies))
        redis.ltrim(REPLIES_KEY, -REPLIES_KEPT, -1)
    return len(replies)


def _reply(item: dict) -> dict[str, str]:
    number, text = str(item.get("phone_number", "")).strip(), str(item.get("content", ""))
    if not number:
        raise ValueError("an SmsUp item without phone_number")
    local = "+86" + number if len(number) == 11 and number.startswith("1") else "+" + number.lstrip("+")
    return {"number": local, "text": text, "at": str(item.get("send_time", ""))}


def pull_replies(settings: Settings) -> list[Reply]:
    """The replies pushed since the last call, oldest first (each handed out once)."""
    redis = get_redis(settings)
    with redis.pipeline() as pipe:  # read and clear in one step: a push landing meanwhile waits for the next call
        pipe.lrange(REPLIES_KEY, 0, -1)
        pipe.delete(REPLIES_KEY)
        raw, _ = pipe.execute()
    return [Reply(number=item["number"], text=item["text"], at=_utc(item["at"]))
            for item in map(json.loads, _texts(raw))]


def _texts(raw: Iterable[bytes | str]) -> list[str]:
    return [item.decode() if isinstance(item, bytes) else item for item in raw]
