"""RQ queues, named by purpose, and a helper that enqueues with a deterministic job id."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from typing import Any

import redis
from rq import Queue, Retry
from rq.job import Job

from bot.store.kv import get_redis

COMMANDS = "commands"    # recruiter commands and card clicks: a person is waiting
DELIVERY = "delivery"    # outbound messages
SCORING = "scoring"      # transcription and scoring (slow)
ALL_QUEUES = (COMMANDS, DELIVERY, SCORING)


def get_queue(name: str) -> Queue:
    """Return the queue called name on this process's Redis."""
    return _queue(name, get_redis())


@functools.lru_cache(maxsize=16)
def _queue(name: str, connection: redis.Redis) -> Queue:
    # Kept per process: a fresh Queue asks Redis for INFO on its first enqueue.
    return Queue(name, connection=connection, default_timeout=300)


def job_id(prefix: str, key: str) -> str:
    """Return a deterministic, Redis-safe job id for prefix and key."""
    return f"{prefix}-{hashlib.sha1(key.encode()).hexdigest()[:24]}"


def enqueue(queue: str, func: Callable[..., Any] | str, *args: Any, key: str, retry: Retry | None = None,
            delay: float | None = None, timeout: int | None = None) -> Job:
    """Enqueue func(*args) under a job id derived from key; func is a job of jobs/ or its dotted name.

    Features name their jobs ("jobs.delivery.deliver") instead of importing them: jobs/ sits above the features.

    Callers enqueue once per key (the callback de-duplicates first); where a key can come twice (retries,
    periodic ticks) the job itself is idempotent, so no lookup is spent here on the hot path.
    """
    q = get_queue(queue)
    jid = job_id(func.rsplit(".", 1)[-1] if isinstance(func, str) else func.__name__, key)
    if delay:
        return q.enqueue_in(dt.timedelta(seconds=delay), func, *args, job_id=jid, retry=retry, job_timeout=timeout)
    # One round trip instead of two; no MULTI/EXEC: a single job has nothing to interleave with.
    with q.connection.pipeline(transaction=False) as pipe:
        job = q.enqueue(func, *args, job_id=jid, retry=retry, job_timeout=timeout, pipeline=pipe)
        pipe.execute()
    return job
