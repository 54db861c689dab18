"""Fake WeCom API, part 1: gettoken, message/send, message/update_template_card, media (docs/wecom.md §2-3).

Answers use WeCom's JSON shapes and documented errcodes (path/90313). Sandbox choices where WeCom's
docs give no code: reused task_id and unknown or expired response_code answer 40058; a used
response_code answers 42022 ("code already used").
"""
from __future__ import annotations

import copy
import hashlib
import io
import json

from flask import Blueprint, Response, g, jsonify, request, send_file

from .gate import endpoint, json_body, ok, sandbox_state
from .state import MEDIA_TTL, RESPONSE_CODE_TTL, SandboxState, new_id
from .validate import INTERACTIVE, ApiError, validate_message, validate_template_card

bp = Blueprint("sandbox_api", __name__, url_prefix="/cgi-bin")

MEDIA_LIMITS = {"image": 10 << 20, "voice": 2 << 20, "video": 10 << 20, "file": 20 << 20}
DEFAULT_DUPLICATE_INTERVAL = 1800
_NOT_CONTENT = {"touser", "toparty", "totag", "enable_duplicate_check", "duplicate_check_interval"}


@endpoint(bp, "gettoken", auth=False)
def gettoken(state: SandboxState) -> dict:
    """Issue the app's access_token for a correct corpid and corpsecret."""
    token, expires_in = state.issue_token(request.args.get("corpid"), request.args.get("corpsecret"))
    return ok(access_token=token, expires_in=expires_in)


def check_agent(state: SandboxState, body: dict) -> None:
    """Require the body's agentid to name the sandbox app."""
    agentid = body.get("agentid")
    if agentid in (None, ""):
        raise ApiError(41011, "agentid missing")
    try:
        matches = int(agentid) == state.agent_id
    except (TypeError, ValueError):
        matches = False
    if not matches:
        raise ApiError(40056, f"invalid agentid: {agentid!r}")


def _media_alive(state: SandboxState, media_id: str) -> bool:
    item = state.media.get(media_id)
    return bool(item) and state.now() - item["created"] < MEDIA_TTL


def _recipients(state: SandboxState, body: dict) -> tuple[list[str], dict[str, str]]:
    fields = {}
    for name in ("touser", "toparty", "totag"):
        value = body.get(name, "")
        if not isinstance(value, str):
            raise ApiError(40058, f"invalid parameter: {name} must be a string like \"a|b\"")
        fields[name] = value
    if not any(fields.values()):
        raise ApiError(82001, "touser, toparty and totag are all empty")
    names = sorted(state.members) if fields["touser"] == "@all" else [u for u in fields["touser"].split("|") if u]
    if len(names) > 1000:
        raise ApiError(40032, "touser holds more than 1000 userids")
    valid = list(dict.fromkeys(u for u in names if state.is_member(u)))
    invalid = {"invaliduser": "|".join(u for u in names if not state.is_member(u))}
    # The sandbox company has no departments or tags, so every party and tag is invalid.
    for name, answer in (("toparty", "invalidparty"), ("totag", "invalidtag")):
        if fields[name]:
            invalid[answer] = fields[name]
    if not valid:
        raise ApiError(81013, "user & party & tag all invalid")
    return valid, invalid


def _digest(body: dict) -> str:
    content = {k: v for k, v in body.items() if k not in _NOT_CONTENT}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@endpoint(bp, "message/send", ("POST",))
def message_send(state: SandboxState) -> dict:
    """Validate and deliver an app message to members, as message/send does."""
    body = json_body()
    check_agent(state, body)
    with state.lock:
        msgtype = validate_message(body, lambda media_id: _media_alive(state, media_id))
        users, invalid = _recipients(state, body)
        card = body.get("template_card") if msgtype == "template_card" else None
        task_id = card.get("task_id") if card else None
        now, digest = state.now(), _digest(body)
        interval = body.get("duplicate_check_interval") or DEFAULT_DUPLICATE_INTERVAL
        if body.get("enable_duplicate_check"):
            seen = {u: state.duplicates.get((u, digest)) for u in users}
            repeats = {u: hit[1] for u, hit in seen.items() if hit and now - hit[0] < interval}
            users = [u for u in users if u not in repeats]
            if not users:  # WeCom answers ok and delivers nothing
                return ok(**invalid, msgid=next(iter(repeats.values())))
        if task_id and task_id in state.task_ids:
            raise ApiError(40058, f"invalid parameter: task_id {task_id!r} already exists")
        msgid = new_id(24)
        interactive = bool(card) and card["card_type"] in INTERACTIVE
        code = state.issue_code(state.response_codes, msgid=msgid, users=users) if interactive else None
        state.messages[msgid] = {"users": users, "msgtype": msgtype, "task_id": task_id, "time": now}
        if task_id:
            state.task_ids[task_id] = msgid
        for user in users:
            state.deliver(user, {
                "channel": "app", "msgid": msgid, "msgtype": msgtype, "payload": copy.deepcopy(body),
                "task_id": task_id, "response_code": code, "card": copy.deepcopy(card), "card_update": None,
            })
            state.duplicates[(user, digest)] = (now, msgid)
    answer = ok(**invalid, msgid=msgid)
    if code:
        answer["response_code"] = code
    return answer


