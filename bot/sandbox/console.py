"""The chat console page, its mailbox page, and the JSON API for tests and the pages to inspect and steer the
sandbox.

Nothing here reveals the corp secret, callback Token, EncodingAESKey or access tokens.
"""
from __future__ import annotations

import copy
import io
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, request, send_file

from .gate import sandbox_state
from .mail import message_view
from .sms import sms_state
from .state import OAUTH_CODE_TTL, SandboxState

bp = Blueprint("sandbox_console", __name__, static_folder="static", static_url_path="/sandbox/static")

FAULT_KINDS = ("errcode", "status", "delay")


def _error(message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"ok": False, "error": message}), status


@bp.get("/")
def index() -> Response:
    """Send visitors of the bare sandbox address to the console."""
    return redirect("/console")


@bp.get("/console")
def console() -> Response:
    """Serve the single-page chat console."""
    return bp.send_static_file("console.html")


@bp.get("/console/mail")
def mail_console() -> Response:
    """Serve the mailbox page: what the sandbox's SMTP server took, by recipient."""
    return bp.send_static_file("mail.html")


@bp.get("/sandbox/api/info")
def info() -> Response:
    """Describe the sandbox company (no secrets)."""
    state = sandbox_state()
    settings = current_app.config["SANDBOX_SETTINGS"]
    return jsonify({
        "corp_id": state.corp_id, "agent_id": state.agent_id, "company_name": state.company_name,
        "callback_url": current_app.config["SANDBOX_CALLBACK_URL"], "hr_userids": sorted(settings.hr_userids),
        "kf_accounts": list(state.kf_accounts.values()), "now": state.now(),
        "smtp": f"127.0.0.1:{settings.sandbox_smtp_port}",
    })


@bp.post("/sandbox/api/callback_url")
def set_callback_url() -> Response | tuple[Response, int]:
    """Point callbacks at another receive URL."""
    url = (request.get_json(silent=True) or {}).get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return _error("url must be an http(s) URL")
    current_app.config["SANDBOX_CALLBACK_URL"] = url
    return jsonify({"ok": True, "callback_url": url})


def _users(state: SandboxState, hr: set[str]) -> list[dict[str, Any]]:
    def summary(uid: str) -> dict[str, Any]:
        entries = state.timeline.get(uid, [])
        return {"id": uid, "count": len(entries), "last": entries[-1]["time"] if entries else None}

    members = sorted((state.members | set(state.timeline) | hr) - set(state.customers))
    rows = [{**summary(u), "name": u, "kind": "hr" if u in hr else "member"} for u in members]
    rows.sort(key=lambda row: row["kind"] != "hr")
    for uid, customer in state.customers.items():
        rows.append({**summary(uid), "name": customer["name"], "kind": "customer",
                     "kf": list(customer["kf"]), "follow_users": [f["userid"] for f in customer["follow_users"]]})
    return rows


@bp.get("/sandbox/api/users")
def users() -> Response:
    """List the console's conversations: HR, members, WeChat users."""
    state = sandbox_state()
    hr = set(current_app.config["SANDBOX_SETTINGS"].hr_userids)
    with state.lock:
        return jsonify({"version": state.version, "users": _users(state, hr)})


def _view(entry: dict) -> dict:
    view = copy.deepcopy(entry)
    if view.get("card") is not None:
        view["card_disabled"] = bool((view.get("card_update") or {}).get("replace_name"))
    return view


@bp.get("/sandbox/api/conversation")
def conversation() -> Response:
    """Return everything in one user's chat: what they did and what they received (dropped ones flagged)."""
    state, user = sandbox_state(), request.args.get("user", "")
    with state.lock:
        return jsonify({"user": user, "version": state.version,
                        "entries": [_view(e) for e in state.timeline.get(user, [])]})


@bp.get("/sandbox/api/messages")
def messages() -> Response:
    """Return what a user received, with each card's current state; dropped ones only on request."""
    state, user = sandbox_state(), request.args.get("touser", "")
    include_dropped = request.args.get("include_dropped") in ("1", "true")
    with state.lock:
        found = [_view(e) for e in state.timeline.get(user, [])
                 if e["direction"] == "to_user" and (include_dropped or not e["dropped"])]
    return jsonify({"touser": user, "messages": found})


@bp.get("/sandbox/api/calls")
def calls() -> Response:
    """Return the API call log, optionally for one path."""
    state = sandbox_state()
    path = request.args.get("path")
    limit = request.args.get("limit", type=int) or 1000
    with state.lock:
        found = [dict(c) for c in state.calls if not path or c["path"] == path.strip("/")]
    return jsonify({"calls": found[-limit:]})


