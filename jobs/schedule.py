"""Periodic work: the scheduler process only enqueues these; workers run them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jobs import delivery, invitations
from jobs.queues import COMMANDS, DELIVERY


@dataclass(frozen=True)
class Periodic:
    func: Callable[..., Any]
    queue: str
    seconds: int


SCHEDULE = [
    Periodic(delivery.requeue_due, DELIVERY, 60),           # stalled, deferred and orphaned sends
    Periodic(invitations.expire_invitations, COMMANDS, 600),
]
