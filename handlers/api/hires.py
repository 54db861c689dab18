"""Open API: the offer and the hire after 录用 (bot/decisions/hires.py), for the HR system of record.

GET lists and reads hires (with the onboarding hand-off once hired: bot/decisions/onboarding.py); PATCH moves one on
(offered → accepted | declined | withdrawn; accepted → hired | withdrawn) with If-Match on its version, so a change
based on a stale read is a 409, never a silent overwrite. A masked token sees the candidate masked and no employee id.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from bot.decisions import hires, onboarding
from bot.privacy.roles import candidate_view, sees_personal_data
from bot.store.models import Hire, Invitation, Position
from handlers.api.core import ApiError, access, audit, body, not_found, privacy_role, query, respond
from handlers.api.hiring import IF_MATCH, acting_hr

bp = Blueprint("api_hires", __name__)

STATUS_CODES = {"not_found": 404, "version_conflict": 409, "illegal_transition": 409, "candidate_erased": 409,
                "invalid_value": 422}


def hire_out(hire: Hire) -> dict[str, Any]:
    """The hire as the token may see it."""
    data = onboarding.hire_data(hire)
    role = privacy_role()
    data["candidate"] = candidate_view(hire.invitation.candidate, role)
    del data["candidate_id"]
    if not sees_personal_data(role):
        data["employee_id"] = None
    return data


def _visible_hires():
    return Hire.select(Hire, Invitation, Position).join(Invitation).join(Position).where(access().clause())


def _found(hire_id: int) -> Hire:
    found = _visible_hires().where(Hire.id == hire_id).first()
    if found is None:
        raise not_found("hire")
    return found


@bp.get("/hires")
def list_hires() -> Response:
    """A page of hires, oldest first, after the cursor (optionally of one status)."""
    args = query()
    selected = _visible_hires().where(Hire.id > args["after_id"])
    if args["status"]:
        selected = selected.where(Hire.status == args["status"])
    page = list(selected.order_by(Hire.id).limit(args["limit"]))
    more = len(page) == args["limit"] and selected.where(Hire.id > page[-1].id).exists()
    return respond({"items": [hire_out(h) for h in page], "next_after_id": page[-1].id if more else None})


@bp.get("/hires/<int:hire_id>")
def get_hire(hire_id: int) -> Response:
    """One hire; its ETag is its version (send it back as If-Match with a change)."""
    hire = _found(hire_id)
    return respond(hire_out(hire), headers={"ETag": f'"{hire.version}"'})


@bp.patch("/hires/<int:hire_id>")
def change_hire(hire_id: int) -> Response:
    """Move the hire on; a repeat of the status it has changes nothing (200, result unchanged)."""
    hire = _found(hire_id)
    data = body()
    userid = acting_hr(data.get("by"), "by")
    try:
        hire, changed = hires.change(hire.id, data["status"], userid, version=_if_match(),
                                     hired_on=data.get("hired_on"), unit=data.get("unit"),
                                     employee_id=data.get("employee_id"))
    except hires.HireError as exc:
        extra = {"current_version": exc.current.version, "current_status": exc.current.status} if exc.current else {}
        raise ApiError(STATUS_CODES.get(exc.code, 422), exc.code, exc.message,
                       path=f"/{exc.field}" if exc.field else None, **extra) from None
    if changed:
        audit(f"hire.{hire.status}", "hire", hire.id, by=userid, version=hire.version)
    return respond({**hire_out(hire), "result": "changed" if changed else "unchanged"},
                   headers={"ETag": f'"{hire.version}"'})


def _if_match() -> int | None:
    """The version the change is based on (If-Match: 3, "3" or W/"3"; its form is checked by the document), or None
    without the header (the change then applies to whatever version is current)."""
    raw = request.headers.get("If-Match", "").strip()
    return int(IF_MATCH.fullmatch(raw).group(1)) if raw else None
