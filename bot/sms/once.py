"""One SMS per reference, however the sender dies. Neither provider de-duplicates: Tencent's SessionContext and
Alibaba's OutId are only echoed back (in receipts and status queries), never checked, so a send that dies or times
out after the provider took the SMS and before the outbox recorded it would, on its next try, send it again.

Before it asks the provider, a send notes here (Redis) that it is asking; the answer, as soon as it comes, is kept
with the note: taken (with the provider's id) or refused (the note goes). A later try of the same reference then
finds either the SMS taken — and sends nothing — or a note without an answer: the earlier try's answer was lost
(a worker killed mid-request, a read timeout), and the provider must be asked whether it has the SMS before it is
sent again (bot/sms/send.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from .codes import NETWORK, SmsOutcome

KEEP_SECONDS = 7 * 86400  # longer than any retry of a message; Tencent's status query looks 7 days back
_PREFIX = "sms:once:"


@dataclass(frozen=True)
class Earlier:
    """What an earlier try of a reference left: when it asked, whether the provider took the SMS, with what id."""

    asked_at: float  # UNIX seconds
    taken: bool
    provider_id: str = ""


def earlier(client: redis.Redis, reference: str) -> Earlier | None:
    """The earlier try of reference, or None when there was none (or its SMS was refused)."""
    found = {k.decode(): v.decode() for k, v in client.hgetall(_PREFIX + reference).items()}
    if "asked_at" not in found:
        return None
    return Earlier(float(found["asked_at"]), found.get("taken") == "1", found.get("provider_id", ""))


def asking(client: redis.Redis, reference: str, now: float | None = None) -> None:
    """Note that reference's SMS is being asked for now (before the request leaves)."""
    with client.pipeline() as pipe:
        pipe.hset(_PREFIX + reference, mapping={"asked_at": repr(now or time.time()), "taken": "0"})
        pipe.expire(_PREFIX + reference, KEEP_SECONDS)
        pipe.execute()


def answered(client: redis.Redis, reference: str, outcome: SmsOutcome) -> None:
    """Keep the provider's answer: taken (its id kept), refused (the note dropped: a next try asks afresh). No
    answer (the network's code) keeps the note as it is: the provider may have taken the SMS."""
    if outcome.outcome == "sent":
        with client.pipeline() as pipe:
            pipe.hset(_PREFIX + reference, mapping={"taken": "1", "provider_id": outcome.provider_id})
            pipe.hsetnx(_PREFIX + reference, "asked_at", repr(time.time()))
            pipe.expire(_PREFIX + reference, KEEP_SECONDS)
            pipe.execute()
    elif outcome.code != NETWORK:
        client.delete(_PREFIX + reference)
