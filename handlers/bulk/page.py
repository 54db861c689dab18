"""The page a recruiter uploads a candidate sheet on (/bulk/<token>, the link `/bulk <岗位>` sends in chat), with
a .zip of résumé files matched to its rows, or a .zip alone (bot/bulk/resumefiles.py).

WeCom's self-built apps receive text, images, voice, video, locations and links from members — not files
(path/96467) — so a sheet reaches us through this page, opened in WeCom's browser from the chat. The signed
link names the recruiter and the position and lives 30 minutes; the upload is stored sealed through the storage
backend (bot/bulk/imports.py), and the import runs as a job on any machine that reports back in chat; the page
lists the recruiter's recent uploads for the position and where each stands.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from bot import links
from bot.bulk import imports, mapping
from bot.bulk import runs as bulk
from bot.bulk.sheets import FIELDS, LABELS, Columns, SheetError, read_columns
from bot.org.access import access_of, is_recruiter
from bot.privacy.roles import ADMIN, HR_LEAD
from bot.store.db import db_session
from bot.store.models import AuditLog, BulkRun, Position
from bot.store.storage import StorageError
from bot.wecom.messages import render
from config.settings import Settings
from handlers.hr.auth import hr_page

bp = Blueprint("bulk_page", __name__, template_folder="templates")
MAX_BYTES = 20 * 1024 * 1024  # WeCom's own file limit; sheets of 20,000 rows are far below it
ZIP_MAX_BYTES = 200 * 1024 * 1024  # a .zip of résumés: 1,000 files (safezip's cap) of 200 KB
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOO_LARGE = "文件过大：名单不超过 20 MB，简历压缩包不超过 200 MB。"


def _read(settings: Settings, token: str) -> tuple[str, Position] | None:
    found = links.read_upload_link(settings, token)
    position = Position.get_or_none(Position.id == found[1]) if found else None
    return (found[0], position) if position else None


@bp.get("/bulk/failures/<token>.csv")
def old_failures_link(token: str):
    """Summary cards sent before sign-in carried a signed link; it now leads to the signed-in download."""
    run_id = links.read_failures_link(current_app.extensions["settings"], token)
    if run_id is None:
        return render_template("message.html", title="链接无效", body="这个下载链接无效或已过期。"), 403
    return redirect(url_for("bulk_page.failures", run_id=run_id))


@bp.get("/hr/bulk/<int:run_id>/failures.csv")
@hr_page
def failures(run_id: int):
    """The run's failed rows (names, phones, links), rebuilt from the database on each download: for the
    recruiter who ran it and HR leads/admins; other recruiters and the masked role are refused."""
    run = BulkRun.get_or_none(BulkRun.id == run_id)
    if run is None:
        abort(404, description="没有这个批量邀请。")
    if g.userid != run.created_by and g.role not in (ADMIN, HR_LEAD):
        abort(403, description="只有发起这次批量邀请的招聘人员和招聘负责人可以下载名单。")
    AuditLog.create(actor=g.userid, action="export", target_type="bulk_run", target_id=str(run.id))
    body = bulk.csv_bytes(bulk.failure_rows(current_app.extensions["settings"], run))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=bulk-{run.id}-failures.csv", "Cache-Control": "no-store"})


@bp.get("/bulk/template.xlsx")
def template():
    """A sheet with every header the import recognises and an example row."""
    name = quote("候选人名单模板.xlsx")
    return Response(mapping.template_xlsx(), mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=candidates-template.xlsx; filename*=UTF-8''{name}"})


def _refusal(settings: Settings, token: str) -> tuple[str, str] | None:
    """Why the link may not be used (title, body), or None while its recruiter may still use it."""
    found = _read(settings, token)
    if found is None:
        return "链接无效", "这个上传链接无效或已过期（30 分钟有效）。请在企业微信里重新发送 /bulk <岗位>。"
    userid, position = found
    with db_session():  # roles are checked on every request: a link outlives no demotion or move
        allowed = is_recruiter(settings, userid) and access_of(settings, userid).sees(position)
    if not allowed:
        return "链接已失效", ("这个上传链接的发起人已不是招聘人员，链接已失效。"
                             "如需导入名单，请由招聘人员重新发送 /bulk <岗位>。")
    return None


def _page(settings: Settings, userid: str, position: Position, **extra):
    uploads = imports.recent(userid, position.id)
    with db_session():
        screened = {u.run_id: bulk.screened_out(u.run_id) for u in uploads if u.run_id and u.state == "started"}
    return render_template("bulk_upload.html", title=render("bulk_page_title", settings.hr_locale),
                           company=settings.company_name, position=position.title, uploads=uploads,
                           screened=screened, labels=LABELS, fields=mapping.CHOOSABLE, **extra)


def _chosen() -> dict[str, str]:
    """The mapping form's choices: header → field ("" leaves the column out)."""
    return {h: f for h, f in zip(request.form.getlist("header"), request.form.getlist("field"), strict=False)
            if h and (f in FIELDS or f == "")}


def _mapping_step(settings: Settings, userid: str, position: Position, held: imports.Held,
                  chosen: dict[str, str]):
    """The columns as read with the recruiter's choices so far, and the form to change them or start the run."""
    columns = read_columns(held.data, held.filename, chosen)
    rules = position.rubric.get("screening") or {}
    rows = [(h, f) for f, h in columns.columns.items()] + [(h, "") for h in columns.ignored]
    return _page(settings, userid, position, held=held, mapping_rows=rows,
                 mapping_lines=mapping.column_lines(columns, rules),
                 still_missing=mapping.needs_confirmation(columns, rules))


