"""The report page HR opens from the result card: scores with their evidence, transcripts with the rubric's hits
marked, recordings, integrity flags, notes, tags and the decision buttons.

Personal data is masked for viewers before the template sees it, in the header and in everything the candidate
said (bot/privacy/scrub); recordings (voice, face) play for recruiters only. Every view and every playback is
audited.
"""
from __future__ import annotations

import io
import re
import uuid
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, send_file
from markupsafe import Markup, escape

from bot.bulk import id_numbers
from bot.clock import local_time
from bot.decisions import review
from bot.decisions.results import OUTCOMES
from bot.decisions.results import decide as take_decision
from bot.links import read_report_link
from bot.org import team
from bot.org.access import is_recruiter
from bot.privacy import erasure, rights, scrub
from bot.privacy.roles import can, candidate_view, id_number_view, masked_label
from bot.reports import asked, charts
from bot.store import storage
from bot.store.db import db_session
from bot.store.models import Answer, AuditLog, Decision, Note, Recording, Report
from bot.store.sealing import SealError
from bot.talent import pool as talent
from bot.wecom import notify
from bot.wecom.messages import render
from handlers.hr import scope
from handlers.hr.auth import check_csrf, csrf_token, hr_page, requires

# The HR pages' templates (hr/*.html) and their script and styles live beside this package.
bp = Blueprint("hr_report", __name__, template_folder="templates", static_folder="static", static_url_path="/hr/static")

NOTE_MAX = 2000
DECISION_RESULTS = {"decided": "已记录决定，候选人会收到通知。", "held": "已标记为待定。",
                    "already": "这位候选人已有决定，未重复处理。", "refused": "只有招聘人员可以作出决定。",
                    "erased": "该候选人的个人信息已删除，无法再作出决定。",
                    "erasing": "已提交删除：候选人的个人信息将在几分钟内删除，完成后会通知候选人和招聘人员。",
                    "reopened": "已重新打开决定，候选人已收到通知；请在下方重新作出决定。",
                    "reopen_already": "这个决定已被重新打开或已更改，未重复处理。",
                    "answered": "答复已发给候选人（已记入审计日志）。"}


@bp.get("/r/<token>")
def signed_link(token: str):
    """Cards sent before the HR pages had sign-in carry a signed link: it now leads to the signed-in page."""
    report_id = read_report_link(current_app.extensions["settings"], token)
    if report_id is None:
        body = "这个报告链接无效或已过期，请从企业微信的报告卡片重新打开。"
        return render_template("message.html", title="链接无效", body=body), 404
    return redirect(f"/hr/reports/{report_id}")


def highlight(text: str, marks: dict[str, str]) -> Markup:
    """The text, escaped, with each marked phrase wrapped in <mark> (longest phrases first, no overlaps)."""
    phrases = sorted((p for p in marks if p), key=len, reverse=True)
    if not text or not phrases:
        return escape(text or "")
    pattern = re.compile("|".join(re.escape(p) for p in phrases), flags=re.IGNORECASE)
    titles = {p.lower(): marks[p] for p in phrases}
    out, last = [], 0
    for found in pattern.finditer(text):
        out += [escape(text[last:found.start()]),
                Markup('<mark title="{}">{}</mark>').format(titles[found.group(0).lower()], found.group(0))]
        last = found.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _answer_view(answer_doc: dict[str, Any], recording: Recording | None, may_play: bool) -> dict[str, Any]:
    marks = {}
    for point in (answer_doc.get("rubric") or {}).get("points", []):
        for match in point.get("matches", []):
            heard = match.get("heard") or match.get("word")
            marks[heard] = (f"要点「{point['point']}」：{match['word']}" if match.get("exact", True)
                            else f"要点「{point['point']}」：听写为「{heard}」，按同音匹配「{match['word']}」")
    transcript = answer_doc.get("transcript") or {}
    text = transcript.get("text", "") if isinstance(transcript, dict) else str(transcript)
    segments = [{"start": s["start"], "clock": f"{int(s['start']) // 60}:{int(s['start']) % 60:02d}",
                 "html": highlight(s["text"], marks)} for s in transcript.get("segments", [])] \
        if isinstance(transcript, dict) else []
    dims = answer_doc.get("dimensions", {})
    return {
        **answer_doc,
        "html": highlight(text, marks),
        "segments": segments if may_play and recording else [],
        "recording": recording if may_play else None,
        "is_video": bool(recording and recording.mime.startswith("video/")),
        "chart": charts.bars([(name, d["score"]) for name, d in dims.items()], title="本题各维度得分") if dims else "",
    }


