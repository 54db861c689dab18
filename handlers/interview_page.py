"""The candidate's entry to the H5 interview page, opened from the invitation's signed link."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template

from bot.cards import answer_modes_text, local_time
from bot.links import ExpiredLink, InvalidLink, read_token
from bot.store.models import Invitation, utcnow

ROOT = Path(__file__).resolve().parents[1] / "miniprogram"
bp = Blueprint("interview_page", __name__, template_folder=str(ROOT / "templates"),
               static_folder=str(ROOT / "static"), static_url_path="/h5/static")

EXPIRED = "这个面试邀请已过期。如仍想参加，请在企业微信里联系招聘人员，请他重新发送邀请。"
CLOSED = {"declined": "您已选择暂不参加这次面试。", "cancelled": "这次面试邀请已被取消。",
          "completed": "您已完成面试，感谢参与！结果会通过企业微信通知您。"}


@bp.get("/i/<token>")
def open_invitation(token: str):
    """Check the token and show the interview's welcome step (or why it can't be opened)."""
    settings = current_app.extensions["settings"]
    try:
        invitation_id, candidate_id = read_token(settings.secret_key, token)
    except InvalidLink:
        return render_template("message.html", title="链接无效",
                               body="这个链接无法识别，可能被修改过。请回到企业微信，点击邀请卡片重新打开。"), 403
    except ExpiredLink:
        return render_template("message.html", title="链接已过期", body=EXPIRED), 410
    invitation = Invitation.get_or_none(Invitation.id == invitation_id)
    if invitation is None or invitation.candidate_id != candidate_id:
        return render_template("message.html", title="链接无效", body="这个面试邀请已不存在。"), 404
    if invitation.status in CLOSED:
        return render_template("message.html", title="面试助手", body=CLOSED[invitation.status]), 200
    if invitation.expires_at < utcnow() or invitation.status == "expired":
        return render_template("message.html", title="链接已过期", body=EXPIRED), 410
    if invitation.opened_at is None:
        Invitation.update(opened_at=utcnow(), status="opened").where(
            (Invitation.id == invitation.id) & Invitation.status.in_(["created", "sent"])).execute()
    position = invitation.position
    return render_template(
        "welcome.html", company=settings.company_name, position=position,
        candidate=invitation.candidate.display_name, questions=len(position.questions),
        deadline=local_time(invitation.expires_at), modes=answer_modes_text(position.answer_modes),
    )
