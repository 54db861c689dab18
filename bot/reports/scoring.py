"""Scoring jobs: one per answer as soon as it arrives, one report per interview when every answer is in.

Both are idempotent: an answer's analysis is keyed by the sha256 of what was analysed (a retry or a
duplicate job finds it and stops; a retake has another hash and replaces it), and an interview has at most
one report (a unique row), so the HR message it triggers is queued once under a fixed key.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import logging
import re
import time
from collections import Counter
from typing import Any

import jsonschema
import peewee as pw
from rq import get_current_job

from bot.clock import utcnow
from bot.decisions import results as decisions
from bot.integrations import webhooks
from bot.positions import versions
from bot.reports import asked, partial
from bot.reports.queue import maybe_report
from bot.store import storage
from bot.store.db import database, db_session
from bot.store.models import Answer, AnswerAnalysis, Interview, Recording, Report, Score, Upload
from bot.talent import pool as talent
from config.settings import Settings, get_settings
from scoring import models, pipeline, report, text
from scoring.partial import Progress, Resuming
from scoring.transcribe import Transcriber

log = logging.getLogger(__name__)


def transcriber(settings: Settings) -> Transcriber:
    """The process's Whisper model (loaded on first use; the directory is checked first)."""
    return _transcriber(models.whisper_model_dir(settings), tuple(sorted(models.whisper_options(settings).items())))


@functools.lru_cache(maxsize=2)
def _transcriber(model_dir, options: tuple[tuple[str, Any], ...]) -> Transcriber:
    return Transcriber(model_dir, **dict(options))


@functools.lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    return report.load_schema()


def _source(answer: Answer, recording: Recording | None) -> str:
    if recording is not None and answer.mode != "text":
        return recording.sha256 or hashlib.sha256(recording.path.encode()).hexdigest()
    return hashlib.sha256(answer.text.encode("utf-8")).hexdigest()


