"""The product's own per-number limit: at most SMS_DAILY_LIMIT SMS to one number in any 24 hours, counted in Redis
before the provider is asked, so the providers' stricter-looking refusals (Alibaba: 50 a day per signature and
template for notices; Tencent: whatever its console says) are not what stops a message.

Each SMS takes a place in the number's window under its reference before it is sent and gives it back when the
send did not go out; the same reference counts once, so retrying one message does not use up the window.
"""
from __future__ import annotations

import time

import redis

WINDOW_SECONDS = 24 * 3600
_PREFIX = "sms:window:"
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return {1, '0'} end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tostring(tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1]))}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return {1, '0'}
"""


def take(client: redis.Redis, number: str, reference: str, limit: int, now: float | None = None) -> float | None:
    """Take a place for reference in number's 24-hour window: None when taken, else the seconds until one frees."""
    taken, wait = client.eval(_TAKE, 1, _PREFIX + number, now or time.time(), WINDOW_SECONDS, limit, reference)
    return None if int(taken) else max(1.0, float(wait))


def give_back(client: redis.Redis, number: str, reference: str) -> None:
    """Free the place reference took (its SMS did not go out)."""
    client.zrem(_PREFIX + number, reference)


def used(client: redis.Redis, number: str, now: float | None = None) -> int:
    """How many places number's window holds now."""
    return int(client.zcount(_PREFIX + number, (now or time.time()) - WINDOW_SECONDS, "+inf"))
