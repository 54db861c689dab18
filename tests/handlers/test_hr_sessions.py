"""HR sign-in sessions held on the server (Redis): logout, role removal, an admin and expiry end them; a copied
or forged cookie opens nothing. And the sign-in's hostile inputs (non-ASCII CSRF tokens, CR/LF in `next`) get a
clear 400 page, not a 500."""
from __future__ import annotations

import dataclasses
import hashlib
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from flask.sessions import SecureCookieSessionInterface

from tests.conftest import wait_until
from tests.support.hr import csrf, login

SIGNED_OUT = "/connect/oauth2/authorize"
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # Redis and HTTP: one database is enough


def signed_in(stack, cookie: str) -> bool:
    """Whether the hr_session cookie opens the HR home page (a signed-out one is sent to WeCom's sign-in)."""
    page = requests.get(f"{stack.base}/hr/", cookies={"hr_session": cookie}, allow_redirects=False, timeout=30)
    if page.status_code == 302:
        assert SIGNED_OUT in page.headers["Location"]
        return False
    assert page.status_code == 200, page.text
    return True


def session_id(stack, cookie: str) -> str:
    data = SecureCookieSessionInterface().get_signing_serializer(stack.app).loads(cookie)
    assert set(data) - {"_permanent"} == {"sid"}, data  # the session's id and nothing else: no userid, no role
    return data["sid"]


def redis_key(sid: str) -> str:
    return "hr:session:" + hashlib.sha256(sid.encode()).hexdigest()


def test_a_copied_cookie_is_dead_after_logout(stack):
    member = login(stack, "hr_li")
    cookie = member.cookies["hr_session"]
    assert signed_in(stack, cookie)
    token = csrf(member.get(f"{stack.base}/hr/", timeout=30).text)
    assert member.post(f"{stack.base}/hr/logout", data={"csrf": token}, timeout=30).status_code == 200
    assert not signed_in(stack, cookie)  # the copy, replayed
    posted = requests.post(f"{stack.base}/hr/reports/1/notes", data={"csrf": token, "text": "x"},
                           cookies={"hr_session": cookie}, allow_redirects=False, timeout=30)
    assert posted.status_code == 401 and "请先登录" in posted.text


def test_the_cookie_holds_only_a_random_id_and_redis_only_its_hash(stack):
    from bot.store.kv import get_redis

    cookie = login(stack, "hr_li").cookies["hr_session"]
    sid = session_id(stack, cookie)
    redis = get_redis(stack.settings)
    assert len(sid) >= 40 and redis.exists(redis_key(sid))
    assert not [k for k in redis.keys("hr:*") if sid.encode() in k]
    assert 0 < redis.ttl(redis_key(sid)) <= 8 * 3600  # sessions end on the server too


def test_removing_a_member_from_their_role_ends_their_sessions(stack):
    from bot.store.kv import get_redis

    cookie = login(stack, "mgr_zhao").cookies["hr_session"]
    assert signed_in(stack, cookie)
    settings = stack.app.extensions["settings"]
    stack.app.extensions["settings"] = dataclasses.replace(settings, hr_viewers=frozenset())
    try:
        assert not signed_in(stack, cookie)
    finally:
        stack.app.extensions["settings"] = settings
    assert not get_redis(stack.settings).exists(redis_key(session_id(stack, cookie)))
    assert not signed_in(stack, cookie)  # given the role back, the old session stays ended


def test_an_admin_ends_every_session_of_a_member(stack):
    from bot.store.models import AuditLog

    first, second = login(stack, "hr_li").cookies["hr_session"], login(stack, "hr_li").cookies["hr_session"]
    other = login(stack, "hr_wang").cookies["hr_session"]
    assert signed_in(stack, first) and signed_in(stack, second)
    recruiter = requests.Session()
    recruiter.cookies.set("hr_session", first)
    assert recruiter.get(f"{stack.base}/hr/sessions", timeout=30).status_code == 403
    admin = login(stack, "admin_sun")
    page = admin.get(f"{stack.base}/hr/sessions", timeout=30)
    assert page.status_code == 200 and "hr_li" in page.text and "hr_wang" in page.text
    refused = admin.post(f"{stack.base}/hr/sessions/end", data={"userid": "hr_li"}, timeout=30)
    assert refused.status_code == 400 and signed_in(stack, first)  # no CSRF token, nothing ended
    done = admin.post(f"{stack.base}/hr/sessions/end", data={"csrf": csrf(page.text), "userid": "hr_li"}, timeout=30)
    assert done.status_code == 200 and "已结束 hr_li 的 2 个会话" in done.text
    assert 'value="hr_li"' not in done.text and 'value="hr_wang"' in done.text
    assert not signed_in(stack, first) and not signed_in(stack, second) and signed_in(stack, other)
    entry = AuditLog.get(AuditLog.action == "sessions_ended")
    assert (entry.actor, entry.target_id, entry.detail["sessions"]) == ("admin_sun", "hr_li", 2)
    blank = admin.post(f"{stack.base}/hr/sessions/end", data={"csrf": csrf(page.text), "userid": ""}, timeout=30)
    assert blank.status_code == 400



def test_the_operator_ends_a_members_sessions_from_the_command_line(stack, capsys):
    from jobs import cli

    cookie = login(stack, "hr_wang").cookies["hr_session"]
    assert cli.main(["sessions", "list"]) == 0 and "hr_wang: 1 session(s)" in capsys.readouterr().out
    assert cli.main(["sessions", "end", "hr_wang"]) == 0 and "1 session(s) ended" in capsys.readouterr().out
    assert not signed_in(stack, cookie)


