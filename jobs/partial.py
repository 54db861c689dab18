"""Transcribing an open upload's recording while the candidate speaks (queued on the scoring queue as chunks arrive)."""
from __future__ import annotations

from bot.interviews import transcribing


def transcribe_partial(upload_id: str) -> str:
    """Transcribe the pieces of the upload's recording that are over."""
    return transcribing.advance(upload_id)
