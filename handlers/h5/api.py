"""The H5 interview page's JSON API (docs/h5-api.md): the token in the path is the candidate.

Besides the interview itself, the candidate's rights: a human review of the result and deleting their personal
data (PIPL Art. 24, 47). Those two also take a link past its deadline: its signature still says whose it is.
"""
from __future__ import annotations

import json
import re

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from bot.channels import conversation
from bot.clock import utcnow
from bot.interviews import decline as declining
from bot.interviews import flow as interviews
from bot.interviews import uploads
from bot.interviews.channel import channel_of
from bot.interviews.consent import shown_hash
from bot.interviews.flow import InterviewError
from bot.links import ExpiredLink, InvalidLink, read_token
from bot.privacy import rights
from bot.privacy.erasure import rights_state
from bot.resumes.formats import MAX_BYTES
from bot.resumes.store import save_resume
from bot.store.models import Answer, Candidate, ErasureRequest, Invitation
from bot.wecom.messages import normalize_locale

bp = Blueprint("h5_api", __name__, url_prefix="/h5/api/<token>")

CLOSED_INVITATIONS = {"declined", "cancelled"}
JSON_MAX_BYTES = 256 * 1024  # a 5,000-character typed answer, every character escaped, fits several times
JSON_MAX_DEPTH = 16
SURROGATE = re.compile("[\ud800-\udfff]")
ERASED = "您的个人信息已删除，这次申请已结束。如有疑问，请联系招聘人员。"
# A link we cannot read names no channel: the candidate opens the invitation again from wherever they got it.
RESUME_MAX_BYTES = MAX_BYTES  # 20 MB, as everywhere a résumé arrives
TOO_LARGE = "文件超过 20 MB 的上限；请上传文字版 PDF 或 Word 文件。"
BAD_LINK = "链接无效，请重新打开您收到的面试邀请（卡片、消息、短信或邮件里的链接）。"


def _error(status: int, code: str, message: str, **extra) -> tuple[Response, int]:
    return jsonify(error=message, code=code, **extra), status


@bp.errorhandler(InterviewError)
def interview_error(exc: InterviewError):
    return _error(exc.status, exc.code, exc.message, **exc.extra)


def invitation_for(token: str) -> Invitation:
    """Resolve the token to its invitation, or raise the answer the page should get."""
    settings = current_app.extensions["settings"]
    lapsed = False
    try:
        invitation_id, candidate_id = read_token(settings.secret_key, token)
    except InvalidLink:
        raise InterviewError(403, "bad_token", BAD_LINK) from None
    except ExpiredLink as expired:  # genuine: a finished interview still shows, and the rights stay reachable
        invitation_id, candidate_id, lapsed = expired.invitation_id, expired.candidate_id, True
    invitation = Invitation.get_or_none(Invitation.id == invitation_id)
    if invitation is None or invitation.candidate_id != candidate_id:
        raise InterviewError(403, "bad_token", "链接无效。")
    if invitation.candidate.erased_at is not None:
        raise InterviewError(409, "erased", ERASED)
    # The page offers deletion (and the review, once finished) on these answers too: rights outlive the link.
    if invitation.status in CLOSED_INVITATIONS:
        raise InterviewError(409, "invitation_closed", "这个面试邀请已关闭。", rights=rights_state(invitation))
    if (lapsed or invitation.expires_at < utcnow()) and invitation.status != "completed":
        raise InterviewError(410, "expired", "面试邀请已过期，请联系招聘人员重新发送。",
                             rights=rights_state(invitation))
    return invitation


def _json() -> dict:
    """The body's JSON object, or the 4xx to answer: bounded in size and depth, holding only what the database
    can store (no NaN or Infinity, no lone surrogate, no NUL character, which PostgreSQL refuses)."""
    if not request.is_json:
        raise InterviewError(400, "bad_json", "请求格式不正确。")
    request.max_content_length = JSON_MAX_BYTES
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise InterviewError(413, "too_large", "请求内容过大。") from None
    try:
        data = json.loads(raw, parse_constant=_not_json)
    except (ValueError, RecursionError):  # a UnicodeDecodeError is a ValueError too
        data = None
    if not isinstance(data, dict) or not _storable(data, 0):
        raise InterviewError(400, "bad_json", "请求格式不正确。")
    return data


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # Python's json takes NaN and Infinity; JSON has neither


def _storable(value: object, depth: int) -> bool:
    if depth > JSON_MAX_DEPTH:
        return False
    if isinstance(value, str):
        return "\x00" not in value and not SURROGATE.search(value)
    if isinstance(value, dict):
        return all(_storable(k, depth + 1) and _storable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v, depth + 1) for v in value)
    return True


def _settings():
    return current_app.extensions["settings"]


@bp.get("/state")
def state(token: str):
    """The interview's state, for showing the right step (completed once every question is answered or past its
    time)."""
    invitation = invitation_for(token)
    return jsonify(interviews.settle(invitation, interviews.interview_of(invitation), _settings()))


