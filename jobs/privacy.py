"""Privacy rights and retention: erasing a candidate, deleting what is past its retention period."""
from __future__ import annotations

from bot.privacy import retention, rights


def erase_job(request_id: int) -> str:
    """Carry out a recorded erasure request."""
    return rights.erase_job(request_id)


def apply_retention(round_no: int = 0) -> dict[str, int]:
    """Delete recordings and personal data past their retention period."""
    return retention.apply_retention(round_no)
