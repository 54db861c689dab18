"""What WeCom puts on the wire when it calls an app's receive URL (docs/wecom.md §1).

Pure functions shared by the sandbox console and by tests of the bot: XML builders for messages and
events, and the AES envelope with its msg_signature. The AES work is wechatpy's, not ours.
"""
from __future__ import annotations

import base64
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any

from wechatpy.crypto import _get_signature
from wechatpy.work.crypto import PrpCrypto

_TAG = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def cdata(value: object) -> str:
    """Wrap a value in CDATA, splitting any "]]>" so the section cannot be closed early."""
    text = str(value).replace("]]>", "]]]]><![CDATA[>")
    return f"<![CDATA[{text}]]>"


def new_nonce() -> str:
    """Return a nonce shaped like WeCom's (a run of digits)."""
    return str(secrets.randbelow(9_000_000_000) + 1_000_000_000)


def _encrypt(aes_key: str, corp_id: str, plaintext: str) -> str:
    key = base64.b64decode(aes_key + "=")
    return PrpCrypto(key).encrypt(plaintext, corp_id).decode()


def encrypt_callback(
    token: str,
    aes_key: str,
    corp_id: str,
    xml_plaintext: str,
    *,
    agent_id: int | str | None = None,
    timestamp: int | str | None = None,
    nonce: str | None = None,
) -> tuple[dict[str, str], bytes]:
    """Encrypt a callback XML as WeCom does; return the query params and the POST body."""
    timestamp = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce or new_nonce()
    encrypted = _encrypt(aes_key, corp_id, xml_plaintext)
    signature = _get_signature(token, timestamp, nonce, encrypted)
    agent = "" if agent_id is None else f"<AgentID>{cdata(agent_id)}</AgentID>"
    body = f"<xml><ToUserName>{cdata(corp_id)}</ToUserName>{agent}<Encrypt>{cdata(encrypted)}</Encrypt></xml>"
    params = {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}
    return params, body.encode("utf-8")


def url_verification_params(
    token: str,
    aes_key: str,
    corp_id: str,
    echostr_plain: str,
    *,
    timestamp: int | str | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Build the query of WeCom's GET check of a receive URL (the echostr comes back decrypted)."""
    timestamp = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce or new_nonce()
    echostr = _encrypt(aes_key, corp_id, echostr_plain)
    signature = _get_signature(token, timestamp, nonce, echostr)
    return {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce, "echostr": echostr}


def _element(tag: str, value: Any) -> str:
    if not _TAG.fullmatch(tag):
        raise ValueError(f"not an XML element name: {tag!r}")
    if isinstance(value, Mapping):
        inner = "".join(_element(k, v) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        # A list repeats the element: {"OptionIds": {"OptionId": ["a", "b"]}}.
        return "".join(_element(tag, item) for item in value)
    elif isinstance(value, bool):
        inner = str(int(value))
    elif isinstance(value, int):
        inner = str(value)  # WeCom writes numbers (CreateTime, MsgId, AgentID) bare.
    else:
        inner = cdata(value)
    return f"<{tag}>{inner}</{tag}>"


def _xml(fields: Mapping[str, Any]) -> str:
    return "<xml>" + "".join(_element(k, v) for k, v in fields.items() if v is not None) + "</xml>"


def _now(create_time: int | None) -> int:
    return int(time.time()) if create_time is None else int(create_time)


def text_message_xml(
    corp_id: str, from_user: str, content: str, msg_id: int | str, agent_id: int | str,
    create_time: int | None = None,
) -> str:
    """Build the plaintext XML of a member's text message to the app."""
    return _xml({
        "ToUserName": corp_id,
        "FromUserName": from_user,
        "CreateTime": _now(create_time),
        "MsgType": "text",
        "Content": content,
        "MsgId": int(msg_id),
        "AgentID": int(agent_id),
    })


def card_event_xml(
    corp_id: str, from_user: str, event_key: str, task_id: str, response_code: str, agent_id: int | str,
    card_type: str = "button_interaction", create_time: int | None = None,
    selected_items: Mapping[str, list[str]] | None = None,
) -> str:
    """Build the template_card_event a click on an interactive card sends."""
    fields: dict[str, Any] = {
        "ToUserName": corp_id,
        "FromUserName": from_user,
        "CreateTime": _now(create_time),
        "MsgType": "event",
        "Event": "template_card_event",
        "EventKey": event_key,
        "TaskId": task_id,
        "CardType": card_type,
        "ResponseCode": response_code,
        "AgentID": int(agent_id),
    }
    if selected_items:
        fields["SelectedItems"] = {"SelectedItem": [
            {"QuestionKey": key, "OptionIds": {"OptionId": list(ids)}} for key, ids in selected_items.items()
        ]}
    return _xml(fields)


def event_xml(
    corp_id: str, from_user: str | None, event: str, agent_id: int | str | None,
    extra: Mapping[str, Any] | None = None, create_time: int | None = None,
) -> str:
    """Build any other event; from_user or agent_id None leaves that element out (kf events have neither)."""
    fields: dict[str, Any] = {
        "ToUserName": corp_id,
        "FromUserName": from_user,
        "CreateTime": _now(create_time),
        "MsgType": "event",
        "Event": event,
    }
    fields.update(extra or {})
    if agent_id is not None:
        fields["AgentID"] = int(agent_id)
    return _xml(fields)
