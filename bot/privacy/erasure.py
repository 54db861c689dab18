"""Deleting a candidate's personal data (PIPL Art. 47): on their request (chat, page), HR's or the API's, or when
the retention period ends. One procedure, idempotent and resumable: a repeated or interrupted request runs it
again and it finds only what is left.

What goes: recordings and résumé files (objects through bot/store/storage, and their rows; a résumé's text and
parsed fields go with its row), upload chunk folders, answers (typed texts), answer analyses (transcripts,
signals), HR notes, the pool profile and tags, the fields of bulk-sheet rows (name, phone, ID number, résumé),
consent records' address and browser, messages to them (cancelled if unsent) and the mentions of them in messages,
webhook payloads and audit rows; the candidate row is blanked (name, phone, e-mail, résumé, WeCom ids) and marked
erased. Open invitations and appointments are cancelled: the application ends.

What stays, so HR's funnel counts and score statistics keep meaning: the invitation, interview, decision and
score rows (numbers, no evidence) and the report row with its totals — its document keeps the schema's shape but
no transcript, evidence, highlights, suggestions or integrity notes (``"erased": true``). Nothing in them names
the person. The ErasureRequest keeps counts only; the audit row says which request, never what was deleted.
"""
from __future__ import annotations

import logging
import shutil
from collections import Counter
from collections.abc import Callable
from functools import reduce
from operator import or_
from typing import Any

import peewee as pw

from bot.clock import utcnow
from bot.resumes.questions import ERASED_TEXT, forget
from bot.store import partial_transcripts
from bot.store.db import database
from bot.store.models import (
    Answer,
    AnswerAnalysis,
    Appointment,
    AuditLog,
    BulkItem,
    Candidate,
    CandidateTag,
    Consent,
    ErasureRequest,
    Hire,
    Interview,
    Invitation,
    Note,
    OutboundMessage,
    PerformanceRecord,
    PoolProfile,
    Recording,
    Report,
    Resume,
    Score,
    Scorecard,
    SelfDeclared,
    Upload,
    WebhookDelivery,
)
from bot.store.storage import get_storage
from config.settings import Settings, get_settings

log = logging.getLogger(__name__)

SOURCES = ("chat", "page", "hr", "api", "retention")
ERASED = "[已删除]"
OPEN_INVITATIONS = ("created", "sent", "opened", "started")
UNSENT = ("pending", "deferred", "sending", "waiting", "batched")
# Keys of a message payload that address it (to HR, a kf account): never rewritten, or a message to HR would break.
ADDRESS_KEYS = frozenset({"touser", "toparty", "totag", "open_kfid", "sender", "msgid", "task_id", "agentid",
                          "msgtype", "response_code", "enable_duplicate_check", "duplicate_check_interval"})
MIN_NEEDLE = 2  # shorter strings are not searched for (they would match everywhere)
# Rows that leave with the candidate's data entirely (the rest is kept for HR's numbers, with nothing personal)
HIRE_EVENTS = ("offer.made", "offer.accepted", "offer.declined", "offer.withdrawn", "candidate.hired")
DELETED_ROWS = (Recording, Upload, Answer, AnswerAnalysis, Note, PoolProfile, CandidateTag)

BeforeBlank = Callable[[ErasureRequest, Candidate, Counter], None]


class ErasureError(ValueError):
    """A request that cannot be taken (an unknown source or candidate); the message is safe to show."""


def open_request(candidate_id: int, source: str, requested_by: str, request_key: str) -> ErasureRequest:
    """Find the request under this key, or the candidate's earlier one (a second request finds the first), or
    record a new one."""
    if source not in SOURCES:
        raise ErasureError(f"unknown erasure source {source!r}")
    found = ErasureRequest.get_or_none(ErasureRequest.request_key == request_key[:191])
    found = found or (ErasureRequest.select().where(ErasureRequest.candidate == candidate_id)
                      .order_by(ErasureRequest.id).first())
    if found is not None:
        return found
    if Candidate.get_or_none(Candidate.id == candidate_id) is None:
        raise ErasureError(f"no candidate {candidate_id}")
    try:
        with database.atomic():
            return ErasureRequest.create(candidate=candidate_id, source=source, requested_by=requested_by[:64],
                                         request_key=request_key[:191])
    except pw.IntegrityError:  # the same key, a moment ago
        return ErasureRequest.get(ErasureRequest.request_key == request_key[:191])


