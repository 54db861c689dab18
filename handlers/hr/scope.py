"""The HR pages' view of the organisation: which positions the signed-in member may see, and their role for one
(bot/org/access.py). A page about something outside their units is a 403 that says so; lists simply leave it out."""
from __future__ import annotations

from flask import abort, g

from bot.store.models import Position, Report

OUT_OF_SCOPE = "这个岗位不在您负责的机构范围内；如需查看，请联系该机构的招聘负责人。"


def role_for(position: Position) -> str:
    """The member's role for the position, or a 403 page when it is outside their units."""
    role = g.access.role_for(position)
    if role is None:
        abort(403, description=OUT_OF_SCOPE)
    return role


def position(slug: str) -> tuple[Position, str]:
    """The position by its code (404 when there is none) and the member's role for it (403 outside their units)."""
    found = Position.get_or_none(Position.slug == slug[:64])
    if found is None:
        abort(404, description="没有这个岗位。")
    return found, role_for(found)


def report_role(report: Report) -> str:
    return role_for(report.interview.invitation.position)
