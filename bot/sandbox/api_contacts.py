"""Fake WeCom API, part 2: 微信客服 (kf), 客户联系 (externalcontact) and OAuth getuserinfo (docs/wecom.md §4-5).

Sandbox choices where the docs leave the code open: 95000 unknown open_kfid, 95001 more than 5
messages in a window, 95002 outside the 48 h window, 95007 invalid sync token, 40058 invalid
send_msg_on_event code; a kf/send_msg repeating a msgid already sent answers ok and delivers nothing;
add_msg_template puts customers over 4 tasks a month (or not following the sender) in fail_list.
Documented ones: 41049/41050 welcome_code, 84061 no such contact, 40029 code.
"""
from __future__ import annotations

import copy
import re

from flask import Blueprint, request

from .customers import require_customer
from .gate import endpoint, json_body, ok
from .state import EVENT_CODE_TTL, KF_WINDOW, KF_WINDOW_MESSAGES, OAUTH_CODE_TTL, SandboxState, new_id
from .validate import ApiError, nbytes

bp = Blueprint("sandbox_api_contacts", __name__, url_prefix="/cgi-bin")

KF_MSGTYPES = ("text", "image", "voice", "video", "file", "link", "miniprogram", "msgmenu", "location")
ATTACHMENT_TYPES = ("image", "link", "miniprogram", "video", "file")
SCENE = re.compile(r"[0-9a-zA-Z_-]{0,32}")
TEMPLATE_PER_MONTH = 4  # sandbox choice: WeCom limits how many mass messages a customer receives a month


def _open_kfid(state: SandboxState, body: dict) -> str:
    open_kfid = body.get("open_kfid")
    if open_kfid not in state.kf_accounts:
        raise ApiError(95000, f"invalid open_kfid: {open_kfid!r}")
    return open_kfid


@endpoint(bp, "kf/account/list", ("GET", "POST"))
def kf_account_list(state: SandboxState) -> dict:
    """List the sandbox's kf accounts."""
    if request.method == "POST":
        json_body()
    return ok(account_list=[dict(a) for a in state.kf_accounts.values()])


@endpoint(bp, "kf/add_contact_way", ("POST",))
def kf_add_contact_way(state: SandboxState) -> dict:
    """Return the link a WeChat user opens to enter the kf session."""
    body = json_body()
    open_kfid = _open_kfid(state, body)
    scene = body.get("scene") or ""
    if not isinstance(scene, str) or not SCENE.fullmatch(scene):
        raise ApiError(40058, "invalid parameter: scene must be at most 32 of [0-9a-zA-Z_-]")
    # The link leads to the sandbox's own page, where a person plays the WeChat user who opens it;
    # the caller appends &scene_param=... as with the real link.
    url = f"{request.host_url}sandbox/kf/{open_kfid}"
    return ok(url=f"{url}?enc_scene={scene}" if scene else url)


def _kf_content(state: SandboxState, body: dict, allowed: tuple[str, ...]) -> str:
    msgtype = body.get("msgtype")
    if msgtype not in allowed:
        raise ApiError(40008, f"invalid message type: {msgtype!r}")
    part = body.get(msgtype)
    if not isinstance(part, dict):
        raise ApiError(40058, f"invalid parameter: {msgtype} must be an object")
    if msgtype == "text":
        content = part.get("content")
        if not isinstance(content, str) or not content:
            raise ApiError(44004, "empty text content")
        if nbytes(content) > 2048:
            raise ApiError(45002, "text.content exceeds 2048 bytes")
    elif msgtype == "link" and not (part.get("title") and part.get("url") and part.get("thumb_media_id")):
        raise ApiError(40058, "invalid parameter: link needs title, url and thumb_media_id")
    elif msgtype in ("image", "voice", "video", "file") and part.get("media_id") not in state.media:
        raise ApiError(40007, "invalid media_id")
    return msgtype


def _msgid(body: dict) -> str:
    msgid = body.get("msgid")
    if msgid is None:
        return new_id(24)
    if not isinstance(msgid, str) or not re.fullmatch(r"[0-9a-zA-Z_-]{1,32}", msgid):
        raise ApiError(40058, "invalid parameter: msgid must be 1-32 of [0-9a-zA-Z_-]")
    return msgid


@endpoint(bp, "kf/send_msg", ("POST",))
def kf_send_msg(state: SandboxState) -> dict:
    """Send a kf message inside the 48-hour, 5-message window the customer opened."""
    body = json_body()
    open_kfid = _open_kfid(state, body)
    customer = require_customer(state, body.get("touser"), missing=40058)
    msgtype = _kf_content(state, body, KF_MSGTYPES)
    msgid = _msgid(body)
    with state.lock:
        if msgid in state.kf_sent:
            return ok(msgid=msgid)  # the same message again: delivered once
        window = state.kf_windows.get((open_kfid, customer["external_userid"]))
        if window is None or state.now() - window["last"] > KF_WINDOW:
            raise ApiError(95002, "send msg time limit: the customer has not written in the last 48 hours")
        if window["sent"] >= KF_WINDOW_MESSAGES:
            raise ApiError(95001, "send msg count limit: 5 messages per customer message")
        window["sent"] += 1
        state.kf_sent.add(msgid)
        _show_kf(state, customer["external_userid"], msgid, msgtype, body)
    return ok(msgid=msgid)


