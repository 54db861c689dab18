"""The candidate's interview: its state for the page, consent, answers, completion, integrity events.

The last answer does not end the interview when the page asks to review it first ("review": true): the candidate
can retake it (within its time, if retakes are left) and ends with an explicit 提交全部回答 (submit). An interview
whose every question is answered or past its time completes on its own once nothing can change any more (no retake
left in time), and the minute's sweep (bot/ops/recover.py) completes one left waiting.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import peewee as pw
import redis

from bot.clock import local_time, utcnow
from bot.interviews import channel, consent, draw, outcome, timing
from bot.positions import versions
from bot.privacy import erasure
from bot.reports.queue import maybe_report, queue_answer
from bot.store.db import database, write_transaction
from bot.store.models import Answer, AnswerAnalysis, Interview, Invitation, Position, QuestionReveal, Recording, Upload
from bot.wecom import notify
from config.settings import Settings, get_settings

CONSENT_VERSION = "consent-v1"
CHUNK_MAX_BYTES = 2 * 1024 * 1024
ANSWER_MAX_BYTES = 60 * 1024 * 1024
TEXT_MAX_CHARS = 5000
EVENTS_MAX = 500
EVENT_TYPES = {"hidden", "visible", "paste", "blur", "focus"}
PRACTICE = "请简单介绍一下您自己。（练习题，不计分）"

log = logging.getLogger(__name__)


class InterviewError(Exception):
    """A refused request: status, a machine code and a message safe to show the candidate."""

    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def interview_of(invitation: Invitation) -> Interview | None:
    """Return the invitation's interview, once consent started it."""
    return Interview.get_or_none(Interview.invitation == invitation)


def asked_position(invitation: Invitation, interview: Interview | None) -> Position:
    """The position as this candidate is asked it: once their interview began, the version it pinned (an edit
    made meanwhile changes neither their times, modes nor retakes); before that, the position as it is now."""
    return versions.as_asked(invitation.position, interview.position_version if interview else None)


def questions_of(invitation: Invitation, interview: Interview | None, position: Position | None = None) -> list[dict]:
    """The questions asked, texts included (server side only: the page gets a text through reveal): the
    interview's snapshot, or the position's bank before it starts. position: asked_position's, when the caller
    has it already (its version is one query)."""
    position = position or asked_position(invitation, interview)
    bank = interview.questions if interview else position.questions
    return [{"key": q["key"], "ordinal": i, "text": q["text"], "text_en": q.get("text_en") or "",
             "competency": q.get("competency") or "", "difficulty": draw.difficulty(q),
             "think_seconds": int(q.get("think_seconds", position.think_seconds)),
             "answer_seconds": int(q.get("answer_seconds", position.answer_seconds))}
            for i, q in enumerate(bank, 1)]


def _placeholders(invitation: Invitation, interview: Interview | None,
                  position: Position | None = None) -> list[dict[str, Any]]:
    """The questions as the page may see them: before consent only how many there will be; after it each
    question's key, ordinal and times, with its text once revealed (never its competency or difficulty)."""
    position = position or asked_position(invitation, interview)
    if interview is None or interview.consent_at is None:
        count = draw.expected(invitation, get_settings().secret_key)  # the résumé's questions counted too
        return [{"key": None, "ordinal": i, "think_seconds": position.think_seconds,
                 "answer_seconds": position.answer_seconds, "answered": False, "mode": None, "retakes_used": 0,
                 "revealed": False, "expired": False} for i in range(1, count + 1)]
    answers = {a.question_key: a for a in Answer.select().where(Answer.interview == interview)}
    shown, now, out, typed = timing.reveals(interview), utcnow(), [], "text" in position.answer_modes
    for q in questions_of(invitation, interview, position):
        answer, row = answers.get(q["key"]), shown.get(q["key"])
        item = {"key": q["key"], "ordinal": q["ordinal"], "think_seconds": q["think_seconds"],
                "answer_seconds": q["answer_seconds"], "answered": answer is not None,
                "mode": getattr(answer, "mode", None), "retakes_used": getattr(answer, "retakes_used", 0),
                "revealed": row is not None, "expired": answer is None and timing.expired(q, row, typed, now)
                and not _upload_pending(interview, q["key"])}
        if row is not None:
            item.update(text=q["text"], text_en=q["text_en"])
        out.append(item)
    return out


