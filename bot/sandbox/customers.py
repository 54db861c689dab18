"""External WeChat users of the sandbox (candidates): entering the kf session, writing to it, adding a member.

These change state only; the console module sends the callbacks that tell the bot (docs/wecom.md §4).
"""
from __future__ import annotations

from typing import Any

from .state import KF_TOKEN_TTL, SandboxState, new_id
from .validate import ApiError


def _external_id() -> str:
    return "wm" + new_id(22).replace("-", "A").replace("_", "B")


def ensure_customer(state: SandboxState, name: str | None = None, external_userid: str | None = None) -> dict:
    """Return the WeChat user with this id (or, failing that, this name), creating one if needed."""
    with state.lock:
        if external_userid and external_userid in state.customers:
            return state.customers[external_userid]
        if external_userid and state.is_member(external_userid) and external_userid in state.timeline:
            raise ValueError(f"{external_userid} is already a member of the sandbox company")
        if name and not external_userid:
            for customer in state.customers.values():
                if customer["name"] == name:
                    return customer
        uid = external_userid or _external_id()
        customer = {
            "external_userid": uid, "name": name or uid, "openid": "o" + new_id(21),
            "kf": {}, "follow_users": [], "created": state.now(),
        }
        state.customers[uid] = customer
        state.version += 1
        return customer


def default_open_kfid(state: SandboxState) -> str:
    """Return the sandbox's first kf account."""
    return next(iter(state.kf_accounts))


def _kf_token(state: SandboxState) -> str:
    token = new_id(32)
    state.kf_tokens[token] = state.now() + KF_TOKEN_TTL
    return token


def _queue(state: SandboxState, record: dict[str, Any]) -> None:
    state.kf_msgs.append({"msgid": new_id(24), "send_time": int(state.now()), **record})


def kf_enter(state: SandboxState, customer: dict, open_kfid: str, scene: str = "", scene_param: str = "") -> str:
    """Record the customer opening the kf link: queue enter_session with a welcome code; return a sync token."""
    with state.lock:
        if open_kfid not in state.kf_accounts:
            raise ValueError(f"unknown open_kfid {open_kfid}")
        uid = customer["external_userid"]
        code = state.issue_code(state.kf_codes, open_kfid=open_kfid, external_userid=uid)
        customer["kf"][open_kfid] = {"scene": scene, "scene_param": scene_param, "entered": state.now()}
        event = {"event_type": "enter_session", "open_kfid": open_kfid, "external_userid": uid,
                 "scene": scene, "scene_param": scene_param, "welcome_code": code}
        _queue(state, {"open_kfid": open_kfid, "external_userid": uid, "origin": 4,
                       "msgtype": "event", "event": event})
        return _kf_token(state)


def kf_customer_text(state: SandboxState, customer: dict, open_kfid: str, text: str) -> str:
    """Record a text from the customer to the kf account, reopening the 48 h window; return a sync token."""
    with state.lock:
        uid = customer["external_userid"]
        _queue(state, {"open_kfid": open_kfid, "external_userid": uid, "origin": 3,
                       "msgtype": "text", "text": {"content": text}})
        state.kf_windows[(open_kfid, uid)] = {"last": state.now(), "sent": 0}
        return _kf_token(state)


def add_contact(state: SandboxState, customer: dict, userid: str, contact_state: str = "",
                config_id: str | None = None) -> str:
    """Record the customer adding a member as a WeChat contact; return the 20-second welcome code."""
    with state.lock:
        if config_id is not None:
            way = state.contact_ways.get(config_id)
            if way is None:
                raise ValueError(f"unknown config_id {config_id}")
            userid, contact_state = way["user"][0], way.get("state", "")
        if not state.is_member(userid):
            raise ValueError(f"{userid} is not a member of the sandbox company")
        uid = customer["external_userid"]
        customer["follow_users"] = [f for f in customer["follow_users"] if f["userid"] != userid]
        customer["follow_users"].append({
            "userid": userid, "remark": "", "description": "", "createtime": int(state.now()),
            "state": contact_state, "add_way": 1 if config_id else 0,
        })
        state.version += 1
        return state.issue_code(state.welcome_codes, userid=userid, external_userid=uid)


def require_customer(state: SandboxState, uid: Any, missing: int = 41035) -> dict:
    """Return the customer with this external_userid or raise WeCom's error for it."""
    if not isinstance(uid, str) or not uid:
        raise ApiError(missing, "external_userid missing")
    customer = state.customers.get(uid)
    if customer is None:
        raise ApiError(40096, f"invalid external_userid: {uid}")
    return customer
