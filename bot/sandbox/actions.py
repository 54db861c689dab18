"""Things a person does in the console that WeCom reports to the bot: say, click, events, kf, contacts.

Each builds the callback XML (protocol.py), records the act in the user's conversation, and posts it
to the bot's receive URL with WeCom's retries. Network calls happen outside the state lock.
CreateTime and the signature timestamp use the wall clock, not the sandbox clock, because the bot
checks them against its own.
"""
from __future__ import annotations

import copy
import secrets
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from . import customers, protocol
from .delivery import send_xml, verify_url
from .gate import sandbox_state
from .state import SandboxState
from .validate import INTERACTIVE, card_keys

bp = Blueprint("sandbox_actions", __name__, url_prefix="/sandbox/api")


class ConsoleError(ValueError):
    """A console request that cannot be carried out; its text is shown to the person."""


def _deliver(state: SandboxState, user: str | None, entry: dict, xml: str, *, with_agent: bool = True) -> dict:
    settings = current_app.config["SANDBOX_SETTINGS"]
    recorded = {**entry, "direction": "from_user", "delivery": None}
    if user:  # an event from nobody in particular (FromUserName absent or "sys") has no conversation
        recorded = state.add_entry(user, recorded)
    result = send_xml(current_app.config["SANDBOX_CALLBACK_URL"], settings.wecom_token, settings.wecom_aes_key,
                      settings.wecom_corp_id, xml, settings.wecom_agent_id if with_agent else None)
    with state.lock:
        recorded["delivery"] = result
        state.version += 1
    return result


def new_msg_id() -> int:
    """Return a fresh 64-bit MsgId like WeCom's."""
    return secrets.randbelow(9 * 10**18) + 10**18


def say(state: SandboxState, user: str, text: str, open_kfid: str | None = None) -> dict[str, Any]:
    """Send a text from a member to the app, or from a WeChat user to the kf account."""
    if state.is_customer(user):
        customer = state.customers[user]
        open_kfid = open_kfid or next(iter(customer["kf"]), None)
        if open_kfid is None:
            raise ConsoleError("这个微信用户还没有进入客服会话：先打开客服链接")
        token = customers.kf_customer_text(state, customer, open_kfid, text)
        xml = protocol.event_xml(state.corp_id, None, "kf_msg_or_event", None,
                                 {"Token": token, "OpenKfId": open_kfid})
        entry = {"channel": "kf", "msgtype": "text", "content": text}
        return {"delivery": _deliver(state, user, entry, xml, with_agent=False)}
    if not state.is_member(user):
        raise ConsoleError(f"不是有效的 userid：{user!r}")
    msg_id = new_msg_id()
    xml = protocol.text_message_xml(state.corp_id, user, text, msg_id, state.agent_id)
    entry = {"channel": "app", "msgtype": "text", "content": text, "msgid": str(msg_id)}
    return {"msgid": str(msg_id), "delivery": _deliver(state, user, entry, xml)}


def _find_card(state: SandboxState, user: str, msgid: str) -> dict:
    for entry in state.timeline.get(user, ()):
        if entry.get("msgid") == msgid and entry["direction"] == "to_user" and entry.get("card"):
            if entry["dropped"]:
                raise ConsoleError("这条消息已被丢弃，用户没有收到")
            return entry
    raise ConsoleError(f"{user} 没有收到 msgid 为 {msgid} 的模板卡片")