def _next_question(questions: list[dict[str, Any]]) -> str | None:
    """The first question neither answered nor past its time (None before consent: none is drawn yet)."""
    return next((q["key"] for q in questions if q["key"] and not q["answered"] and not q["expired"]), None)


def _upload_pending(interview: Interview, key: str) -> bool:
    """Whether a recording of the question is still being uploaded or saved (its finish decides, not the clock)."""
    return (Upload.select().where((Upload.interview == interview) & (Upload.question_key == key)
                                  & Upload.status.in_(("open", "closing"))).exists())


def time_ranges(invitation: Invitation, interview: Interview | None, position: Position) -> dict[str, list[int]]:
    """The per-question think and answer times as [shortest, longest]: of the questions asked (the pinned
    version's), or before the draw of the whole bank (a question may set its own times)."""
    if interview is not None:
        asked = questions_of(invitation, interview, position)
    else:
        asked = [{"think_seconds": int(q.get("think_seconds", position.think_seconds)),
                  "answer_seconds": int(q.get("answer_seconds", position.answer_seconds))}
                 for q in position.questions] or [{"think_seconds": position.think_seconds,
                                                   "answer_seconds": position.answer_seconds}]
    return {f"{kind}_range": [min(q[f"{kind}_seconds"] for q in asked), max(q[f"{kind}_seconds"] for q in asked)]
            for kind in ("think", "answer")}


def build_state(invitation: Invitation, company: str, settings: Settings | None = None) -> dict[str, Any]:
    """Everything the page needs to show the right step, resume included."""
    settings = settings or get_settings()
    interview = interview_of(invitation)
    position = asked_position(invitation, interview)
    questions = _placeholders(invitation, interview, position)
    next_key = _next_question(questions)
    status = interview.status if interview else "invited"
    open_upload = None
    if interview is not None:
        # a page reloaded while its finish was being saved ("closing") finishes it again from its kept copy
        upload = (Upload.select().where((Upload.interview == interview) & Upload.status.in_(("open", "closing")))
                  .order_by(Upload.created_at.desc()).first())
        if upload is not None:
            open_upload = {"upload_id": upload.id, "question": upload.question_key, "mode": upload.mode,
                           "mime": upload.mime, "next_seq": upload.next_seq, "saving": upload.status == "closing"}
    return {
        "company": company, "candidate": invitation.candidate.greeting_name,
        "deadline": local_time(invitation.expires_at),
        "status": status,
        "channel": channel.describe(invitation),
        "position": {"title": position.title, "think_seconds": position.think_seconds,
                     "answer_seconds": position.answer_seconds, "max_retakes": position.max_retakes,
                     "answer_modes": position.answer_modes, "face_analysis": position.face_analysis,
                     **time_ranges(invitation, interview, position)},
        "consent": {"given": bool(interview and interview.consent_at),
                    "face": bool(interview and interview.face_consent), "version": CONSENT_VERSION,
                    "pool": consent.pool_choice(interview),
                    # the page shows these; their sha256 is recorded
                    "texts": consent.notices(settings, position, channel.channel_of(invitation))},
        "rights": erasure.rights_state(invitation),
        "practice_question": (position.rubric or {}).get("practice_question") or PRACTICE,
        "questions": questions,
        "next_question": next_key,
        # every question answered or past its time, waiting for 提交全部回答 (the last answer is reviewed first)
        "awaiting_submit": status == "in_progress" and next_key is None and bool(questions),
        "after": outcome.after(invitation, interview),
        "open_upload": open_upload,
        "limits": {"chunk_max_bytes": CHUNK_MAX_BYTES, "answer_max_bytes": ANSWER_MAX_BYTES,
                   "text_max_chars": TEXT_MAX_CHARS},
    }


