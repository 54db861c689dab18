"""Questions revealed one at a time, and their think and answer times kept by the server (docs/h5-api.md).

A question's text leaves the server only through ``reveal``, which records when (once: a repeat answers the same
and keeps the first time), and only for the question the candidate has reached. From then the server enforces the
position's times: a recording must start within the think time (plus a slack for the page and the network) and
be finished within its answer time (plus a generous slack for a slow upload); a typed answer must arrive within
think + answer time (plus a slack). A retake reuses the reveal: it gets no new think time beyond the position's
rule — it must start within the think time after the previous take was saved (or refused).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import peewee as pw

from bot.clock import utcnow
from bot.store.db import database
from bot.store.models import Interview, QuestionReveal

START_SLACK = 15  # seconds past the think time a recording may still start (the page, the network)
TEXT_SLACK = 30  # seconds past think + answer time a typed answer may still arrive (a slow send, a retry)
FINISH_SLACK = 600  # seconds past the answer time a recording's last chunks may still arrive (a slow upload)
TIME_OVER = "这道题的作答时间已过，无法再提交。请继续下一题；如有疑问，请联系招聘人员。"
START_OVER = "这道题的思考时间已过，无法再开始录制。请继续下一题；如有疑问，请联系招聘人员。"
START_OVER_TYPE = "这道题的思考时间已过，不能再开始录制；在作答时间内，您仍可改用文字作答。"
FINISH_OVER = "录制内容送达得太晚，已超过这道题的作答时限。请继续下一题；如有疑问，请联系招聘人员。"
NOT_REVEALED = "请先打开这道题，再作答。"
NOT_YET = "请按顺序作答：先完成当前这道题。"


def reveal_of(interview: Interview, key: str) -> QuestionReveal | None:
    """The question's reveal, if its text was shown."""
    return QuestionReveal.get_or_none((QuestionReveal.interview == interview) & (QuestionReveal.question_key == key))


def reveals(interview: Interview) -> dict[str, QuestionReveal]:
    """Every reveal of the interview, by question key."""
    return {r.question_key: r for r in QuestionReveal.select().where(QuestionReveal.interview == interview)}


def reveal(interview: Interview, key: str) -> QuestionReveal:
    """Record that the question's text is shown now, unless it already was (the first time stands)."""
    existing = reveal_of(interview, key)
    if existing is not None:
        return existing
    now = utcnow()
    try:
        with database.atomic():
            return QuestionReveal.create(interview=interview, question_key=key, revealed_at=now, window_from=now)
    except pw.IntegrityError:  # a concurrent reveal of the same question: its time stands
        return reveal_of(interview, key)


def seconds_left(question: dict[str, Any], row: QuestionReveal, now: dt.datetime | None = None) -> dict[str, int]:
    """What is left of the current take's think time and of its whole time (think + answer), in seconds."""
    now = now or utcnow()
    think_end = row.window_from + dt.timedelta(seconds=question["think_seconds"])
    end = think_end + dt.timedelta(seconds=question["answer_seconds"])
    return {"think_left": max(0, int((think_end - now).total_seconds())),
            "time_left": max(0, int((end - now).total_seconds()))}


def check_start(question: dict[str, Any], row: QuestionReveal, now: dt.datetime | None = None) -> bool:
    """Whether a take may start now: within the think time (plus START_SLACK) of its window."""
    limit = row.window_from + dt.timedelta(seconds=question["think_seconds"] + START_SLACK)
    return (now or utcnow()) <= limit


def check_typed(question: dict[str, Any], row: QuestionReveal, now: dt.datetime | None = None) -> bool:
    """Whether a typed answer is in time: within think + answer time (plus TEXT_SLACK) of its window."""
    limit = row.window_from + dt.timedelta(seconds=question["think_seconds"] + question["answer_seconds"]
                                           + TEXT_SLACK)
    return (now or utcnow()) <= limit


def check_finish(question: dict[str, Any], opened_at: dt.datetime, now: dt.datetime | None = None) -> bool:
    """Whether a recording opened at opened_at may still be finished: within its answer time plus FINISH_SLACK."""
    return (now or utcnow()) <= opened_at + dt.timedelta(seconds=question["answer_seconds"] + FINISH_SLACK)


def expired(question: dict[str, Any], row: QuestionReveal | None, typed: bool, now: dt.datetime | None = None) -> bool:
    """Whether an unanswered question can no longer be answered: its whole time is over, or (where typing is not
    an answer mode) its think time passed with no take started."""
    if row is None:
        return False
    if not check_typed(question, row, now):
        return True
    started = row.started_at is not None and row.started_at >= row.window_from
    return not typed and not started and not check_start(question, row, now)


def start_take(row: QuestionReveal, at: dt.datetime | None = None) -> None:
    """Record that a take started (an upload opened, the first key typed); the first one also ends the think time.
    A take already started in this window keeps its time."""
    at = at or utcnow()
    QuestionReveal.update(started_at=at).where(
        (QuestionReveal.id == row.id)
        & (QuestionReveal.started_at.is_null() | (QuestionReveal.started_at < QuestionReveal.window_from))).execute()
    QuestionReveal.update(first_started_at=at).where(
        (QuestionReveal.id == row.id) & QuestionReveal.first_started_at.is_null()).execute()


def end_take(interview: Interview, key: str, at: dt.datetime | None = None, saved: bool = True) -> None:
    """Record that a take ended (saved, or refused as media): a retake's think time runs from here."""
    at = at or utcnow()
    this = (QuestionReveal.interview == interview) & (QuestionReveal.question_key == key)
    if saved:  # a typed take that never said when it started is timed from its window
        QuestionReveal.update(started_at=QuestionReveal.window_from).where(
            this & (QuestionReveal.started_at.is_null() | (QuestionReveal.started_at < QuestionReveal.window_from))
        ).execute()
        QuestionReveal.update(ended_at=at, takes=QuestionReveal.takes + 1).where(this).execute()
    QuestionReveal.update(window_from=at).where(this).execute()
