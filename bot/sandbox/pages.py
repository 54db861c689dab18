"""Pages a browser reaches through links the bot hands out: fake OAuth, the kf link, the 联系我 QR code.

In the sandbox a person chooses who opens the link; the page then does what WeCom/WeChat would.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, redirect, render_template, request

from .actions import ConsoleError, add_contact, enter_kf
from .gate import sandbox_state

bp = Blueprint("sandbox_pages", __name__, template_folder="templates")


def _page(status: int = 200, **context: object) -> tuple[str, int]:
    return render_template("sandbox_page.html", **context), status


@bp.get("/connect/oauth2/authorize")
def authorize() -> Response | tuple[str, int]:
    """Stand in for open.weixin.qq.com's OAuth: pick a person, get redirected back with a 5-minute code."""
    state = sandbox_state()
    title = "网页授权"
    redirect_uri = request.args.get("redirect_uri", "")
    if request.args.get("appid") != state.corp_id:
        return _page(400, title=title, error="appid 与沙箱企业的 CorpID 不一致")
    if not redirect_uri.startswith(("http://", "https://")):
        return _page(400, title=title, error="redirect_uri 必须是 http(s) 地址")
    chosen = request.args.get("sandbox_user")
    if chosen:
        if not (state.is_member(chosen) or state.is_customer(chosen)):
            return _page(400, title=title, error=f"未知用户：{chosen}")
        query = {"code": state.issue_code(state.oauth_codes, userid=chosen)}
        if "state" in request.args:
            query["state"] = request.args["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return redirect(redirect_uri + separator + urlencode(query))
    hr = set(current_app.config["SANDBOX_SETTINGS"].hr_userids)
    people = [(uid, "hr" if uid in hr else "member") for uid in sorted(state.members | hr)]
    people += [(c["external_userid"], "customer") for c in state.customers.values()]
    names = {uid: c["name"] for uid, c in state.customers.items()}
    choices = [(names.get(uid, uid), kind, request.full_path + "&" + urlencode({"sandbox_user": uid}))
               for uid, kind in people]
    return _page(title=title, message="选择以谁的身份打开此页面（成员得到 userid，微信用户得到 openid）。",
                 choices=choices)


@bp.route("/sandbox/kf/<open_kfid>", methods=["GET", "POST"])
def kf_link(open_kfid: str) -> Response | tuple[str, int]:
    """Play a WeChat user who opened the kf link (scene and scene_param come from the URL)."""
    state = sandbox_state()
    account = state.kf_accounts.get(open_kfid)
    title = f"微信客服 · {account['name']}" if account else "微信客服"
    if account is None:
        return _page(404, title=title, error="客服帐号不存在（沙箱重置后旧链接失效）")
    scene_param = request.args.get("scene_param", "")
    message = f"你将以微信用户身份进入客服会话。scene_param：{scene_param or '（无）'}"
    form = {"name": request.form.get("name", "王五"), "submit": "进入会话"}
    if request.method == "GET":
        return _page(title=title, message=message, form=form)
    try:
        result = enter_kf(state, name=request.form.get("name", "").strip() or "王五", open_kfid=open_kfid,
                          scene=request.args.get("enc_scene", ""), scene_param=scene_param)
    except ConsoleError as exc:
        return _page(400, title=title, message=message, form=form, error=str(exc))
    return redirect("/console?" + urlencode({"user": result["external_userid"]}))


@bp.route("/sandbox/contact/<config_id>", methods=["GET", "POST"])
def contact_way(config_id: str) -> Response | tuple[str, int]:
    """Play a WeChat user who scanned a 联系我 QR code and added the member."""
    state = sandbox_state()
    way = state.contact_ways.get(config_id)
    title = "添加企业微信联系人"
    if way is None:
        return _page(404, title=title, error="二维码已失效（沙箱重置后旧二维码失效）")
    message = f"你将以微信用户身份添加 {way['user'][0]} 为好友。state：{way['state'] or '（无）'}"
    form = {"name": request.form.get("name", "王五"), "submit": "添加到通讯录"}
    if request.method == "GET":
        return _page(title=title, message=message, form=form)
    try:
        result = add_contact(state, name=request.form.get("name", "").strip() or "王五", config_id=config_id)
    except ConsoleError as exc:
        return _page(400, title=title, message=message, form=form, error=str(exc))
    return redirect("/console?" + urlencode({"user": result["external_userid"]}))