@endpoint(bp, "kf/send_msg_on_event", ("POST",))
def kf_send_msg_on_event(state: SandboxState) -> dict:
    """Send the welcome of an enter_session event with its single-use 20-second code."""
    body = json_body()
    msgtype = _kf_content(state, body, ("text", "msgmenu"))
    msgid = _msgid(body)
    with state.lock:
        status, record = state.take_code(state.kf_codes, body.get("code"), EVENT_CODE_TTL)
        if status != "ok":
            raise ApiError(40058, f"invalid parameter: code {status} (single use, valid 20 seconds)")
        _show_kf(state, record["external_userid"], msgid, msgtype, body)
    return ok(msgid=msgid)


def _show_kf(state: SandboxState, external_userid: str, msgid: str, msgtype: str, body: dict) -> None:
    """Put a kf message into the WeChat user's conversation."""
    state.add_entry(external_userid, {
        "direction": "to_user", "channel": "kf", "msgid": msgid, "msgtype": msgtype,
        "payload": copy.deepcopy(body), "dropped": False,
    })


@endpoint(bp, "kf/sync_msg", ("POST",))
def kf_sync_msg(state: SandboxState) -> dict:
    """Return queued customer messages and events from a cursor."""
    body = json_body()
    limit = body.get("limit", 1000)
    if not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise ApiError(40058, "invalid parameter: limit must be 1-1000")
    with state.lock:
        token = body.get("token")
        if token and state.kf_tokens.get(token, 0) <= state.now():
            raise ApiError(95007, "invalid msg token")
        cursor = body.get("cursor") or "0"
        if not str(cursor).isdigit() or int(cursor) > len(state.kf_msgs):
            raise ApiError(50100, "invalid cursor")
        wanted = body.get("open_kfid")
        matching = [i for i in range(int(cursor), len(state.kf_msgs))
                    if not wanted or state.kf_msgs[i]["open_kfid"] == wanted]
        page = matching[:limit]
        next_cursor = page[-1] + 1 if page else len(state.kf_msgs)
        return ok(next_cursor=str(next_cursor), has_more=int(len(matching) > limit),
                  msg_list=[copy.deepcopy(state.kf_msgs[i]) for i in page])


@endpoint(bp, "externalcontact/add_contact_way", ("POST",))
def add_contact_way(state: SandboxState) -> dict:
    """Create a 联系我 configuration whose state returns in the add event."""
    body = json_body()
    kind, scene = body.get("type"), body.get("scene")
    if kind is None:
        raise ApiError(41037, "missing type")
    if scene is None:
        raise ApiError(41038, "missing scene")
    if kind not in (1, 2):
        raise ApiError(41039, "invalid type")
    if scene not in (1, 2):
        raise ApiError(41040, "invalid scene")
    contact_state = body.get("state") or ""
    if not isinstance(contact_state, str) or len(contact_state) > 30:
        raise ApiError(40058, "invalid parameter: state must be at most 30 characters")
    users = body.get("user") or []
    if not isinstance(users, list) or not users or (kind == 1 and len(users) != 1) or len(users) > 100:
        raise ApiError(40058, "invalid parameter: user must list one member (type 1) or up to 100 (type 2)")
    bad = [u for u in users if not isinstance(u, str) or not state.is_member(u)]
    if bad:
        raise ApiError(40003, f"invalid userid: {bad[0]!r}")
    with state.lock:
        config_id = new_id(16)
        state.contact_ways[config_id] = {"config_id": config_id, "type": kind, "scene": scene,
                                         "state": contact_state, "user": list(users)}
        answer = ok(config_id=config_id)
        if scene == 2:
            answer["qr_code"] = f"{request.host_url}sandbox/contact/{config_id}"
        return answer


def _check_attachment(item: object, i: int) -> None:
    if not isinstance(item, dict) or item.get("msgtype") not in ATTACHMENT_TYPES:
        raise ApiError(41065, f"invalid attachment type at attachments[{i}]")
    part = item.get(item["msgtype"])
    if not isinstance(part, dict):
        raise ApiError(40058, f"invalid parameter: attachments[{i}] has no {item['msgtype']} object")
    if item["msgtype"] == "link":
        if not part.get("title"):
            raise ApiError(41016, f"missing attachments[{i}].link.title")
        if not part.get("url"):
            raise ApiError(41010, f"missing attachments[{i}].link.url")
        if nbytes(part["title"]) > 128 or nbytes(part.get("desc") or "") > 512:
            raise ApiError(45002, f"attachments[{i}].link title or desc too long")