def erase(candidate_id: int, source: str, requested_by: str, request_key: str, *,
          settings: Settings | None = None, before_blank: BeforeBlank | None = None) -> ErasureRequest:
    """Delete the candidate's personal data; return the request (a repeat returns the first, already done)."""
    request = open_request(candidate_id, source, requested_by, request_key)
    if request.state == "done":
        return request
    return carry_out(request, settings or get_settings(), before_blank)


def carry_out(request: ErasureRequest, settings: Settings, before_blank: BeforeBlank | None = None) -> ErasureRequest:
    """Run (or resume) a recorded request. before_blank runs inside the last transaction while the candidate's
    contacts still exist (to queue the message that tells them it is done)."""
    counts: Counter = Counter(request.summary or {})
    candidate = Candidate.get_or_none(Candidate.id == request.candidate_id) if request.candidate_id else None
    if candidate is None:  # nothing left to delete
        return _finish(request, counts)
    invitations = [i.id for i in Invitation.select(Invitation.id).where(Invitation.candidate == candidate.id)]
    interviews = [i.id for i in Interview.select(Interview.id).where(Interview.invitation.in_(invitations))]
    # Files first, each before its row: an interruption leaves rows that point at what is still to delete.
    counts["recordings"] += delete_recordings(settings, interviews)
    counts["upload_folders"] += delete_upload_folders(settings, interviews)
    counts["resumes"] += delete_resumes(settings, [candidate.id])
    ErasureRequest.update(summary=dict(counts)).where(ErasureRequest.id == request.id).execute()
    with database.atomic():
        needles = identifiers(candidate, invitations)
        _delete_rows(counts, candidate.id, interviews)
        _redact_reports(counts, interviews)
        _scrub_records(counts, candidate, invitations, interviews, needles)
        _forget_second_round(counts, invitations)
        _end_application(counts, invitations, interviews)
        if before_blank is not None:
            before_blank(request, candidate, counts)
        _blank(candidate)
        request = _finish(request, counts)
        AuditLog.create(actor=(request.requested_by or request.source)[:64], action="erase",
                        target_type="candidate", target_id=str(candidate.id),
                        detail={"request": request.id, "source": request.source})
    # An answer whose request was already past the link check when this began may land just now: sweep again.
    if late := leftovers(settings, interviews):
        log.warning("erasure %s: %d answer(s) arrived while it ran, deleted too", request.id, late)
    log.info("erasure %s (candidate %s, %s): %s", request.id, candidate.id, request.source, dict(counts))
    return request


def leftovers(settings: Settings, interviews: list[int]) -> int:
    """Delete what reached erased interviews after their erasure (recordings, chunks, answers); return how many
    answers."""
    delete_recordings(settings, interviews)
    delete_upload_folders(settings, interviews)
    return Answer.delete().where(Answer.interview.in_(interviews)).execute()


def _finish(request: ErasureRequest, counts: Counter) -> ErasureRequest:
    now = utcnow()
    ErasureRequest.update(state="done", completed_at=now, summary={k: v for k, v in sorted(counts.items()) if v}
                          ).where(ErasureRequest.id == request.id).execute()
    return ErasureRequest.get_by_id(request.id)


def delete_recordings(settings: Settings, interviews: list[int]) -> int:
    """Delete the interviews' recording objects through the storage, then their rows, then anything else stored
    under the interviews' folders; return how many rows."""
    store = get_storage(settings)
    deleted = 0
    for rec in Recording.select().join(Answer).where(Answer.interview.in_(interviews)).order_by(Recording.id):
        store.delete(rec.path)  # a missing object is no error: a resumed run deletes it again
        deleted += Recording.delete().where(Recording.id == rec.id).execute()
    for interview in interviews:  # and what no row points at: an object stored by a finish that was cut short
        store.delete_prefix(f"recordings/{interview}/")
    return deleted


def delete_resumes(settings: Settings, candidates: list[int]) -> int:
    """Delete the candidates' résumé files through the storage, then their rows (text, parsed fields and
    corrections go with them), then anything else under their résumé folders; return how many rows."""
    store = get_storage(settings)
    deleted = 0
    for resume in Resume.select(Resume.id, Resume.path).where(Resume.candidate.in_(candidates)).order_by(Resume.id):
        store.delete(resume.path)
        deleted += Resume.delete().where(Resume.id == resume.id).execute()
    for candidate_id in candidates:  # a file whose row was never written (a save cut short)
        store.delete_prefix(f"resumes/{int(candidate_id)}/")
    return deleted