@bp.post("/consent")
def consent(token: str):
    """Record consent and start the interview."""
    invitation, data = invitation_for(token), _json()
    locale = data.get("locale") if isinstance(data.get("locale"), str) else invitation.candidate.locale
    shown = data.get("text_sha256")  # the notice the page showed (state.consent.texts[locale].sha256)
    if shown is not None and not isinstance(shown, str):
        raise InterviewError(400, "bad_consent_hash", "请求格式不正确。")
    pool = data.get("pool")  # the talent pool's separate choice: true, false, or absent (an older page)
    if pool is not None and not isinstance(pool, bool):
        raise InterviewError(400, "bad_pool_choice", "请求格式不正确。")
    interviews.give_consent(invitation, recording=data.get("recording") is True, face=data.get("face") is True,
                            version=str(data.get("version", "")),
                            text_sha256=shown_hash(_settings(), invitation.position, shown or "", locale,
                                                   channel_of(invitation)),
                            ip=request.remote_addr or "", user_agent=request.headers.get("User-Agent", ""),
                            settings=_settings(), pool=pool)
    if isinstance(data.get("locale"), str):  # the page's language: later chat messages follow it
        Candidate.update(locale=normalize_locale(data["locale"])).where(
            Candidate.id == invitation.candidate_id).execute()
    return jsonify(interviews.build_state(invitation, _settings().company_name, _settings()))


@bp.post("/resume")
def attach_resume(token: str):
    """The optional step before consent ends: the candidate attaches their résumé (one file, as the HR pages take
    one); the questions built from it are counted at once. Refused files answer 422 with the Chinese reason."""
    invitation = invitation_for(token)
    interview = interviews.interview_of(invitation)
    if interview is not None and interview.consent_at is not None:
        raise InterviewError(409, "already_started", "面试已经开始，简历只能在开始前上传。")
    request.max_content_length = RESUME_MAX_BYTES + 64 * 1024
    try:
        upload = request.files.get("file")
        data = upload.read(RESUME_MAX_BYTES + 1) if upload is not None else b""
    except RequestEntityTooLarge:
        raise InterviewError(413, "too_large", TOO_LARGE) from None
    if upload is None:
        raise InterviewError(400, "no_file", "请选择一份简历文件。")
    saved = save_resume(_settings(), invitation.candidate, data, (upload.filename or "简历")[-120:], "h5")
    if not saved.outcome.ok:
        raise InterviewError(422, saved.outcome.code, saved.outcome.reason)
    if not saved.duplicate:  # screening and the questions read the newest file
        Candidate.update(resume=saved.outcome.document.text).where(Candidate.id == invitation.candidate_id).execute()
    state = interviews.build_state(invitation, _settings().company_name, _settings())
    return jsonify(state=state, notices=saved.outcome.notices, duplicate=saved.duplicate)


@bp.post("/questions/<question>/reveal")
def reveal(token: str, question: str):
    """Show the question the candidate has reached; its think time runs from the first reveal."""
    return jsonify(interviews.reveal_question(invitation_for(token), question))


@bp.post("/questions/<question>/start")
def start(token: str, question: str):
    """The candidate began typing the answer: their think time ends here."""
    return jsonify(interviews.start_typing(invitation_for(token), question))


@bp.post("/uploads")
def open_upload(token: str):
    """Open or resume the upload of one answer."""
    invitation, data = invitation_for(token), _json()
    upload = uploads.open_upload(invitation, str(data.get("question", "")), str(data.get("mode", "")),
                                 str(data.get("mime", "")), data.get("retake") is True)
    return jsonify(upload_id=upload.id, next_seq=upload.next_seq)


@bp.put("/uploads/<upload_id>/chunks/<int:seq>")
def put_chunk(token: str, upload_id: str, seq: int):
    """Store one numbered chunk of a recording."""
    invitation = invitation_for(token)
    request.max_content_length = interviews.CHUNK_MAX_BYTES  # also bounds bodies sent without a length
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise InterviewError(413, "chunk_too_large", "上传的分段过大。") from None
    result = uploads.store_chunk(_settings(), invitation, upload_id, seq, body,
                                 request.headers.get("X-Chunk-SHA256", ""))
    return jsonify(result)


@bp.get("/uploads/<upload_id>")
def upload_state(token: str, upload_id: str):
    """What became of an upload: the page asks before it lets its own copy of the recording go."""
    return jsonify(uploads.upload_state(invitation_for(token), upload_id))


@bp.post("/uploads/<upload_id>/finish")
def finish(token: str, upload_id: str):
    """Assemble and check the recording; store it as the answer."""
    invitation, data = invitation_for(token), _json()
    return jsonify(uploads.finish_upload(_settings(), invitation, upload_id, data.get("chunks"),
                                         data.get("integrity"), review=data.get("review") is True))