@endpoint(bp, "externalcontact/send_welcome_msg", ("POST",))
def send_welcome_msg(state: SandboxState) -> dict:
    """Send the welcome message with its single-use 20-second welcome_code."""
    body = json_body()
    if not body.get("welcome_code"):
        raise ApiError(41049, "missing welcome_code")
    text = body.get("text") or {}
    attachments = body.get("attachments") or []
    if not isinstance(attachments, list) or len(attachments) > 9:
        raise ApiError(40058, "invalid parameter: at most 9 attachments")
    for i, item in enumerate(attachments):
        _check_attachment(item, i)
    content = text.get("content") if isinstance(text, dict) else None
    if content is not None and nbytes(str(content)) > 4000:
        raise ApiError(45002, "text.content exceeds 4000 bytes")
    if not content and not attachments:
        raise ApiError(40058, "invalid parameter: give text or attachments")
    with state.lock:
        status, record = state.take_code(state.welcome_codes, body["welcome_code"], EVENT_CODE_TTL)
        if status != "ok":
            raise ApiError(41050, f"invalid welcome_code ({status}; single use within 20 seconds)")
        state.add_entry(record["external_userid"], {
            "direction": "to_user", "channel": "welcome", "msgid": new_id(24), "msgtype": "welcome",
            "payload": copy.deepcopy(body), "from_member": record["userid"], "dropped": False,
        })
    return ok()


@endpoint(bp, "externalcontact/add_msg_template", ("POST",))
def add_msg_template(state: SandboxState) -> dict:
    """Create a mass-message task: the sender (a member) must confirm it before customers receive it."""
    body = json_body()
    if body.get("chat_type", "single") != "single":
        raise ApiError(40058, "invalid parameter: the sandbox fakes chat_type single only")
    targets = body.get("external_userid") or []
    if not isinstance(targets, list) or not targets or len(targets) > 10000:
        raise ApiError(40058, "invalid parameter: external_userid must list 1-10000 customers")
    sender = body.get("sender") or ""
    if not isinstance(sender, str) or not state.is_member(sender):
        raise ApiError(40003, f"invalid userid: {sender!r}")
    text = body.get("text") or {}
    content = text.get("content") if isinstance(text, dict) else None
    attachments = body.get("attachments") or []
    if not isinstance(attachments, list) or len(attachments) > 9:
        raise ApiError(40058, "invalid parameter: at most 9 attachments")
    for i, item in enumerate(attachments):
        _check_attachment(item, i)
    if content is not None and nbytes(str(content)) > 4000:
        raise ApiError(45002, "text.content exceeds 4000 bytes")
    if not content and not attachments:
        raise ApiError(40058, "invalid parameter: give text or attachments")
    with state.lock:
        month = int(state.now() // (30 * 86400))
        ok_targets, fail_list = [], []
        for uid in targets:
            customer = state.customers.get(uid) if isinstance(uid, str) else None
            follows = customer is not None and any(f["userid"] == sender for f in customer["follow_users"])
            used = customer.setdefault("templates", {}).get(month, 0) if customer else 0
            if follows and used < TEMPLATE_PER_MONTH:
                customer["templates"][month] = used + 1
                ok_targets.append(uid)
            else:
                fail_list.append(uid)
        msgid = "msg" + new_id(16)
        if ok_targets:
            state.add_entry(sender, {
                "direction": "to_user", "channel": "msg_template", "msgid": msgid, "msgtype": "msg_template",
                "payload": copy.deepcopy(body), "targets": ok_targets, "confirmed": False, "dropped": False,
            })
    return ok(fail_list=fail_list, msgid=msgid)


@endpoint(bp, "externalcontact/get")
def externalcontact_get(state: SandboxState) -> dict:
    """Return an external contact and the members who follow it."""
    uid = request.args.get("external_userid")
    if not uid:
        raise ApiError(41035, "missing external_userid")
    customer = state.customers.get(uid)
    if customer is None or not customer["follow_users"]:
        raise ApiError(84061, "not external contact")
    contact = {"external_userid": uid, "name": customer["name"], "type": 1, "avatar": "", "gender": 0}
    return ok(external_contact=contact, follow_user=copy.deepcopy(customer["follow_users"]))


def _oauth_user(state: SandboxState) -> tuple[str, dict | None]:
    code = request.args.get("code")
    if not code:
        raise ApiError(41008, "missing code")
    status, record = state.take_code(state.oauth_codes, code, OAUTH_CODE_TTL)
    if status != "ok":
        raise ApiError(40029, f"invalid code ({status}; single use within 5 minutes)")
    uid = record["userid"]
    return uid, state.customers.get(uid)


@endpoint(bp, "auth/getuserinfo")
def auth_getuserinfo(state: SandboxState) -> dict:
    """Resolve an OAuth code: members get userid, WeChat users openid."""
    uid, customer = _oauth_user(state)
    if customer is None:
        return ok(userid=uid)
    answer = ok(openid=customer["openid"])
    if customer["follow_users"]:  # only customers of the company get an external_userid
        answer["external_userid"] = uid
    return answer


@endpoint(bp, "user/getuserinfo")
def user_getuserinfo(state: SandboxState) -> dict:
    """The older name wechatpy's client.oauth.get_user_info calls; capitalised keys as it documents."""
    uid, customer = _oauth_user(state)
    if customer is None:
        return ok(UserId=uid, DeviceId="")
    return ok(OpenId=customer["openid"], DeviceId="")
