"""API tokens: created once on the server (only their sha256 is stored), listed and revoked by operators."""
from __future__ import annotations

import hashlib
import re
import secrets

import peewee as pw

from bot.clock import utcnow
from bot.store.db import database
from bot.store.models import ApiToken, AuditLog, OrgUnit

ROLES = ("full", "masked")
PREFIX = "ibk_"  # recognisable in a leaked-secrets scan
NAME = re.compile(r"[A-Za-z0-9_.@-]{1,60}")  # an HR userid fits, so a token may be named after its recruiter


class TokenError(ValueError):
    """A token command cannot be done; the message says why."""


def hash_token(value: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(value.encode()).hexdigest()


def create_token(name: str, role: str, created_by: str = "cli", unit: str = "") -> tuple[ApiToken, str]:
    """Create a token; return its row and the token itself (shown once, never stored). A token bound to a unit (by
    code) sees that unit and the units under it; unbound, it sees everything."""
    if not NAME.fullmatch(name):
        raise TokenError("a token name is 1-60 letters, digits or _ . @ -")
    if role not in ROLES:
        raise TokenError(f"role must be one of {', '.join(ROLES)}")
    bound = OrgUnit.get_or_none(OrgUnit.code == unit.strip().lower()) if unit.strip() else None
    if unit.strip() and bound is None:
        raise TokenError(f"no organisation unit with code {unit!r} (python -m jobs.cli org show lists them)")
    value = PREFIX + secrets.token_urlsafe(32)
    try:
        with database.atomic():
            row = ApiToken.create(name=name, token_hash=hash_token(value), role=role, created_by=created_by[:64],
                                  unit=bound)
    except pw.IntegrityError:
        raise TokenError(f"a token named {name} exists already (revoked tokens keep their names)") from None
    AuditLog.create(actor=created_by[:64], action="api:token.create", target_type="api_token",
                    target_id=str(row.id), detail={"name": name, "role": role, "unit": bound.code if bound else ""})
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
