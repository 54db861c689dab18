"""Outbound rate limits, kept before the receiving side refuses: WeCom's (30/min and 1000/h per member,
10000/min and 150000/h per API), and the bounds of the channels that reach candidates outside the company —
SMS_RATE SendSms calls a second and MAIL_RATE e-mails a minute (docs/sms.md, docs/messaging.md)."""
from __future__ import annotations

import time
from collections.abc import Mapping

import redis
from limits import RateLimitItem, parse
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from bot.errors import RateLimited
from config.settings import Settings, get_settings

# WeCom drops a member's excess messages silently, so the member limits are hard ones.
PER_MEMBER = (parse("30/minute"), parse("1000/hour"))
PER_API = (parse("10000/minute"), parse("150000/hour"))
Rules = tuple[RateLimitItem, ...]


def channel_rules(settings: Settings) -> dict[str, Rules]:
    """The non-WeCom APIs and their own bounds, in place of WeCom's per-API rules: "sms" (the provider's SendSms,
    SMS_RATE a second for the whole deployment) and "smtp" (the mail server, MAIL_RATE a minute)."""
    return {"sms": (parse(f"{settings.sms_rate}/second"),), "smtp": (parse(f"{settings.mail_rate}/minute"),)}


class OutboundLimiter:
    """Moving-window limits kept in Redis, so every worker process shares them."""

    def __init__(self, client: redis.Redis, *, per_member: Rules = PER_MEMBER, per_api: Rules = PER_API,
                 channels: Mapping[str, Rules] | None = None):
        storage = RedisStorage("redis://unused", connection_pool=client.connection_pool, key_prefix="limits")
        self.limiter = MovingWindowRateLimiter(storage)
        self.per_member = per_member
        self.per_api = per_api
        self.channels = channel_rules(get_settings()) if channels is None else channels
        self.lock_client = client

    def _rules(self, api: str, members: list[str]) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        if api in self.channels:  # SMS or e-mail: the provider's bound, not WeCom's
            rules = [(item, ("channel", api)) for item in self.channels[api]]
        else:
            rules = [(item, ("api", api)) for item in self.per_api]
        rules += [(item, ("member", m)) for m in members for item in self.per_member]
        return rules

    def acquire(self, api: str, members: list[str]) -> None:
        """Count one call to api reaching members, or raise RateLimited without counting anything."""
        rules = self._rules(api, members)
        # Test-then-hit must not interleave with another worker's, or two could take the last slot.
        with self.lock_client.lock(f"limits:lock:{api}", timeout=5, blocking_timeout=5):
            for item, ids in rules:
                if not self.limiter.test(item, *ids):
                    stats = self.limiter.get_window_stats(item, *ids)
                    raise RateLimited(max(stats.reset_time - time.time(), 0.05), f"{item} for {ids[0]} {ids[1]}")
            for item, ids in rules:
                self.limiter.hit(item, *ids)
