"""Outbound rate limits, kept before the receiving side refuses: WeCom's (30/min and 1000/h per member,
10000/min and 150000/h per API), and the bounds of the channels that reach candidates outside the company —
SMS_RATE SendSms calls a second and MAIL_RATE e-mails a minute (docs/sms.md, docs/messaging.md)."""
from __future__ import annotations

import secrets
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
# A channel's place is taken before the call and the provider counts the call when it arrives, some milliseconds
# later and not always as many (a slow connection, a busy machine): each channel window is this share longer than
# the bound's (50 ms of SMS_RATE's second, 3 s of MAIL_RATE's minute), so that what the provider receives keeps
# the bound, at 5 % of the rate (measured: `make bench-bulk`, docs/testing.md).
SEND_MARGIN = 0.05
# One call for all of a channel's windows: drop what left each window, refuse if any is full (answering the
# seconds until it frees a place), else take a place in each. Scores are the client's clock, as the limits library's.
_TAKE = """
local now, wait = tonumber(ARGV[1]), 0
for i, key in ipairs(KEYS) do
  local window, limit = tonumber(ARGV[2 * i + 1]), tonumber(ARGV[2 * i + 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local over = redis.call('ZCARD', key) - limit
  if over >= 0 then
    local frees = redis.call('ZRANGE', key, over, over, 'WITHSCORES')
    wait = math.max(wait, tonumber(frees[2]) + window - now)
  end
end
if wait > 0 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('EXPIRE', key, math.ceil(tonumber(ARGV[2 * i + 1])) + 1)
end
return '0'
"""


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
        self.take = client.register_script(_TAKE)

    def _rules(self, api: str, members: list[str]) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        rules = [(item, ("api", api)) for item in self.per_api]
        rules += [(item, ("member", m)) for m in members for item in self.per_member]
        return rules

    def acquire(self, api: str, members: list[str]) -> None:
        """Count one call to api reaching members, or raise RateLimited without counting anything. A channel's
        call ("sms", "smtp") counts against the channel's own bound, not WeCom's."""
        if api in self.channels:
            return self._acquire_channel(api, self.channels[api])
        rules = self._rules(api, members)
        # Test-then-hit must not interleave with another worker's, or two could take the last slot.
        with self.lock_client.lock(f"limits:lock:{api}", timeout=5, blocking_timeout=5):
            for item, ids in rules:
                if not self.limiter.test(item, *ids):
                    stats = self.limiter.get_window_stats(item, *ids)
                    raise RateLimited(max(stats.reset_time - time.time(), 0.05), f"{item} for {ids[0]} {ids[1]}")
            for item, ids in rules:
                self.limiter.hit(item, *ids)
        return None

    def _acquire_channel(self, api: str, rules: Rules) -> None:
        keys = [f"limits:channel:{api}:{item.amount}:{item.get_expiry()}" for item in rules]
        windows = [value for item in rules for value in (item.get_expiry() * (1 + SEND_MARGIN), item.amount)]
        wait = float(self.take(keys=keys, args=[time.time(), secrets.token_hex(8), *windows]))
        if wait > 0:
            bounds = ", ".join(str(item) for item in rules)
            raise RateLimited(max(wait, 0.01), f"{bounds} for channel {api}")
