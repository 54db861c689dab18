"""The H5 page's optional fairness step (bot/privacy/self_declared.py), beside the interview API and under the same
signed token: whether to ask, the answer or the refusal, and withdrawing it (a right the link's deadline does not
end). The page's module is miniprogram/static/h5.fairness.js."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from bot.interviews import flow as interviews
from bot.interviews.flow import InterviewError
from bot.privacy import self_declared
from handlers.h5.api import _json, invitation_for, rights_invitation

bp = Blueprint("h5_fairness", __name__, url_prefix="/h5/api/<token>")


@bp.errorhandler(InterviewError)
def interview_error(exc: InterviewError):
    return jsonify(error=exc.message, code=exc.code, **exc.extra), exc.status


@bp.errorhandler(self_declared.DeclareError)
def declare_error(exc: self_declared.DeclareError):
    return jsonify(error=exc.message, code=exc.code), exc.status


@bp.get("/fairness")
def fairness_state(token: str):
    """Whether the page should ask now, whether anything declared is kept, and the notice in each language."""
    invitation = rights_invitation(token)
    return jsonify(self_declared.state(invitation, interviews.interview_of(invitation),
                                       current_app.extensions["settings"]))


@bp.post("/fairness")
def fairness_answer(token: str):
    """The candidate's choice: {"answers": {"gender": "female", "age_band": "undisclosed"}, "version", "text_sha256"}
    declares; {"answers": null, …} (跳过) refuses. Only after the main consent."""
    invitation, data = invitation_for(token), _json()
    interview = interviews.interview_of(invitation)
    if interview is None or interview.consent_at is None:
        raise InterviewError(409, "no_consent", "请先阅读并同意录制说明。")
    if not current_app.extensions["settings"].fairness_questions:
        raise InterviewError(409, "not_asked", "目前不收集这些信息。")
    shown = data.get("text_sha256")
    if not isinstance(shown, str):
        raise InterviewError(400, "bad_consent_hash", "请求格式不正确。")
    kept = self_declared.answer(interview, data.get("answers"), version=str(data.get("version", "")),
                                text_sha256=shown, ip=request.remote_addr or "",
                                user_agent=request.headers.get("User-Agent", ""))
    return jsonify(declared=kept)


@bp.post("/fairness/withdraw")
def fairness_withdraw(token: str):
    """Delete what the candidate declared (after the page's confirm: {"confirm": true}); never asked again."""
    invitation, data = rights_invitation(token), _json()
    if data.get("confirm") is not True:
        raise InterviewError(400, "confirm_required", "请先确认撤回。")
    self_declared.withdraw(invitation.candidate_id)
    return jsonify(declared=False)
