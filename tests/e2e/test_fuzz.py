"""Fuzzing with hypothesis: the WeCom callback (garbage, forged signatures, correctly signed payloads of any shape)
and the H5 page's JSON API. Never a 5xx, never a traceback in the logs, and nothing taken into the stream but
well-formed, correctly signed messages — which the dispatcher then handles without an error.

Examples are derandomized and no example database is kept, so every run (and CI) tries the same inputs.
"""
from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.sandbox import protocol
from tests.conftest import dispatch_taken

pytestmark = pytest.mark.sqlite_only  # the handlers' input checks (other modules cover PostgreSQL)

FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_ids = itertools.count(int(time.time() * 1000))




@pytest.fixture
def clean_logs(caplog):
    """Fail the test if anything logged a traceback or an error."""
    caplog.set_level(logging.INFO)
    yield caplog
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, "\n".join(f"{r.name}: {r.getMessage()}" for r in bad[:5])


def counts() -> tuple[int, int]:
    """(entries taken into the stream, RQ jobs waiting)."""
    from bot.queues import ALL_QUEUES, get_queue
    from bot.store.kv import get_redis
    from bot.wecom.intake import STREAM

    return get_redis().xlen(STREAM), sum(len(get_queue(name)) for name in ALL_QUEUES)


def dispatch_cleanly(env) -> None:
    """Run the handlers over what was taken; none may fail (a failure leaves an attempt count behind)."""
    from bot.store.kv import get_redis
    from jobs.dispatcher import ATTEMPTS

    dispatch_taken(env)
    assert get_redis().hlen(ATTEMPTS) == 0 and not get_redis().xlen("wecom:inbound:dead")


def sign(env, plaintext: bytes | str, *, corp_id: str | None = None, timestamp=None, nonce=None):
    """Encrypt and sign plaintext exactly as WeCom would (with another corp id when given)."""
    if isinstance(plaintext, str):  # a lone surrogate goes out as the (invalid) UTF-8 a careless sender writes
        plaintext = plaintext.encode("utf-8", "surrogatepass")
    return protocol.encrypt_callback(env.wecom_token, env.wecom_aes_key, corp_id or env.wecom_corp_id, plaintext,
                                     agent_id=env.wecom_agent_id, timestamp=timestamp, nonce=nonce)


def post(client, params, body: bytes, content_type: str = "text/xml"):
    return client.post("/wecom/callback", query_string=params, data=body, content_type=content_type)


# --- the callback: garbage from anyone -------------------------------------------------------------------------

SIGNED = ("msg_signature", "timestamp", "nonce", "echostr")
query_values = st.one_of(st.text(max_size=60), st.just("NOW"), st.integers().map(str), st.from_regex(r"[0-9a-f]{40}",
                                                                                                      fullmatch=True))
bodies = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300).map(str.encode),
    st.builds(lambda inner: f"<xml><Encrypt><![CDATA[{inner}]]></Encrypt></xml>".encode(),
              st.from_regex(r"[A-Za-z0-9+/=]{0,200}", fullmatch=True)),
    st.sampled_from([b"", b"<xml/>", b"<xml></xml>", b"<xml><Encrypt/></xml>", b"<?xml version='1.0'?>",
                     b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>',
                     b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><xml><Encrypt>x</Encrypt></xml>']),
)
content_types = st.one_of(st.sampled_from(["text/xml", "application/xml", "application/json", "text/plain",
                                           "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
                                           "", "text/xml; charset=gbk"]),
                          st.from_regex(r"[ -~]{0,30}", fullmatch=True))  # anything a header line can hold


@settings(FUZZ, max_examples=150)
@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]),
       query=st.dictionaries(st.one_of(st.sampled_from(SIGNED), st.text(max_size=10)), query_values, max_size=5),
       body=bodies, content_type=content_types)
def test_callback_garbage_is_refused_without_a_trace(env, client, clean_logs, method, query, body, content_type):
    query = {k: str(int(time.time())) if v == "NOW" else v for k, v in query.items()}
    before = counts()
    response = client.open("/wecom/callback", method=method, query_string=query, data=body,
                           content_type=content_type)
    assert response.status_code < 500, response.data
    assert response.status_code != 200 or method in ("HEAD", "OPTIONS")  # nothing unsigned is ever accepted
    assert counts() == before


@settings(FUZZ, max_examples=75)
@given(field=st.sampled_from(["msg_signature", "timestamp", "nonce"]),
       value=st.one_of(st.text(max_size=60), st.integers(min_value=-2**63, max_value=2**63).map(str)),
       drop=st.booleans())
