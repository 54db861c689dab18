"""One registry of inbound handlers, filled by the @handles decorator."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from wechatpy.messages import BaseMessage

from config.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inbound:
    """What a handler gets: the parsed message, its de-duplication key and the settings."""

    message: BaseMessage
    key: str
    settings: Settings


Handler = Callable[[Inbound], None]
_handlers: dict[str, Handler] = {}


def kind_of(message: BaseMessage) -> str:
    """Return the registry key of a message: 'text', 'event:template_card_event', ..."""
    # From the raw fields: events wechatpy has no class for parse as UnknownMessage, type "unknown".
    data = message._data
    msg_type = str(data.get("MsgType") or "").lower()
    if msg_type == "event":
        return f"event:{str(data.get('Event') or '').lower()}"
    return msg_type


def handles(*kinds: str) -> Callable[[Handler], Handler]:
    """Register the decorated function for the given kinds ('fallback' catches the rest)."""

    def register(func: Handler) -> Handler:
        for kind in kinds:
            if kind in _handlers:
                raise RuntimeError(f"two handlers for {kind}: {_handlers[kind].__qualname__}, {func.__qualname__}")
            _handlers[kind] = func
        return func

    return register


def dispatch(inbound: Inbound) -> str:
    """Run the handler registered for the message's kind (or the fallback); return the kind."""
    kind = kind_of(inbound.message)
    handler = _handlers.get(kind) or _handlers["fallback"]
    handler(inbound)
    return kind
