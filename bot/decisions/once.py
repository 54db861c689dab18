"""The exactly-once rule of a decision row (the AI round's Decision, the second round's RoundDecision): one row per
subject; 'hold' may be held again, or turn final once; a final outcome never changes. Of two simultaneous decisions
only one INSERT succeeds, or only one UPDATE matches outcome == 'hold': the other is answered "already"."""
from __future__ import annotations

import peewee as pw

from bot.clock import utcnow
from bot.store.db import database


def hold(model: type[pw.Model], subject: str, subject_id: int, userid: str) -> str:
    """Put the subject on hold (held), or hold it again; 'already' when it was decided."""
    now = utcnow()
    try:
        with database.atomic():
            model.create(**{subject: subject_id}, outcome="hold", decided_by=userid, decided_at=now,
                         held_by=userid, held_at=now)
        return "held"
    except pw.IntegrityError:
        changed = (model.update(held_by=userid, held_at=now)
                   .where((getattr(model, subject) == subject_id) & (model.outcome == "hold")).execute())
        return "held" if changed else "already"


def final(model: type[pw.Model], subject: str, subject_id: int, outcome: str, userid: str) -> str:
    """Decide the subject (decided), from nothing or from hold; 'already' when it was decided."""
    now = utcnow()
    try:
        with database.atomic():
            model.create(**{subject: subject_id}, outcome=outcome, decided_by=userid, decided_at=now)
        return "decided"
    except pw.IntegrityError:
        changed = (model.update(outcome=outcome, decided_by=userid, decided_at=now)
                   .where((getattr(model, subject) == subject_id) & (model.outcome == "hold")).execute())
        return "decided" if changed else "already"