def delete_upload_folders(settings: Settings, interviews: list[int]) -> int:
    """Delete the chunk folders of the interviews' uploads (DATA_DIR/uploads/<id>), then the upload rows."""
    root = settings.data_dir / "uploads"
    removed = 0
    for upload in Upload.select(Upload.id).where(Upload.interview.in_(interviews)):
        folder = root / upload.id
        partial_transcripts.discard(upload.id)  # what was transcribed of it while the candidate spoke
        if folder.parent == root and folder.is_dir():  # upload ids are hex; never a path out of the folder
            shutil.rmtree(folder)
            removed += 1
    Upload.delete().where(Upload.interview.in_(interviews)).execute()
    return removed


def identifiers(candidate: Candidate, invitations: list[int]) -> list[str]:
    """Every string that names or reaches the candidate (longest first): what must not be left anywhere."""
    found = {candidate.name, candidate.phone, candidate.email, candidate.wecom_userid, candidate.external_userid,
             candidate.display_name if not candidate.display_name.startswith("#") else ""}
    for item in BulkItem.select(BulkItem.fields).where(BulkItem.invitation.in_(invitations)):
        fields = item.fields or {}
        found |= {str(fields.get(k) or "") for k in ("name", "phone", "email", "wecom_userid", "wechat")}
    return sorted({s.strip() for s in found if s and len(s.strip()) >= MIN_NEEDLE}, key=lambda s: (-len(s), s))


def scrub(value: Any, needles: list[str]) -> Any:
    """value with every needle in its strings replaced by ERASED (addressing keys of payloads left alone)."""
    if isinstance(value, str):
        return reduce(lambda text, needle: text.replace(needle, ERASED), needles, value)
    if isinstance(value, list):
        return [scrub(v, needles) for v in value]
    if isinstance(value, dict):
        return {k: v if k in ADDRESS_KEYS else scrub(v, needles) for k, v in value.items()}
    return value


def _like(field: pw.Field, needle: str) -> pw.Expression:
    """field contains needle (case-insensitive), the pattern passed as it is: a JSON field's converter would
    otherwise quote it (peewee's contains() escapes only patterns with _ % or \\ in them)."""
    escaped = needle.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
    pattern = pw.NodeList((pw.Value(f"%{escaped}%", converter=False), pw.SQL("ESCAPE"),
                           pw.Value("\\", converter=False)))
    return pw.Expression(field, pw.OP.ILIKE, pattern)


def _mentions(field: pw.Field, needles: list[str]) -> pw.Expression | None:
    return reduce(or_, (_like(field, n) for n in needles)) if needles else None


def _any(*conditions: pw.Expression | None) -> pw.Expression:
    present = [c for c in conditions if c is not None]
    return reduce(or_, present)


def _delete_rows(counts: Counter, candidate_id: int, interviews: list[int]) -> None:
    answers = Answer.select(Answer.id).where(Answer.interview.in_(interviews))
    counts["typed_answers"] += Answer.select().where(Answer.interview.in_(interviews) & (Answer.text != "")).count()
    counts["analyses"] += AnswerAnalysis.delete().where(AnswerAnalysis.answer.in_(answers)).execute()
    Score.delete().where(Score.answer.in_(answers)).execute()  # per-answer scores: their basis is the answer
    counts["answers"] += Answer.delete().where(Answer.interview.in_(interviews)).execute()
    counts["notes"] += Note.delete().where(Note.interview.in_(interviews)).execute()
    counts["pool_profiles"] += PoolProfile.delete().where(PoolProfile.candidate == candidate_id).execute()
    counts["tags"] += CandidateTag.delete().where(CandidateTag.candidate == candidate_id).execute()
    counts["self_declared"] += SelfDeclared.delete().where(SelfDeclared.interview.in_(interviews)).execute()


