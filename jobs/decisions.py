"""HR's decision from a result card's buttons; a booked second round in the interviewer's calendar."""
from __future__ import annotations

from bot.decisions import calendar_events, results


def decide(report_id: int, outcome: str, userid: str, response_code: str, request_key: str) -> str:
    """Take one decision (jobs queued before 不通过 asked for confirmation still arrive here)."""
    return results.decide(report_id, outcome, userid, response_code, request_key)


def card_click(report_id: int, action: str, userid: str, response_code: str, request_key: str) -> str:
    """Take one click on the result card: decide, or ask to confirm 不通过, or take the question back."""
    return results.click(report_id, action, userid, response_code, request_key)


def interviewer_event(appointment_id: int, version: int) -> str:
    """Put a booked second round in the interviewer's WeCom calendar (oa/schedule/add)."""
    return calendar_events.add_event(appointment_id, version)
