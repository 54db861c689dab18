"""The words of a delivery policy (channels, kinds of message) and their parsing, shared by the settings
(DELIVERY_CHANNELS, DELIVERY_SMS_KINDS, DELIVERY_EMAIL_KINDS, DELIVERY_FALLBACK_HOURS) and a position document's
`delivery` section (bot/wecom/policy.py applies them; docs/messaging.md explains them).

A list may be written with the codes or the Chinese names HR reads (短信、邮件), separated by commas or 、.
"""
from __future__ import annotations

import re
from typing import Any

from config.parsers import SettingsError

CHANNELS = {"member": "企业微信", "kf": "微信客服", "external": "外部联系人", "sms": "短信", "email": "邮件"}
KINDS = {"invitation": "面试邀请", "reminder": "提醒", "second_round": "复试通知", "reschedule": "改期通知",
         "thanks": "感谢函", "offer": "录用通知", "notice": "其他通知"}
# An SMS carries no free text: only the kinds with an approved template (bot/sms/templates.py). The 感谢函, with its
# suggestions, the 录用通知 (offer) and everything else never go by SMS.
SMS_CAPABLE = ("invitation", "reminder", "second_round", "reschedule")
DEFAULT_CHANNELS = "member,kf,external,sms,email"
FALLBACK_HOURS_MAX = 24 * 30
POLICY_KEYS = ("channels", "sms", "email", "fallback_hours")
SEPARATORS = re.compile(r"[,，、\s]+")


class PolicyError(ValueError):
    """A policy breaks a rule: `field` is the key in the position's `delivery` section, the message says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _words(raw: Any, field: str) -> list[str]:
    if isinstance(raw, str):
        return [w for w in SEPARATORS.split(raw.strip()) if w]
    if isinstance(raw, list) and all(isinstance(w, str) for w in raw):
        return [w.strip() for w in raw if w.strip()]
    raise PolicyError(field, f"{field} must be a list of names")


def _codes(raw: Any, field: str, names: dict[str, str]) -> tuple[str, ...]:
    """The codes a list names (codes or Chinese names), each once, in the order written."""
    by_name = {**{code: code for code in names}, **{zh: code for code, zh in names.items()}}
    out: list[str] = []
    for word in _words(raw, field):
        code = by_name.get(word.lower() if word.isascii() else word)
        if code is None:
            raise PolicyError(field, f"{field}: unknown {word[:40]!r}; use "
                              + ", ".join(f"{c} ({zh})" for c, zh in names.items()))
        if code in out:
            raise PolicyError(field, f"{field}: {word} is named twice")
        out.append(code)
    return tuple(out)


def channels(raw: Any, field: str = "channels") -> tuple[str, ...]:
    """The channels in the order they are tried; at least one."""
    found = _codes(raw, field, CHANNELS)
    if not found:
        raise PolicyError(field, f"{field}: name at least one channel")
    return found


def kinds(raw: Any, field: str, channel: str) -> tuple[str, ...]:
    """The kinds of message a channel may carry (SMS: only those with an approved template)."""
    found = _codes(raw, field, KINDS)
    if channel == "sms" and (extra := [k for k in found if k not in SMS_CAPABLE]):
        raise PolicyError(field, f"{field}: an SMS carries no free text, so only "
                          + "、".join(KINDS[k] for k in SMS_CAPABLE) + " may go by SMS (not "
                          + "、".join(KINDS[k] for k in extra) + ")")
    return found


def parse_policy(doc: Any) -> dict[str, Any]:
    """A position's `delivery` section, normalised to codes; keys left out take the settings' values."""
    if not isinstance(doc, dict):
        raise PolicyError("", "'delivery' may set " + ", ".join(POLICY_KEYS))
    for key in doc:
        if key not in POLICY_KEYS:
            raise PolicyError(str(key), f"unknown key {str(key)[:40]!r}; known: {', '.join(POLICY_KEYS)}")
    out: dict[str, Any] = {}
    if "channels" in doc:
        out["channels"] = list(channels(doc["channels"]))
    for channel in ("sms", "email"):
        if channel in doc:
            out[channel] = list(kinds(doc[channel], channel, channel))
    if "fallback_hours" in doc:
        hours = doc["fallback_hours"]
        if type(hours) is not int or not 0 <= hours <= FALLBACK_HOURS_MAX:
            raise PolicyError("fallback_hours", f"fallback_hours must be a whole number from 0 (never) to "
                              f"{FALLBACK_HOURS_MAX} (got {hours!r})")
        out["fallback_hours"] = hours
    return out


def _setting(parse, raw: str) -> tuple[str, ...]:
    try:
        return parse(raw)
    except PolicyError as exc:
        raise SettingsError(str(exc)) from None  # the message starts with the name


def parse_channels(name: str, raw: str) -> tuple[str, ...]:
    """DELIVERY_CHANNELS: the channels in order."""
    return _setting(lambda r: channels(r, name), raw)


def parse_sms_kinds(name: str, raw: str) -> tuple[str, ...]:
    """DELIVERY_SMS_KINDS: the kinds of message that may go by SMS (empty: none)."""
    return _setting(lambda r: kinds(r, name, "sms"), raw)


def parse_email_kinds(name: str, raw: str) -> tuple[str, ...]:
    """DELIVERY_EMAIL_KINDS: the kinds of message that may go by e-mail (empty: none)."""
    return _setting(lambda r: kinds(r, name, "email"), raw)
