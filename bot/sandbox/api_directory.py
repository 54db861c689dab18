"""Fake WeCom API, the directory: department/list and user/simplelist (通讯录管理), as the product reads them to
build its organisation units from WeCom (bot/org/wecom.py).

The sandbox company's departments mirror the organisation file the sandbox runs with (ORGANISATION_FILE): the
company is department 1, each unit a department under its parent, numbered in the file's order from 2, and each
member named in a unit is in that department; everyone else is in department 1. Unknown departments answer
60003 (部门不存在), as WeCom does.
"""
from __future__ import annotations

from flask import Blueprint, request

from .gate import endpoint, ok
from .state import SandboxState
from .validate import ApiError

bp = Blueprint("sandbox_directory", __name__, url_prefix="/cgi-bin")


def _subtree(state: SandboxState, top: int) -> list[dict]:
    found, stack = [], [top]
    while stack:
        current = stack.pop(0)
        found += [d for d in state.departments if d["id"] == current]
        stack += [d["id"] for d in state.departments if d["parentid"] == current]
    return found


def _department(state: SandboxState, raw: str | None) -> int:
    try:
        number = int(raw or "")
    except ValueError:
        raise ApiError(60003, f"department not found: {raw!r}") from None
    if not any(d["id"] == number for d in state.departments):
        raise ApiError(60003, f"department not found: {number}")
    return number


@endpoint(bp, "department/list")
def department_list(state: SandboxState) -> dict:
    """Every department (or the one given by `id` and those under it), parents first."""
    top = _department(state, request.args["id"]) if request.args.get("id") else 1
    return ok(department=[dict(d) for d in _subtree(state, top)])


@endpoint(bp, "user/simplelist")
def user_simplelist(state: SandboxState) -> dict:
    """The members of a department (`fetch_child=1`: and of the departments under it)."""
    top = _department(state, request.args.get("department_id"))
    wanted = {d["id"] for d in _subtree(state, top)} if request.args.get("fetch_child") == "1" else {top}
    with state.lock:
        users = [{"userid": userid, "name": userid, "department": state.member_departments.get(userid, [1])}
                 for userid in sorted(state.members)]
    return ok(userlist=[u for u in users if wanted & set(u["department"])])
