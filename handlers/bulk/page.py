"""The page a recruiter uploads a candidate sheet on (/bulk/<token>, the link `/bulk <岗位>` sends in chat), with
a .zip of résumé files matched to its rows, or a .zip alone (bot/bulk/resumefiles.py).

WeCom's self-built apps receive text, images, voice, video, locations and links from members — not files
(path/96467) — so a sheet reaches us through this page, opened in WeCom's browser from the chat. The signed
link names the recruiter and the position and lives 30 minutes; the upload is stored sealed through the storage
backend (bot/bulk/imports.py), and the import runs as a job on any machine that reports back in chat; the page
lists the recruiter's recent uploads for the position and where each stands.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from bot import links
from bot.bulk import imports
from bot.bulk import runs as bulk
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


@bp.route("/bulk/<token>", methods=["GET", "POST"])
def upload(token: str):
    """Show the form; take one sheet and queue its import."""
    settings = current_app.extensions["settings"]
    found = _read(settings, token)
    if found is None:
        body = "这个上传链接无效或已过期（30 分钟有效）。请在企业微信里重新发送 /bulk <岗位>。"
        return render_template("message.html", title="链接无效", body=body), 403
    userid, position = found
    with db_session():  # roles are checked on every request: a link outlives no demotion or move
        allowed = is_recruiter(settings, userid) and access_of(settings, userid).sees(position)
    if not allowed:
        body = "这个上传链接的发起人已不是招聘人员，链接已失效。如需导入名单，请由招聘人员重新发送 /bulk <岗位>。"
        return render_template("message.html", title="链接已失效", body=body), 403
    page = {"title": render("bulk_page_title", settings.hr_locale), "company": settings.company_name,
            "position": position.title}
    page["uploads"] = imports.recent(userid, position.id)
    if request.method == "GET":
        return render_template("bulk_upload.html", **page)
    request.max_content_length = MAX_BYTES + ZIP_MAX_BYTES + 64 * 1024
    try:
        upload, archive = request.files.get("file"), request.files.get("resumes")
        data = upload.read(MAX_BYTES + 1) if upload else b""
        resumes = archive.read(ZIP_MAX_BYTES + 1) if archive else b""
    except RequestEntityTooLarge:
        return render_template("bulk_upload.html", error=TOO_LARGE, **page), 413
    if not data and not resumes:
        return render_template("bulk_upload.html", error="请选择一个 .xlsx 或 .csv 名单，或一个简历 .zip 压缩包。",
                               **page), 400
    if len(data) > MAX_BYTES or len(resumes) > ZIP_MAX_BYTES:
        return render_template("bulk_upload.html", error=TOO_LARGE, **page), 413
    if resumes and not resumes.startswith(b"PK"):
        return render_template("bulk_upload.html", error="简历压缩包须为 .zip 格式（RAR、7z 请先转成 .zip）。",
                               **page), 400
    named = upload if data else archive
    filename = (named.filename or "名单").replace("/", "_")[-100:]
    try:
        imports.submit(settings, data, userid, position.id, filename, resumes)
    except StorageError as exc:
        current_app.logger.error("bulk upload not stored: %s", exc)
        return render_template("bulk_upload.html", error="文件暂时无法保存（存储不可用），请稍后重试。", **page), 503
    done = "已收到名单和简历，" if data and resumes else "已收到简历，" if resumes else "已收到名单，"
    return render_template("bulk_upload.html", done=done + "正在导入和筛选；结果和进度会发到企业微信。",
                           **{**page, "uploads": imports.recent(userid, position.id)})