def redact_report(document: dict[str, Any], erased_at: str) -> dict[str, Any]:
    """The report as it is kept after erasure: its shape (schema-valid), ids and numbers; no words about them."""
    personal = {q["key"] for q in document["interview"].get("asked", []) if q.get("personalised")}
    answers = [{"question_key": a["question_key"], "ordinal": a["ordinal"],
                "question": ERASED_TEXT if a["question_key"] in personal else a["question"],  # quoted the résumé
                "mode": a["mode"], "status": a["status"], "reason": a.get("reason"), "total": a["total"],
                "dimensions": {name: {"score": d["score"], "basis": d.get("basis", {}), "evidence": []}
                               for name, d in (a.get("dimensions") or {}).items()},
                "highlights": [], "suggestions": [],
                **({"reason_text": a["reason_text"]} if "reason_text" in a else {})}  # says why, not what they said
               for a in document.get("answers", [])]
    recommendation = document["recommendation"]
    return {
        "schema_version": document["schema_version"], "scoring_version": document["scoring_version"],
        "generated_at": document["generated_at"], "total": document["total"],
        "interview": {**document["interview"], **({"asked": forget(document["interview"]["asked"])}
                                                  if "asked" in document["interview"] else {})},
        "recommendation": {**recommendation, "reasons": []},
        "dimensions": [{"name": d["name"], "weight": d["weight"], "score": d["score"], "evidence": []}
                       for d in document.get("dimensions", [])],
        "highlights": [], "suggestions": [], "concerns": [], "answers": answers, "integrity": {"flags": []},
        "models": document.get("models", {}), "erased": True, "erased_at": erased_at,
    }


def _redact_reports(counts: Counter, interviews: list[int]) -> None:
    stamp = utcnow().isoformat(timespec="seconds")
    for report in Report.select().where(Report.interview.in_(interviews)):
        if not report.document.get("erased"):
            Report.update(document=redact_report(report.document, stamp)).where(Report.id == report.id).execute()
            counts["reports_redacted"] += 1
    Score.update(evidence={}).where(Score.interview.in_(interviews)).execute()
    for interview in Interview.select(Interview.id, Interview.questions).where(Interview.id.in_(interviews)):
        if any(q.get("personalised") for q in interview.questions or []):  # questions built from the résumé
            Interview.update(questions=forget(interview.questions)).where(Interview.id == interview.id).execute()


def _scrub_records(counts: Counter, candidate: Candidate, invitations: list[int], interviews: list[int],
                   needles: list[str]) -> None:
    """Messages, webhook payloads, bulk-sheet rows, audit rows and consent records that name or reach them."""
    ids = [x for x in (candidate.wecom_userid, candidate.external_userid) if x]
    for message in OutboundMessage.select().where(_any(
            OutboundMessage.invitation.in_(invitations), OutboundMessage.recipient.in_(ids),
            _mentions(OutboundMessage.payload, needles), _mentions(OutboundMessage.last_error, needles))):
        to_them = bool(message.recipient) and bool(set(message.recipient.split("|")) & set(ids))
        if to_them or message.invitation_id in invitations:
            # To them, or to HR about their application (cards quote their answers): kept as a count only. An unsent
            # one is never sent now: they asked us not to, and the application is over.
            state = "failed" if message.state in UNSENT else message.state
            OutboundMessage.update(recipient="" if to_them else message.recipient, state=state,
                                   payload={"msgtype": message.msgtype, "erased": True},
                                   last_error="erased" if state != message.state else "",
                                   response_code="" if to_them else message.response_code,
                                   wecom_msgid="" if to_them else message.wecom_msgid).where(
                OutboundMessage.id == message.id).execute()
            counts["messages_to_them" if to_them else "messages_about_them"] += 1
        else:  # a message to HR that names them among others (a folded notice, a compare card)
            OutboundMessage.update(payload=scrub(message.payload, needles),
                                   last_error=scrub(message.last_error, needles)).where(
                OutboundMessage.id == message.id).execute()
            counts["messages_naming_them"] += 1
    keys = [f"{event}:interview:{i}" for event in ("report.ready", "decision.made") for i in interviews]
    keys += [f"{event}:invitation:{i}" for event in HIRE_EVENTS for i in invitations]
    for delivery in WebhookDelivery.select().where(_any(
            WebhookDelivery.event_key.in_(keys), _mentions(WebhookDelivery.payload, needles))):
        payload = dict(delivery.payload)
        if "candidate" in payload:
            payload["candidate"] = {"id": candidate.id, "erased": True}
        if delivery.event in HIRE_EVENTS:  # the employee id and the interviewers' notes about them
            payload["employee_id"] = None
            if "onboarding" in payload:
                payload["onboarding"] = {"erased": True}
        WebhookDelivery.update(payload=scrub(payload, needles), last_error=scrub(delivery.last_error, needles)).where(
            WebhookDelivery.id == delivery.id).execute()
        counts["webhook_payloads"] += 1
    sheet = [BulkItem.invitation.in_(invitations)]  # and rows of other sheets with their contacts (sealed: by index)
    sheet += [BulkItem.contact_index.mentions(n) for n in needles if n != candidate.name and len(n) >= 5]
    counts["sheet_rows"] += BulkItem.update(fields={}, verdict=None, reason="").where(
        reduce(or_, sheet) & (BulkItem.fields != {})).execute()
    actor = f"candidate:{candidate.id}"
    counts["audit_rows"] += AuditLog.update(actor=actor).where(AuditLog.actor.in_(needles)).execute()
    if needles:
        for row in AuditLog.select().where(_mentions(AuditLog.detail, needles)):
            AuditLog.update(detail=scrub(row.detail, needles)).where(AuditLog.id == row.id).execute()
            counts["audit_rows"] += 1
    counts["consents_withdrawn"] += Consent.update(ip="", user_agent="", withdrawn_at=pw.fn.COALESCE(
        Consent.withdrawn_at, utcnow())).where(Consent.interview.in_(interviews) & (
            Consent.withdrawn_at.is_null() | (Consent.ip != "") | (Consent.user_agent != ""))).execute()


