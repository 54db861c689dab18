"""The open API's bearer tokens, checked on every request (bot/integrations/tokens.py creates and revokes them)."""
from __future__ import annotations

import datetime as dt
import hmac
import re

from bot.clock import utcnow
from bot.integrations.tokens import hash_token
from bot.store.models import ApiToken
from handlers.api.core import ApiError

# RFC 6750's b64token; the length bounds keep a hostile header from costing anything.
BEARER = re.compile(r"Bearer +([A-Za-z0-9._~+/-]{16,256}=*) *", re.IGNORECASE)
TOUCH_SECONDS = 60  # last_used_at is written at most this often per token, not on every request


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
    # The lookup is by a hash of a random secret, so its timing reveals nothing; the compare is constant-time anyway,
    # on bytes (compare_digest raises TypeError for a str with non-ASCII characters).
    if row is None or not hmac.compare_digest(row.token_hash.encode(), digest.encode()):
        raise _unauthorized("invalid_token", "unknown token", invalid=True)
    if row.revoked_at is not None:
        raise _unauthorized("revoked_token", "this token was revoked", invalid=True)
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(seconds=TOUCH_SECONDS):
        ApiToken.update(last_used_at=now).where(ApiToken.id == row.id).execute()
    return row
