"""The retention job, daily: nothing personal is kept longer than the consent notice says.

- Recordings (objects through bot/store/storage, their rows, leftover upload chunks) of interviews completed — or
  abandoned: never completed, their deadline passed — more than RECORDING_RETENTION_DAYS ago. The interview is
  marked (``media_purged_at``) and its report page says the recording was deleted under the retention policy.
- Candidates erased (bot/privacy/erasure.py, source ``retention``) when nothing has happened in their applications for
  PERSONAL_DATA_RETENTION_DAYS — no invitation created, opened or still open, no interview started or completed,
  no report, decision or appointment — and WITHDRAWN_DAYS after the last of those for candidates who left the talent
  pool (退出人才库): they asked not to be kept; the 30 days leave time for a human review they may ask for.
- The fields of bulk-sheet rows that never became an invitation (invalid or screened-out rows: names, phones, ID
  numbers), PERSONAL_DATA_RETENTION_DAYS after their upload.
- Anything that reached an erased candidate's interview after the erasure (a backstop: the erasure sweeps twice),
  and any résumé (file and row) kept for an erased candidate.

Each step works in bounded batches, each batch its own transactions, and selects only what is still to do, so a
run that stops anywhere is finished by the next. A run takes no new batch after RUN_SECONDS and queues the next run.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter

from bot.clock import utcnow
from bot.privacy import erasure, rights
from bot.queues import COMMANDS, enqueue
from bot.store.db import db_session
from bot.store.models import (
    Answer,
    Appointment,
    BulkItem,
    BulkRun,
    Candidate,
    Decision,
    Interview,
    Invitation,
    Report,
    Resume,
)
from config.settings import Settings, get_settings

log = logging.getLogger(__name__)

BATCH = 100
RUN_SECONDS = 240  # the periodic job's timeout is 300 s
WITHDRAWN_DAYS = 30


def apply_retention(round_no: int = 0) -> dict[str, int]:
    """Delete what is past its retention period; return (and log) the counts."""
    settings = get_settings()
    now = utcnow()
    until = time.monotonic() + RUN_SECONDS
    counts: Counter = Counter()
    more = False
    with db_session():
        for step in (purge_recordings, erase_inactive, scrub_old_sheets, erased_leftovers, erased_resumes):
            done, unfinished = step(settings, now, until)
            counts.update(done)
            more = more or unfinished
    counts["notices_scrubbed"] += rights.stale_notices(now)
    result = {k: v for k, v in sorted(counts.items()) if v}
    log.info("retention%s: %s", f" (round {round_no + 1})" if round_no else "", result or "nothing to delete")
    if more:  # bounded: the rest in a fresh job
        enqueue(COMMANDS, "jobs.privacy.apply_retention", round_no + 1,
                key=f"retention:{now:%Y%m%d%H%M}:{round_no + 1}")
        result["continued"] = 1
    return result


def purge_recordings(settings: Settings, now: dt.datetime, until: float) -> tuple[Counter, bool]:
    """Recordings of interviews that ended more than RECORDING_RETENTION_DAYS ago; (counts, unfinished)."""
    cutoff = now - dt.timedelta(days=settings.recording_retention_days)
    ended = (Interview.completed_at < cutoff) | ((Interview.status != "completed") & (Invitation.expires_at < cutoff))
    due = (Interview.select(Interview.id).join(Invitation)
           .where(Interview.media_purged_at.is_null() & ended).order_by(Interview.id).limit(BATCH))
    counts: Counter = Counter()
    while batch := [row.id for row in due.clone()]:  # clone(): a query keeps the rows it read the first time
        if time.monotonic() >= until:
            return counts, True
        for interview_id in batch:
            counts["recordings"] += erasure.delete_recordings(settings, [interview_id])
            counts["upload_folders"] += erasure.delete_upload_folders(settings, [interview_id])
            counts["interviews_purged"] += Interview.update(media_purged_at=now).where(
                (Interview.id == interview_id) & Interview.media_purged_at.is_null()).execute()
    return counts, False


def recently_active(moment: dt.datetime):
    """The ids of candidates who did (or have) something in their applications at or after moment."""
    by = Invitation.candidate
    invitations = Invitation.select(by).where((Invitation.created_at >= moment) | (Invitation.opened_at >= moment)
                                              | (Invitation.expires_at >= moment))
    interviews = (Interview.select(by).join(Invitation)
                  .where((Interview.started_at >= moment) | (Interview.completed_at >= moment)))
    reports = Report.select(by).join(Interview).join(Invitation).where(Report.created_at >= moment)
    decisions = (Decision.select(by).join(Interview).join(Invitation)
                 .where((Decision.decided_at >= moment) | (Decision.held_at >= moment)))
    appointments = Appointment.select(by).join(Invitation).where(Appointment.starts_at >= moment)
    return invitations | interviews | reports | decisions | appointments


def erase_inactive(settings: Settings, now: dt.datetime, until: float) -> tuple[Counter, bool]:
    """Erase candidates past their retention period (withdrawn ones sooner); (counts, unfinished)."""
    cutoff = now - dt.timedelta(days=settings.personal_data_retention_days)
    withdrawn_cutoff = now - dt.timedelta(days=min(WITHDRAWN_DAYS, settings.personal_data_retention_days))
    inactive = ((Candidate.created_at < cutoff) & Candidate.id.not_in(recently_active(cutoff)))
    left = (Candidate.withdrawn_at.is_null(False) & (Candidate.withdrawn_at < withdrawn_cutoff)
            & (Candidate.created_at < withdrawn_cutoff) & Candidate.id.not_in(recently_active(withdrawn_cutoff)))
    counts: Counter = Counter()
    failed: set[int] = set()
    while True:
        due = (Candidate.select(Candidate.id).where(Candidate.erased_at.is_null() & (inactive | left))
               .order_by(Candidate.id).limit(BATCH))
        if failed:
            due = due.where(Candidate.id.not_in(sorted(failed)))
        batch = [row.id for row in due]
        if not batch:
            return counts, False
        if time.monotonic() >= until:
            return counts, True
        for candidate_id in batch:
            try:
                request = erasure.erase(candidate_id, "retention", "retention", f"retention:{candidate_id}",
                                        settings=settings)
            except Exception:  # one candidate's trouble (the object store down) must not stop the rest
                log.exception("retention: erasing candidate %s failed; the next run tries again", candidate_id)
                failed.add(candidate_id)
                counts["candidates_failed"] += 1
                continue
            counts["candidates_erased"] += 1
            for name in ("recordings", "answers", "analyses"):
                counts[name] += request.summary.get(name, 0)


def scrub_old_sheets(settings: Settings, now: dt.datetime, until: float) -> tuple[Counter, bool]:
    """Blank the fields of old bulk-sheet rows that never became an invitation; (counts, unfinished)."""
    cutoff = now - dt.timedelta(days=settings.personal_data_retention_days)
    old_runs = BulkRun.select(BulkRun.id).where(BulkRun.created_at < cutoff)
    due = (BulkItem.select(BulkItem.id).where(BulkItem.run.in_(old_runs) & BulkItem.invitation.is_null()
                                              & (BulkItem.fields != {})).order_by(BulkItem.id).limit(BATCH * 10))
    counts: Counter = Counter()
    while batch := [row.id for row in due.clone()]:
        if time.monotonic() >= until:
            return counts, True
        counts["sheet_rows"] += BulkItem.update(fields={}, verdict=None, reason="").where(
            BulkItem.id.in_(batch)).execute()
    return counts, False


def erased_leftovers(settings: Settings, now: dt.datetime, until: float) -> tuple[Counter, bool]:
    """Answers (and their recordings) that reached an erased candidate's interview after the erasure; should
    one ever slip past the erasure's own last sweep, it goes here. (counts, unfinished)"""
    due = (Answer.select(Answer.interview).distinct().join(Interview).join(Invitation).join(Candidate)
           .where(Candidate.erased_at.is_null(False)).limit(BATCH))
    counts: Counter = Counter()
    while batch := [row.interview_id for row in due.clone()]:
        if time.monotonic() >= until:
            return counts, True
        counts["late_answers"] += erasure.leftovers(settings, batch)
    return counts, False


def erased_resumes(settings: Settings, now: dt.datetime, until: float) -> tuple[Counter, bool]:
    """Résumés (files and rows) of erased candidates: one that arrived after the erasure (a bulk run or an API call
    still under way). (counts, unfinished)"""
    due = (Resume.select(Resume.candidate).distinct().join(Candidate)
           .where(Candidate.erased_at.is_null(False)).limit(BATCH))
    counts: Counter = Counter()
    while batch := [row.candidate_id for row in due.clone()]:
        if time.monotonic() >= until:
            return counts, True
        counts["late_resumes"] += erasure.delete_resumes(settings, batch)
    return counts, False