def test_a_tampered_signature_timestamp_or_nonce_takes_nothing(env, client, clean_logs, field, value, drop):
    xml = protocol.text_message_xml(env.wecom_corp_id, "zhangsan", "你好", next(_ids), env.wecom_agent_id)
    params, body = sign(env, xml)
    if value == params[field]:
        return
    params = {k: v for k, v in params.items() if k != field} if drop else {**params, field: value}
    before = counts()
    response = post(client, params, body)
    assert response.status_code in (400, 403), response.data
    assert counts() == before


def test_huge_bodies_are_refused_before_they_are_read(env, client, clean_logs):
    import io

    xml = protocol.text_message_xml(env.wecom_corp_id, "zhangsan", "x" * 100, next(_ids), env.wecom_agent_id)
    params, body = sign(env, xml)
    padded = body[:-6] + b" " * (65 * 1024) + body[-6:]  # still a valid envelope, only too large
    assert post(client, params, padded).status_code == 413
    huge = io.BytesIO(b"<xml>" + b"A" * (20 * 1024 * 1024))
    started = time.monotonic()
    streamed = client.post("/wecom/callback", query_string=params, input_stream=huge, content_type="text/xml",
                           environ_overrides={"wsgi.input_terminated": True})  # chunked: no Content-Length
    assert streamed.status_code == 413 and time.monotonic() - started < 2
    assert huge.tell() <= 65 * 1024 + 65536  # read no further than the limit (and one buffer)
    assert counts() == (0, 0)


# --- the callback: correctly signed, anything inside -----------------------------------------------------------

FIELDS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "AgentID", "Event", "EventKey",
          "TaskId", "CardType", "ResponseCode", "ChangeType", "UserID", "ExternalUserID", "State", "WelcomeCode",
          "Token", "OpenKfId", "PicUrl", "MediaId", "Format", "ThumbMediaId", "Location_X", "Scale", "Label",
          "Title", "Description", "Url", "SelectedItems", "ScanCodeInfo", "BatchJob", "JobId"]
MSG_TYPES = ["text", "image", "voice", "video", "location", "link", "event", "file", "miniprogram", "TEXT", "",
             "unknown_type"]
EVENTS = ["template_card_event", "enter_agent", "subscribe", "unsubscribe", "click", "view", "change_contact",
          "kf_msg_or_event", "change_external_contact", "LOCATION", "batch_job_result", "scancode_push",
          "template_card_menu_event", "open_approval_change", "no_such_event", ""]
names = st.one_of(st.sampled_from(FIELDS), st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,12}", fullmatch=True))
xml_chars = st.characters(blacklist_categories=("Cs", "Cc"))  # what XML 1.0 can carry (mostly)
safe_leaf = st.one_of(st.text(xml_chars, max_size=40), st.sampled_from(MSG_TYPES + EVENTS),
                      st.integers(min_value=-2**70, max_value=2**70).map(str),
                      st.sampled_from(["decline:1", "decide:1:pass", "decide:x:y", "/invite 柜员 zhangsan", "/help",
                                       "/bulk 柜员", "/status", "退出人才库", "能改到下周一下午2点吗", "hr_li",
                                       "zhangsan", "add_external_contact", "&amp;", "]]>"]))
bad_leaf = st.one_of(st.text(max_size=10), st.sampled_from(["<", "&", "\x00", "\x1b", "\ud800", "\ufffe"]))
leaf_text = st.one_of(safe_leaf, safe_leaf, safe_leaf, safe_leaf, safe_leaf, bad_leaf)


def _text(value: str, how: str) -> str:
    if how == "cdata":
        return protocol.cdata(value)
    return escape(value) if how == "escape" else value  # raw: may well break the XML, on purpose


quoting = st.sampled_from(["escape", "cdata"] * 4 + ["raw"])
tree = st.recursive(
    st.tuples(leaf_text, quoting).map(lambda t: _text(*t)),
    lambda inner: st.lists(st.tuples(names, inner), max_size=4).map(
        lambda kids: "".join(f"<{tag}>{body}</{tag}>" for tag, body in kids)),
    max_leaves=12)
PROLOGUES = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<!-- WeCom -->",
             '<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
             '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
             '<!DOCTYPE xml SYSTEM "http://127.0.0.1:1/evil.dtd">', "<?xml-stylesheet href='x'?>"]


