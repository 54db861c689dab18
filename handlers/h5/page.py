"""The candidate's entry to the H5 interview page, opened from the invitation's signed link."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template, request

from bot.clock import utcnow
from bot.interviews.channel import channel_of, where
from bot.interviews.flow import InterviewError, build_state
from bot.invitations.invites import kf_offer
from bot.store.models import Invitation
from bot.wecom import policy
from handlers.h5.api import BAD_LINK, invitation_for, rights_invitation

ROOT = Path(__file__).resolve().parents[2] / "miniprogram"
bp = Blueprint("interview_page", __name__, template_folder=str(ROOT / "templates"),
               static_folder=str(ROOT / "static"), static_url_path="/h5/static")

# {where}: the channel the candidate has (the invitation's), never "企业微信" for one reached in WeChat or by SMS
EXPIRED = "这个面试邀请已过期。如仍想参加，请在{where}里联系招聘人员，请他重新发送邀请。"
CLOSED = {"invitation_closed": "这次面试邀请已关闭（您已婉拒或邀请已取消）。如改变主意或有疑问，请在{where}里留言，"
                               "招聘人员会回复您。",
          "bad_token": "这个链接无法识别，可能被修改过。" + BAD_LINK.removeprefix("链接无效，")}


@bp.get("/i/<token>")
def open_invitation(token: str):
    """Check the token and serve the interview page with its state (or say why it can't be opened)."""
    settings = current_app.extensions["settings"]
    try:
        invitation = invitation_for(token)
    except InterviewError as exc:
        title = {403: "链接无效", 410: "链接已过期"}.get(exc.status, "面试助手")
        known = None if exc.status == 403 else rights_invitation(token)  # genuine: we know their channel
        reply_in = where(channel_of(known), "zh-CN") if known is not None else "收到邀请的地方"
        body = (EXPIRED if exc.status == 410 else CLOSED.get(exc.code, exc.message)).format(where=reply_in)
        if "rights" not in exc.extra:
            return render_template("message.html", title=title, body=body), exc.status
        # Expired or closed, but genuine: the page says so and still offers deleting one's data (h5.js).
        invitation = known
        state = {**build_state(invitation, settings.company_name),
                 "error": {"status": exc.status, "code": exc.code, "error": body, "title": title,
                           "rights": exc.extra["rights"]}}
        return render_template("interview.html", token=token, state=state, company=settings.company_name,
                               position=invitation.position), exc.status
    if invitation.opened_at is None:  # a card that failed still opens: the recruiter passed the link on
        Invitation.update(opened_at=utcnow(), status="opened").where(
            (Invitation.id == invitation.id) & Invitation.status.in_(["created", "sent", "failed"])).execute()
    if request.args.get("via") in ("sms", "email"):  # followed the SMS's or the e-mail's link: they read it there
        policy.remember(invitation.candidate_id, request.args["via"])
    state = build_state(invitation, settings.company_name)
    return render_template("interview.html", token=token, state=state, company=settings.company_name,
                           position=invitation.position, kf=kf_offer(invitation))