def _card_entries(state: SandboxState, msgid: str, users: list[str]) -> dict[str, dict]:
    found = {}
    for user in users:
        for entry in state.timeline.get(user, ()):
            if entry.get("msgid") == msgid and entry.get("direction") == "to_user" and not entry["dropped"]:
                found[user] = entry
    return found


@endpoint(bp, "message/update_template_card", ("POST",))
def update_template_card(state: SandboxState) -> dict:
    """Consume a response_code and grey a button or replace the card for the given users."""
    body = json_body()
    check_agent(state, body)
    button, card = body.get("button"), body.get("template_card")
    if (button is None) == (card is None):
        raise ApiError(40058, "invalid parameter: give exactly one of button and template_card")
    if button is not None and (not isinstance(button, dict) or not button.get("replace_name")):
        raise ApiError(42020, "missing button.replace_name")
    if card is not None:
        validate_template_card(card if isinstance(card, dict) else {})
    userids = body.get("userids") or []
    if not isinstance(userids, list) or len(userids) > 1000:
        raise ApiError(40058, "invalid parameter: userids must be a list of at most 1000 userids")
    if not userids and not body.get("atall") and not body.get("partyids") and not body.get("tagids"):
        raise ApiError(82001, "userids, partyids and tagids are all empty")
    with state.lock:
        pending = state.response_codes.get(body.get("response_code") or "")
        pending_task = state.messages[pending["msgid"]]["task_id"] if pending else None
        if pending and card is not None and card.get("task_id") not in (None, pending_task):
            raise ApiError(40058, "invalid parameter: template_card.task_id differs from the card's")
        status, record = state.take_code(state.response_codes, body.get("response_code"), RESPONSE_CODE_TTL)
        if status == "used":
            raise ApiError(42022, "response_code already used")
        if status != "ok":
            raise ApiError(40058, f"invalid parameter: response_code {status}")
        message = state.messages[record["msgid"]]
        targets = message["users"] if body.get("atall") else [u for u in userids if u in message["users"]]
        entries = _card_entries(state, record["msgid"], targets)
        for entry in entries.values():
            if button is not None:
                entry["card_update"] = {"replace_name": button["replace_name"], "time": state.now()}
            else:
                entry["card"] = copy.deepcopy(card)
                entry["card_update"] = {"replace_card": True, "time": state.now()}
        state.version += 1
    return ok(invaliduser=[u for u in userids if u not in entries])


_MAGIC = {
    "image": lambda d: d.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")),
    "voice": lambda d: d.startswith(b"#!AMR"),
    "video": lambda d: d[4:8] == b"ftyp",
}


@endpoint(bp, "media/upload", ("POST",))
def media_upload(state: SandboxState) -> dict:
    """Store an uploaded temporary media file (multipart field "media") and return its media_id."""
    kind = request.args.get("type")
    if kind not in MEDIA_LIMITS:
        raise ApiError(40005, f"invalid type: {kind!r}")
    upload = request.files.get("media")
    data = upload.read() if upload else b""
    filename = (upload.filename if upload else "") or f"media.{kind}"
    g.sandbox_body = {"type": kind, "filename": filename, "size": len(data)}
    if not data:
        raise ApiError(44001, "empty media data: send the file as multipart field \"media\"")
    if not 5 < len(data) <= MEDIA_LIMITS[kind]:
        raise ApiError(40006, f"invalid file size: {kind} must be 6 bytes to {MEDIA_LIMITS[kind] >> 20} MB")
    if kind in _MAGIC and not _MAGIC[kind](data):
        raise ApiError(40004, f"invalid media file type: {kind} must be JPG/PNG, AMR or MP4 as documented")
    with state.lock:
        media_id = new_id(32)
        state.media[media_id] = {
            "data": data, "type": kind, "filename": filename, "created": state.now(),
            "content_type": (upload.mimetype if upload else "") or "application/octet-stream",
        }
        state.version += 1
        return ok(type=kind, media_id=media_id, created_at=str(int(state.now())))


@endpoint(bp, "media/get")
def media_get(state: SandboxState) -> Response:
    """Return a stored media file's bytes."""
    media_id = request.args.get("media_id")
    if not media_id:
        raise ApiError(41006, "media_id missing")
    if not _media_alive(state, media_id):
        raise ApiError(40007, "invalid media_id")
    item = state.media[media_id]
    return send_file(io.BytesIO(item["data"]), mimetype=item["content_type"],
                     as_attachment=True, download_name=item["filename"])


@bp.route("/<path:rest>", methods=["GET", "POST"])
def not_implemented(rest: str) -> tuple[Response, int]:
    """Answer paths the sandbox does not fake with a 404 that names them."""
    sandbox_state().log_call({"path": rest, "method": request.method, "params": {}, "body": None,
                              "errcode": None, "status": 404, "fault": False})
    return jsonify({"errcode": 40058, "errmsg": f"the WeCom sandbox does not implement {rest}"}), 404
