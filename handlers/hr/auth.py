"""Who is looking at an HR page: WeCom OAuth (snsapi_base → auth/getuserinfo) and a signed session cookie.

Inside WeCom the redirect is silent: a member who opens a report link from a card lands on the page already
signed in. In the sandbox the OAuth page asks whose identity to use. The role (admin, hr_lead, recruiter,
interviewer: bot/privacy/roles.py) comes from the settings' lists on every request, so removing someone takes
effect at once.
"""
from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session

from bot import links
from bot.errors import WeComError
from bot.privacy.roles import ROLE_LABELS, can, role_of
from bot.store.db import db_session
from bot.store.models import AuditLog
from bot.wecom.delivery import wecom

bp = Blueprint("hr_auth", __name__)

SAFE_NEXT = ("/hr/", "/r/")


def _safe_next(target: str | None) -> str:
    """Only our own HR pages: never an absolute URL or //host (an open redirect)."""
    if target and target.startswith(SAFE_NEXT) and "//" not in target and "\\" not in target and len(target) < 2048:
        return target
    return "/hr/"


def oauth_url(next_path: str) -> str:
    """The WeCom OAuth address that comes back to /hr/oauth and then to next_path."""
    settings = current_app.extensions["settings"]
    state = links.oauth_state(settings, _safe_next(next_path))
    query = urlencode({"appid": settings.wecom_corp_id, "redirect_uri": f"{settings.public_base_url}/hr/oauth",
                       "response_type": "code", "scope": "snsapi_base", "state": state,
                       "agentid": settings.wecom_agent_id}, quote_via=quote)
    return f"{settings.oauth_url}?{query}#wechat_redirect"


@bp.get("/hr/login")
def login():
    """Send the browser through WeCom OAuth."""
    return redirect(oauth_url(request.args.get("next", "/hr/")))


@bp.get("/hr/oauth")
def oauth_return():
    """Exchange the one-time code for the member's userid and start their session."""
    code, state = request.args.get("code", ""), request.args.get("state", "")
    next_path = links.read_oauth_state(current_app.extensions["settings"], state)
    if next_path is None:
        return _refuse(400, "登录请求无效或已过期", "请回到企业微信重新打开页面。")
    if not code or len(code) > 512:
        return _refuse(400, "登录请求无效", "缺少授权码，请回到企业微信重新打开页面。")
    try:
        info = wecom().get("auth/getuserinfo", params={"code": code})
    except WeComError as exc:
        current_app.logger.info("OAuth code refused: %s", exc)
        return _refuse(400, "登录未完成", "授权码无效或已使用，请回到企业微信重新打开页面。")
    userid = info.get("userid") or info.get("UserId") or ""
    settings = current_app.extensions["settings"]
    role = role_of(settings, userid) if userid else None
    with db_session():
        AuditLog.create(actor=userid or f"openid:{str(info.get('openid', ''))[:40]}",
                        action="hr_login" if role else "hr_login_refused", target_type="hr_pages")
    if role is None:
        return _refuse(403, "无权访问", "这些页面只对招聘团队开放。如需查看，请联系招聘负责人。")
    session.clear()
    session.permanent = True
    session.update(userid=userid, csrf=secrets.token_urlsafe(24))
    return redirect(_safe_next(next_path))


@bp.post("/hr/logout")
def logout():
    """End the session."""
    check_csrf()
    session.clear()
    return render_template("message.html", title="已退出", body="已退出登录。")


def _refuse(status: int, title: str, body: str):
    return render_template("message.html", title=title, body=body), status


def current_user() -> tuple[str, str] | None:
    """(userid, role) of the signed-in member who still holds an HR role, else None."""
    userid = session.get("userid")
    role = role_of(current_app.extensions["settings"], userid) if userid else None
    return (userid, role) if role else None


def hr_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Require a signed-in HR member; g.userid and g.role are set for the view."""
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is None:
            if request.method != "GET":
                return _refuse(401, "请先登录", "登录已过期，请回到企业微信重新打开页面。")
            return redirect(oauth_url(request.full_path.rstrip("?")))
        g.userid, g.role = user
        return view(*args, **kwargs)
    return wrapper


@bp.app_context_processor
def role_helpers() -> dict[str, Any]:
    """Templates ask ``can(role, "decide")`` rather than comparing role names."""
    return {"can": can, "role_labels": ROLE_LABELS}


def requires(permission: str) -> None:
    """Refuse the signed-in member (403) unless their role holds the permission."""
    if not can(g.role, permission):
        abort(403, description="您的角色无权进行这项操作。")


def csrf_token() -> str:
    """The session's form token (forms post it back; the session cookie alone is not enough)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def check_csrf() -> None:
    """Refuse a form post that does not carry the session's token."""
    sent = request.form.get("csrf", "") if request.form else request.headers.get("X-CSRF-Token", "")
    if not hmac.compare_digest(str(sent), str(session.get("csrf", ""))) or not sent:
        abort(400, description="表单已过期，请刷新页面后重试。")