def _recordings(interview_id: int) -> dict[str, Recording]:
    """The latest take of each answer, by question key."""
    latest: dict[str, Recording] = {}
    query = (Recording.select(Recording, Answer).join(Answer)
             .where(Answer.interview == interview_id).order_by(Recording.created_at, Recording.id))
    for rec in query:
        latest[rec.answer.question_key] = rec
    return latest


def report_context(report: Report, userid: str, role: str) -> dict[str, Any]:
    """Everything the report template shows, with personal data already masked for the role."""
    settings = current_app.extensions["settings"]
    interview = report.interview
    invitation = interview.invitation
    id_number = id_numbers.id_number_of(invitation.id)
    who = scrub.known(invitation.candidate, [id_number])
    hidden = scrub.hidden(role)
    doc = scrub.scrub(report.document, who, hidden)
    decision = Decision.get_or_none(Decision.interview == interview.id)
    may_play = can(role, "play_recordings")
    recordings = _recordings(interview.id)
    dimensions = [d["name"] for d in doc["dimensions"]]
    return {
        "report": report, "doc": doc, "company": settings.company_name, "role": role, "userid": userid,
        "candidate": candidate_view(invitation.candidate, role), "position": invitation.position,
        "position_version": interview.position_version,
        "id_number": id_number_view(id_number, role),
        "invited_at": local_time(invitation.created_at),
        "completed_at": local_time(interview.completed_at) if interview.completed_at else "",
        # recordings gone under the retention policy, or everything personal at the candidate's request
        "media_purged_at": local_time(interview.media_purged_at) if interview.media_purged_at else "",
        "erased_at": local_time(invitation.candidate.erased_at) if invitation.candidate.erased_at else "",
        "recording_days": settings.recording_retention_days,
        "radar": charts.radar(dimensions, [("得分", {d["name"]: d["score"] for d in doc["dimensions"]})],
                              title="各维度得分"),
        "answers": [_answer_view(a, recordings.get(a["question_key"]), may_play) for a in doc["answers"]],
        # the server's record, as it stands (a résumé line a question came from masked like the rest)
        "asked": scrub.scrub(asked.asked(interview), who, hidden), "draw": asked.draw_of(interview),
        "decision": decision,
        "review": review.state(invitation, interview.id),  # a 人工复核 request, shown at the top
        "final": review.final_decision(invitation),  # after the second round: the AI round's is history
        "decision_label": render(f"outcome_{decision.outcome}", settings.hr_locale) if decision else "",
        "decided_at": local_time(decision.decided_at) if decision else "",
        "notes": [{"author": n.author, "text": scrub.text(n.text, who, hidden), "at": local_time(n.created_at)}
                  for n in Note.select().where(Note.interview == interview.id).order_by(Note.id)],
        "tags": scrub.scrub(talent.candidate_tags(invitation.candidate_id), who, hidden),
        "csrf": csrf_token(),
        "flash": request.args.get("done", ""),
    }


@bp.get("/hr/reports/<int:report_id>")
@hr_page
def show(report_id: int):
    """Serve one report to a signed-in HR member."""
    with db_session():
        report = _report_or_404(report_id)
        role = scope.report_role(report)
        AuditLog.create(actor=g.userid, action="view_report", target_type="report", target_id=str(report_id),
                        detail={"role": role})
        context = report_context(report, g.userid, role)
        context["flash"] = DECISION_RESULTS.get(context["flash"], "")
        return render_template("hr/report.html", **context)


