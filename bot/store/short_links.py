"""Short codes for invitation links sent by SMS: PUBLIC_BASE_URL/s/<code> (the SMS template fixes the domain, the
code is its variable). One code per invitation, 10 characters from secrets (about 59 bits: guessing one is
hopeless behind the per-address limit); the page signs the invitation's link afresh when it is opened."""
from __future__ import annotations

import secrets
import string

import peewee as pw

from bot.store.db import database
from bot.store.models import Invitation, ShortLink

ALPHABET = string.ascii_letters + string.digits
LENGTH = 10


def code_for(invitation: Invitation) -> str:
    """The invitation's short code, made on first use."""
    found = ShortLink.get_or_none(ShortLink.invitation == invitation.id)
    if found is not None:
        return found.code
    for _ in range(5):
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        try:
            with database.atomic():
                return ShortLink.create(code=code, invitation=invitation.id).code
        except pw.IntegrityError:  # another job made this invitation's code, or (never in practice) the code is taken
            found = ShortLink.get_or_none(ShortLink.invitation == invitation.id)
            if found is not None:
                return found.code
    raise RuntimeError("could not make a unique short code")


def invitation_of(code: str) -> Invitation | None:
    """The invitation a short code stands for (None for an unknown or malformed code)."""
    if not (0 < len(code) <= 16 and code.isascii() and code.isalnum()):
        return None
    link = ShortLink.get_or_none(ShortLink.code == code)
    return link.invitation if link is not None else None
