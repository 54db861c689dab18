"""HR's decision from a result card's buttons."""
from __future__ import annotations

from bot.decisions import results


def decide(report_id: int, outcome: str, userid: str, response_code: str, request_key: str) -> str:
    """Take one click on the result card."""
    return results.decide(report_id, outcome, userid, response_code, request_key)