def score_answer(answer_id: int) -> str:
    """Transcribe, analyse and score one answer; store the analysis; queue the report after the last one."""
    settings = get_settings()
    with db_session():
        answer = Answer.get_or_none(Answer.id == answer_id)
        if answer is None:
            return "missing"
        interview = answer.interview
        recording = answer.recordings.order_by(Recording.id.desc()).first()
        source = _source(answer, recording)
        done = AnswerAnalysis.get_or_none((AnswerAnalysis.answer == answer) & (AnswerAnalysis.source == source))
        if done is not None:
            maybe_report(interview.id)
            return "already"
        position = versions.as_asked(interview.invitation.position, interview.position_version)
        question = next(q for q in interview.questions if q["key"] == answer.question_key)
        face_allowed = position.face_analysis and interview.face_consent
        sealed = recording if recording is not None and answer.mode != "text" else None
        item = pipeline.AnswerInput(
            question=question, ordinal=answer.ordinal, mode=answer.mode, text=answer.text,
            face=face_allowed, expression=face_allowed and settings.face_expression,
            video_required=position.answer_modes == ["video"],
            language=_language(position.rubric.get("language", "zh")),
            pasted_chars=int((answer.integrity or {}).get("pasted_chars", 0)) if answer.mode == "text" else 0)
        weights = position.rubric.get("dimensions") or report.DEFAULT_WEIGHTS
        context = pipeline.position_inputs(position.description, interview.questions,
                                           position.rubric.get("competencies"), weights)
        upload_id, heard = _heard(settings, sealed)
    text.use_cache_dir(settings.models_dir)
    if item.face:
        models.configure_environment(settings)  # before deepface is first imported in this process
    started, reader = time.perf_counter(), None
    try:
        # decrypted into a private temporary file for PyAV/Whisper, removed afterwards (also on error)
        with storage.private_copy(settings, sealed) if sealed is not None else contextlib.nullcontext() as media:
            reader = Resuming(transcriber(settings), heard) if answer.mode != "text" else None
            result = pipeline.score(dataclasses.replace(item, media=media), reader,
                                    **context,
                                    weights=report.effective_weights(weights, expression=item.expression))
    except Exception as exc:  # a bug, a timeout, a full disk: retried; after the last try, marked and reported
        job = get_current_job()
        if job is not None and job.retries_left:
            raise
        log.exception("answer %s: scoring failed for good", answer_id)
        result = pipeline.unscorable(item, "error", f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - started
    if upload_id is not None:
        log.info("answer %s: transcript %s", answer_id,
                 f"resumed at {heard.seconds:.1f} s" if reader is not None and reader.resumed else "read whole")
        partial.discard(upload_id)
    with db_session(), database.atomic():
        latest = Recording.select().where(Recording.answer == answer_id).order_by(Recording.id.desc()).first()
        current = Answer.get_or_none(Answer.id == answer_id)
        if current is None or _source(current, latest) != source:
            return "superseded"  # a retake arrived meanwhile: its own job scores it
        AnswerAnalysis.delete().where(AnswerAnalysis.answer == answer_id).execute()
        AnswerAnalysis.create(answer=answer_id, source=source, status=result["status"], reason=result.get("reason"),
                              total=result["total"], document=result, seconds=round(seconds, 3))
        Answer.update(status=result["status"]).where(Answer.id == answer_id).execute()
    log.info("answer %s: %s in %.1f s (total %.1f)", answer_id, result["status"], seconds, result["total"])
    with db_session():
        maybe_report(interview.id)
    return result["status"]


UPLOAD_OF_RECORDING = re.compile(r"-([0-9a-f]{32})\.[a-z0-9]+$")  # uploads.recording_key() names the upload


def _heard(settings: Settings, recording: Recording | None) -> tuple[str | None, Any]:
    """The upload a recording came from and what was transcribed of it while the candidate spoke (None: nothing
    usable, or TRANSCRIBE_WHILE_RECORDING is off)."""
    match = UPLOAD_OF_RECORDING.search(recording.path) if recording is not None else None
    upload = Upload.get_or_none(Upload.id == match.group(1)) if match else None
    if upload is None:
        return None, None
    kept = partial.load(settings, upload.id, list(upload.chunk_sha256)[:upload.next_seq]) \
        if settings.transcribe_while_recording else None
    return upload.id, (Progress.from_json(kept[0]) if kept is not None else None)


def _language(value: str) -> str | None:
    return None if value == "auto" else value


def build_report(interview_id: int) -> str:
    """Aggregate the answers' analyses into the interview's report, store it with its scores, tell HR once."""
    with db_session():
        interview = Interview.get_or_none(Interview.id == interview_id)
        if interview is None:
            return "missing"
        if Report.select().where(Report.interview == interview).exists():
            return "exists"
        answers = list(Answer.select().where(Answer.interview == interview).order_by(Answer.ordinal))
        analyses = {a.answer_id: a for a in AnswerAnalysis.select().where(
            AnswerAnalysis.answer.in_([x.id for x in answers]))}
        if interview.status != "completed" or len(analyses) < len(answers):
            return "waiting"
        invitation = interview.invitation
        position = versions.as_asked(invitation.position, interview.position_version)
        settings = get_settings()
        face_on = position.face_analysis and interview.face_consent
        weights = report.effective_weights(position.rubric.get("dimensions") or report.DEFAULT_WEIGHTS,
                                           expression=face_on and settings.face_expression)
        documents = [analyses[a.id].document for a in answers]
        doc = report.build_report(
            interview={"id": interview.id, "position": {"slug": position.slug, "title": position.title,
                                                          "version": interview.position_version},
                       "candidate_id": invitation.candidate_id, "invitation_id": invitation.id,
                       "questions": len(interview.questions), "answered": len(answers),
                       "completed_at": interview.completed_at.isoformat() if interview.completed_at else None,
                       "asked": asked.asked(interview), "draw": asked.draw_of(interview)},
            answers=documents, weights=weights, thresholds=position.rubric.get("thresholds") or None,
            integrity=integrity(interview, answers, documents),
            models={"whisper": settings.whisper_model.name, "scoring": report.SCORING_VERSION})
        jsonschema.validate(doc, report_schema())
        try:
            with database.atomic():
                stored = Report.create(interview=interview, schema_version=report.SCHEMA_VERSION, document=doc,
                                       total=doc["total"], recommendation=doc["recommendation"]["key"],
                                       created_at=utcnow())
                rows = [{"interview": interview.id, "answer": None, "dimension": d["name"], "value": d["score"],
                         "evidence": {"lines": d["evidence"]}} for d in doc["dimensions"]]
                for a, item in zip(answers, documents, strict=True):
                    rows += [{"interview": interview.id, "answer": a.id, "dimension": name, "value": dim["score"],
                              "evidence": {"basis": dim["basis"], "lines": dim["evidence"]}}
                             for name, dim in item["dimensions"].items()]
                if rows:
                    Score.insert_many(rows).execute()
        except pw.IntegrityError:
            return "exists"  # another worker stored it first
        webhooks.report_ready(stored)  # never raises: the card and the pool come next whatever happens
        decisions.send_card(stored)  # the HR result card, once (its key is the report's)
        talent.on_report(stored.id)  # rule tags, retention date, the pool profile
    return "created"


def integrity(interview: Interview, answers: list[Answer], documents: list[dict[str, Any]]) -> dict[str, Any]:
    """What the page and the camera noticed, for HR to weigh (never grounds to reject by itself)."""
    events = Counter(e.get("type") for e in interview.events)
    hidden_ms = sum(int(a.integrity.get("hidden_ms", 0)) for a in answers)
    pasted = sum(int(a.integrity.get("pasted_chars", 0)) for a in answers)
    flags = []
    if events.get("hidden"):
        flags.append(f"作答期间离开页面 {events['hidden']} 次（共约 {round(hidden_ms / 1000)} 秒）")
    if pasted:
        flags.append(f"文字回答中粘贴了 {pasted} 个字符")
    faces = [(d["ordinal"], (d.get("signals") or {}).get("face") or d.get("face")) for d in documents]
    for ordinal, face in faces:
        if not face or face.get("error"):
            continue
        if face.get("multiple_faces_frames"):
            flags.append(f"第{ordinal}题：{face['multiple_faces_frames']} 帧画面中出现多张人脸")
        if face.get("face_present_ratio") is not None and face["face_present_ratio"] < 0.6:
            flags.append(f"第{ordinal}题：仅 {round(100 * face['face_present_ratio'])}% 的画面检测到人脸")
        if face.get("looking_away_ratio") and face["looking_away_ratio"] > 0.3:
            flags.append(f"第{ordinal}题：约 {round(100 * face['looking_away_ratio'])}% 的画面视线偏离")
    retake = "（可邀请候选人重答）"
    unscorable = [f"第{d['ordinal']}题：{d['reason_text']}" + ("" if "重答" in d["reason_text"] else retake)
                  for d in documents if d["status"] == "unscorable"]
    return {"events": dict(events), "hidden_ms": hidden_ms, "pasted_chars": pasted, "flags": flags + unscorable}


prepare_answer = score_answer  # jobs queued before the scoring pipeline existed still run
