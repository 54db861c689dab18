"""ID numbers from candidate sheets at rest: stored AES-GCM sealed (bot/store/sealing, under the recording keys and
bound to their purpose), read back only to be shown masked by role (bot.privacy.roles.id_number_view), re-sealed when
the keys rotate (`python -m jobs.cli recordings rotate`)."""
from __future__ import annotations

import base64
from typing import Any

from bot.store.models import BulkItem
from bot.store.sealing import SealError, key_id_of, keyring
from config.settings import Settings, get_settings

SEALED = "sealed:"  # a text value stored encrypted (bot/store/sealing's envelope, base64)


def seal_text(settings: Settings, value: str, context: str) -> str:
    """An ID number (or other identifier) as stored: AES-GCM under the newest recording key, bound to context."""
    if not value or value.startswith(SEALED):
        return value
    blob = keyring(settings.recording_keys).seal(value.encode("utf-8"), f"text:{context}")
    return SEALED + base64.b64encode(blob).decode("ascii")


def open_text(settings: Settings, value: str, context: str) -> str:
    """The value seal_text stored (a value stored before sealing existed comes back as it is)."""
    if not value.startswith(SEALED):
        return value
    blob = base64.b64decode(value[len(SEALED):])
    return keyring(settings.recording_keys).open(blob, f"text:{context}").decode("utf-8")


def sealed_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A row's fields as stored: the ID number encrypted (it is only ever shown, masked by role)."""
    if not fields.get("id_number"):
        return fields
    return {**fields, "id_number": seal_text(get_settings(), str(fields["id_number"]), "id_number")}


def id_number_of(invitation_id: int) -> str:
    """The ID number the candidate's bulk-sheet row gave for this invitation, or "" (callers mask it by role)."""
    item = (BulkItem.select(BulkItem.fields).where(BulkItem.invitation == invitation_id)
            .order_by(BulkItem.id.desc()).first())
    value = str((item.fields or {}).get("id_number") or "") if item else ""
    return open_text(get_settings(), value, "id_number") if value else ""


def reseal_id_numbers(batch: int = 500) -> int:
    """Re-encrypt every stored ID number under the newest key (after RECORDING_KEYS gained a new first key)."""
    settings = get_settings()
    current = settings.recording_keys[0][0]
    changed, last = 0, 0
    while True:
        items = list(BulkItem.select(BulkItem.id, BulkItem.fields).where(BulkItem.id > last)
                     .order_by(BulkItem.id).limit(batch))
        if not items:
            return changed
        for item in items:
            value = str((item.fields or {}).get("id_number") or "")
            if value and not _sealed_under(value, current):
                sealed = seal_text(settings, open_text(settings, value, "id_number"), "id_number")
                BulkItem.update(fields={**item.fields, "id_number": sealed}).where(BulkItem.id == item.id).execute()
                changed += 1
        last = items[-1].id


def _sealed_under(value: str, key_id: str) -> bool:
    if not value.startswith(SEALED):
        return False
    try:
        return key_id_of(base64.b64decode(value[len(SEALED):])) == key_id
    except (SealError, ValueError):
        return False