def give_consent(invitation: Invitation, *, recording: bool, face: bool, version: str, text_sha256: str | None,
                 ip: str = "", user_agent: str = "", settings: Settings | None = None,
                 pool: bool | None = None) -> Interview:
    """Record consent (a Consent row per kind, with the version and the sha256 of the notice read) and start the
    interview with the questions drawn for this invitation (idempotent; a new version adds rows). pool: the
    separate talent-pool choice (None: the page did not ask)."""
    if not recording:
        raise InterviewError(400, "consent_required", "需要您同意录制，才能开始面试。")
    if version != CONSENT_VERSION or not text_sha256:
        raise InterviewError(409 if version == CONSENT_VERSION else 400, "consent_outdated",
                             "说明内容已更新，请刷新页面后重新阅读。")
    face = bool(face and invitation.position.face_analysis)
    with write_transaction():
        interview = interview_of(invitation)
        if interview is None:
            bank, rule = invitation.position.questions, invitation.position.draw_rule
            seed = draw.seed_for((settings or get_settings()).secret_key, invitation.id)
            asked = draw.personalise(draw.draw(bank, rule, seed), invitation, seed)
            interview = Interview.create(invitation=invitation, questions=asked, consent_at=utcnow(),
                                         draw=draw.record(bank, rule, seed, asked), face_consent=face,
                                         position_version=versions.current_number(invitation.position))
            Invitation.update(status="started").where(Invitation.id == invitation.id).execute()
        consent.record(interview, version=version, text_sha256=text_sha256, face=face and interview.face_consent,
                       ip=ip, user_agent=user_agent)
        consent.record_pool(interview, pool, version=version, text_sha256=text_sha256, ip=ip, user_agent=user_agent)
    return interview


def open_interview(invitation: Invitation) -> Interview:
    """Return the interview if answers may be given now."""
    interview = interview_of(invitation)
    if interview is None or interview.consent_at is None:
        raise InterviewError(409, "no_consent", "请先阅读并同意录制说明。")
    if interview.status == "completed":
        raise InterviewError(409, "interview_completed", "您已完成这次面试。")
    return interview


def question(invitation: Invitation, interview: Interview, key: str) -> dict:
    """Return the question with this key, or refuse."""
    for q in questions_of(invitation, interview):
        if q["key"] == key:
            return q
    raise InterviewError(404, "unknown_question", "没有这道题。")


def reveal_question(invitation: Invitation, key: str) -> dict[str, Any]:
    """Show the question's text, recording when (the first time stands), with the time left of its take. One at a
    time: while a shown question is neither answered nor past its time, no other is revealed."""
    interview = open_interview(invitation)
    q = question(invitation, interview, key)
    row = timing.reveal_of(interview, key)
    if row is None:
        with write_transaction():  # two reveals at once: the second sees the first (SQLite's lock, PostgreSQL's row)
            if not isinstance(database.obj, pw.SqliteDatabase):
                Interview.select().where(Interview.id == interview.id).for_update().get()
            current = next((p["key"] for p in _placeholders(invitation, interview)
                            if p["revealed"] and not p["answered"] and not p["expired"] and p["key"] != key), None)
            if current is not None:
                raise InterviewError(409, "not_current", timing.NOT_YET, next_question=current)
            row = timing.reveal(interview, key)
    return {"key": key, "ordinal": q["ordinal"], "text": q["text"], "text_en": q["text_en"],
            "think_seconds": q["think_seconds"], "answer_seconds": q["answer_seconds"],
            "revealed_at": row.revealed_at.isoformat(timespec="seconds") + "Z", **timing.seconds_left(q, row)}


def revealed(interview: Interview, key: str) -> QuestionReveal:
    """The question's reveal, or refuse: an answer to a text the candidate was never shown is not its answer."""
    row = timing.reveal_of(interview, key)
    if row is None:
        raise InterviewError(409, "not_revealed", timing.NOT_REVEALED)
    return row


def start_typing(invitation: Invitation, key: str) -> dict[str, Any]:
    """Record that the candidate began typing the answer (the end of their think time), within its time."""
    interview = open_interview(invitation)
    q, row = question(invitation, interview, key), revealed(interview, key)
    if not timing.check_typed(q, row):
        time_over(invitation, interview, timing.TIME_OVER)
    timing.start_take(row)
    return {"key": key, **timing.seconds_left(q, timing.reveal_of(interview, key))}


