"""Open API: a candidate's résumé file, sent as multipart/form-data (field ``file``) or as JSON with the file in
base64. The file is read (bot/resumes), kept sealed with its parsed fields, and the fields screening reads come
back with it; a file that is not read is answered 422 with the reason for that file, and nothing is kept. Sent for a
position (``position``), the candidate is screened by its rules with those fields and auto-invited like a bulk row;
with a résumé the candidate is in the talent pool, interviewed or not."""
from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Blueprint, Response, request

from bot.bulk.candidate import screen_and_invite
from bot.resumes.corrections import effective
from bot.resumes.fields import screening_fields
from bot.resumes.model import Resume as Parsed
from bot.resumes.store import save_resume
from bot.store.models import Candidate, Position, Resume
from bot.talent import pool as talent
from handlers.api.core import ApiError, audit, body, gone, idempotent, not_found, replayable, settings
from handlers.api.hiring import acting_hr

bp = Blueprint("api_resumes", __name__)


def resume_out(row: Resume, kind: str, pages: int, notices: list[str], duplicate: bool) -> dict[str, Any]:
    """A kept résumé as the API answers it: the parsed fields (HR's corrections in place) and what screening
    reads from them (not the text itself)."""
    screening = {k: v for k, v in screening_fields(Parsed.from_dict(row.parsed), "").items() if k != "resume"}
    return {"id": row.id, "candidate_id": row.candidate_id, "kind": kind, "mime": row.mime, "pages": pages,
            "size": row.size, "sha256": row.sha256, "duplicate": duplicate, "notices": notices,
            "parsed": effective(row.parsed, row.corrections), "screening": screening}


def _resume_answer(recipe: dict[str, Any]) -> dict[str, Any]:
    """The kept résumé a request made or found, as it is now (410 when erased since)."""
    row = Resume.get_or_none(Resume.id == recipe["id"])
    if row is None:
        raise gone("résumé")
    out = resume_out(row, recipe["kind"], recipe["pages"], recipe["notices"], recipe["duplicate"])
    if "verdict" in recipe:  # sent for a position: screened, and invited when it passed and the rules auto-invite
        out.update(verdict=recipe["verdict"], invitation_id=recipe["invitation_id"])
    return out


@bp.post("/candidates/<int:candidate_id>/resumes")
@idempotent(_resume_answer)
def upload_resume(candidate_id: int) -> Response:
    """Keep a résumé file for a candidate: 201 when kept, 200 when this file was kept for them already."""
    candidate = Candidate.get_or_none(Candidate.id == candidate_id)
    if candidate is None:
        raise not_found("candidate")
    if candidate.erased_at is not None:
        raise ApiError(410, "erased", "this candidate's personal data was deleted; no résumé is kept for them")
    multipart = request.mimetype == "multipart/form-data"
    filename, data = _form_file() if multipart else _json_file()
    position, invited_by = _position((request.form.get("position") if multipart else body().get("position")) or "")
    saved = save_resume(settings(), candidate, data, filename, "api")
    if not saved.outcome.ok:
        raise ApiError(422, "resume_unreadable", saved.outcome.reason, reason=saved.outcome.code)
    if not saved.duplicate:
        # the pool and screening read Candidate.resume: the newest file's text replaces what was typed before
        Candidate.update(resume=saved.outcome.document.text).where(Candidate.id == candidate.id).execute()
        talent.refresh_profile(candidate.id)  # in the pool now, interviewed or not, searchable by its fields
        audit("resume.upload", "candidate", candidate.id, resume=saved.resume.id, kind=saved.outcome.document.kind)
    recipe = {"id": saved.resume.id, "kind": saved.outcome.document.kind, "pages": saved.outcome.document.pages,
              "notices": saved.outcome.notices, "duplicate": saved.duplicate}
    if position is not None:
        done = screen_and_invite(settings(), position, Candidate.get_by_id(candidate.id), invited_by)
        recipe.update(verdict=done.verdict, invitation_id=done.invitation.id if done.invitation else None)
        if done.invitation is not None:
            audit("invite", "invitation", done.invitation.id, position=position.slug, invited_by=invited_by,
                  screened=True)
    return replayable(_resume_answer, recipe, 200 if saved.duplicate else 201)


def _position(slug: str) -> tuple[Position | None, str]:
    """The position a file is sent for (none: no screening) and the HR member the invitation is from (the token's),
    both checked before anything is kept."""
    if not slug:
        return None, ""
    position = Position.get_or_none(Position.slug == str(slug)[:64])
    if position is None:
        raise ApiError(422, "invalid_value", f"没有岗位 {str(slug)[:64]}", path="/position")
    return position, acting_hr(None, "position")


def _form_file() -> tuple[str, bytes]:
    upload = request.files.get("file")  # the gate capped the body at the operation's x-max-body
    if upload is None:
        raise ApiError(422, "invalid_request", "send the résumé as the form field 'file'", path="/file")
    return upload.filename or "", upload.read()


def _json_file() -> tuple[str, bytes]:
    data = body()
    try:
        return data["filename"], base64.b64decode(data["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "invalid_base64", "content_base64 is not valid base64",
                       path="/content_base64") from None
