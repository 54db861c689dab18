"""Signed, expiring links: the candidate's identity on the H5 page is the invitation token."""
from __future__ import annotations

import time

from itsdangerous import BadSignature, URLSafeSerializer


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
