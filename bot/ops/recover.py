"""Recovery: the database says which work is owed; put back the jobs that were lost on the way.

RQ keeps jobs only in Redis. A worker killed mid-job (OOM, a machine gone) leaves its job "started": RQ notices
only after the job's heartbeat ran out *and* another worker's maintenance came round (up to 10 minutes later),
and then re-runs it only if it had retries left. A Redis restarted without its data forgets every queued job.
Every minute `sweep` compares the database with Redis and puts back the work nothing is doing — a job under its
own deterministic id, and only when no live job has that id:

- an answer without an analysis → its score_answer job;
- an interview whose every question is answered but that never completed (the request died between saving
  the last answer and completing) → complete it now (the candidate and the recruiter are told, as usual);
- a completed interview whose answers are all analysed but that has no report → its build_report job;
- a report without its HR result card (the worker died after storing it) → the webhook, the card, the pool;
- a pass or reject without the candidate's 复试通知 / 感谢函 → the message and the webhook;
- an upload left 'closing' by a finish that died (a killed worker, a locked database) → its finish is completed
  (the recording stored once, the answer saved once), or, where this host cannot read its chunks, it is opened
  again for the page to finish.

Everything it triggers is idempotent (unique rows, fixed outbox keys), so a race with the normal path costs
at most a job that finds its work done. Other sweeps cover the rest and are not repeated here: outbound
messages (delivery.requeue_due), folded HR notices (notify.flush_stale_batches), bulk runs (bulk.watch),
webhook deliveries (webhooks.requeue_stalled). Only work between GRACE and LOOKBACK old is looked at.

`retry_outages` is the workers' RQ exception handler: a job that failed because Redis or the database was
briefly away runs again after a pause, whether or not it was enqueued with retries.
"""
from __future__ import annotations

import datetime as dt
import logging
import socket
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import peewee as pw
import psutil
import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.utils import now as rq_now
from rq.worker import Worker

from bot.clock import utcnow
from bot.decisions import results as decisions
from bot.errors import OUTAGES
from bot.integrations import webhooks
from bot.interviews import uploads
from bot.interviews.flow import complete
from bot.queues import SCORING, get_queue, job_id
from bot.reports.queue import queue_answer, queue_report
from bot.store.db import db_session
from bot.store.kv import get_redis
from bot.store.models import (
    Answer,
    AnswerAnalysis,
    Candidate,
    Decision,
    Interview,
    Invitation,
    OutboundMessage,
    Report,
    Upload,
)
from bot.talent import pool as talent
from config.settings import get_settings

log = logging.getLogger(__name__)

GRACE = dt.timedelta(minutes=2)    # younger work may still have its request or its job on the way
LOOKBACK = dt.timedelta(days=7)    # older work was settled long ago (or by hand)
BATCH = 200                        # rows looked up at once
HEARTBEAT_STALE = 90               # seconds: RQ's heartbeat TTL (job monitoring interval 30 s + 60 s)
MAX_RECOVERIES = 5                 # a day; a job that kills its worker every time is then left alone (logged)
RECOVERIES_KEY = "recover:{}"
LIVE = (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED)
OUTAGE_RETRY_SECONDS = (5, 15, 60, 300, 900)  # a job that met an outage tries again after these pauses


def sweep() -> dict[str, int]:
    """Put back the work the database still waits for and no live job is doing; return counts by kind."""
    connection = get_redis()
    now = utcnow()
    since, until = now - LOOKBACK, now - GRACE
    with db_session():
        counts = {
            "answers": _score_answers(connection, since, until),
            "completions": _complete_interviews(since, until),
            "reports": _build_reports(connection, since, until),
            "cards": _announce_reports(since, until),
            "results": _tell_candidates(since, until),
            "uploads": _finish_uploads(),
        }
    if any(counts.values()):
        log.warning("recovered lost work: %s", counts)
    return counts


def put_back(connection: redis.Redis, queue: str, jid: str) -> bool:
    """True when job jid is gone — never queued, lost with Redis, failed, or abandoned by a dead worker — and
    may be enqueued again (an abandoned run is first taken out of RQ's started registry, so RQ's own cleanup
    does not run it a second time)."""
    try:
        job = Job.fetch(jid, connection=connection)
    except NoSuchJobError:
        return _allowed(connection, jid)
    status = job.get_status(refresh=False)
    if status in LIVE:
        return False
    if status == JobStatus.STARTED:
        if not abandoned(job, connection):
            return False
        get_queue(queue).started_job_registry.remove_executions(job)
    return _allowed(connection, jid)


