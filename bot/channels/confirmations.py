"""What waits for a candidate's confirmation: one consequential request per candidate, in Redis for 30 minutes.

Asking stores the intent, the invitation and a random token under the candidate's key (a newer request replaces
an older one); the candidate's 确认 (or the card's button carrying the token) takes it exactly once, and
anything else they write takes it away unconfirmed. Taking is atomic, so a double tap or two workers confirm once.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from bot.commands.registry import CONFIRM_SECONDS
from bot.store.kv import get_redis

# Delete the key only when it still holds the token the caller saw (a card from an older request confirms nothing).
_TAKE_IF = """
local value = redis.call('GET', KEYS[1])
if value and cjson.decode(value)['token'] == ARGV[1] then redis.call('DEL', KEYS[1]) return value end
return false
"""


@dataclass(frozen=True)
class Pending:
    """A consequential request waiting for confirmation."""

    intent: str
    invitation_id: int
    token: str
    key: str  # the request_key of the message that asked: the confirmed act's replies derive from it


def _key(candidate_id: int) -> str:
    return f"chat:confirm:{candidate_id}"


def ask(candidate_id: int, intent: str, invitation_id: int, key: str) -> Pending:
    """Record that intent waits for the candidate's confirmation (replacing what waited before)."""
    pending = Pending(intent, invitation_id, secrets.token_urlsafe(12), key[:160])
    get_redis().set(_key(candidate_id), json.dumps(pending.__dict__), ex=CONFIRM_SECONDS)
    return pending


def peek(candidate_id: int) -> Pending | None:
    """What waits for the candidate's confirmation, if anything (without taking it)."""
    raw = get_redis().get(_key(candidate_id))
    return Pending(**json.loads(raw)) if raw else None


def take(candidate_id: int, token: str | None = None) -> Pending | None:
    """Take what waits (only when it carries token, when one is given); None when nothing (or another) waits."""
    client = get_redis()
    raw = client.getdel(_key(candidate_id)) if token is None else client.eval(_TAKE_IF, 1, _key(candidate_id), token)
    return Pending(**json.loads(raw)) if raw else None
