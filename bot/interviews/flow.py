"""The candidate's interview: its state for the page, consent, answers, completion, integrity events."""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import redis

from bot.clock import local_time, utcnow
from bot.interviews import consent
from bot.privacy import erasure
from bot.reports.queue import maybe_report, queue_answer
from bot.store.db import database, write_transaction
from bot.store.models import Answer, AnswerAnalysis, Interview, Invitation, Recording, Upload
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


def questions_of(invitation: Invitation, interview: Interview | None) -> list[dict]:
    """The questions asked: the interview's snapshot, or the position's bank before it starts."""
    position = invitation.position
    bank = interview.questions if interview else position.questions
    return [{"key": q["key"], "ordinal": i, "text": q["text"],
             "think_seconds": int(q.get("think_seconds", position.think_seconds)),
             "answer_seconds": int(q.get("answer_seconds", position.answer_seconds))}
            for i, q in enumerate(bank, 1)]


def build_state(invitation: Invitation, company: str, settings: Settings | None = None) -> dict[str, Any]:
    """Everything the page needs to show the right step, resume included."""
    settings = settings or get_settings()
    position, interview = invitation.position, interview_of(invitation)
    answers = {a.question_key: a for a in Answer.select().where(Answer.interview == interview)} if interview else {}
    questions = [{**q, "answered": q["key"] in answers, "mode": getattr(answers.get(q["key"]), "mode", None),
                  "retakes_used": getattr(answers.get(q["key"]), "retakes_used", 0)}
                 for q in questions_of(invitation, interview)]
    open_upload = None
    if interview is not None:
        # a page reloaded while its finish was being saved ("closing") finishes it again from its kept copy
        upload = (Upload.select().where((Upload.interview == interview) & Upload.status.in_(("open", "closing")))
                  .order_by(Upload.created_at.desc()).first())
        if upload is not None:
            open_upload = {"upload_id": upload.id, "question": upload.question_key, "mode": upload.mode,
                           "mime": upload.mime, "next_seq": upload.next_seq, "saving": upload.status == "closing"}
    return {
        "company": company, "candidate": invitation.candidate.display_name,
        "deadline": local_time(invitation.expires_at),
        "status": interview.status if interview else "invited",
        "position": {"title": position.title, "think_seconds": position.think_seconds,
                     "answer_seconds": position.answer_seconds, "max_retakes": position.max_retakes,
                     "answer_modes": position.answer_modes, "face_analysis": position.face_analysis},
        "consent": {"given": bool(interview and interview.consent_at),
                    "face": bool(interview and interview.face_consent), "version": CONSENT_VERSION,
                    "texts": consent.notices(settings, position)},  # the page shows these; their sha256 is recorded
        "rights": erasure.rights_state(invitation),
        "practice_question": (position.rubric or {}).get("practice_question") or PRACTICE,
        "questions": questions,
        "next_question": next((q["key"] for q in questions if not q["answered"]), None),
        "open_upload": open_upload,
        "limits": {"chunk_max_bytes": CHUNK_MAX_BYTES, "answer_max_bytes": ANSWER_MAX_BYTES,
                   "text_max_chars": TEXT_MAX_CHARS},
    }


def give_consent(invitation: Invitation, *, recording: bool, face: bool, version: str, text_sha256: str | None,
                 ip: str = "", user_agent: str = "") -> Interview:
    """Record consent (a Consent row per kind, with the version and the sha256 of the notice read) and start the
    interview (idempotent; a new version adds rows)."""
    if not recording:
        raise InterviewError(400, "consent_required", "需要您同意录制，才能开始面试。")
    if version != CONSENT_VERSION or not text_sha256:
        raise InterviewError(409 if version == CONSENT_VERSION else 400, "consent_outdated",
                             "说明内容已更新，请刷新页面后重新阅读。")
    face = bool(face and invitation.position.face_analysis)
    with write_transaction():
        interview = interview_of(invitation)
        if interview is None:
            interview = Interview.create(invitation=invitation, questions=invitation.position.questions,
                                         consent_at=utcnow(), face_consent=face)
            Invitation.update(status="started").where(Invitation.id == invitation.id).execute()
        consent.record(interview, version=version, text_sha256=text_sha256, face=face and interview.face_consent,
                       ip=ip, user_agent=user_agent)
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


def check_answerable(invitation: Invitation, interview: Interview, key: str, retake: bool) -> Answer | None:
    """Refuse a second answer unless it is an allowed retake; return the existing answer, if any."""
    answer = Answer.get_or_none((Answer.interview == interview) & (Answer.question_key == key))
    if answer is not None and not retake:
        raise InterviewError(409, "already_answered", "这道题已经作答。")
    if answer is not None and answer.retakes_used >= invitation.position.max_retakes:
        raise InterviewError(409, "no_retakes_left", "这道题的重答次数已用完。")
    return answer


def save_answer(invitation: Invitation, interview: Interview, key: str, *, mode: str, text: str = "",
                integrity: dict | None = None, recording: dict | None = None) -> tuple[Answer, Recording | None]:
    """Store (or replace, on a retake) the answer to one question, with its recording."""
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
    return answer, saved


def after_answer(settings: Settings, invitation: Invitation, interview: Interview, answer: Answer,
                 duration: float | None) -> dict[str, Any]:
    """Queue the answer's scoring, complete the interview after the last one; return the page's answer."""
    with _swept_later(f"scoring of answer {answer.id}"):
        queue_answer(answer)
    state = build_state(invitation, settings.company_name, settings)
    if state["next_question"] is None:
        complete(invitation, interview)
        state["status"] = "completed"
    return {"question": answer.question_key, "duration": duration, "next_question": state["next_question"],
            "status": state["status"]}


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
