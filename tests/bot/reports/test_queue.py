"""An interview's report is queued once, however many workers finish its last answers at the same moment."""
from __future__ import annotations

from bot.queues import SCORING, get_queue
from bot.reports import queue, scoring
from bot.store.models import Answer, Interview
from tests.support.chat import invite_member
from tests.support.h5 import take_interview


def report_jobs() -> list[str]:
    return [job for job in get_queue(SCORING).job_ids if job.startswith("build_report-")]


def test_the_last_answers_scored_together_queue_the_report_once(stack):
    take_interview(stack, invite_member(stack))  # typed answers: their scoring jobs wait in the queue
    interview = Interview.get()
    for answer in Answer.select().where(Answer.interview == interview):
        assert scoring.score_answer(answer.id) == "scored"  # as the workers run them; the last queues the report
    assert len(report_jobs()) == 1
    # a second worker finishing the other last answer at the same moment finds everything analysed too
    assert queue.maybe_report(interview.id) is False
    assert len(report_jobs()) == 1
    stack.drain()
    assert scoring.build_report(interview.id) == "exists"
