"""API tokens: created once on the server (only their sha256 is stored), checked on every request, revocable."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

import peewee as pw

from bot.store.db import database
from bot.store.models import ApiToken, AuditLog, utcnow
from handlers.api_core import ApiError

ROLES = ("full", "masked")
PREFIX = "ibk_"  # recognisable in a leaked-secrets scan
NAME = re.compile(r"[A-Za-z0-9_.@-]{1,60}")  # an HR userid fits, so a token may be named after its recruiter
# RFC 6750's b64token; the length bounds keep a hostile header from costing anything.
BEARER = re.compile(r"Bearer +([A-Za-z0-9._~+/-]{16,256}=*) *", re.IGNORECASE)
TOUCH_SECONDS = 60  # last_used_at is written at most this often per token, not on every request


class TokenError(ValueError):
    """A token command cannot be done; the message says why."""


def hash_token(value: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(value.encode()).hexdigest()


def create_token(name: str, role: str, created_by: str = "cli") -> tuple[ApiToken, str]:
    """Create a token; return its row and the token itself (shown once, never stored)."""
    if not NAME.fullmatch(name):
        raise TokenError("a token name is 1-60 letters, digits or _ . @ -")
    if role not in ROLES:
        raise TokenError(f"role must be one of {', '.join(ROLES)}")
    value = PREFIX + secrets.token_urlsafe(32)
    try:
        with database.atomic():
            row = ApiToken.create(name=name, token_hash=hash_token(value), role=role, created_by=created_by[:64])
    except pw.IntegrityError:
        raise TokenError(f"a token named {name} exists already (revoked tokens keep their names)") from None
    AuditLog.create(actor=created_by[:64], action="api:token.create", target_type="api_token",
                    target_id=str(row.id), detail={"name": name, "role": role})
    return row, value


def list_tokens() -> list[ApiToken]:
    """Every token, oldest first (revoked ones too)."""
    return list(ApiToken.select().order_by(ApiToken.id))


def revoke_token(name: str, revoked_by: str = "cli") -> bool:
    """Revoke the named token; return False when there is no such live token."""
    changed = (ApiToken.update(revoked_at=utcnow())
               .where((ApiToken.name == name) & ApiToken.revoked_at.is_null()).execute())
    if changed:
        AuditLog.create(actor=revoked_by[:64], action="api:token.revoke", target_type="api_token",
                        target_id=name[:64])
    return bool(changed)


def _unauthorized(code: str, message: str, *, invalid: bool) -> ApiError:
    challenge = 'Bearer realm="api"' + (', error="invalid_token"' if invalid else "")
    return ApiError(401, code, message, headers={"WWW-Authenticate": challenge})


def authenticate(header: str | None) -> ApiToken:
    """The live token an Authorization header carries, or the 401 to answer."""
    if not header:
        raise _unauthorized("missing_token", "send Authorization: Bearer <token>", invalid=False)
    match = BEARER.fullmatch(header)
    if match is None:
        raise _unauthorized("malformed_token", "the Authorization header must be: Bearer <token>", invalid=True)
    digest = hash_token(match.group(1))
    row = ApiToken.get_or_none(ApiToken.token_hash == digest)
    # The lookup is by a hash of a random secret, so its timing reveals nothing; the compare is constant-time anyway.
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        raise _unauthorized("invalid_token", "unknown token", invalid=True)
    if row.revoked_at is not None:
        raise _unauthorized("revoked_token", "this token was revoked", invalid=True)
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(seconds=TOUCH_SECONDS):
        ApiToken.update(last_used_at=now).where(ApiToken.id == row.id).execute()
    return row
