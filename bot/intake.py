"""Taking WeCom's messages: de-duplicate and append to a Redis Stream in one atomic step.

The callback answers as soon as a message is durably taken; the dispatcher (jobs/dispatcher.py) reads
the stream through a consumer group and runs the handler registry. Keeping the request to this one
Redis call is what lets it answer WeCom fast under load (see `make bench`).
"""
from __future__ import annotations

import json
from typing import Any

import redis

STREAM = "wecom:inbound"
DEAD_LETTERS = "wecom:inbound:dead"
SEEN_TTL = 24 * 3600  # WeCom retries within seconds; a day covers any replay inside the timestamp window
STREAM_CAP = 1_000_000  # a safety cap: entries are deleted once handled, so this only bounds a backlog

_ACCEPT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'key', ARGV[3], 'doc', ARGV[4])
end
return false
"""


class Intake:
    """Takes a decrypted message into the stream unless the same one was taken before."""

    def __init__(self, client: redis.Redis):
        self.client = client
        self._accept = client.register_script(_ACCEPT)

    def take(self, key: str, doc: dict[str, Any]) -> bool:
        """Append doc to the stream under its de-duplication key; False when it was already taken."""
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        entry = self._accept(keys=[f"wecom:seen:{key}", STREAM], args=[SEEN_TTL, STREAM_CAP, key, body])
        return entry is not None
