"""The dispatcher: `python -m jobs.dispatcher` reads taken WeCom messages and runs the handler registry.

Several dispatchers may run (one Redis consumer group). An entry is acknowledged and deleted only after
its handler returned; one left pending by a crashed dispatcher is claimed by another after
CLAIM_IDLE_MS; one that fails MAX_ATTEMPTS times is moved to the dead-letter stream with its error.
Handlers enqueue RQ jobs under ids derived from the message's key, so running one twice is harmless.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import time

import redis

from bot.wecom.inbound import to_message
from bot.wecom.intake import DEAD_LETTERS, STREAM, STREAM_CAP
from bot.wecom.registry import Inbound, dispatch
from config.settings import Settings

log = logging.getLogger(__name__)

GROUP = "dispatch"
CLAIM_IDLE_MS = 30_000
MAX_ATTEMPTS = 5
ATTEMPTS = "wecom:inbound:attempts"
BLOCK_MS = 2000  # below redis-py's default 5 s read timeout on unix sockets (the embedded Redis)


def ensure_group(client: redis.Redis) -> None:
    """Create the consumer group (reading from the stream's start) unless it exists."""
    try:
        client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _handle(client: redis.Redis, settings: Settings, entry_id: bytes, fields: dict[bytes, bytes]) -> None:
    try:
        doc = json.loads(fields[b"doc"])
        dispatch(Inbound(message=to_message(doc), key=fields[b"key"].decode(), settings=settings))
    except Exception as exc:
        attempts = client.hincrby(ATTEMPTS, entry_id, 1)
        log.exception("handling %s failed (attempt %d)", entry_id.decode(), attempts)
        if attempts < MAX_ATTEMPTS:
            return  # stays pending; claimed again after CLAIM_IDLE_MS
        client.xadd(DEAD_LETTERS, {**fields, b"error": f"{type(exc).__name__}: {exc}"[:500]},
                    maxlen=STREAM_CAP, approximate=True)
    with client.pipeline(transaction=False) as pipe:
        pipe.xack(STREAM, GROUP, entry_id).xdel(STREAM, entry_id).hdel(ATTEMPTS, entry_id)
        pipe.execute()


def process(client: redis.Redis, settings: Settings, consumer: str, *, block_ms: int | None = None,
            count: int = 100) -> int:
    """Handle what is waiting (and reclaim what a dead dispatcher left); return how many entries."""
    # Redis 6.2 (the embedded one) answers [cursor, entries]; Redis 7 adds a third element.
    try:
        claimed = client.xautoclaim(STREAM, GROUP, consumer, min_idle_time=CLAIM_IDLE_MS, count=count)[1]
    except redis.ResponseError as exc:
        if "NOGROUP" not in str(exc):
            raise
        log.warning("the consumer group is gone (Redis restarted without its data); creating it again")
        ensure_group(client)
        claimed = []
    entries = [(entry_id, fields) for entry_id, fields in claimed if fields]
    read = client.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=count, block=block_ms)
    for _, batch in read or []:
        entries.extend(batch)
    for entry_id, fields in entries:
        _handle(client, settings, entry_id, fields)
    return len(entries)


def main() -> None:
    """Dispatch forever."""
    from bot.store.db import init_database
    from bot.store.kv import get_redis, wait_for_redis
    from config.settings import get_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    init_database(settings.database_url)  # who may run a command: the organisation's tables (bot/org)
    client = get_redis(settings)
    wait_for_redis(client)
    import handlers.wecom  # noqa: F401  (fills the handler registry)

    ensure_group(client)
    consumer = f"{socket.gethostname()}-{os.getpid()}"
    log.info("dispatching %s as %s", STREAM, consumer)
    while True:
        try:
            process(client, settings, consumer, block_ms=BLOCK_MS)
        except redis.ConnectionError as exc:
            log.warning("Redis unavailable (%s); retrying", exc)
            wait_for_redis(client, timeout=3600)
        except Exception:  # keep dispatching: one bad turn must not stop every later message
            log.exception("dispatch loop error; continuing")
            time.sleep(1)


if __name__ == "__main__":
    main()
