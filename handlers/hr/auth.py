"""Who is looking at an HR page: WeCom OAuth (snsapi_base → auth/getuserinfo) and a session held on the server.

Inside WeCom the redirect is silent: a member who opens a report link from a card lands on the page already
signed in. In the sandbox the OAuth page asks whose identity to use. The cookie carries only the session's random
id (bot/privacy/sessions.py keeps the session in Redis), so logging out, an admin, or taking the member off every
role list ends it for every copy of the cookie. The role (admin, hr_lead, recruiter, interviewer:
bot/privacy/roles.py) comes from the settings' lists on every request, so a change takes effect at once.
"""
from __future__ import annotations

import datetime as dt
import functools
import hmac
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session
from redis import Redis

from bot import links
from bot.clock import local_time
from bot.errors import WeComError
from bot.org.access import access_of
from bot.privacy import sessions
from bot.privacy.roles import ROLE_LABELS, can
from bot.store.db import db_session
from bot.store.kv import get_redis
from bot.store.models import AuditLog
from bot.wecom.delivery import wecom

bp = Blueprint("hr_auth", __name__)

SAFE_NEXT = ("/hr/", "/r/")
UNSENDABLE = re.compile(r"[\x00-\x1f\x7f]")  # a control character (CR, LF, NUL) cannot go into a Location header
BAD_LINK = ("链接无效", "这个登录链接无效，请回到企业微信重新打开页面。")


def _safe_next(target: str | None) -> str:
    """Only our own HR pages: never an absolute URL or //host (an open redirect), nothing a header cannot carry."""
    if (target and target.startswith(SAFE_NEXT) and "//" not in target and "\\" not in target
            and len(target) < 2048 and not UNSENDABLE.search(target)):
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
    target = request.args.get("next", "/hr/")
    if UNSENDABLE.search(target):
        return _refuse(400, *BAD_LINK)
    return redirect(oauth_url(target))


@bp.get("/hr/oauth")
def oauth_return():
    """Exchange the one-time code for the member's userid and start their session."""
    code, state = request.args.get("code", ""), request.args.get("state", "")
    next_path = links.read_oauth_state(current_app.extensions["settings"], state)
    if next_path is None:
        return _refuse(400, "登录请求无效或已过期", "请回到企业微信重新打开页面。")
    if UNSENDABLE.search(next_path):
        return _refuse(400, *BAD_LINK)
    if not code or len(code) > 512:
        return _refuse(400, "登录请求无效", "缺少授权码，请回到企业微信重新打开页面。")
    try:
        info = wecom().get("auth/getuserinfo", params={"code": code})
    except WeComError as exc:
        current_app.logger.info("OAuth code refused: %s", exc)
        return _refuse(400, "登录未完成", "授权码无效或已使用，请回到企业微信重新打开页面。")
    userid = info.get("userid") or info.get("UserId") or ""
    settings = current_app.extensions["settings"]
    with db_session():
        role = access_of(settings, userid).role if userid else None
        AuditLog.create(actor=userid or f"openid:{str(info.get('openid', ''))[:40]}",
                        action="hr_login" if role else "hr_login_refused", target_type="hr_pages")
    if role is None:
        return _refuse(403, "无权访问", "这些页面只对招聘团队开放。如需查看，请联系招聘负责人。")
    _sign_in(userid)
    return redirect(_safe_next(next_path))


def _redis() -> Redis:
    return get_redis(current_app.extensions["settings"])


def _sign_in(userid: str) -> None:
    """A new session (a new id: one carried in from before sign-in is never kept) in a fresh cookie."""
    old = _server_session()
    if old is not None:
        sessions.end(_redis(), old)
    session_id, g.hr_session = sessions.start(_redis(), userid)
    session.clear()
    session.permanent = True
    session["sid"] = session_id


def _server_session() -> sessions.HrSession | None:
    """The live server-side session the cookie names (read once per request)."""
    if "hr_session" not in g:
        g.hr_session = sessions.find(_redis(), session.get("sid")) if session.get("sid") else None
    return g.hr_session


@bp.post("/hr/logout")
def logout():
    """End the session: on the server, so a copy of the cookie is signed out too."""
    check_csrf()
    current = _server_session()
    if current is not None:
        sessions.end(_redis(), current)
    session.clear()
    return render_template("message.html", title="已退出", body="已退出登录。")


def _refuse(status: int, title: str, body: str):
    return render_template("message.html", title=title, body=body), status


def current_user() -> tuple[str, str] | None:
    """(userid, role) of the signed-in member who still holds an HR role, else None. A member taken off every role
    list has all their sessions ended here, so giving the role back does not revive them."""
    current = _server_session()
    if current is None:
        if session:  # an ended, expired or forged id, or a cookie from before sessions were kept: drop it
            session.clear()
        return None
    with db_session():
        access = access_of(current_app.extensions["settings"], current.userid)
    g.access = access
    role = access.role
    if role is None:
        sessions.end_all(_redis(), current.userid)
        g.hr_session = None
        session.clear()
        return None
    return current.userid, role


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


COMPANY_WIDE = frozenset({"read_audit", "erase", "end_sessions"})  # about everyone, not one unit's candidates


def requires(permission: str) -> None:
    """Refuse the signed-in member (403) unless their role holds the permission; the company-wide ones (the audit
    log, erasure, sessions) need it company-wide (an admin, a root HR lead), not in one unit."""
    if not can(g.role, permission) or (permission in COMPANY_WIDE and not g.access.everything):
        abort(403, description="您的角色无权进行这项操作。")


def csrf_token() -> str:
    """The session's form token (forms post it back; the session cookie alone is not enough)."""
    current = _server_session()
    return current.csrf if current else ""


def same_secret(sent: str, expected: str) -> bool:
    """Constant-time comparison of any two strings: as UTF-8 bytes, since hmac.compare_digest refuses str with
    non-ASCII characters (a TypeError, once a 500 for a form token like "令牌")."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def check_csrf() -> None:
    """Refuse a form post that does not carry the session's token."""
    sent = request.form.get("csrf", "") if request.form else request.headers.get("X-CSRF-Token", "")
    expected = csrf_token()
    if not sent or not expected or not same_secret(str(sent), expected):
        abort(400, description="表单已过期，请刷新页面后重试。")


@bp.get("/hr/sessions")
@hr_page
def session_list():
    """Admins: who is signed in, with a button that ends every session of a member."""
    requires("end_sessions")
    return render_template("hr/sessions.html", members=_members(), csrf=csrf_token())


@bp.post("/hr/sessions/end")
@hr_page
def end_sessions():
    """Admins: end every session of a member at once (a lost phone, a member who left); audited."""
    requires("end_sessions")
    check_csrf()
    userid = (request.form.get("userid") or "").strip()
    if not userid or len(userid) > 64:
        abort(400, description="请指定要退出登录的成员。")
    ended = sessions.end_all(_redis(), userid)
    with db_session():
        AuditLog.create(actor=g.userid, action="sessions_ended", target_type="hr_member", target_id=userid,
                        detail={"sessions": ended})
    return render_template("hr/sessions.html", members=_members(), csrf=csrf_token(), ended=(userid, ended))


def _members() -> list[dict[str, Any]]:
    settings = current_app.extensions["settings"]
    with db_session():
        roles = {userid: access_of(settings, userid).role for userid, _, _ in sessions.signed_in(_redis())}
    return [{"userid": userid, "sessions": count, "role": roles.get(userid),
             "latest": local_time(dt.datetime.fromtimestamp(latest, dt.UTC).replace(tzinfo=None))}
            for userid, count, latest in sessions.signed_in(_redis())]
