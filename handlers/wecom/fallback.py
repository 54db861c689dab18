"""Everything no other handler claims: logged and answered 200, so WeCom doesn't retry it."""
from __future__ import annotations

import logging

from bot.wecom.registry import Inbound, handles, kind_of

log = logging.getLogger(__name__)


@handles("fallback")
def on_anything_else(inbound: Inbound) -> None:
    """Log the kind of message and drop it."""
    log.info("no handler for %s from %s", kind_of(inbound.message), inbound.message.source)