def _report_or_404(report_id: int) -> Report:
    """The report (404 when there is none), checked against the member's units (403 outside them)."""
    report = Report.get_or_none(Report.id == report_id)
    if report is None:
        abort(404, description="没有这份报告。")
    scope.report_role(report)
    return report


@bp.post("/hr/reports/<int:report_id>/notes")
@hr_page
def add_note(report_id: int):
    """Add an HR note (anyone who may read the report may write one)."""
    check_csrf()
    text = (request.form.get("text") or "").strip()
    if not text or len(text) > NOTE_MAX:
        abort(400, description=f"备注不能为空，且不超过 {NOTE_MAX} 字。")
    with db_session():
        report = _report_or_404(report_id)
        note = Note.create(interview=report.interview_id, author=g.userid, text=text)
        AuditLog.create(actor=g.userid, action="add_note", target_type="report", target_id=str(report_id),
                        detail={"note": note.id})
        _tell_recruiters(report, note)
    return redirect(f"/hr/reports/{report_id}#notes", code=303)


def _tell_recruiters(report: Report, note: Note) -> None:
    """An interviewer's or hiring manager's note goes to the position's recruiters (and whoever invited), so the
    people who decide read it without looking; a recruiter's own note tells no one."""
    invitation = report.interview.invitation
    if can(scope.report_role(report), "decide"):
        return
    settings = current_app.extensions["settings"]
    for userid in dict.fromkeys([invitation.invited_by, *team.recruiters(settings, invitation.position)]):
        if userid != note.author and is_recruiter(settings, userid):
            notify.to_hr(userid, "hr_note_added", f"note:{note.id}:{userid}", author=note.author,
                         position=invitation.position.title, who=masked_label(invitation.candidate),
                         text=note.text[:300], link=f"{settings.public_base_url}/hr/reports/{report.id}#notes")


@bp.post("/hr/reports/<int:report_id>/decision")
@hr_page
def decide(report_id: int):
    """Decide from the page, through the same path as the card's buttons (one decision per interview)."""
    check_csrf()
    outcome = request.form.get("outcome", "")
    if outcome not in OUTCOMES:
        abort(400, description="未知的决定。")
    with db_session():
        report = _report_or_404(report_id)
        role = scope.report_role(report)
        decision = Decision.get_or_none(Decision.interview == report.interview_id)
        erased = report.interview.invitation.candidate.erased_at is not None
        open_case = (decision is None or decision.outcome == "hold") and not erased
    if not can(role, "decide"):
        abort(403, description="只有招聘人员可以作出决定。")
    if outcome == "reject" and open_case and request.form.get("confirm") != "yes":
        # 不通过 takes a second step, as on the card: this one only asks 确认不通过？ (no script needed)
        return redirect(f"/hr/reports/{report_id}?confirm=reject#decision", code=303)
    result = take_decision(report_id, outcome, g.userid, "", f"page:{uuid.uuid4().hex}")
    return redirect(f"/hr/reports/{report_id}?done={result}#decision", code=303)


@bp.post("/hr/reports/<int:report_id>/reopen")
@hr_page
def reopen(report_id: int):
    """Reopen a final decision after the candidate asked for a human review (recruiters; audited, candidate told)."""
    check_csrf()
    with db_session():
        role = scope.report_role(_report_or_404(report_id))
    if not can(role, "decide"):
        abort(403, description="只有招聘人员可以重新打开决定。")
    decision_id = request.form.get("decision", "")
    if not (decision_id.isascii() and decision_id.isdigit() and len(decision_id) < 19):
        abort(400, description="表单不完整，请刷新页面后重试。")
    try:
        result = review.reopen(report_id, int(decision_id), g.userid, request.form.get("reason", ""),
                               f"page:{uuid.uuid4().hex}")
    except review.ReviewError as exc:
        abort(400, description=str(exc))
    done = "reopened" if result == "reopened" else "reopen_already"
    return redirect(f"/hr/reports/{report_id}?done={done}#review", code=303)