@st.composite
def documents(draw) -> str:
    """A decrypted payload: often WeCom-shaped (MsgType, Event), with any other fields, types and text."""
    fields = []
    if draw(st.integers(0, 4)):
        fields.append(("MsgType", draw(st.sampled_from(MSG_TYPES))))
    if draw(st.booleans()):
        fields.append(("Event", draw(st.sampled_from(EVENTS))))
    fields += draw(st.lists(st.tuples(names, tree), max_size=8))
    fields = draw(st.permutations(fields))
    body = "".join(f"<{tag}>{value}</{tag}>" for tag, value in fields)
    root = draw(st.sampled_from(["xml"] * 6 + ["root", "XML"]))
    entity = draw(st.sampled_from([""] * 6 + ["&b;", "&xxe;"]))
    prologue = draw(st.one_of(st.just(""), st.just(""), st.sampled_from(PROLOGUES)))
    return f"{prologue}<{root}>{body}{entity}</{root}>"


@settings(FUZZ, max_examples=200)
@given(doc=st.one_of(documents(), documents(), documents(), st.binary(max_size=300)))
def test_signed_payloads_of_any_shape_never_fail(env, client, clean_logs, doc):
    from bot.store.kv import get_redis

    seen = list(get_redis().scan_iter("wecom:seen:*"))
    if seen:  # forget earlier examples' de-duplication keys, so each example reaches the handlers
        get_redis().delete(*seen)
    params, body = sign(env, doc)
    before = counts()
    response = post(client, params, body)
    assert response.status_code in (200, 400), response.data
    taken, jobs = counts()
    assert jobs == before[1]  # the callback only takes; handlers run in the dispatcher
    assert taken - before[0] in ((0, 1) if response.status_code == 200 else (0,))
    event(f"{response.status_code}, taken {taken - before[0]}")  # --hypothesis-show-statistics: the mix reached
    dispatch_cleanly(env)


@settings(FUZZ, max_examples=75)
@given(user=st.text(min_size=1, max_size=64).filter(lambda s: s.strip() and "\x00" not in s),
       content=st.text(max_size=400), how=st.sampled_from(["cdata", "escape"]))
def test_well_formed_messages_are_taken_once_and_handled(env, client, clean_logs, user, content, how):
    from bot.wecom.inbound import MalformedMessage, parse_xml

    msg_id = next(_ids)
    xml = (f"<xml><ToUserName>{protocol.cdata(env.wecom_corp_id)}</ToUserName><FromUserName>{_text(user, how)}"
           f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType>text</MsgType><Content>"
           f"{_text(content, how)}</Content><MsgId>{msg_id}</MsgId><AgentID>{env.wecom_agent_id}</AgentID></xml>")
    try:
        parse_xml(xml)
        well_formed = True
    except MalformedMessage:  # characters XML 1.0 cannot carry (control characters, lone surrogates)
        well_formed = False
    params, body = sign(env, xml)
    before = counts()
    response = post(client, params, body)
    assert response.status_code == (200 if well_formed else 400), response.data
    assert counts()[0] == before[0] + well_formed
    assert post(client, *sign(env, xml)).status_code == response.status_code  # WeCom's retry: taken once
    assert counts()[0] == before[0] + well_formed
    dispatch_cleanly(env)


def test_a_payload_for_another_corp_is_refused(env, client, clean_logs):
    xml = protocol.text_message_xml(env.wecom_corp_id, "zhangsan", "hi", next(_ids), env.wecom_agent_id)
    params, body = sign(env, xml, corp_id="wwother000000000")
    assert post(client, params, body).status_code == 403
    assert counts() == (0, 0)


