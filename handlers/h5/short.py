"""/s/<code>: an SMS's short link, redirected to the invitation's interview page (signed afresh, so the link carries
the invitation's current deadline; `via=sms` tells the page the candidate answers by SMS). An unknown code is a plain
404 page."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template

from bot.links import invitation_link
from bot.store.short_links import invitation_of

bp = Blueprint("short_link", __name__)


@bp.route("/s/<code>")
def follow(code: str):
    """Send the candidate on to their interview page."""
    invitation = invitation_of(code)
    if invitation is None:
        return render_template("message.html", title="链接无效",
                               body="这个链接不存在或已失效。请核对短信中的链接，或联系招聘人员重新发送邀请。"), 404
    response = redirect(invitation_link(current_app.extensions["settings"], invitation) + "?via=sms", code=302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