def _forget_second_round(counts: Counter, invitations: list[int]) -> None:
    """The interviewers' scorecard notes, the employee id and the KPIs imported with performance (the ratings stay,
    as the report's scores do)."""
    counts["scorecards"] += Scorecard.update(notes="", shareable=False).where(
        Scorecard.invitation.in_(invitations)).execute()
    counts["hires"] += Hire.update(employee_id="").where(Hire.invitation.in_(invitations)).execute()
    counts["performance_records"] += PerformanceRecord.update(kpis={}).where(PerformanceRecord.hire.in_(
        Hire.select(Hire.id).where(Hire.invitation.in_(invitations)))).execute()


def _end_application(counts: Counter, invitations: list[int], interviews: list[int]) -> None:
    """The application ends: open invitations and appointments are cancelled, unscored interviews withdrawn."""
    counts["invitations_cancelled"] += Invitation.update(status="cancelled").where(
        Invitation.id.in_(invitations) & Invitation.status.in_(OPEN_INVITATIONS)).execute()
    Appointment.update(status="cancelled").where(
        Appointment.invitation.in_(invitations) & (Appointment.status == "scheduled")).execute()
    reported = Report.select(Report.interview).where(Report.interview.in_(interviews))
    # Without answers an unreported interview can never be scored: "withdrawn" keeps a stray job from reporting it.
    Interview.update(status="withdrawn").where(Interview.id.in_(interviews) & Interview.id.not_in(reported)).execute()
    Interview.update(media_purged_at=utcnow()).where(
        Interview.id.in_(interviews) & Interview.media_purged_at.is_null()).execute()


def _blank(candidate: Candidate) -> None:
    now = utcnow()
    Candidate.update(name="", phone="", email="", resume="", wecom_userid=None, external_userid=None, open_kfid="",
                     contact_owner="", retain_until=None, erased_at=now,
                     withdrawn_at=pw.fn.COALESCE(Candidate.withdrawn_at, now)).where(
        Candidate.id == candidate.id).execute()


def rights_state(invitation: Invitation) -> dict[str, Any]:
    """What the page shows of the candidate's requests: a review asked for, an erasure under way or done."""
    review = (AuditLog.select(AuditLog.created_at)
              .where((AuditLog.action == "review_request") & (AuditLog.target_type == "invitation")
                     & (AuditLog.target_id == str(invitation.id)))
              .order_by(AuditLog.id.desc()).first())
    request = (ErasureRequest.select().where(ErasureRequest.candidate == invitation.candidate_id)
               .order_by(ErasureRequest.id).first())
    return {"review_requested_at": review.created_at.isoformat(timespec="seconds") + "Z" if review else None,
            "erasure": request.state if request else None}
