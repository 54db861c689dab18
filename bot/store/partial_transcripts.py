"""The Redis keys of an open upload's transcript so far (transcribing while the candidate speaks), and their
deletion: bot.reports.partial keeps and uses them; a retake, a refused upload and an erasure delete them."""
from __future__ import annotations

import logging

from bot.store.kv import get_redis

log = logging.getLogger(__name__)


def key(upload_id: str) -> str:
    """The sealed transcript so far."""
    return f"partial-transcript:{upload_id}"


def busy_key(upload_id: str) -> str:
    """Set while the upload's job is queued or running."""
    return f"partial-transcript-busy:{upload_id}"


def next_key(upload_id: str) -> str:
    """How many chunks the upload needs before its next job is queued."""
    return f"partial-transcript-next:{upload_id}"


def discard(*upload_ids: str) -> None:
    """Throw away the uploads' transcripts so far. Never raises (they expire within the hour anyway)."""
    if not upload_ids:
        return
    try:
        get_redis().delete(*[key(u) for u in upload_ids], *[next_key(u) for u in upload_ids])
    except Exception:
        log.warning("uploads %s: could not discard their transcripts so far; they expire", upload_ids, exc_info=True)
