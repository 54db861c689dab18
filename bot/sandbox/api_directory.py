"""Fake WeCom API, the directory: department/list and user/simplelist (通讯录管理), as the product reads them to
build its organisation units from WeCom (bot/org/wecom.py), and user/get (读取成员), whose name the product greets a
member candidate by (bot/org/names.py).

The sandbox company's departments mirror the organisation file the sandbox runs with (ORGANISATION_FILE): the
company is department 1, each unit a department under its parent, numbered in the file's order from 2, and each
member named in a unit is in that department; everyone else is in department 1. Unknown departments answer
60003 (部门不存在), as WeCom does.

A member's name is what POST /sandbox/api/directory set for them ({"userid": "zhangsan", "name": "张三"}; an empty
name takes it away; reset forgets them all). A member with none is answered without `name`, as WeCom answers an app
that is not shown names (since June 2022 it withholds some fields from some apps). user/get of an id that is not a
member (a WeChat user's external_userid, a malformed id) answers 60111 (UserID不存在).
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .gate import endpoint, ok, sandbox_state
from .state import SandboxState
from .validate import ApiError

bp = Blueprint("sandbox_directory", __name__, url_prefix="/cgi-bin")
names_bp = Blueprint("sandbox_directory_names", __name__, url_prefix="/sandbox/api")
NAME_MAX = 64  # WeCom: a member's name is 1 to 64 characters


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
        users = [{"userid": userid, **_name(state, userid), "department": state.member_departments.get(userid, [1])}
                 for userid in sorted(state.members)]
    return ok(userlist=[u for u in users if wanted & set(u["department"])])


def _name(state: SandboxState, userid: str) -> dict[str, str]:
    name = state.member_names.get(userid)
    return {"name": name} if name else {}


@endpoint(bp, "user/get")
def user_get(state: SandboxState) -> dict:
    """One member: userid, name (when the app is shown it), departments, main department, status (1: active)."""
    userid = request.args.get("userid", "")
    if not userid:
        raise ApiError(41009, "missing userid")
    if not state.is_member(userid):
        raise ApiError(60111, f"userid not found: {userid[:64]!r}")
    with state.lock:
        departments = state.member_departments.get(userid, [1])
        return ok(userid=userid, **_name(state, userid), department=list(departments), order=[0] * len(departments),
                  main_department=departments[0], position="", is_leader_in_dept=[0] * len(departments),
                  direct_leader=[], status=1, alias="", telephone="", extattr={"attrs": []})


@names_bp.get("/directory")
def directory_names() -> Response:
    """The names the directory holds, by userid."""
    state = sandbox_state()
    with state.lock:
        return jsonify({"names": dict(state.member_names)})


@names_bp.post("/directory")
def set_directory_name() -> Response | tuple[Response, int]:
    """Give a member a name in the directory ({"userid", "name"}), or take it away (an empty name)."""
    data = request.get_json(silent=True) or {}
    state, userid, name = sandbox_state(), data.get("userid"), data.get("name", "")
    if not isinstance(userid, str) or not state.is_member(userid):
        return jsonify({"ok": False, "error": "userid must be a member's userid"}), 400
    if not isinstance(name, str) or len(name.strip()) > NAME_MAX:
        return jsonify({"ok": False, "error": f"name must be text of at most {NAME_MAX} characters"}), 400
    with state.lock:
        if name.strip():
            state.member_names[userid] = name.strip()
        else:
            state.member_names.pop(userid, None)
        state.version += 1
    return jsonify({"ok": True, "userid": userid, "name": name.strip()})