def click(state: SandboxState, user: str, msgid: str, key: str,
          selected: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Click a button (or submit a vote/selection) on a card: a template_card_event with a fresh ResponseCode."""
    with state.lock:
        entry = _find_card(state, user, msgid)
        card = entry["card"]
        if (entry.get("card_update") or {}).get("replace_name"):
            raise ConsoleError("卡片已更新，按钮不可再点")
        if key not in card_keys(card):
            raise ConsoleError(f"卡片上没有 key 为 {key!r} 的按钮")
        code = state.issue_code(state.response_codes, msgid=msgid, users=[user])
        card_type = card["card_type"]
    task_id = card.get("task_id") or entry.get("task_id") or ""
    items = selected if card_type in INTERACTIVE and card_type != "button_interaction" else None
    xml = protocol.card_event_xml(state.corp_id, user, key, task_id, code, state.agent_id, card_type,
                                  selected_items=items)
    record = {"channel": "app", "msgtype": "click", "msgid": msgid, "key": key, "selected": items}
    return {"response_code": code, "delivery": _deliver(state, user, record, xml)}


def enter_kf(state: SandboxState, *, name: str | None = None, external_userid: str | None = None,
             open_kfid: str | None = None, scene: str = "", scene_param: str = "") -> dict[str, Any]:
    """Play a WeChat user opening the kf link: enter_session, then kf_msg_or_event to the bot."""
    try:
        customer = customers.ensure_customer(state, name, external_userid)
        open_kfid = open_kfid or customers.default_open_kfid(state)
        token = customers.kf_enter(state, customer, open_kfid, scene, scene_param)
    except ValueError as exc:
        raise ConsoleError(str(exc)) from None
    xml = protocol.event_xml(state.corp_id, None, "kf_msg_or_event", None, {"Token": token, "OpenKfId": open_kfid})
    entry = {"channel": "kf", "msgtype": "event", "event": "enter_session", "scene_param": scene_param}
    uid = customer["external_userid"]
    return {"external_userid": uid, "open_kfid": open_kfid,
            "delivery": _deliver(state, uid, entry, xml, with_agent=False)}


def add_contact(state: SandboxState, *, name: str | None = None, external_userid: str | None = None,
                userid: str = "", contact_state: str = "", config_id: str | None = None) -> dict[str, Any]:
    """Play a WeChat user adding a member: change_external_contact with State and WelcomeCode."""
    try:
        customer = customers.ensure_customer(state, name, external_userid)
        code = customers.add_contact(state, customer, userid, contact_state, config_id)
    except ValueError as exc:
        raise ConsoleError(str(exc)) from None
    follow = customer["follow_users"][-1]
    extra = {"ChangeType": "add_external_contact", "UserID": follow["userid"],
             "ExternalUserID": customer["external_userid"], "State": follow["state"] or None, "WelcomeCode": code}
    xml = protocol.event_xml(state.corp_id, "sys", "change_external_contact", state.agent_id, extra)
    entry = {"channel": "contact", "msgtype": "event", "event": "add_external_contact", "userid": follow["userid"]}
    uid = customer["external_userid"]
    return {"external_userid": uid, "userid": follow["userid"], "delivery": _deliver(state, uid, entry, xml)}


def confirm_template(state: SandboxState, userid: str, msgid: str) -> dict[str, Any]:
    """Play the member tapping 发送 on a mass-message task: its customers receive it (no callback)."""
    with state.lock:
        task = next((e for e in state.timeline.get(userid, ()) if e.get("msgid") == msgid
                     and e.get("channel") == "msg_template"), None)
        if task is None:
            raise ConsoleError(f"{userid} 没有 msgid 为 {msgid} 的群发任务")
        if task["confirmed"]:
            raise ConsoleError("这条群发任务已经发送过了")
        task["confirmed"] = True
        for uid in task["targets"]:
            state.add_entry(uid, {"direction": "to_user", "channel": "external", "msgid": msgid, "msgtype": "text",
                                  "payload": copy.deepcopy(task["payload"]), "from_member": userid, "dropped": False})
        return {"delivered": list(task["targets"])}


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ConsoleError("请求体必须是 JSON 对象")
    return data


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConsoleError(f"缺少 {key}")
    return value


@bp.errorhandler(ConsoleError)
def _console_error(exc: ConsoleError) -> tuple[Response, int]:
    return jsonify({"ok": False, "error": str(exc)}), 400


def _answer(result: dict[str, Any]) -> Response:
    return jsonify({"ok": result["delivery"]["ok"], **result})


@bp.post("/say")
def say_view() -> Response:
    """Send {"from", "text"} to the bot as a member's (or WeChat user's) message."""
    data = _body()
    return _answer(say(sandbox_state(), _text(data, "from"), _text(data, "text"), data.get("open_kfid")))


@bp.post("/click")
def click_view() -> Response:
    """Click {"user", "msgid", "key"} on a delivered card."""
    data = _body()
    selected = data.get("selected")
    if selected is not None and not isinstance(selected, dict):
        raise ConsoleError("selected 必须是 {question_key: [option_id, ...]}")
    return _answer(click(sandbox_state(), _text(data, "user"), _text(data, "msgid"), _text(data, "key"), selected))


@bp.post("/event")
def event_view() -> Response:
    """Send any event {"from", "event", "extra"} to the bot."""
    data = _body()
    state, event = sandbox_state(), _text(data, "event")
    extra = data.get("extra") or {}
    if not isinstance(extra, dict):
        raise ConsoleError("extra 必须是 JSON 对象")
    user = data.get("from")
    with_agent = data.get("agent", event != "kf_msg_or_event")
    try:
        xml = protocol.event_xml(state.corp_id, user, event, state.agent_id if with_agent else None, extra)
    except ValueError as exc:
        raise ConsoleError(str(exc)) from None
    entry = {"channel": "app", "msgtype": "event", "event": event, "extra": extra}
    recipient = user if user and user != "sys" else None
    return _answer({"delivery": _deliver(state, recipient, entry, xml, with_agent=bool(with_agent))})


@bp.post("/kf/enter")
def kf_enter_view() -> Response:
    """Play a WeChat user entering the kf session."""
    data = _body()
    return _answer(enter_kf(sandbox_state(), name=data.get("name"), external_userid=data.get("external_userid"),
                            open_kfid=data.get("open_kfid"), scene=data.get("scene") or "",
                            scene_param=data.get("scene_param") or ""))


@bp.post("/contact/add")
def contact_add_view() -> Response:
    """Play a WeChat user adding a member as a contact."""
    data = _body()
    return _answer(add_contact(sandbox_state(), name=data.get("name"), external_userid=data.get("external_userid"),
                               userid=data.get("userid") or "", contact_state=data.get("state") or "",
                               config_id=data.get("config_id")))


@bp.post("/contact/confirm")
def contact_confirm_view() -> Response:
    """Play a member confirming a mass-message task to customers."""
    data = _body()
    return jsonify({"ok": True, **confirm_template(sandbox_state(), _text(data, "userid"), _text(data, "msgid"))})


@bp.post("/verify_url")
def verify_url_view() -> Response:
    """Run WeCom's GET check of the receive URL."""
    settings = current_app.config["SANDBOX_SETTINGS"]
    result = verify_url(current_app.config["SANDBOX_CALLBACK_URL"], settings.wecom_token,
                        settings.wecom_aes_key, settings.wecom_corp_id)
    return jsonify(result)
