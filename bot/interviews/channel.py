"""The channel a candidate actually has, in words for the page and the consent notice (the invitation's channel).

A candidate reached through 微信客服 or as a WeChat contact has no WeCom app; one reached by SMS or e-mail has
neither. Every "reply …" the candidate reads names where they can reply.
"""
from __future__ import annotations

from bot.store.models import Invitation

# Where a candidate replies, as it reads after "在…里回复" / "reply … in …".
WHERE = {
    "member": {"zh-CN": "企业微信", "en": "WeCom"},
    "kf": {"zh-CN": "微信的客服对话", "en": "the WeChat customer-service chat"},
    "external": {"zh-CN": "微信", "en": "WeChat"},
    "sms": {"zh-CN": "短信", "en": "a text message"},
    "email": {"zh-CN": "邮件", "en": "an e-mail"},
}


def channel_of(invitation: Invitation) -> str:
    """The invitation's channel (member | kf | external | sms | email); an unknown one reads as WeCom."""
    return invitation.channel if invitation.channel in WHERE else "member"


def where(channel: str, locale: str) -> str:
    """Where the candidate replies, in their language."""
    names = WHERE.get(channel, WHERE["member"])
    return names.get(locale, names["zh-CN"])


def describe(invitation: Invitation) -> dict[str, str]:
    """The channel's key and its words in every language the page offers (for the page's state)."""
    key = channel_of(invitation)
    return {"key": key, **WHERE[key]}