# --- the H5 page's JSON API ------------------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**80, max_value=2**80),
              st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
              st.sampled_from(["consent-v1", "intro", "video", "audio", "audio/webm", "paste", "hidden", "en", "\x00",
                               "\ud800", "我会先倾听客户的问题。"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=15)
# What the page sends to each endpoint; the fuzzer keeps, drops or replaces each field and adds others.
VALID = {
    "consent": {"recording": True, "face": False, "version": "consent-v1", "locale": "zh-CN", "text_sha256": ""},
    "uploads": {"question": "intro", "mode": "audio", "mime": "audio/webm", "retake": False},
    "uploads/{upload}/finish": {"chunks": 0, "integrity": {"hidden_ms": 0, "hidden_count": 0, "pasted_chars": 0}},
    "answers/intro/text": {"text": "我会先倾听客户的问题。", "retake": False, "integrity": {"pasted_chars": 0}},
    "answers/complaint/text": {"text": "先道歉，再了解情况。", "retake": True},
    "events": {"type": "paste", "question": "intro", "at": 1200, "detail": {"chars": 12}},
    "questions/intro/reveal": {},
    "questions/intro/start": {},
    "questions/complaint/reveal": {},  # another while the intro is open: refused
    "review": {},
    "erasure": {"confirm": True},  # queued, not run: the candidate is not erased under the fuzzer
}


@st.composite
def near_valid(draw, path: str) -> dict:
    body = {}
    for key, value in VALID[path].items():
        choice = draw(st.sampled_from(["keep", "keep", "drop", "replace"]))
        if choice != "drop":
            body[key] = value if choice == "keep" else draw(json_values)
    body.update(draw(st.dictionaries(st.text(max_size=8), json_values, max_size=2)))
    return body


requests_ = st.sampled_from(sorted(VALID)).flatmap(
    lambda path: st.tuples(st.just(path), st.one_of(near_valid(path), near_valid(path), json_values)))
raw_bodies = st.one_of(st.binary(max_size=200), st.sampled_from([
    b"NaN", b'{"at": NaN}', b'{"at": Infinity}', b'{"text": "\\ud800"}', b'{"text": "a\\u0000b"}',
    b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000, b"\xff\xfe{", b'"just a string"']))


@pytest.fixture
def h5(env, stack):
    """An invited candidate who has consented: a client (rate limit out of the way) and the API's base path."""
    from handlers.app import create_app

    stack.say("hr_li", "/invite 柜员 zhangsan")
    stack.drain()
    link = [m for m in stack.inbox("zhangsan") if m["msgtype"] == "template_card"][0]["card"]["card_action"]["url"]
    client = create_app(dataclasses.replace(env, rate_limit_per_minute=1_000_000)).test_client()
    base = f"/h5/api/{link.rsplit('/', 1)[1]}"
    consent = client.post(f"{base}/consent", json={"recording": True, "version": "consent-v1"})
    assert consent.status_code == 200
    assert client.post(f"{base}/questions/intro/reveal").status_code == 200
    upload = client.post(f"{base}/uploads", json={"question": "intro", "mode": "audio", "mime": "audio/webm"})
    return client, base, upload.json["upload_id"]


@settings(FUZZ, max_examples=100)
@given(request=requests_)
def test_h5_api_answers_any_json_with_a_clear_4xx(h5, clean_logs, request):
    client, base, upload_id = h5
    path, body = request
    response = client.post(f"{base}/{path.format(upload=upload_id)}", json=body)
    assert response.status_code < 500, response.json
    event(f"{path} {response.status_code} {(response.json or {}).get('code', '')}")
    if response.status_code >= 400:
        assert response.json["code"] and response.json["error"]


@settings(FUZZ, max_examples=40)
@given(path=st.sampled_from(sorted(VALID)), body=raw_bodies,
       content_type=st.sampled_from(["application/json", "text/plain", "application/json; charset=latin-1"]))
def test_h5_api_answers_any_body_with_a_clear_4xx(h5, clean_logs, path, body, content_type):
    client, base, upload_id = h5
    response = client.post(f"{base}/{path.format(upload=upload_id)}", data=body, content_type=content_type)
    assert response.status_code < 500, response.json
    if response.status_code >= 400:
        assert response.json["code"] and response.json["error"]


HEAD = "<ToUserName>wx</ToUserName><FromUserName>zhangsan</FromUserName><CreateTime>1700000000</CreateTime>"


@pytest.mark.parametrize("body, status", [
    ("<MsgType>text</MsgType><Content>a</Content><Content>b</Content><MsgId>1</MsgId>", 400),  # repeated
    ("<MsgType>text</MsgType><Content><b>bold</b></Content><MsgId>2</MsgId>", 400),  # nested
    ("<MsgType>text</MsgType><Content>hi</Content><MsgId>soon</MsgId>", 400),  # a number that is not
    ("<MsgType>event</MsgType><Event>template_card_event</Event>", 200),  # a click without its key
    ("<MsgType>event</MsgType><Event>template_card_event</Event><EventKey>decline:²</EventKey>", 200),
    ("<MsgType>event</MsgType><Event>template_card_event</Event><EventKey>decide:99999999999999999999:pass"
     "</EventKey>", 200),
    ("<MsgType>event</MsgType><Event>change_external_contact</Event>", 200),  # no ChangeType, no UserID
    ("<MsgType>event</MsgType><Event>kf_msg_or_event</Event>", 200),
    ("<MsgType>no_such_type</MsgType><MsgId>3</MsgId>", 200),
])
def test_payloads_the_fuzzer_found_or_should_find(env, client, clean_logs, body, status):
    """Regressions: each once crashed a handler (a traceback and a dead letter) or would have."""
    params, signed_body = sign(env, f"<xml>{HEAD}{body}</xml>")
    before = counts()
    assert post(client, params, signed_body).status_code == status
    assert counts()[0] == before[0] + (status == 200)
    dispatch_cleanly(env)
