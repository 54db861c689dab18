"""Hostile input: request rate limits, content sniffing of uploads, security headers, and signed links that cannot
be forged, stretched or reused across candidates, recruiters, positions or reports."""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
import re
import socket
import time
import zipfile
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer

from bot.store.models import Answer, Interview, Invitation, Position, Upload
from tests.support import media
from tests.support.chat import invite_member, token_of
from tests.support.paths import REPO

pytestmark = pytest.mark.sqlite_only  # HTTP, headers, signed links and Redis limits (other modules cover PostgreSQL)


def limited_app(env, per_minute: int = 10, **changes):
    from handlers.app import create_app

    return create_app(dataclasses.replace(env, rate_limit_per_minute=per_minute, **changes))


def from_address(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


# --- rate limits ------------------------------------------------------------------------------------------------

AREAS = [("/i/no-such-token", "page"), ("/h5/api/no-such-token/state", "h5"), ("/bulk/no-such-token", "page"),
         ("/hr/pool", "page"), ("/r/no-such-token", "page"), ("/api/v1/openapi.json", "api")]


@pytest.mark.parametrize("path, kind", AREAS)
def test_each_area_takes_its_limit_then_answers_429_in_its_own_form(env, path, kind):
    app = limited_app(env)
    client = app.test_client()
    assert [client.get(path).status_code for _ in range(10)].count(429) == 0
    refused = client.get(path)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    if kind == "api":
        assert refused.json["error"]["code"] == "rate_limited"
    elif kind == "h5":  # the page's API shape; h5.js retries a 429 with backoff
        assert refused.json["code"] == "rate_limited" and refused.json["error"]
    else:
        assert refused.mimetype == "text/html" and "请求太频繁" in refused.get_data(as_text=True)
    # another address is not held back (on candidate pages: another interview link), nor this address elsewhere
    if path.startswith(("/i/", "/h5/api/")):
        assert client.get(path.replace("no-such-token", "other-token")).status_code != 429
    else:
        assert from_address(app.test_client(), "10.1.2.3").get(path).status_code != 429
    assert client.get("/i/no-such-token" if path.startswith(("/hr/", "/r/")) else "/hr/pool").status_code != 429


def test_the_callback_and_the_health_check_are_never_limited(env):
    client = limited_app(env).test_client()
    for _ in range(40):
        assert client.post("/wecom/callback", data=b"<xml/>").status_code in (400, 403)
        assert client.get("/healthz").status_code == 200
        assert client.get("/h5/static/h5.css").status_code == 200  # static files neither


def test_the_open_api_counts_per_token_and_holds_back_an_address_guessing_tokens(env):
    from bot.integrations.tokens import create_token

    _, first = create_token("system-a", "full")
    _, second = create_token("system-b", "masked")
    client = limited_app(env).test_client()

    def get(token: str, address: str = "127.0.0.1"):
        return client.get("/api/v1/positions", headers={"Authorization": f"Bearer {token}"},
                          environ_base={"REMOTE_ADDR": address})

    assert [get(first).status_code for _ in range(10)] == [200] * 10
    refused = get(first)
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert get(second).status_code == 200  # another HR system behind the same address has its own budget
    # an address that fails authentication too often (10/min // 10) waits, whatever token it sends next
    assert get("ibk_" + "x" * 40, "10.9.9.9").status_code == 401
    guessing = get("ibk_" + "y" * 40, "10.9.9.9")
    assert guessing.status_code == 429 and int(guessing.headers["Retry-After"]) >= 1
    assert get(second, "10.9.9.9").status_code == 429
    assert get(second, "10.9.9.10").status_code == 200
    # requests without a token are counted per address and are not failed guesses
    assert [client.get("/api/v1/positions").status_code for _ in range(3)] == [401] * 3
    assert get(second).status_code == 200


def test_x_forwarded_for_counts_only_behind_the_configured_proxies(env):
    direct = limited_app(env).test_client()
    spoofed = [direct.get("/hr/pool", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(11)]
    assert 429 not in spoofed[:10] and spoofed[10] == 429  # without PROXY_HOPS the header is ignored

    proxied = limited_app(env, proxy_hops=1).test_client()
    spread = [proxied.get("/hr/pool", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(20)]
    assert 429 not in spread  # each client behind nginx has its own budget
    # nginx appends the address it saw; whatever the client put before it is not trusted
    chain = [proxied.get("/hr/pool", headers={"X-Forwarded-For": f"192.0.2.{i}, 203.0.113.200"}).status_code
             for i in range(11)]
    assert 429 not in chain[:10] and chain[10] == 429


def test_candidates_at_one_site_share_an_address_but_not_a_budget(env, monkeypatch):
    """A branch's Wi-Fi: many candidates behind one address each get the limit per interview link; the address
    as a whole gets NAT_SHARE times it."""
    from handlers import throttle

    monkeypatch.setattr(throttle, "NAT_SHARE", 3)
    client = limited_app(env).test_client()  # 10 a minute per link, 30 per address
    statuses = [client.get(f"/h5/api/link{n}/state").status_code for n in range(3) for _ in range(10)]
    assert 429 not in statuses  # three candidates, ten requests each
    assert client.get("/h5/api/link0/state").status_code == 429  # one link over its own limit
    assert client.get("/h5/api/link9/state").status_code == 429  # the address's ceiling reached
    assert from_address(limited_app(env).test_client(), "10.1.2.3").get("/h5/api/link9/state").status_code != 429


def test_ipv6_clients_are_counted_by_their_64():
    from handlers.throttle import area_of, client_key

    assert client_key("2001:db8::1") == client_key("2001:db8::ffff:1") == "2001:db8::/64"
    assert client_key("2001:db8:0:1::1") != client_key("2001:db8::1")
    assert client_key("::ffff:10.0.0.1") == client_key("10.0.0.1") == "10.0.0.1"
    assert client_key(None) == "unknown" and client_key("not an address") == "not an address"
    assert [area_of(p) for p in ("/hr", "/hr/x", "/hrx", "/h5/static/h5.js", "/wecom/callback", "/healthz",
                                 "/api/v1", "/api/v10/x")] == ["hr", "hr", None, None, None, None, "api", None]


def test_without_redis_requests_pass_unlimited_and_it_is_logged_once(env, caplog, monkeypatch):
    from handlers import throttle

    monkeypatch.setattr(throttle, "PAUSE_SECONDS", 0.0)  # ask the dead Redis on every request
    app = limited_app(env, redis_url="redis://127.0.0.1:1/0")
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="handlers.throttle"):
        statuses = [client.get("/i/x").status_code for _ in range(15)]
        statuses += [client.get("/h5/api/x/state").status_code for _ in range(15)]
        assert statuses == [403] * 30  # limited areas still answer, unlimited
        assert len([r for r in caplog.records if "rate limiting is off" in r.message]) == 1
        # Redis answers again: limits are back (and that is logged)
        app.extensions["throttle"].limiter = throttle.Throttle(env.redis_url, 10).limiter
        back = [client.get("/i/x").status_code for _ in range(11)]
        assert back[:10] == [403] * 10 and back[10] == 429
        assert any("rate limiting is back on" in r.message for r in caplog.records)


def test_a_redis_that_hangs_costs_a_request_half_a_second_once(env):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # completes TCP handshakes and never answers
    try:
        client = limited_app(env, redis_url=f"redis://127.0.0.1:{silent.getsockname()[1]}/0").test_client()
        started = time.monotonic()
        assert client.get("/i/x").status_code == 403
        first = time.monotonic() - started
        started = time.monotonic()
        assert [client.get("/i/x").status_code for _ in range(20)] == [403] * 20
        assert first < 2 and time.monotonic() - started < 1  # the rest skip Redis while it is paused
    finally:
        silent.close()


# --- security headers ------------------------------------------------------------------------------------------

@pytest.fixture
def page(stack):
    """zhangsan's interview link: (test client, token)."""
    return stack.app.test_client(), token_of(invite_member(stack, "zhangsan"))




def test_every_response_carries_the_security_headers(page):
    client, token = page
    responses = {path: client.get(path) for path in (
        f"/i/{token}", "/i/forged", f"/h5/api/{token}/state", "/bulk/forged", "/hr/pool", "/r/forged",
        "/api/v1/openapi.json", "/api/v1/interviews", "/healthz", "/h5/static/h5.js", "/nowhere")}
    responses["callback"] = client.post("/wecom/callback", data=b"x")
    for path, response in responses.items():
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "no-referrer", path  # the links carry tokens
        assert response.headers["X-Frame-Options"] == "DENY", path
        if response.mimetype == "text/html":
            policy = response.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, path
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        if path != "/h5/static/h5.js":
            assert response.headers["Cache-Control"] == "no-store", path
    assert "no-store" not in responses["/h5/static/h5.js"].headers.get("Cache-Control", "")
    assert responses[f"/i/{token}"].mimetype == "text/html"
    assert responses[f"/h5/api/{token}/state"].headers["Content-Security-Policy"].startswith("default-src 'none'")


TAG = re.compile(r"<(script|style|iframe|object|embed)\b([^>]*)>", re.IGNORECASE)


def test_the_pages_hold_nothing_the_policy_would_block():
    """No inline script or style, no event-handler attributes, no javascript: URLs in any template or chart."""
    from bot.reports import charts

    templates = [p for folder in ("miniprogram", "handlers", "bot/sandbox") for p in (REPO / folder).rglob("*.html")]
    sources = {p.relative_to(REPO): p.read_text() for p in templates}
    sources["charts"] = "".join(str(c) for c in (
        charts.radar(["沟通", "专业", "逻辑"], [("张三", {"沟通": 80.0, "逻辑": 60.0})], title="t"),
        charts.histogram([55.0, 70.0, 90.0]), charts.funnel([("邀请", 10), ("完成", 5)]),
        charts.bars([("a", 50.0)])))
    assert len(sources) > 8
    for name, text in sources.items():
        for tag, attrs in TAG.findall(text):
            assert tag.lower() == "script" and ("src=" in attrs or 'type="application/json"' in attrs), (name, tag)
        assert not re.search(r"\sstyle\s*=", text, re.IGNORECASE), name
        assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), name
        assert "javascript:" not in text.lower(), name
    scripts = [p for folder in ("miniprogram", "handlers") for p in (REPO / folder).rglob("*.js")]
    assert len(scripts) >= 3
    for script in scripts:  # no string evaluation (script-src 'self')
        code = script.read_text()
        assert not re.search(r"\beval\(|new Function\(|setTimeout\(\s*['\"`]|\.innerHTML\s*=", code), script.name


# --- content sniffing of uploads -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def containers(tmp_path_factory) -> dict[str, bytes]:
    """Three seconds of tone in each container the page may send: WebM (Chrome), MP4 (Safari), Ogg (Firefox)."""
    folder = tmp_path_factory.mktemp("containers")
    out = {}
    for name in ("webm", "mp4", "ogg"):  # Opus, AAC, Opus: the codec follows the container
        out[name] = media.sine(folder / f"tone.{name}", 3, freq=300).read_bytes()
    return out


def put(client, base: str, upload_id: str, seq: int, body: bytes):
    return client.put(f"{base}/uploads/{upload_id}/chunks/{seq}", data=body,
                      headers={"X-Chunk-SHA256": hashlib.sha256(body).hexdigest()})


def consented(client, token: str) -> str:
    base = f"/h5/api/{token}"
    state = client.get(f"{base}/state").json
    body = {"recording": True, "face": False, "version": state["consent"]["version"]}
    texts = state["consent"].get("texts") or {}
    if texts:  # the consent record names the notice the candidate read
        body["text_sha256"] = next(iter(texts.values()))["sha256"]
    response = client.post(f"{base}/consent", json=body)
    assert response.status_code == 200, response.json
    return base


def open_upload(client, base: str, mime: str, question: str = "intro") -> str:
    assert client.post(f"{base}/questions/{question}/reveal").status_code == 200
    response = client.post(f"{base}/uploads", json={"question": question, "mode": "audio", "mime": mime})
    assert response.status_code == 200, response.json
    return response.json["upload_id"]


@pytest.mark.parametrize("declared, sent", [("audio/webm;codecs=opus", "mp4"), ("audio/mp4", "webm"),
                                            ("audio/ogg", "webm"), ("audio/webm", "png"), ("audio/mp4", "tiny")])
def test_a_first_chunk_unlike_its_declared_container_is_refused_and_not_stored(page, containers, declared, sent):
    client, token = page
    base = consented(client, token)
    upload_id = open_upload(client, base, declared)
    body = {"png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "tiny": b"\x00\x00"}.get(sent) or containers[sent][:4096]
    refused = put(client, base, upload_id, 0, body)
    assert refused.status_code == 415 and refused.json["code"] == "wrong_container" and refused.json["error"]
    upload = Upload.get_by_id(upload_id)
    assert upload.next_seq == 0 and upload.size == 0 and upload.status == "open"
    folder = client.application.extensions["settings"].data_dir / "uploads" / upload_id
    assert not folder.exists() or not any(folder.iterdir())


@pytest.mark.parametrize("container, mime", [("webm", "audio/webm;codecs=opus"), ("mp4", "audio/mp4"),
                                             ("ogg", "audio/ogg;codecs=opus")])
def test_each_real_container_passes_the_sniff_and_is_stored(page, containers, container, mime):
    client, token = page
    base = consented(client, token)
    upload_id = open_upload(client, base, mime)
    data = containers[container]
    chunks = [data[i:i + 8192] for i in range(0, len(data), 8192)]
    for seq, chunk in enumerate(chunks):  # later chunks start anywhere in the stream: only the first is sniffed
        assert put(client, base, upload_id, seq, chunk).status_code == 200
    finished = client.post(f"{base}/uploads/{upload_id}/finish", json={"chunks": len(chunks), "integrity": {}})
    assert finished.status_code == 200, finished.json
    assert finished.json["duration"] == pytest.approx(3.0, abs=0.3)


def test_the_sniff_itself():
    from scoring.media import looks_like

    assert looks_like("video/webm;codecs=vp8,opus", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81")
    assert looks_like("VIDEO/MP4", b"\x00\x00\x00\x20ftypisom") and looks_like("audio/ogg", b"OggS\x00\x02")
    assert not looks_like("audio/mp4", b"ftypisom") and not looks_like("audio/webm", b"")
    assert not looks_like("image/png", b"\x89PNG") and not looks_like("", b"OggS")


def xlsx_with(sheet_xml: str) -> bytes:
    """A real .xlsx (openpyxl) whose first worksheet's XML is replaced."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "手机", "企业微信ID"])
    workbook.active.append(["张三", "13800000000", "zhangsan"])
    plain = io.BytesIO()
    workbook.save(plain)
    hostile = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, sheet_xml.encode() if item.filename == "xl/worksheets/sheet1.xml" else data)
    return hostile.getvalue()


def test_bulk_sheets_are_read_by_content_and_hostile_xml_is_refused(tmp_path):
    """bot/bulk/sheets.py recognises a sheet by its bytes; checked here against the hostile cases, not redone."""
    from bot.bulk.sheets import SheetError, read_sheet

    csv_bytes = "姓名,手机,企业微信ID\n张三,13800000000,zhangsan\n".encode()
    assert len(read_sheet(csv_bytes, "名单.xlsx").rows) == 1  # the name does not decide the type
    assert len(read_sheet(xlsx_with(_SHEET.format(dtd="", cell="13800000000")), "名单.csv").rows) == 1
    for data in (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, b"%PDF-1.7\n", b"PK\x03\x04" + b"\x00" * 100,
                 b"MZ\x90\x00" + b"\x00" * 100):
        with pytest.raises(SheetError):
            read_sheet(data, "名单.csv")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    laughs = '<!DOCTYPE x [<!ENTITY a "' + "a" * 100 + '">' + "".join(
        f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in zip("abcdefgh", "bcdefghi", strict=True)) + "]>"
    for dtd, cell in ((laughs, "&i;"), (f'<!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>', "&s;")):
        started = time.monotonic()
        try:
            sheet = read_sheet(xlsx_with(_SHEET.format(dtd=dtd, cell=cell)), "名单.xlsx")
        except SheetError:
            sheet = None
        assert time.monotonic() - started < 5  # no billion laughs
        assert sheet is None or "TOP-SECRET" not in repr(sheet.rows) and "aaaaaaaaaa" * 100 not in repr(sheet.rows)


_SHEET = ('<?xml version="1.0" encoding="UTF-8"?>{dtd}<worksheet xmlns='
          '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
          '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>手机</t></is></c>'
          '<c r="C1" t="inlineStr"><is><t>企业微信ID</t></is></c></row>'
          '<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c><c r="B2" t="inlineStr"><is><t>{cell}</t></is>'
          '</c><c r="C2" t="inlineStr"><is><t>zhangsan</t></is></c></row></sheetData></worksheet>')


# --- signed links ----------------------------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def retarget(token: str, **changes) -> str:
    """The token with its payload changed (and re-encoded), the signature kept."""
    payload, rest = token.split(".", 1)
    data = {**json.loads(_unb64(payload)), **changes}
    return _b64(json.dumps(data, separators=(",", ":")).encode()) + "." + rest


def test_one_candidates_link_cannot_touch_anothers_interview(stack, containers):
    from bot.links import make_token

    client = stack.app.test_client()
    a, b = token_of(invite_member(stack, "zhangsan")), token_of(invite_member(stack, "lisi"))
    base_a, base_b = consented(client, a), consented(client, b)
    b_upload = open_upload(client, base_b, "audio/webm")
    assert put(client, base_b, b_upload, 0, containers["webm"][:4096]).status_code == 200
    b_interview = Interview.get(Interview.invitation == Invitation.get(Invitation.id == json.loads(_unb64(
        b.split(".")[0]))["i"]))

    # B's upload with A's link: not found, whatever is tried
    for response in (put(client, base_a, b_upload, 1, containers["webm"][4096:8192]),
                     put(client, base_a, b_upload, 0, containers["webm"][:4096]),
                     client.post(f"{base_a}/uploads/{b_upload}/finish", json={"chunks": 1}),
                     client.get(f"{base_a}/uploads/{b_upload}")):
        assert response.status_code == 404 and response.json["code"] == "unknown_upload"
    state_a = client.get(f"{base_a}/state").json
    assert b_upload not in json.dumps(state_a) and "lisi" not in json.dumps(state_a, ensure_ascii=False)
    assert state_a["open_upload"] is None
    # A's answers and events land on A's interview only
    assert client.post(f"{base_a}/questions/intro/reveal").status_code == 200
    assert client.post(f"{base_a}/answers/intro/text", json={"text": "我的回答"}).status_code == 200
    assert client.post(f"{base_a}/events", json={"type": "paste", "question": "intro"}).status_code == 200
    b_interview = Interview.get_by_id(b_interview.id)
    assert not Answer.select().where(Answer.interview == b_interview).exists() and b_interview.events == []
    upload = Upload.get_by_id(b_upload)
    assert (upload.next_seq, upload.status, upload.size) == (1, "open", 4096)
    # a correctly signed token that pairs B's invitation with A's candidate is still refused
    a_ids, b_ids = (json.loads(_unb64(t.split(".")[0])) for t in (a, b))
    mixed = make_token(stack.settings.secret_key, b_ids["i"], a_ids["c"], time.time() + 3600)
    assert client.get(f"/h5/api/{mixed}/state").json["code"] == "bad_token"
    assert client.get(f"/i/{mixed}").status_code == 403


def test_forged_truncated_and_re_encoded_links_are_refused(page):
    from bot.links import make_token

    client, token = page
    ids = json.loads(_unb64(token.split(".")[0]))
    later = int(time.time()) + 30 * 86400
    other_key = make_token("another-secret-key", ids["i"], ids["c"], later)
    settings = client.application.extensions["settings"]
    other_purposes = [
        URLSafeTimedSerializer(settings.secret_key, salt="bulk-upload-v1").dumps({"u": "hr_li", "p": 1}),
        URLSafeTimedSerializer(settings.secret_key, salt="report-link-v1").dumps({"r": ids["i"]}),
        URLSafeTimedSerializer(settings.secret_key, salt="hr-oauth-state-v1").dumps("/hr/"),
        URLSafeSerializer(settings.secret_key).dumps({"i": ids["i"], "c": ids["c"], "e": later}),  # no salt
    ]
    payload, signature = token.split(".")
    forged = [other_key, token[:-1], token[:-12], payload, f"{payload}.", f".{signature}", token + "A",
              retarget(token, e=later), retarget(token, c=ids["c"] + 1), retarget(token, i=ids["i"] + 1),
              _b64(json.dumps(ids, indent=1).encode()) + "." + signature,  # same values, other spelling
              token.upper(), token.replace("-", "+").replace("_", "/"), "x" * 600, "链接", *other_purposes]
    for bad in forged:
        if bad == token:
            continue
        response = client.get(f"/h5/api/{bad}/state")
        assert response.status_code in (403, 404), bad  # 404: a "/" made it another path
        if response.status_code == 403:
            assert response.json["code"] == "bad_token"
            page_response = client.get(f"/i/{bad}")
            assert page_response.status_code == 403 and "链接无效" in page_response.get_data(as_text=True)
    # padding, or the standard base64 alphabet, decodes to the same bytes: refused all the same (one spelling only)
    for respelled in (f"{token}==", token.replace("-", "+"), token.replace("_", "/")):
        if respelled != token and "/" not in respelled:
            assert client.get(f"/h5/api/{respelled}/state").json["code"] == "bad_token"


def test_expired_links_say_how_to_get_a_new_one(page):
    from bot.links import make_token

    client, token = page
    ids = json.loads(_unb64(token.split(".")[0]))
    settings = client.application.extensions["settings"]
    old = make_token(settings.secret_key, ids["i"], ids["c"], time.time() - 1)
    assert client.get(f"/h5/api/{old}/state").json["code"] == "expired"
    page_response = client.get(f"/i/{old}")
    assert page_response.status_code == 410 and "重新发送" in page_response.get_data(as_text=True)
    Invitation.update(expires_at=dt.datetime(2020, 1, 1)).where(Invitation.id == ids["i"]).execute()
    assert client.get(f"/h5/api/{token}/state").status_code == 410  # the row's deadline counts, not only the link's


def bulk_link(stack, user: str = "hr_li") -> str:
    stack.say(user, "/bulk 柜员")
    stack.drain()
    texts = [(m["payload"].get("text") or {}).get("content") or "" for m in stack.inbox(user)]
    return "/bulk/" + [t for t in texts if "上传「柜员」的候选人名单" in t][-1].rsplit("/bulk/", 1)[1].strip()


def second_position() -> Position:
    teller = Position.get(Position.slug == "teller")
    fields = {name: getattr(teller, name) for name in teller._meta.fields if name != "id"}
    return Position.create(**{**fields, "slug": "lobby", "title": "大堂经理"})


def test_a_bulk_link_serves_only_its_recruiter_and_position(stack):
    from bot.queues import COMMANDS, get_queue

    path = bulk_link(stack)
    token = path.rsplit("/", 1)[1]
    lobby = second_position()
    client = stack.app.test_client()
    assert client.get(path).status_code == 200
    ids = json.loads(_unb64(token.split(".")[0]))
    for forged in (retarget(token, p=lobby.id), retarget(token, u="hr_wang"), token[:-2]):
        assert client.get(f"/bulk/{forged}").status_code == 403
    # form fields cannot move the upload to another recruiter or position
    sheet = "姓名,手机,企业微信ID,简历\n张三,13800000000,zhangsan,三年柜员经验\n".encode("utf-8-sig")
    answer = client.post(path, data={"file": (io.BytesIO(sheet), "名单.csv"), "position": str(lobby.id),
                                     "p": str(lobby.id), "userid": "hr_wang", "u": "hr_wang"},
                         content_type="multipart/form-data")
    assert answer.status_code == 200
    [job] = [j for j in get_queue(COMMANDS).jobs if j.func_name.endswith("import_sheet")]
    assert job.args[1:3] == ("hr_li", ids["p"]) and ids["p"] != lobby.id
    # the link is not an interview link, and an interview link is not an upload link
    assert client.get(f"/i/{token}").status_code == 403
    assert client.get(f"/bulk/{token_of(invite_member(stack, 'zhangsan'))}").status_code == 403
    # half an hour later it is dead
    old = aged(stack.settings.secret_key, "bulk-upload-v1", {"u": "hr_li", "p": ids["p"]})
    assert client.get(f"/bulk/{old}").status_code == 403


def test_a_bulk_link_dies_with_its_recruiters_role(stack):
    from handlers.app import create_app

    path = bulk_link(stack)
    demoted = create_app(dataclasses.replace(stack.settings, hr_userids=frozenset({"hr_wang"}))).test_client()
    refused = demoted.get(path)
    assert refused.status_code == 403 and "招聘" in refused.get_data(as_text=True)
    sheet = "姓名,手机\n张三,13800000000\n".encode()
    posted = demoted.post(path, data={"file": (io.BytesIO(sheet), "名单.csv")}, content_type="multipart/form-data")
    assert posted.status_code == 403


class _AgedSigner(TimestampSigner):
    """Signs as if 31 days ago: past a bulk link's half hour and a report link's 30 days."""

    def get_timestamp(self) -> int:
        return int(time.time()) - 31 * 86400


def aged(secret_key: str, salt: str, data: object) -> str:
    return URLSafeTimedSerializer(secret_key, salt=salt, signer=_AgedSigner).dumps(data)


def test_report_links_open_only_their_report_and_only_behind_sign_in(stack):
    from itsdangerous import URLSafeTimedSerializer  # how cards signed report links before sign-in

    client = stack.app.test_client()
    token = URLSafeTimedSerializer(stack.settings.secret_key, salt="report-link-v1").dumps({"r": 7})
    genuine = client.get(f"/r/{token}")
    assert genuine.status_code == 302 and genuine.headers["Location"].endswith("/hr/reports/7")
    behind = client.get("/hr/reports/7")
    assert behind.status_code == 302 and "/connect/oauth2/authorize" in behind.headers["Location"]
    old = aged(stack.settings.secret_key, "report-link-v1", {"r": 7})
    bulk = URLSafeTimedSerializer(stack.settings.secret_key, salt="bulk-upload-v1").dumps({"r": 8})
    for forged in (retarget(token, r=8), token[:-3], old, bulk, token_of(invite_member(stack, "zhangsan")), "x" * 600):
        response = client.get(f"/r/{forged}")
        assert response.status_code == 404 and "链接无效" in response.get_data(as_text=True), forged
    # a session cookie signed with another key is nobody's
    from flask.sessions import SecureCookieSessionInterface

    other = dataclasses.replace(stack.settings, secret_key="another-secret-key")
    from handlers.app import create_app

    forger = create_app(other)
    cookie = SecureCookieSessionInterface().get_signing_serializer(forger).dumps({"userid": "hr_li", "csrf": "x"})
    client.set_cookie("hr_session", cookie)
    assert client.get("/hr/reports/7").status_code == 302
    assert client.post("/hr/reports/7/decision", data={"csrf": "x", "outcome": "pass"}).status_code == 401


# --- the policy in a real browser ------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', e => window.cspViolation(
    `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`))"""


def until(tab, expression: str, timeout: float = 30.0) -> None:
    """Poll a page expression (Playwright's wait_for_function evaluates a string in the page: the policy forbids it)."""
    deadline = time.monotonic() + timeout
    while not tab.evaluate(expression):
        assert time.monotonic() < deadline, expression
        tab.wait_for_timeout(100)


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run installs it)")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_policy_blocks_nothing_the_pages_do(stack, tmp_path):
    """The interview page through consent, camera check, the practice answer's playback (a blob:) and one recorded
    answer, then the HR report page: the browser reports no Content-Security-Policy violation anywhere."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import record_answer, through_consent, wait_saved
    from tests.support.h5 import reported

    mic = media.to_wav(media.sine(tmp_path / "tone.ogg", 20), tmp_path / "mic.wav")
    link = f"{stack.base}/i/{token_of(invite_member(stack, 'wangwu'))}"
    violations: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={mic}"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                      has_touch=True, locale="zh-CN")
        context.expose_function("cspViolation", lambda text: violations.append(text))
        context.add_init_script(REPORT_VIOLATIONS)
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        through_consent(tab, link)
        tab.wait_for_selector("h1:has-text('检查摄像头和麦克风')")  # the device check, then the practice answer
        tab.tap("button:has-text('开启摄像头和麦克风')")
        until(tab, "document.querySelector('video.preview') && document.querySelector('video.preview').videoWidth > 0")
        tab.tap("button:has-text('下一步')")
        tab.tap("button:has-text('现在开始作答')")
        tab.wait_for_timeout(1500)
        tab.tap("button:has-text('结束作答')")
        until(tab, "document.querySelector('.playback') && document.querySelector('.playback').duration > 0")
        tab.tap("button:has-text('开始正式答题')")
        record_answer(tab, 1)
        wait_saved(tab, 1)
        assert violations == [], violations
        # the listener works: something the policy forbids is reported
        tab.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=\"https://example.invalid/x.png\">')")
        tab.wait_for_timeout(300)
        assert violations and "img-src" in violations[0]
        violations.clear()

        card = reported(stack, "zhaoliu")
        report_path = "/hr/reports/" + card["card"]["button_list"][3]["url"].rsplit("/", 1)[1]
        tab.goto(f"{stack.base}{report_path}")
        tab.get_by_role("link", name="hr_li").click()  # the sandbox's OAuth page: whose identity to use
        tab.wait_for_url(f"{stack.base}{report_path}*")
        assert tab.locator(".chart.radar svg").is_visible()
        tab.goto(f"{stack.base}/hr/positions/teller")
        assert tab.locator("svg[role=img]").count() >= 2
        assert violations == [], violations
        browser.close()


def test_no_body_is_read_past_its_endpoints_bound(env):
    """A form post to any page is bounded (1 MB) before it is parsed; anonymous ones too (the CSRF check parses)."""
    from handlers.app import create_app

    client = create_app(env).test_client()
    big = {"csrf": "x", "file": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "big.bin")}
    assert client.post("/hr/logout", data=big, content_type="multipart/form-data").status_code == 413
    streamed = client.post("/hr/logout", input_stream=io.BytesIO(b"a=" + b"x" * (3 * 1024 * 1024)),
                           content_type="application/x-www-form-urlencoded",
                           environ_overrides={"wsgi.input_terminated": True})  # chunked: no Content-Length
    assert streamed.status_code == 413
    assert client.post("/h5/api/x/consent", data=b"{}" + b" " * (2 * 1024 * 1024),
                       content_type="application/json").status_code in (403, 413)