@bp.route("/bulk/<token>", methods=["GET", "POST"])
def upload(token: str):
    """Show the form; take one sheet and queue its import, or first show how its columns were read when the
    résumé column is missing and the position's screening needs one (the run starts once the recruiter confirms);
    invite screened-out rows anyway (「仍然邀请」)."""
    settings = current_app.extensions["settings"]
    refused = _refusal(settings, token)
    if refused is not None:
        return render_template("message.html", title=refused[0], body=refused[1]), 403
    userid, position = _read(settings, token)
    if request.method == "GET":
        return _page(settings, userid, position)
    action = request.args.get("action") or "upload"
    if action == "invite":
        return _invite(settings, userid, position)
    if action in ("preview", "confirm"):
        return _confirm(settings, userid, position, action)
    request.max_content_length = MAX_BYTES + ZIP_MAX_BYTES + 64 * 1024
    try:
        upload, archive = request.files.get("file"), request.files.get("resumes")
        data = upload.read(MAX_BYTES + 1) if upload else b""
        resumes = archive.read(ZIP_MAX_BYTES + 1) if archive else b""
    except RequestEntityTooLarge:
        return _page(settings, userid, position, error=TOO_LARGE), 413
    if not data and not resumes:
        return _page(settings, userid, position, error="请选择一个 .xlsx 或 .csv 名单，或一个简历 .zip 压缩包。"), 400
    if len(data) > MAX_BYTES or len(resumes) > ZIP_MAX_BYTES:
        return _page(settings, userid, position, error=TOO_LARGE), 413
    if resumes and not resumes.startswith(b"PK"):
        return _page(settings, userid, position, error="简历压缩包须为 .zip 格式（RAR、7z 请先转成 .zip）。"), 400
    named = upload if data else archive
    filename = (named.filename or "名单").replace("/", "_")[-100:]
    columns = _columns(data, filename) if data and not resumes else None
    rules = position.rubric.get("screening") or {}
    try:
        if columns is not None and mapping.needs_confirmation(columns, rules):
            held = imports.held(settings, imports.hold(settings, data, userid, position.id, filename), userid,
                                position.id)
            if held is not None:
                return _mapping_step(settings, userid, position, held, {})
        imports.submit(settings, data, userid, position.id, filename, resumes)
    except StorageError as exc:
        current_app.logger.error("bulk upload not stored: %s", exc)
        return _page(settings, userid, position, error="文件暂时无法保存（存储不可用），请稍后重试。"), 503
    done = "已收到名单和简历，" if data and resumes else "已收到简历，" if resumes else "已收到名单，"
    lines = mapping.column_lines(columns, rules) if columns is not None else []
    return _page(settings, userid, position, done=done + "正在导入和筛选；结果和进度会发到企业微信。",
                 done_lines=lines)


def _columns(data: bytes, filename: str) -> Columns | None:
    """The sheet's header as it would be read, or None when the file cannot be read here (the import job then
    tells the recruiter why, as it always has)."""
    try:
        return read_columns(data, filename)
    except SheetError:
        return None


def _confirm(settings: Settings, userid: str, position: Position, action: str):
    """The mapping step's buttons: show the columns again with the recruiter's choices, or start the run."""
    held = imports.held(settings, request.form.get("held", ""), userid, position.id)
    if held is None:
        return _page(settings, userid, position, error="这份名单已导入或已过期，请重新上传。"), 410
    chosen = _chosen()
    if action == "preview":
        return _mapping_step(settings, userid, position, held, chosen)
    try:
        imports.release(settings, held, userid, position.id, chosen)
    except StorageError as exc:
        current_app.logger.error("bulk upload not stored: %s", exc)
        return _page(settings, userid, position, error="文件暂时无法保存（存储不可用），请稍后重试。"), 503
    columns = read_columns(held.data, held.filename, chosen)
    return _page(settings, userid, position, done="已收到名单，按您确认的列映射导入和筛选；结果和进度会发到企业微信。",
                 done_lines=mapping.column_lines(columns, position.rubric.get("screening") or {}))


def _invite(settings: Settings, userid: str, position: Position):
    """「仍然邀请」 a screened-out row, or every one of a run (audited in bulk.override)."""
    run_ref, row_ref = request.form.get("run", ""), request.form.get("row", "")
    if not run_ref.isdigit() or not (row_ref.isdigit() or row_ref == "all") or len(run_ref) > 9 or len(row_ref) > 9:
        return _page(settings, userid, position, error="请选择要邀请的行。"), 400
    with db_session():
        run = BulkRun.get_or_none(BulkRun.id == int(run_ref))
    if run is None or run.position_id != position.id:
        return _page(settings, userid, position, error="没有这个批量邀请。"), 404
    row_no = None if row_ref == "all" else int(row_ref)
    outcome, rows = bulk.override(run.id, userid, row_no)
    words = render("bulk_override", settings.hr_locale, outcome=outcome, rows=rows, id=run.id, row=row_no or "")
    status = {"missing": 404, "forbidden": 403, "cancelled": 409}.get(outcome, 200)
    return _page(settings, userid, position, **({"done": words} if status == 200 else {"error": words})), status