@bp.get("/sandbox/api/faults")
def list_faults() -> Response:
    """Return the faults still queued."""
    state = sandbox_state()
    with state.lock:
        return jsonify({"faults": {path: list(queue) for path, queue in state.faults.items() if queue}})


@bp.post("/sandbox/api/faults")
def add_fault() -> Response | tuple[Response, int]:
    """Queue a fault: {"path": "message/send", "errcode": -1 | "status": 500 | "delay": 6, "times": 2}."""
    data = request.get_json(silent=True) or {}
    path = data.get("path")
    fault = {k: data[k] for k in FAULT_KINDS if k in data}
    if not isinstance(path, str) or not path.strip("/") or not fault:
        return _error("give path and one of errcode, status, delay")
    try:
        fault = {k: (float(v) if k == "delay" else int(v)) for k, v in fault.items()}
        times = int(data.get("times", 1))
    except (TypeError, ValueError):
        return _error("errcode, status, delay and times must be numbers")
    if "errmsg" in data:
        fault["errmsg"] = str(data["errmsg"])
    state = sandbox_state()
    state.add_fault(path, fault, times)
    with state.lock:
        return jsonify({"ok": True, "faults": {p: list(q) for p, q in state.faults.items() if q}})


@bp.post("/sandbox/api/expire_tokens")
def expire_tokens() -> Response:
    """Expire every issued access_token so it answers 42001."""
    return jsonify({"ok": True, "expired": sandbox_state().expire_tokens()})


@bp.post("/sandbox/api/reset")
def reset() -> Response:
    """Forget everything the sandbox holds."""
    sandbox_state().reset()
    sms_state().reset()
    return jsonify({"ok": True})


@bp.get("/sandbox/api/stats")
def stats() -> Response:
    """Return per-member receive counts, dropped and delivered totals."""
    state = sandbox_state()
    with state.lock:
        delivered = sum(1 for entries in state.timeline.values() for e in entries
                        if e["direction"] == "to_user" and not e["dropped"])
        return jsonify({**state.member_stats(), "delivered": delivered, "calls": len(state.calls)})


@bp.post("/sandbox/api/clock")
def clock() -> Response | tuple[Response, int]:
    """Move the sandbox clock forward ({"advance": seconds}) to expire tokens, codes and windows."""
    seconds = (request.get_json(silent=True) or {}).get("advance")
    if not isinstance(seconds, (int, float)) or seconds < 0:
        return _error("advance must be a number of seconds >= 0")
    return jsonify({"ok": True, "now": sandbox_state().advance(seconds)})


@bp.post("/sandbox/api/oauth_code")
def oauth_code() -> Response | tuple[Response, int]:
    """Issue an OAuth code for a member or WeChat user, as the fake OAuth page does."""
    state = sandbox_state()
    userid = (request.get_json(silent=True) or {}).get("userid")
    if not isinstance(userid, str) or not (state.is_member(userid) or state.is_customer(userid)):
        return _error("userid must be a member userid or a known external_userid")
    return jsonify({"ok": True, "code": state.issue_code(state.oauth_codes, userid=userid),
                    "expires_in": OAUTH_CODE_TTL})


@bp.get("/sandbox/api/media/<media_id>")
def media(media_id: str) -> Response | tuple[Response, int]:
    """Let the console show or download media the bot sent, without an access token."""
    item = sandbox_state().media.get(media_id)
    if item is None:
        return _error("no such media", 404)
    return send_file(io.BytesIO(item["data"]), mimetype=item["content_type"], download_name=item["filename"])


@bp.get("/sandbox/api/mail")
def mail() -> Response:
    """One mailbox's messages, oldest first (?to=address; attachment contents with ?full=1), or without `to` every
    mailbox with its count, the newest first."""
    state = sandbox_state()
    address = request.args.get("to", "").strip().lower()
    full = request.args.get("full") in ("1", "true")
    with state.lock:
        if address:
            found = [message_view(m, full) for m in state.mailboxes.get(address, [])]
            return jsonify({"to": address, "messages": found})
        boxes = [{"address": box, "count": len(found), "last": found[-1]["received_at"],
                  "last_subject": found[-1]["subject"]} for box, found in state.mailboxes.items() if found]
    boxes.sort(key=lambda box: -box["last"])
    return jsonify({"mailboxes": boxes, "total": sum(box["count"] for box in boxes)})
