"""RQ queues, named by purpose, and a helper that enqueues with a deterministic job id."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from rq import Queue, Retry
from rq.job import Job

from bot.store.kv import get_redis

COMMANDS = "commands"    # recruiter commands and card clicks: a person is waiting
DELIVERY = "delivery"    # outbound messages
SCORING = "scoring"      # transcription and scoring (slow)
ALL_QUEUES = (COMMANDS, DELIVERY, SCORING)


def get_queue(name: str) -> Queue:
    """Return the queue called name on this process's Redis."""
    return Queue(name, connection=get_redis(), default_timeout=300)


def job_id(prefix: str, key: str) -> str:
    """Return a deterministic, Redis-safe job id for prefix and key."""
    return f"{prefix}-{hashlib.sha1(key.encode()).hexdigest()[:24]}"


def enqueue(queue: str, func: Callable[..., Any], *args: Any, key: str, retry: Retry | None = None,
            delay: float | None = None) -> Job:
    """Enqueue func(*args) once per key: a job with the same id already waiting is not added again."""
    q = get_queue(queue)
    jid = job_id(func.__name__, key)
    existing = q.fetch_job(jid)
    if existing is not None and existing.get_status(refresh=True) in ("queued", "scheduled", "deferred"):
        return existing
    if delay:
        return q.enqueue_in(dt.timedelta(seconds=delay), func, *args, job_id=jid, retry=retry)
    return q.enqueue(func, *args, job_id=jid, retry=retry)
