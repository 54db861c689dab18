"""Safe parsing of WeCom's XML into wechatpy message objects, and the de-duplication key."""
from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy.fields import IntegerField, StringField
from wechatpy.messages import BaseMessage, UnknownMessage
from wechatpy.work.events import EVENT_TYPES, BaseEvent
from wechatpy.work.messages import MESSAGE_TYPES

MAX_BODY_BYTES = 64 * 1024  # WeCom's envelopes are a few KB; anything larger is not WeCom
INTEGER = re.compile(r"-?[0-9]{1,19}")


class MalformedMessage(ValueError):
    """The body is not a well-formed, entity-free WeCom XML document."""


class TemplateCardEvent(BaseEvent):
    """A click on a template card button (wechatpy has no class for it)."""

    event = "template_card_event"
    event_key = StringField("EventKey")
    task_id = StringField("TaskId")
    card_type = StringField("CardType")
    response_code = StringField("ResponseCode")
    agent = IntegerField("AgentID", 0)


class EnterAgentEvent(BaseEvent):
    """A member opened the app's chat."""

    event = "enter_agent"
    agent = IntegerField("AgentID", 0)


assert EVENT_TYPES["template_card_event"] is TemplateCardEvent


def parse_xml(body: bytes | str) -> dict[str, Any]:
    """Parse a WeCom XML document into a flat dict; refuse DTDs, entities and junk."""
    raw = body.encode() if isinstance(body, str) else body
    if not raw.strip():
        raise MalformedMessage("empty body")
    try:
        # defusedxml rejects DTDs (XXE, entity expansion) before anything is built from the text.
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError) as exc:
        raise MalformedMessage(f"not acceptable XML: {type(exc).__name__}") from None
    if root.tag != "xml" or not len(root):
        raise MalformedMessage("the root element must be a non-empty <xml>")
    return _children(root)


def _children(element: Element) -> dict[str, Any]:
    """Turn WeCom's XML into a dict as xmltodict would: text leaves, nested dicts, lists for repeats."""
    out: dict[str, Any] = {}
    for child in element:
        value: Any = _children(child) if len(child) else (child.text or "").strip() or None
        if child.tag in out:
            if not isinstance(out[child.tag], list):
                out[child.tag] = [out[child.tag]]
            out[child.tag].append(value)
        else:
            out[child.tag] = value
    return out


def to_message(doc: dict[str, Any]) -> BaseMessage:
    """Build the wechatpy message or event object for a decrypted document."""
    msg_type = str(doc.get("MsgType") or "").lower()
    if not msg_type:
        raise MalformedMessage("MsgType is required")  # kf events carry no FromUserName
    if msg_type == "event":
        cls = EVENT_TYPES.get(str(doc.get("Event") or "").lower(), UnknownMessage)
    else:
        cls = MESSAGE_TYPES.get(msg_type, UnknownMessage)
    message = cls(doc)
    _check_fields(message)
    return message


def _check_fields(message: BaseMessage) -> None:
    """The fields the message's class knows are text, and its numbers numbers, as WeCom sends them: a repeated
    or nested <Content>, or <CreateTime>soon</CreateTime>, would otherwise fail later, inside a handler."""
    for field in type(message)._fields.values():
        value = message._data.get(field.name)
        if value is None:
            continue
        if not isinstance(value, str):
            shape = "repeated" if isinstance(value, list) else "nested"
            raise MalformedMessage(f"{field.name} must be text, not {shape}")
        if isinstance(field, IntegerField) and not INTEGER.fullmatch(value):
            raise MalformedMessage(f"{field.name} must be a number")


def dedupe_key(doc: dict[str, Any]) -> str:
    """Return the key WeCom's retries share: MsgId for messages, sender + CreateTime for events."""
    if doc.get("MsgId"):
        return f"msg:{doc['MsgId']}"
    # Event type and key narrow it further, so two different clicks in one second are not merged.
    parts = (doc.get("FromUserName"), doc.get("CreateTime"), doc.get("Event"), doc.get("EventKey"),
             doc.get("ResponseCode"), doc.get("Token"))
    return "evt:" + "|".join(str(p or "") for p in parts)