@bp.post("/hr/reports/<int:report_id>/reply")
@hr_page
def reply(report_id: int):
    """Answer the candidate through the bot, on their channel (recruiters; audited as /reply is)."""
    check_csrf()
    with db_session():
        role = scope.report_role(_report_or_404(report_id))
    if not can(role, "decide"):
        abort(403, description="只有招聘人员可以答复候选人。")
    try:
        result = review.answer(report_id, g.userid, request.form.get("text", ""), f"page:{uuid.uuid4().hex}")
    except review.ReviewError as exc:
        abort(400, description=str(exc))
    return redirect(f"/hr/reports/{report_id}?done={result}#review", code=303)


@bp.post("/hr/reports/<int:report_id>/erase")
@hr_page
def erase(report_id: int):
    """An admin erases the report's candidate's personal data (the same procedure as the candidate's request)."""
    check_csrf()
    requires("erase")
    if (request.form.get("confirm") or "").strip() != "确认删除":
        abort(400, description="请输入「确认删除」以确认。")
    with db_session():
        candidate_id = _report_or_404(report_id).interview.invitation.candidate_id
        found = erasure.open_request(candidate_id, "hr", g.userid, f"hr:{candidate_id}")
        AuditLog.create(actor=g.userid, action="erasure_request", target_type="candidate",
                        target_id=str(candidate_id), detail={"request": found.id, "report": report_id})
        if found.state != "done":
            rights.queue(found)
    return redirect(f"/hr/reports/{report_id}?done=erasing#erase", code=303)


@bp.post("/hr/reports/<int:report_id>/tags")
@hr_page
def tags(report_id: int):
    """Add or remove an HR tag on the report's candidate (recruiters)."""
    check_csrf()
    if not can(g.role, "decide"):
        abort(403, description="只有招聘人员可以修改标签。")
    with db_session():
        report = _report_or_404(report_id)
        if not can(scope.report_role(report), "decide"):
            abort(403, description="只有招聘人员可以修改标签。")
        candidate_id = report.interview.invitation.candidate_id
        try:
            if request.form.get("remove"):
                talent.remove_tag(candidate_id, request.form["remove"], g.userid)
            else:
                talent.add_tag(candidate_id, request.form.get("tag", ""), g.userid)
        except talent.TagError as exc:
            abort(400, description=str(exc))
    return redirect(f"/hr/reports/{report_id}#tags", code=303)


@bp.get("/hr/recordings/<int:recording_id>")
@hr_page
def recording(recording_id: int):
    """Stream a recording (byte ranges for seeking) to a recruiter."""
    if not can(g.role, "play_recordings"):
        abort(403, description="录音录像仅对招聘人员开放。")
    with db_session():
        rec = Recording.get_or_none(Recording.id == recording_id)
        if rec is None:
            abort(404, description="没有这段录音。")
        if not can(scope.role_for(rec.answer.interview.invitation.position), "play_recordings"):
            abort(403, description="录音录像仅对招聘人员开放。")
    try:  # sealed at rest: opened (and authenticated) whole for each request, ranges cut from the plain media
        data = storage.open_recording(current_app.extensions["settings"], rec)
    except (FileNotFoundError, storage.StorageKeyError):
        abort(404, description="录音文件已删除。")
    except SealError as exc:
        current_app.logger.error("recording %s does not open: %s", recording_id, exc)
        abort(500, description="这段录音未通过完整性校验，无法播放；已记录，请联系管理员。")
    except storage.StorageError as exc:
        current_app.logger.warning("recording %s: %s", recording_id, exc)
        abort(503, description="录音存储暂时无法访问，请稍后再试。")
    if request.headers.get("Range", "bytes=0-").startswith("bytes=0-"):  # one audit row per playback
        with db_session():
            AuditLog.create(actor=g.userid, action="play_recording", target_type="recording",
                            target_id=str(recording_id))
    response = send_file(io.BytesIO(data), mimetype=rec.mime.split(";")[0], conditional=True, max_age=0,
                         etag=rec.sha256 or False, last_modified=rec.created_at)
    response.headers["Cache-Control"] = "private, no-store"
    return response