def abandoned(job: Job, connection: redis.Redis) -> bool:
    """True when the worker running a started job is gone: the job's heartbeat stopped, the worker's
    registration expired, or the worker ran on this machine and its process is dead."""
    if job.last_heartbeat and (rq_now() - job.last_heartbeat).total_seconds() > HEARTBEAT_STALE:
        return True
    if not job.worker_name:
        return True
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + job.worker_name, connection=connection)
    if worker is None:
        return True
    return worker.hostname == socket.gethostname() and worker.pid is not None and not _running(worker.pid)


def _running(pid: int) -> bool:
    """True unless process pid is gone or a zombie (dead, its exit status not yet collected: a scorer whose
    supervisor died first waits as one until something reaps it)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # another user's process: alive
        return True


def _allowed(connection: redis.Redis, jid: str) -> bool:
    key = RECOVERIES_KEY.format(jid)
    with connection.pipeline(transaction=False) as pipe:
        times, _ = pipe.incr(key).expire(key, 86400).execute()
    if times > MAX_RECOVERIES:
        if times == MAX_RECOVERIES + 1:
            log.error("job %s was put back %d times today and is still not done; leaving it alone", jid,
                      MAX_RECOVERIES)
        return False
    return True


def _chunks(rows: Iterable[Any], size: int = BATCH) -> Iterable[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _not_erased(condition: pw.Expression) -> pw.Expression:
    return condition & Candidate.erased_at.is_null()  # an erased candidate is owed nothing more


# The helpers import the modules they put work back into when they run: a worker that imports this module
# for retry_outages should not load the scoring stack (numpy, jieba, Praat) before it forks.

def _score_answers(connection: redis.Redis, since: dt.datetime, until: dt.datetime) -> int:
    answers = list(Answer.select(Answer.id, Answer.retakes_used)
                   .join(Interview).join(Invitation).join(Candidate)
                   .where(_not_erased(Answer.id.not_in(AnswerAnalysis.select(AnswerAnalysis.answer))
                                      & Answer.created_at.between(since, until)
                                      & Interview.media_purged_at.is_null()))
                   .order_by(Answer.id))
    done = 0
    for answer in answers:
        if put_back(connection, SCORING, job_id("score_answer",
                                                f"answer:{answer.id}:{answer.retakes_used}")):
            queue_answer(answer)  # the same key, so the same job id
            done += 1
    return done


def _complete_interviews(since: dt.datetime, until: dt.datetime) -> int:
    answered = (Answer.select(Answer.interview, pw.fn.COUNT(Answer.id).alias("count"),
                              pw.fn.MAX(Answer.created_at).alias("last"))
                .join(Interview).join(Invitation).join(Candidate)
                .where(_not_erased((Interview.status == "in_progress") & (Interview.started_at >= since)))
                .group_by(Answer.interview))
    counts = {row.interview_id: row.count for row in answered if row.last < until}
    done = 0
    for chunk in _chunks(counts):
        for interview in Interview.select().where(Interview.id.in_(chunk)):
            if counts[interview.id] >= len(interview.questions):
                complete(interview.invitation, interview)  # a conditional UPDATE: completes and notifies once
                done += 1
    return done


def _build_reports(connection: redis.Redis, since: dt.datetime, until: dt.datetime) -> int:
    waiting = list(Interview.select(Interview.id)
                   .join(Invitation).join(Candidate)
                   .where(_not_erased((Interview.status == "completed") & (Interview.completed_at >= since)
                                      & Interview.id.not_in(Report.select(Report.interview)))))
    done = 0
    for interview in waiting:
        answers = Answer.select(Answer.id).where(Answer.interview == interview.id)
        analyses = AnswerAnalysis.select(pw.fn.COUNT(AnswerAnalysis.id).alias("count"),
                                         pw.fn.MAX(AnswerAnalysis.created_at).alias("last")
                                         ).where(AnswerAnalysis.answer.in_(answers)).get()
        if not analyses.count or analyses.count < answers.count() or analyses.last >= until:
            continue  # an answer is still being scored: its job queues the report
        if put_back(connection, SCORING, job_id("build_report", f"report:{interview.id}")):
            queue_report(interview.id)
            done += 1
    return done


def _missing(rows: Iterable[Any], keys: Callable[[Any], list[str]]) -> list[Any]:
    """The rows none of whose outbox keys was ever recorded."""
    missing = []
    for chunk in _chunks(rows):
        found = {m.idempotency_key for m in OutboundMessage.select(OutboundMessage.idempotency_key)
                 .where(OutboundMessage.idempotency_key.in_([k for row in chunk for k in keys(row)]))}
        missing += [row for row in chunk if found.isdisjoint(keys(row))]
    return missing


def _announce_reports(since: dt.datetime, until: dt.datetime) -> int:
    reports = (Report.select().join(Interview).join(Invitation).join(Candidate)
               .where(_not_erased(Report.created_at.between(since, until))).order_by(Report.id))
    done = 0
    for report in _missing(reports, lambda r: [f"report:{r.id}:card"]):
        # what build_report does after storing the report, each step idempotent
        webhooks.report_ready(report)
        decisions.send_card(report)
        talent.on_report(report.id)
        done += 1
    return done


def _tell_candidates(since: dt.datetime, until: dt.datetime) -> int:
    final = (Decision.select().join(Interview).join(Invitation).join(Candidate)
             .where(_not_erased(Decision.outcome.in_(("pass", "reject"))
                                & Decision.decided_at.between(since, until)))
             .order_by(Decision.id))
    done = 0
    # the candidate's key, or the recruiter's when no channel reaches the candidate (notify.unreachable)
    for decision in _missing(final, lambda d: [f"result:{d.interview_id}", f"result:{d.interview_id}:unreachable"]):
        report = Report.get_or_none(Report.interview == decision.interview_id)
        if report is None:
            continue
        Report.update(released_at=utcnow()).where((Report.id == report.id) & Report.released_at.is_null()).execute()
        decisions.tell_candidate(report, report.interview.invitation, decision.outcome)
        webhooks.decision_made(decision)
        done += 1
    return done


def _finish_uploads() -> int:
    """Complete (or open again) the uploads whose finish was cut short: claimed longer ago than any finish takes,
    or released by a try that failed."""
    settings = get_settings()
    stale = utcnow() - uploads.STALE_FINISH
    left = list(Upload.select().join(Interview).join(Invitation).join(Candidate)
                .where(_not_erased((Upload.status == "closing")
                                   & (Upload.finished_at.is_null() | (Upload.finished_at <= stale))))
                .order_by(Upload.created_at).limit(BATCH))
    done = 0
    for upload in left:
        try:
            outcome = uploads.resume_finish(settings, upload)
        except Exception:  # one upload's trouble must not stop the others (or the rest of the sweep)
            log.exception("upload %s: its finish could not be completed; trying again next minute", upload.id)
            continue
        log.warning("upload %s, cut short while finishing: %s", upload.id, outcome)
        done += outcome != "busy"
    return done


def retry_outages(job: Job, exc_type: type[BaseException] | None, exc_value: BaseException | None,
                  traceback: TracebackType | None) -> bool:
    """RQ exception handler: a job that met an outage (Redis or the database briefly away) and has no retries
    left runs again after a pause (5 s, 15 s, 1 min, 5 min, 15 min); True lets the next handler run."""
    if not isinstance(exc_value, OUTAGES) or job.retries_left:
        return True
    tries = int(job.meta.get("outage_retries", 0))
    if tries >= len(OUTAGE_RETRY_SECONDS):
        log.error("job %s met an outage %d times; giving up (the sweeps put back what the database still owes)",
                  job.id, tries)
        return True
    log.warning("job %s met an outage (%s); trying again in %ss", job.id, exc_type.__name__ if exc_type else "?",
                OUTAGE_RETRY_SECONDS[tries])
    job.meta["outage_retries"] = tries + 1
    job.retries_left = 1  # RQ's failure handling runs after this handler and schedules the retry
    job.retry_intervals = [OUTAGE_RETRY_SECONDS[tries]]
    try:
        job.save_meta()
    except redis.RedisError:  # Redis itself is away: RQ cannot record anything now either
        pass
    return True
