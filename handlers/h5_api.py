"""The H5 interview page's JSON API (miniprogram/API.md): the token in the path is the candidate."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from bot import interviews, uploads
from bot.interviews import InterviewError
from bot.links import ExpiredLink, InvalidLink, read_token
from bot.messages import normalize_locale
from bot.store.models import Candidate, Invitation, utcnow

bp = Blueprint("h5_api", __name__, url_prefix="/h5/api/<token>")

CLOSED_INVITATIONS = {"declined", "cancelled"}


def _error(status: int, code: str, message: str, **extra) -> tuple[Response, int]:
    return jsonify(error=message, code=code, **extra), status


@bp.errorhandler(InterviewError)
def interview_error(exc: InterviewError):
    return _error(exc.status, exc.code, exc.message, **exc.extra)


def invitation_for(token: str) -> Invitation:
    """Resolve the token to its invitation, or raise the answer the page should get."""
    settings = current_app.extensions["settings"]
    try:
        invitation_id, candidate_id = read_token(settings.secret_key, token)
    except InvalidLink:
        raise InterviewError(403, "bad_token", "链接无效，请回到企业微信点击邀请卡片重新打开。") from None
    except ExpiredLink:
        raise InterviewError(410, "expired", "面试邀请已过期，请联系招聘人员重新发送。") from None
    invitation = Invitation.get_or_none(Invitation.id == invitation_id)
    if invitation is None or invitation.candidate_id != candidate_id:
        raise InterviewError(403, "bad_token", "链接无效。")
    if invitation.status in CLOSED_INVITATIONS:
        raise InterviewError(409, "invitation_closed", "这个面试邀请已关闭。")
    if invitation.expires_at < utcnow() and invitation.status != "completed":
        raise InterviewError(410, "expired", "面试邀请已过期，请联系招聘人员重新发送。")
    return invitation


def _json() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InterviewError(400, "bad_json", "请求格式不正确。")
    return data


def _settings():
    return current_app.extensions["settings"]


@bp.get("/state")
def state(token: str):
    """The interview's state, for showing the right step."""
    return jsonify(interviews.build_state(invitation_for(token), _settings().company_name))


@bp.post("/consent")
def consent(token: str):
    """Record consent and start the interview."""
    invitation, data = invitation_for(token), _json()
    interviews.give_consent(invitation, recording=data.get("recording") is True, face=data.get("face") is True,
                            version=str(data.get("version", "")))
    if isinstance(data.get("locale"), str):  # the page's language: later chat messages follow it
        Candidate.update(locale=normalize_locale(data["locale"])).where(
            Candidate.id == invitation.candidate_id).execute()
    return jsonify(interviews.build_state(invitation, _settings().company_name))


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


@bp.post("/uploads/<upload_id>/finish")
def finish(token: str, upload_id: str):
    """Assemble and check the recording; store it as the answer."""
    invitation, data = invitation_for(token), _json()
    return jsonify(uploads.finish_upload(_settings(), invitation, upload_id, data.get("chunks"),
                                         data.get("integrity")))


@bp.post("/answers/<question>/text")
def text_answer(token: str, question: str):
    """Store a typed answer."""
    invitation, data = invitation_for(token), _json()
    interview = interviews.open_interview(invitation)
    interviews.question(invitation, interview, question)
    if "text" not in invitation.position.answer_modes:
        raise InterviewError(400, "mode_not_allowed", "这个岗位不支持文字作答。")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InterviewError(400, "empty_answer", "请先输入您的回答。")
    if len(text) > interviews.TEXT_MAX_CHARS:
        raise InterviewError(413, "answer_too_long", f"回答不能超过 {interviews.TEXT_MAX_CHARS} 字。")
    interviews.check_answerable(invitation, interview, question, data.get("retake") is True)
    answer, _ = interviews.save_answer(invitation, interview, question, mode="text", text=text.strip(),
                                       integrity=interviews.clean_integrity(data.get("integrity")))
    return jsonify(interviews.after_answer(_settings(), invitation, interview, answer, None))


@bp.post("/events")
def events(token: str):
    """Record an integrity signal."""
    invitation, data = invitation_for(token), _json()
    interview = interviews.interview_of(invitation)
    if interview is None:
        raise InterviewError(409, "no_consent", "请先阅读并同意录制说明。")
    interviews.record_event(interview, data)
    return jsonify(ok=True)
