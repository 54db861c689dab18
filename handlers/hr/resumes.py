"""Résumés in the HR pages: a candidate's structured résumé beside the text it was read from (every field's span
marked), HR's corrections of a field, the original file, and résumé files dropped on a position.

A candidate is visible to a member who may see one of the positions they were invited to; a candidate never
invited belongs to the root (as in the talent pool: `outside` in bot/talent/pool.py). Masked roles read the fields
and the text masked and correct nothing. Every view, download, correction and drop is audited; a correction's audit row
names the field, never the value.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from bot.bulk import candidate as dropping
from bot.org.access import ROOT, higher
from bot.privacy import scrub
from bot.privacy.roles import can, candidate_view, mask_email, mask_name, mask_phone, sees_personal_data
from bot.resumes import corrections, display
from bot.resumes.store import MIMES, open_file
from bot.store.db import db_session
from bot.store.models import AuditLog, Candidate, Invitation, Position, Resume
from bot.store.sealing import SealError
from bot.talent import pool as talent
from handlers.hr import scope
from handlers.hr.auth import check_csrf, csrf_token, hr_page

bp = Blueprint("hr_resumes", __name__, template_folder="templates")

DROP_MAX_BYTES = 60 * 1024 * 1024  # a few files of up to 20 MB each (formats.MAX_BYTES), or one .zip of them
TOO_LARGE = "上传内容过大：一次最多 60 MB（每份简历不超过 20 MB）；更多简历请用批量上传页面。"
MASKS = {"name": mask_name, "phone": mask_phone, "email": mask_email}
NOTHING_SENT = "请选择至少一份简历文件（PDF、Word .docx、文本、网页），或一个 .zip 压缩包。"
DONE = {"corrected": "已保存修改（已记入审计日志）。", "cleared": "已撤销修改，恢复为系统读取的内容。"}


def candidate_role(candidate: Candidate) -> str:
    """The member's role for the candidate: the highest over the positions they were invited to that the member may
    see (the root's role for one never invited); a 403 page when none."""
    positions = list(Position.select().join(Invitation).where(Invitation.candidate == candidate.id).distinct())
    if positions:
        role = None
        for position in positions:
            role = higher(role, g.access.role_for(position))
    else:
        role = higher(g.access.everything, g.access.units.get(ROOT))
    if role is None:
        abort(403, description=scope.OUT_OF_SCOPE)
    return role


def _candidate(candidate_id: int) -> tuple[Candidate, str]:
    candidate = Candidate.get_or_none(Candidate.id == candidate_id)
    if candidate is None:
        abort(404, description="没有这位候选人。")
    return candidate, candidate_role(candidate)


def _resume(candidate: Candidate, resume_id: int | None) -> Resume | None:
    query = Resume.select().where(Resume.candidate == candidate.id)
    if resume_id is not None:
        found = query.where(Resume.id == resume_id).first()
        if found is None:
            abort(404, description="这位候选人没有这份简历。")
        return found
    return query.order_by(Resume.id.desc()).first()


def for_role(text: str, resume: dict[str, Any], candidate: Any,
             role: str | None) -> tuple[list[display.Field], list[dict]]:
    """The fields and the text's pieces as the role may read them: for a masked role the name, phone and e-mail
    masked in the shapes the headers use, each other piece scrubbed on its own (a span keeps its place)."""
    fields = display.fields_of(resume)
    cut = display.pieces(text, fields)
    if sees_personal_data(role):
        return fields, cut
    who = scrub.known(candidate)
    own = {f.path: f.value for f in fields if f.kind}  # the résumé's own name, phone and e-mail too
    who = scrub.Known(name=who.name or own.get("name", ""), phone=who.phone or own.get("phone", ""),
                      email=who.email or own.get("email", ""), userids=who.userids)
    hidden = scrub.hidden(role)
    for f in fields:
        f.value = MASKS[f.kind](f.value) if f.kind else scrub.text(f.value, who, hidden)
        f.parsed = MASKS[f.kind](f.parsed) if f.kind else scrub.text(f.parsed, who, hidden)
        f.editable = False
    for p in cut:
        p["text"] = MASKS[p["kind"]](p["text"]) if p["kind"] else scrub.text(p["text"], who, hidden)
    return fields, cut


@bp.get("/hr/candidates/<int:candidate_id>/resume")
@hr_page
def show(candidate_id: int):
    """The structured résumé beside its text (the latest kept one, or ?resume=<id> of the candidate's)."""
    wanted = request.args.get("resume", "")
    resume_id = int(wanted) if wanted.isascii() and wanted.isdigit() and len(wanted) < 19 else None
    with db_session():
        candidate, role = _candidate(candidate_id)
        row = _resume(candidate, resume_id)
        others = [{"id": r.id, "created_at": r.created_at, "source": r.source} for r in
                  Resume.select(Resume.id, Resume.created_at, Resume.source)
                  .where(Resume.candidate == candidate.id).order_by(Resume.id.desc())]
        fields, pieces = ([], []) if row is None else for_role(
            row.text or "", corrections.effective(row.parsed, row.corrections), candidate, role)
        AuditLog.create(actor=g.userid, action="view_resume", target_type="candidate", target_id=str(candidate.id),
                        detail={"resume": row.id if row else None, "role": role})
        return render_template("hr/resume.html", candidate=candidate_view(candidate, role), resume=row,
                               fields=fields, pieces=pieces, others=others, role=role,
                               may_correct=can(role, "see_contacts"), csrf=csrf_token(),
                               flash=DONE.get(request.args.get("done", ""), ""), error="")


@bp.post("/hr/candidates/<int:candidate_id>/resume/<int:resume_id>/correct")
@hr_page
def correct(candidate_id: int, resume_id: int):
    """Keep HR's value for one field (an empty value takes the correction back); audited, the field never the value."""
    with db_session():
        candidate, role = _candidate(candidate_id)
        if not can(role, "see_contacts"):
            abort(403, description="只有招聘人员可以修改简历字段。")
        _resume(candidate, resume_id)
    check_csrf()
    value = request.form.get("value", "")
    try:
        corrections.correct(resume_id, request.form.get("field", ""), value, g.userid)
    except corrections.CorrectionError as exc:
        abort(400, description=str(exc))
    with db_session():
        talent.refresh_profile(candidate_id)  # the pool searches the corrected fields
    done = "corrected" if value.strip() else "cleared"
    return redirect(f"/hr/candidates/{candidate_id}/resume?resume={resume_id}&done={done}", code=303)


@bp.get("/hr/candidates/<int:candidate_id>/resume/<int:resume_id>/file")
@hr_page
def original(candidate_id: int, resume_id: int):
    """The file as it was sent (recruiters; masked roles read the masked page only); audited."""
    with db_session():
        candidate, role = _candidate(candidate_id)
        if not can(role, "see_contacts"):
            abort(403, description="您的角色只能查看隐去个人信息的简历。")
        row = _resume(candidate, resume_id)
        AuditLog.create(actor=g.userid, action="download_resume", target_type="candidate",
                        target_id=str(candidate.id), detail={"resume": row.id})
    try:
        data = open_file(current_app.extensions["settings"], row)
    except (SealError, FileNotFoundError, OSError):
        abort(410, description="简历文件已删除或无法打开。")
    suffix = next((s for m, s in MIMES.values() if m == row.mime), "")
    return Response(data, mimetype=row.mime, headers={
        "Content-Disposition": f"attachment; filename=resume-{row.id}{suffix}", "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})


@bp.post("/hr/positions/<slug>/resumes")
@hr_page
def drop(slug: str):
    """Résumé files (or a .zip of them) dropped on a position: each read, its candidate made or found, screened by
    the position's rules and auto-invited; each file's outcome listed (recruiters)."""
    with db_session():
        position = Position.get_or_none(Position.slug == slug[:64])
        if position is None:
            abort(404, description="没有这个岗位。")
        if not can(scope.role_for(position), "decide"):
            abort(403, description="只有招聘人员可以上传简历。")
    check_csrf()
    request.max_content_length = DROP_MAX_BYTES
    try:
        sent = [(f.filename or "简历", f.read()) for f in request.files.getlist("files") if f.filename]
    except RequestEntityTooLarge:
        return _dropped(position, [], TOO_LARGE), 413
    if not sent:
        return _dropped(position, [], NOTHING_SENT), 400
    files = dropping.unpack([(name.replace("/", "_")[-120:], data) for name, data in sent])
    if len(files) > dropping.MAX_FILES:
        return _dropped(position, [], f"一次最多 {dropping.MAX_FILES} 份简历（这次有 {len(files)} 份）；"
                                      "更多简历请用批量上传页面。"), 400
    settings = current_app.extensions["settings"]
    results = []
    for name, data, reason in files:
        with db_session():
            if reason:
                results.append(dropping.Dropped(name, "refused", reason))
                continue
            found = dropping.take_file(settings, position, name, data, g.userid)
            if found.candidate is not None:
                talent.refresh_profile(found.candidate.id)  # in the pool now, interviewed or not
                AuditLog.create(actor=g.userid, action="resume.upload", target_type="candidate",
                                target_id=str(found.candidate.id),
                                detail={"resume": found.resume_id, "position": position.slug, "state": found.state,
                                        "invitation": found.invitation.id if found.invitation else None})
            results.append(found)
    return _dropped(position, results, "")


def _dropped(position: Position, results: list, error: str) -> str:
    return render_template("hr/resume_drop.html", position=position, results=results, error=error,
                           counts={s: sum(r.state == s for r in results) for s in dropping.STATES})


@bp.app_context_processor
def drop_helpers() -> dict:
    """The dashboard's drop form posts the session's form token like every HR form."""
    return {"drop_csrf": csrf_token}