def require_typed_in_time(invitation: Invitation, interview: Interview, key: str) -> None:
    """Refuse a typed answer to a question not shown, or sent after its think + answer time."""
    if not timing.check_typed(question(invitation, interview, key), revealed(interview, key)):
        time_over(invitation, interview, timing.TIME_OVER)


def time_over(invitation: Invitation, interview: Interview, message: str) -> None:
    """Refuse with answer_time_over, saying where the interview goes on (completed when nothing is left)."""
    state = settle(invitation, interview)
    raise InterviewError(409, "answer_time_over", message, next_question=state["next_question"],
                         interview_status=state["status"])


def settle(invitation: Invitation, interview: Interview | None, settings: Settings | None = None) -> dict[str, Any]:
    """The state, after completing an interview whose every question is answered or past its time and where no
    retake can change anything any more (one that can waits for the candidate's 提交全部回答)."""
    settings = settings or get_settings()
    state = build_state(invitation, settings.company_name, settings)
    if (interview is not None and interview.consent_at is not None and state["awaiting_submit"]
            and not retake_open(invitation, interview)):
        complete(invitation, interview)
        state = build_state(invitation, settings.company_name, settings)
    return state


def retake_open(invitation: Invitation, interview: Interview) -> bool:
    """Whether the last question's answer, the one reviewed before submitting, may still be retaken now: answered,
    retakes left, and its take's time not over (earlier questions were left behind when the next one opened)."""
    position = asked_position(invitation, interview)
    asked = questions_of(invitation, interview, position)
    if not asked:
        return False
    last = asked[-1]
    answer = Answer.get_or_none((Answer.interview == interview) & (Answer.question_key == last["key"]))
    return (answer is not None and answer.retakes_used < position.max_retakes
            and not timing.expired(last, timing.reveal_of(interview, last["key"]), "text" in position.answer_modes))


def submit(settings: Settings, invitation: Invitation) -> dict[str, Any]:
    """提交全部回答: complete the interview once every question is answered or past its time (a repeat, or a
    submit after the interview completed on its own, answers the same state)."""
    interview = interview_of(invitation)
    if interview is None or interview.consent_at is None:
        raise InterviewError(409, "no_consent", "请先阅读并同意录制说明。")
    state = build_state(invitation, settings.company_name, settings)
    if interview.status == "in_progress":
        if not state["awaiting_submit"]:
            raise InterviewError(409, "not_all_answered", "还有题目没有作答，请先完成全部题目。",
                                 next_question=state["next_question"])
        complete(invitation, interview)
        state = build_state(invitation, settings.company_name, settings)
    return state


def check_answerable(invitation: Invitation, interview: Interview, key: str, retake: bool) -> Answer | None:
    """Refuse a second answer unless it is an allowed retake; return the existing answer, if any."""
    answer = Answer.get_or_none((Answer.interview == interview) & (Answer.question_key == key))
    if answer is not None and not retake:
        raise InterviewError(409, "already_answered", "这道题已经作答。")
    if answer is not None and answer.retakes_used >= asked_position(invitation, interview).max_retakes:
        raise InterviewError(409, "no_retakes_left", "这道题的重答次数已用完。")
    return answer


def save_answer(invitation: Invitation, interview: Interview, key: str, *, mode: str, text: str = "",
                integrity: dict | None = None, recording: dict | None = None,
                ended_at: dt.datetime | None = None) -> tuple[Answer, Recording | None]:
    """Store (or replace, on a retake) the answer to one question, with its recording; its take ends (when the
    page sent it: ended_at) for the server's timing."""
    ordinal = question(invitation, interview, key)["ordinal"]
    with write_transaction():
        answer = Answer.get_or_none((Answer.interview == interview) & (Answer.question_key == key))
        values = {"mode": mode, "text": text, "status": "received", "integrity": integrity or {}}
        if answer is None:
            answer = Answer.create(interview=interview, question_key=key, ordinal=ordinal, **values)
        else:
            Answer.update(**values, retakes_used=Answer.retakes_used + 1).where(Answer.id == answer.id).execute()
            AnswerAnalysis.delete().where(AnswerAnalysis.answer == answer.id).execute()  # it scored the old take
            answer = Answer.get_by_id(answer.id)
        saved = Recording.create(answer=answer, **recording) if recording else None
        timing.end_take(interview, key, ended_at)
    return answer, saved


