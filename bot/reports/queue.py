"""Queueing an answer's scoring and an interview's report, without loading the models (the web process queues,
the scorer process scores: jobs.scoring)."""
from __future__ import annotations

from rq import Retry

from bot.queues import SCORING, enqueue
from bot.store.kv import get_redis
from bot.store.models import Answer, AnswerAnalysis, Interview, Report

RETRY = Retry(max=2, interval=[30, 120])  # transient failures (database, disk); bad media is a result, not an error
ANSWER_TIMEOUT = 900   # seconds: a 3-minute video answer on a busy 2-core machine stays well inside
REPORT_TIMEOUT = 120
QUEUED_GUARD_SECONDS = 600  # longer than a report takes; the recovery sweep queues past it (queue_report)


def queue_answer(answer: Answer) -> None:
    """Queue the answer's scoring (the job id names the answer and its retake, so a repeat is one job)."""
    enqueue(SCORING, "jobs.scoring.score_answer", answer.id, key=f"answer:{answer.id}:{answer.retakes_used}",
            retry=RETRY, timeout=ANSWER_TIMEOUT)


def queue_report(interview_id: int) -> None:
    """Queue the interview's report; it waits (does nothing) until every answer has been analysed."""
    enqueue(SCORING, "jobs.scoring.build_report", interview_id, key=f"report:{interview_id}", retry=RETRY,
            timeout=REPORT_TIMEOUT)


def maybe_report(interview_id: int) -> bool:
    """Queue the report when the interview is complete and every answer has its analysis."""
    interview = Interview.get_by_id(interview_id)
    if interview.status != "completed" or Report.select().where(Report.interview == interview_id).exists():
        return False
    answers = Answer.select(Answer.id).where(Answer.interview == interview_id)
    analysed = AnswerAnalysis.select().where(AnswerAnalysis.answer.in_(answers)).count()
    if analysed < answers.count():
        return False
    # The last two answers scored at once on two workers both get here: the report is queued by the first only
    # (a second push of the same job id would run it twice, the second run finding the report and doing nothing).
    if not get_redis().set(f"report-queued:{interview_id}", 1, nx=True, ex=QUEUED_GUARD_SECONDS):
        return False
    queue_report(interview_id)
    return True
