"""Every link the product hands out, and the signed tokens in them: the candidate's invitation (their identity on
the H5 page), their opt-out (退订) link, their page to pick a second-round time, HR's report pages, the recruiter's
bulk-upload page, a run's failed rows, and the OAuth state."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from config.settings import Settings

REPORT_LINK_DAYS = 30
OAUTH_STATE_SECONDS = 600  # between leaving for WeCom's OAuth page and coming back
UPLOAD_LINK_SECONDS = 1800
FAILURES_LINK_DAYS = 30
SLOT_LINK_DAYS = 30  # the 复试通知's link to pick a second-round time


class InvalidLink(Exception):
    """The token was tampered with or is not ours."""


class ExpiredLink(Exception):
    """The token is genuine but its invitation has expired."""

    def __init__(self, invitation_id: int, candidate_id: int):
        super().__init__("invitation link expired")
        self.invitation_id, self.candidate_id = invitation_id, candidate_id


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="invitation-link-v1")


def make_token(secret_key: str, invitation_id: int, candidate_id: int, expires_at: float) -> str:
    """Sign the invitation, its candidate and its expiry (Unix seconds) into a URL-safe token."""
    return _serializer(secret_key).dumps({"i": invitation_id, "c": candidate_id, "e": int(expires_at)})


def read_token(secret_key: str, token: str, *, now: float | None = None) -> tuple[int, int]:
    """Return (invitation_id, candidate_id) of a genuine, unexpired token."""
    if not token or len(token) > 512:
        raise InvalidLink("no token")
    serializer = _serializer(secret_key)
    try:
        data = serializer.loads(token)
        invitation_id, candidate_id, expires = int(data["i"]), int(data["c"]), int(data["e"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise InvalidLink("bad token") from None
    if serializer.dumps(data) != token:  # only the spelling we issued: no padding, "+" for "-", re-encoded JSON
        raise InvalidLink("bad token")
    if (now or time.time()) > expires:
        raise ExpiredLink(invitation_id, candidate_id)
    return invitation_id, candidate_id


def invitation_link(settings: Settings, invitation: Any) -> str:
    """Return the candidate's signed link to the interview page (valid until the invitation expires)."""
    expires = invitation.expires_at.replace(tzinfo=dt.UTC).timestamp()
    token = make_token(settings.secret_key, invitation.id, invitation.candidate_id, expires)
    return f"{settings.public_base_url}/i/{token}"


def _unsubscribe_serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="unsubscribe-v1")


def unsubscribe_link(settings: Settings, candidate_id: int) -> str:
    """Return the candidate's signed opt-out link (退订, handlers/h5/unsubscribe.py). It never expires: an
    e-mail read a year later must still let them opt out, and List-Unsubscribe carries the same URL."""
    return f"{settings.public_base_url}/u/{_unsubscribe_serializer(settings.secret_key).dumps(candidate_id)}"


def read_unsubscribe_token(secret_key: str, token: str) -> int:
    """Return the candidate id of a genuine opt-out token; raise InvalidLink for anything else."""
    if not token or len(token) > 512:
        raise InvalidLink("no token")
    serializer = _unsubscribe_serializer(secret_key)
    try:
        candidate_id = serializer.loads(token)
    except BadSignature:
        raise InvalidLink("bad token") from None
    if type(candidate_id) is not int or candidate_id <= 0 or serializer.dumps(candidate_id) != token:
        raise InvalidLink("bad token")  # only an id we signed, in the spelling we issued
    return candidate_id


def report_link(settings: Settings, report_id: int) -> str:
    """Return the link to a report's page (opened inside WeCom, it signs the member in through OAuth)."""
    return f"{settings.public_base_url}/hr/reports/{report_id}"


def read_report_link(settings: Settings, token: str) -> int | None:
    """Return the report id of a genuine, unexpired signed link (cards sent before sign-in had them), else None."""
    return _read(settings, "report-link-v1", token, REPORT_LINK_DAYS * 86400, lambda data: int(data["r"]))


def upload_link(settings: Settings, userid: str, position_id: int) -> str:
    """The recruiter's 30-minute link to upload a sheet for a position."""
    token = URLSafeTimedSerializer(settings.secret_key, salt="bulk-upload-v1").dumps({"u": userid, "p": position_id})
    return f"{settings.public_base_url}/bulk/{token}"


def read_upload_link(settings: Settings, token: str) -> tuple[str, int] | None:
    """Return (userid, position id) of a genuine upload link younger than 30 minutes, else None."""
    return _read(settings, "bulk-upload-v1", token, UPLOAD_LINK_SECONDS, lambda data: (str(data["u"]), int(data["p"])))


def failures_link(settings: Settings, run_id: int) -> str:
    """The link to download a bulk run's failed rows as CSV (the summary card opens it; it lists names and
    phones, so it signs the member in through OAuth and serves only those allowed to see the run)."""
    return f"{settings.public_base_url}/hr/bulk/{run_id}/failures.csv"


def read_failures_link(settings: Settings, token: str) -> int | None:
    """Return the run id of a genuine signed failures link younger than 30 days (cards sent before sign-in had
    them; they now lead to the signed-in download), else None."""
    return _read(settings, "bulk-failures-v1", token, FAILURES_LINK_DAYS * 86400, lambda data: int(data["r"]))


def slot_link(settings: Settings, invitation: Any) -> str:
    """The candidate's signed link to pick a second-round time (handlers/h5/slots.py), valid for 30 days."""
    token = URLSafeTimedSerializer(settings.secret_key, salt="slot-pick-v1").dumps(
        {"i": invitation.id, "c": invitation.candidate_id})
    return f"{settings.public_base_url}/slots/{token}"


def read_slot_link(settings: Settings, token: str) -> tuple[int, int] | None:
    """Return (invitation id, candidate id) of a genuine slot link younger than 30 days, else None."""
    return _read(settings, "slot-pick-v1", token, SLOT_LINK_DAYS * 86400,
                 lambda data: (int(data["i"]), int(data["c"])))


def oauth_state(settings: Settings, next_path: str) -> str:
    """The signed OAuth `state`: where to go after signing in (checked again on the way back)."""
    return URLSafeTimedSerializer(settings.secret_key, salt="hr-oauth-state-v1").dumps(next_path)


def read_oauth_state(settings: Settings, token: str) -> str | None:
    """Return the path a genuine OAuth state younger than ten minutes carries, else None."""
    return _read(settings, "hr-oauth-state-v1", token, OAUTH_STATE_SECONDS,
                 lambda data: data if isinstance(data, str) else None)


def _read(settings: Settings, salt: str, token: str, max_age: int, take: Callable[[Any], Any]) -> Any:
    """What take() reads from a genuine, young enough token of this salt; None for anything else."""
    if not token or len(token) >= 512:
        return None
    try:
        return take(URLSafeTimedSerializer(settings.secret_key, salt=salt).loads(token, max_age=max_age))
    except (BadSignature, SignatureExpired, KeyError, TypeError, ValueError):
        return None


def sms_push_path(settings: Settings) -> str:
    """Where Alibaba Cloud pushes SMS replies (SmsUp): the push is unsigned, so the path carries a secret derived from
    SECRET_KEY (set the full URL in Alibaba's console; docs/sms.md)."""
    digest = hmac.new(settings.secret_key.encode(), b"sms-aliyun-up-v1", hashlib.sha256).hexdigest()[:32]
    return f"/sms/aliyun/up/{digest}"