def after_answer(settings: Settings, invitation: Invitation, interview: Interview, answer: Answer,
                 duration: float | None, review: bool = False) -> dict[str, Any]:
    """Queue the answer's scoring, complete the interview after the last one (unless the page reviews it first:
    review, then submit); return the page's answer."""
    with _swept_later(f"scoring of answer {answer.id}"):
        queue_answer(answer)
    state = build_state(invitation, settings.company_name, settings)
    if state["next_question"] is None and not review:
        complete(invitation, interview)
        state["status"] = "completed"
    return {"question": answer.question_key, "duration": duration, "next_question": state["next_question"],
            "status": state["status"], "awaiting_submit": state["status"] == "in_progress"
            and state["next_question"] is None}


def complete(invitation: Invitation, interview: Interview) -> None:
    """Mark the interview completed (once) and tell the candidate and the recruiter."""
    changed = (Interview.update(status="completed", completed_at=utcnow())
               .where((Interview.id == interview.id) & (Interview.status == "in_progress")).execute())
    if not changed:
        return
    Invitation.update(status="completed").where(Invitation.id == invitation.id).execute()
    title, who = invitation.position.title, invitation.candidate
    with _swept_later(f"the completion message of interview {interview.id}"):
        notify.to_candidate(invitation, "completed", f"completed:{interview.id}:candidate", purpose="completed",
                            position=title)
    with _swept_later(f"HR's completion notice of interview {interview.id}"):
        notify.hr_notice(invitation.invited_by, f"completed:{interview.id}:hr", name=who.display_name,
                         position=title, invitation=invitation)
    with _swept_later(f"the report of interview {interview.id}"):
        maybe_report(interview.id)  # when every answer was already scored (typed answers are quick)


@contextlib.contextmanager
def _swept_later(what: str) -> Iterator[None]:
    """Queue work whose need the database already records; if Redis is away, leave it to the minute's sweeps.

    The answer, the completed interview and the outbox rows are stored first, so a failed enqueue loses
    nothing: bot.ops.recover.sweep queues unscored answers and missing reports, delivery.requeue_due pending
    messages, notify.flush_stale_batches folded HR notices. The candidate's page goes on instead of
    answering 503 for work it need not wait for (and an upload is never left half-closed).
    """
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        log.warning("%s not queued (Redis: %s); the minute's sweep will queue it", what, exc)


def record_event(interview: Interview, event: dict[str, Any]) -> None:
    """Append an integrity signal to the interview's log."""
    if event.get("type") not in EVENT_TYPES:
        raise InterviewError(400, "bad_event", "未知的事件类型。")
    with database.atomic():
        fresh = Interview.get_by_id(interview.id)
        if len(fresh.events) >= EVENTS_MAX:
            raise InterviewError(429, "too_many_events", "事件过多。")
        entry = {"type": event["type"], "question": str(event.get("question") or "")[:64],
                 "at": event.get("at") if isinstance(event.get("at"), (int, float)) else None,
                 "received": utcnow().isoformat(), "detail": event.get("detail") if isinstance(
                     event.get("detail"), dict) and len(str(event.get("detail"))) < 500 else {}}
        Interview.update(events=[*fresh.events, entry]).where(Interview.id == interview.id).execute()


def clean_integrity(raw: Any) -> dict[str, int]:
    """Keep only the known, numeric integrity counters a page sends with an answer."""
    raw = raw if isinstance(raw, dict) else {}
    out = {}
    for name in ("hidden_ms", "hidden_count", "pasted_chars"):
        value = raw.get(name, 0)
        out[name] = int(value) if isinstance(value, (int, float)) and 0 <= value < 10**9 else 0
    return out