def test_an_expired_session_is_refused(stack):
    from bot.store.kv import get_redis

    cookie = login(stack, "hr_li").cookies["hr_session"]
    key = redis_key(session_id(stack, cookie))
    redis = get_redis(stack.settings)
    redis.pexpire(key, 1)  # its eight hours are up
    wait_until(lambda: not redis.exists(key))
    assert not signed_in(stack, cookie)


def test_forged_session_ids_are_refused(stack):
    serializer = SecureCookieSessionInterface().get_signing_serializer(stack.app)
    genuine = session_id(stack, login(stack, "hr_li").cookies["hr_session"])
    other_key = dataclasses.replace(stack.settings, secret_key="another-secret-key")
    from handlers.app import create_app

    forger = SecureCookieSessionInterface().get_signing_serializer(create_app(other_key))
    for cookie in (serializer.dumps({"sid": "A" * 43}),              # well signed, but no such session
                   serializer.dumps({"sid": genuine[:-1] + ("y" if genuine.endswith("x") else "x")}),  # a neighbour
                   serializer.dumps({"sid": ["x"]}),                 # not even a string
                   serializer.dumps({"userid": "hr_li", "csrf": "x"}),  # the cookie before sessions were kept
                   forger.dumps({"sid": genuine})):                  # a live id signed with another key
        assert not signed_in(stack, cookie), cookie


# --- hostile input at sign-in: a clear 400, never a 500 ------------------------------------------------------------

def test_non_ascii_csrf_tokens_are_a_clear_400(stack):
    member = login(stack, "hr_li")
    for session in (requests.Session(), member):
        for kwargs in ({"data": {"csrf": "令牌é"}}, {"headers": {"X-CSRF-Token": "\u00e9\u00ff"}},
                       {"data": {"csrf": "x" * 10 + "\u00e9"}}):
            refused = session.post(f"{stack.base}/hr/logout", timeout=30, **kwargs)
            assert refused.status_code == 400 and "表单已过期" in refused.text, kwargs
    assert signed_in(stack, member.cookies["hr_session"])


def test_a_next_with_cr_or_lf_is_a_clear_400(stack):
    from bot import links

    for target in ("/hr/\r\nSet-Cookie: hr_session=x", "/hr/pool?q=\n", "/hr/\x00"):
        refused = requests.get(f"{stack.base}/hr/login", params={"next": target}, allow_redirects=False, timeout=30)
        assert refused.status_code == 400 and "链接无效" in refused.text, target
    # a state signed with such a path (as one from before this check would be) is refused on the way back too
    start = requests.get(f"{stack.base}/hr/login", params={"next": "/hr/"}, allow_redirects=False, timeout=30)
    oauth = urlparse(start.headers["Location"].split("#")[0])
    query = {k: v[0] for k, v in parse_qs(oauth.query).items()}
    query["state"] = links.oauth_state(stack.settings, "/hr/\r\nSet-Cookie: hr_session=x")
    back = requests.get(f"{oauth.scheme}://{oauth.netloc}{oauth.path}?{urlencode(query)}&sandbox_user=hr_li",
                        allow_redirects=False, timeout=30)
    landed = requests.get(back.headers["Location"], allow_redirects=False, timeout=30)
    assert landed.status_code == 400 and "链接无效" in landed.text and "Set-Cookie" not in str(landed.headers)


def test_a_page_path_with_cr_or_lf_signs_in_to_the_home_page(stack):
    first = requests.get(f"{stack.base}/hr/positions/%0d%0aX:%20y", allow_redirects=False, timeout=30)
    assert first.status_code == 302
    back = requests.get(first.headers["Location"].split("#")[0] + "&sandbox_user=hr_li", allow_redirects=False,
                        timeout=30)
    landed = requests.get(back.headers["Location"], allow_redirects=False, timeout=30)
    assert landed.status_code == 302 and landed.headers["Location"] == "/hr/"


def test_a_download_named_from_a_non_ascii_slug_keeps_a_sendable_header(stack):
    """A position file may name its slug in Chinese; the export's Content-Disposition then carries it the way
    RFC 6266 allows (filename*=UTF-8''…) instead of a header the server cannot write."""
    from pathlib import Path

    import yaml

    from bot.positions.catalog import parse_position, save_position

    teller = yaml.safe_load(Path(__file__).parents[2].joinpath("config/positions/teller.yaml").read_text("utf-8"))
    path = Path(stack.settings.data_dir) / "lobby.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({**teller, "slug": "大堂经理", "title": "大堂经理"}, allow_unicode=True), "utf-8")
    save_position(parse_position(path))
    answer = login(stack, "hr_li").get(f"{stack.base}/hr/positions/大堂经理/export.csv", timeout=30)
    assert answer.status_code == 200, answer.text
    disposition = answer.headers["Content-Disposition"]
    assert disposition.isascii() and "filename*=UTF-8''interviews-%E5%A4%A7" in disposition, disposition


def test_an_unexpected_error_on_a_page_is_a_page_without_a_traceback(env):
    from handlers.app import create_app

    app = create_app(env)

    def boom():
        raise RuntimeError("secret detail")

    app.add_url_rule("/hr/boom", "boom", boom)
    answer = app.test_client().get("/hr/boom")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 500 and answer.mimetype == "text/html" and "出错了" in text
    assert "secret detail" not in text and "Traceback" not in text