@bp.post("/answers/<question>/text")
def text_answer(token: str, question: str):
    """Store a typed answer."""
    invitation, data = invitation_for(token), _json()
    interview = interviews.open_interview(invitation)
    interviews.question(invitation, interview, question)
    if "text" not in interviews.asked_position(invitation, interview).answer_modes:
        raise InterviewError(400, "mode_not_allowed", "这个岗位不支持文字作答。")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InterviewError(400, "empty_answer", "请先输入您的回答。")
    if len(text) > interviews.TEXT_MAX_CHARS:
        raise InterviewError(413, "answer_too_long", f"回答不能超过 {interviews.TEXT_MAX_CHARS} 字。")
    retake = data.get("retake") is True
    stored = Answer.get_or_none((Answer.interview == interview) & (Answer.question_key == question))
    if stored is not None and not retake and stored.mode == "text" and stored.text == text.strip():
        # the same answer again: the page retrying after a lost reply (or a 503) gets the same answer, not a 409
        return jsonify(interviews.after_answer(_settings(), invitation, interview, stored, None,
                                               review=data.get("review") is True))
    interviews.check_answerable(invitation, interview, question, retake)
    interviews.require_typed_in_time(invitation, interview, question)
    answer, _ = interviews.save_answer(invitation, interview, question, mode="text", text=text.strip(),
                                       integrity=interviews.clean_integrity(data.get("integrity")))
    return jsonify(interviews.after_answer(_settings(), invitation, interview, answer, None,
                                           review=data.get("review") is True))


@bp.post("/submit")
def submit(token: str):
    """提交全部回答: end the interview after the last answer was reviewed (a repeat answers the same)."""
    invitation = invitation_for(token)
    return jsonify(interviews.submit(_settings(), invitation))


@bp.post("/decline")
def decline(token: str):
    """暂不参加, after the page's confirm step ({"confirm": true, "reason": "time", "text": "…"}, both optional)."""
    invitation, data = invitation_for(token), _json()
    if data.get("confirm") is not True:
        raise InterviewError(400, "confirm_required", "请先确认暂不参加。")
    try:
        return jsonify(declining.decline(invitation, declining.clean_reason(data.get("reason"), data.get("text"))))
    except declining.DeclineError as exc:
        raise InterviewError(409, exc.code, exc.message) from None


@bp.post("/events")
def events(token: str):
    """Record an integrity signal."""
    invitation, data = invitation_for(token), _json()
    interview = interviews.interview_of(invitation)
    if interview is None:
        raise InterviewError(409, "no_consent", "请先阅读并同意录制说明。")
    if not isinstance(data.get("type"), str):  # a list or object as the type is no event either
        raise InterviewError(400, "bad_event", "未知的事件类型。")
    interviews.record_event(interview, data)
    return jsonify(ok=True)


def rights_invitation(token: str) -> Invitation:
    """The token's invitation for a rights request: a genuine link past its deadline, a declined or cancelled
    invitation, an erased candidate still count (their rights do not end with the interview)."""
    try:
        invitation_id, candidate_id = read_token(_settings().secret_key, token)
    except InvalidLink:
        raise InterviewError(403, "bad_token", BAD_LINK) from None
    except ExpiredLink as expired:  # signed by us: the invitation id is genuine
        invitation_id, candidate_id = expired.invitation_id, expired.candidate_id
    invitation = Invitation.get_or_none(Invitation.id == invitation_id)
    if invitation is None or candidate_id != invitation.candidate_id:
        raise InterviewError(403, "bad_token", "链接无效。")
    return invitation


@bp.post("/review")
def review(token: str):
    """Ask for a human review of the result (once per decision; a repeat answers the same)."""
    invitation = rights_invitation(token)
    if invitation.candidate.erased_at is not None:
        raise InterviewError(409, "erased", ERASED)
    interview = interviews.interview_of(invitation)
    if interview is None or interview.status != "completed":
        raise InterviewError(409, "not_finished", "完成面试后才能申请人工复核。")
    result = conversation.request_review(invitation, None)
    return jsonify(state="requested", repeat=result == "review_repeat", **rights_state(invitation))


def _erasure_answer(request_row: ErasureRequest | None):
    if request_row is None:
        return jsonify(state="none")
    body = {"state": request_row.state, "requested_at": request_row.requested_at.isoformat(timespec="seconds") + "Z",
            "completed_at": request_row.completed_at.isoformat(timespec="seconds") + "Z"
            if request_row.completed_at else None, "summary": request_row.summary if request_row.completed_at else {}}
    return jsonify(body), 200 if request_row.state == "done" else 202


@bp.post("/erasure")
def erasure(token: str):
    """Delete the candidate's personal data (after the page's confirm step: {"confirm": true}); queued, 202."""
    invitation, data = rights_invitation(token), _json()
    if data.get("confirm") is not True:
        raise InterviewError(400, "confirm_required", "请先确认删除。")
    return _erasure_answer(rights.from_page(invitation))


@bp.get("/erasure")
def erasure_state(token: str):
    """Whether the candidate's deletion is under way or done (also after it: the link still says whose it was)."""
    invitation = rights_invitation(token)
    return _erasure_answer(ErasureRequest.select().where(ErasureRequest.candidate == invitation.candidate_id)
                           .order_by(ErasureRequest.id).first())
