"""Delivery queue: outbound WeCom messages, folded HR notices, erasure clean-up, webhooks."""
from __future__ import annotations

from bot.integrations import webhooks
from bot.invitations import invites  # noqa: F401  (settles an invitation once its card is delivered)
from bot.privacy import optout, rights  # noqa: F401  (optout: an SMS provider's 退订 recorded)
from bot.wecom import delivery, notify


def deliver(message_id: int) -> str:
    """Send one recorded message (exactly once) and run what follows its fate."""
    return delivery.deliver(message_id)


def send_text(touser: str, content: str, key: str) -> str:
    """Record and send a short reply to a member."""
    return delivery.send_text(touser, content, key)


def flush_hr(userid: str) -> int:
    """Send a recruiter's folded notices."""
    return notify.flush_hr(userid)


def scrub_notice(request_id: int, attempt: int = 0) -> str:
    """Forget whom an erased candidate's last message went to, once it is sent."""
    return rights.scrub_notice(request_id, attempt)


def deliver_webhook(delivery_id: int) -> str:
    """POST one webhook delivery."""
    return webhooks.deliver_webhook(delivery_id)
