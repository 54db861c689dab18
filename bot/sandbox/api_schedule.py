"""Fake WeCom API, the calendar: oa/schedule/add, oa/schedule/update and oa/schedule/del (日程 · 创建日程, 更新日程,
取消日程), as the product puts a booked second round in the interviewer's WeCom calendar, moves it with the booking
and takes it out when the booking is cancelled (bot/decisions/calendar_events.py).

The request is checked as WeCom checks it: agentid names the app; schedule.start_time and end_time are Unix seconds
with end after start (40058 otherwise, as WeCom answers "missing paramters start_time"); summary is 1 to 128
characters; attendees are members' userids (at most 1,000). The answer is {"schedule_id": …}. update takes
{"skip_attendees": 0|1, "schedule": {"schedule_id", …the same fields}} and, as WeCom documents, overwrites the event
(its fields are replaced, not merged; skip_attendees=1 keeps the attendees); it answers ok. update or del of an
unknown id answers 400058 (sandbox choice: WeCom documents no code). Tests read the live events at
GET /sandbox/api/schedules (?userid= keeps those the member attends).
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .api import check_agent
from .gate import endpoint, json_body, ok, sandbox_state
from .state import SandboxState, new_id
from .validate import ApiError

bp = Blueprint("sandbox_schedule", __name__, url_prefix="/cgi-bin")
list_bp = Blueprint("sandbox_schedule_list", __name__, url_prefix="/sandbox/api")
SUMMARY_MAX = 128
ATTENDEES_MAX = 1000


def _checked(state: SandboxState, schedule: object) -> dict:
    if not isinstance(schedule, dict):
        raise ApiError(40058, "missing schedule")
    start, end = schedule.get("start_time"), schedule.get("end_time")
    if type(start) is not int or type(end) is not int or start <= 0:
        raise ApiError(40058, "missing paramters start_time")
    if end <= start:
        raise ApiError(40058, "invalid end_time: not after start_time")
    summary = schedule.get("summary", "")
    if not isinstance(summary, str) or not 1 <= len(summary) <= SUMMARY_MAX:
        raise ApiError(40058, f"summary must be 1 to {SUMMARY_MAX} characters")
    attendees = schedule.get("attendees", [])
    if not isinstance(attendees, list) or len(attendees) > ATTENDEES_MAX or not all(
            isinstance(a, dict) and isinstance(a.get("userid"), str) and state.is_member(a["userid"])
            for a in attendees):
        raise ApiError(40031, "invalid attendees: each must be {\"userid\": a member}")
    return schedule


@endpoint(bp, "oa/schedule/add", ("POST",))
def schedule_add(state: SandboxState) -> dict:
    """Create a calendar event for its attendees; answer its schedule_id."""
    body = json_body()
    check_agent(state, body)
    schedule = _checked(state, body.get("schedule"))
    with state.lock:
        schedule_id = new_id(24)
        state.schedules[schedule_id] = {**schedule, "schedule_id": schedule_id, "created_at": state.now()}
        state.version += 1
    return ok(schedule_id=schedule_id)


@endpoint(bp, "oa/schedule/update", ("POST",))
def schedule_update(state: SandboxState) -> dict:
    """Overwrite an event the app created (same schedule_id); skip_attendees=1 keeps its attendees."""
    body = json_body()
    schedule = body.get("schedule")
    schedule_id = schedule.get("schedule_id") if isinstance(schedule, dict) else None
    skip = body.get("skip_attendees", 0)
    if skip not in (0, 1):
        raise ApiError(40058, "skip_attendees must be 0 or 1")
    with state.lock:
        earlier = state.schedules.get(schedule_id) if isinstance(schedule_id, str) else None
        if earlier is None:
            raise ApiError(400058, f"schedule not found: {str(schedule_id)[:64]!r}")
        if skip:
            schedule = {**schedule, "attendees": earlier.get("attendees", [])}
        fresh = _checked(state, schedule)
        state.schedules[schedule_id] = {**fresh, "schedule_id": schedule_id, "created_at": earlier["created_at"],
                                        "updated_at": state.now()}
        state.version += 1
    return ok()


@endpoint(bp, "oa/schedule/del", ("POST",))
def schedule_del(state: SandboxState) -> dict:
    """Cancel an event the app created."""
    schedule_id = json_body().get("schedule_id")
    with state.lock:
        if not isinstance(schedule_id, str) or state.schedules.pop(schedule_id, None) is None:
            raise ApiError(400058, f"schedule not found: {str(schedule_id)[:64]!r}")
        state.version += 1
    return ok()


@list_bp.get("/schedules")
def schedules() -> Response:
    """The calendar events apps created, oldest first (?userid=: those the member attends)."""
    state, userid = sandbox_state(), request.args.get("userid", "")
    with state.lock:
        found = [dict(s) for s in state.schedules.values()
                 if not userid or any(a.get("userid") == userid for a in s.get("attendees", []))]
    return jsonify({"schedules": found})
