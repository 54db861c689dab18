"""One exception root. UserError messages are safe to show in chat; WeComError keeps errcode/errmsg."""
from __future__ import annotations

import peewee
import redis


class InterviewBotError(Exception):
    """Root of the project's exceptions."""


class UserError(InterviewBotError):
    """A business error whose message is shown to the person who caused it."""


class WeComError(InterviewBotError):
    """The WeCom API answered with an error."""

    def __init__(self, errcode: int | None, errmsg: str, *, http_status: int | None = None):
        super().__init__(f"WeCom error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.http_status = http_status

    @property
    def transient(self) -> bool:
        """True when retrying later can succeed (busy, rate or concurrency limit, server or network error)."""
        return self.errcode in (None, -1, 45009, 45033) or (self.http_status or 0) >= 500


class RateLimited(InterviewBotError):
    """Sending now would break a WeCom limit; try again after retry_after seconds."""

    def __init__(self, retry_after: float, rule: str):
        super().__init__(f"rate limited by {rule}; retry in {retry_after:.1f}s")
        self.retry_after = retry_after
        self.rule = rule


# Redis or the database away for a moment (a restart, a failover, a lock held too long): worth trying again.
OUTAGES = (redis.ConnectionError, redis.TimeoutError, peewee.OperationalError, peewee.InterfaceError)
# During an outage requests get 503 with Retry-After, never a 500: WeCom re-sends a callback it was refused, the
# H5 page and API clients retry.
RETRY_AFTER_SECONDS = 5
