"""The open API end to end: real HTTP to the app, real Redis and database, the WeCom sandbox, a real webhook
receiver on loopback; jobs run by stack.drain()."""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openpyxl
import pytest
import requests
import yaml

from tests.support.chat import results
from tests.support.h5 import take_interview

PERSON = {"name": "张三丰", "phone": "13812345678", "email": "zhang.sanfeng@example.com", "wecom_userid": "zhangsan"}
SECRETS = ("张三丰", "13812345678", "zhang.sanfeng@example.com", "zhangsan")


RECEIVERS = "127.0.0.1"  # where these tests' webhook receivers listen: allowed as an on-premise receiver would be


@pytest.fixture(autouse=True)
def _receivers_allowed(monkeypatch):
    """WEBHOOK_ALLOWED_PRIVATE lets webhooks reach the receivers below on 127.0.0.1, and nothing else inside
    (127.0.0.2 stays refused); set before `env` loads the settings (autouse fixtures come first)."""
    monkeypatch.setenv("WEBHOOK_ALLOWED_PRIVATE", RECEIVERS)


class Receiver:
    """An HR system's webhook endpoint: records what it gets, answers with status (and headers)."""

    def __init__(self, status: int = 200, host: str = RECEIVERS, headers: dict[str, str] | None = None,
                 port: int = 0):
        self.status, self.got = status, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append((dict(self.headers), body))
                self.send_response(receiver.status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_port
        self.url = f"http://{host}:{self.port}/hooks/interviews"

    def events(self, secret: str) -> list[dict]:
        """The bodies received, each signature checked as the OpenAPI document tells receivers to."""
        out = []
        for headers, body in self.got:
            stamp = headers["X-Interview-Timestamp"]
            expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(headers["X-Interview-Signature"], f"sha256={expected}")
            doc = json.loads(body)
            assert headers["X-Interview-Event"] == doc["event"] and headers["X-Interview-Delivery"] == str(doc["id"])
            out.append(doc)
        return out


@pytest.fixture
def api(stack):
    """Call the API over HTTP: api(method, path, token, **requests kwargs); tokens on api.full / api.masked."""
    from bot.integrations.tokens import create_token

    def call(method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = requests.request(method, f"{stack.base}/api/v1{path}", headers=headers, timeout=30, **kwargs)
        assert response.status_code < 500, response.text
        keeps_document(method, path, response)
        return response

    call.full = create_token("hr_li", "full")[1]
    call.masked = create_token("viewer", "masked")[1]
    call.stack = stack
    receivers = []
    call.receiver = lambda status=200, **kw: receivers.append(Receiver(status, **kw)) or receivers[-1]
    yield call
    for receiver in receivers:
        receiver.server.shutdown()


def keeps_document(method: str, path: str, response: requests.Response) -> None:
    """Every answer's status is documented for its operation, and a JSON answer matches its documented schema."""
    from handlers.api import spec as api_spec
    from handlers.api.core import ApiError

    template = api_spec.template_for("/api/v1" + path.split("?")[0])
    operation = api_spec.document()["paths"].get(template, {}).get(method.lower())
    if operation is None:  # an undocumented path or method: the JSON 404/405 is checked by the test itself
        return
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {path} answered {status}, not documented"
    documented = operation["responses"][status]
    base = documented["$ref"][1:] if "$ref" in documented else f"/paths/{template.replace('/', '~1')}/" \
                                                                f"{method.lower()}/responses/{status}"
    if "application/json" in api_spec.resolve(documented).get("content", {}):
        try:
            api_spec.check(response.json(), f"{base}/content/application~1json/schema")
        except ApiError as exc:
            raise AssertionError(f"{method} {path} → {status} breaks the document: {exc.details}") from None


def redis_bytes(client) -> bytes:
    """Every key and value in the test's Redis database, whatever its type, as raw bytes to search."""
    readers = {b"string": lambda k: [client.get(k)], b"hash": lambda k: client.hgetall(k).items(),
               b"list": lambda k: client.lrange(k, 0, -1), b"set": client.smembers,
               b"zset": lambda k: client.zrange(k, 0, -1), b"stream": lambda k: client.xrange(k)}
    chunks: list[bytes] = []

    def flatten(value) -> None:
        if isinstance(value, bytes):
            chunks.append(value)
        elif isinstance(value, dict):
            [flatten(item) for pair in value.items() for item in pair]
        elif isinstance(value, list | tuple | set):
            [flatten(item) for item in value]

    for key in client.scan_iter(count=1000):
        chunks.append(key)
        flatten(list(readers.get(client.type(key), lambda k: [])(key)))
    return b"\n".join(chunks)


def spelled(value: str) -> list[bytes]:
    """value as raw UTF-8 and as JSON writes it with non-ASCII escaped (\\u5468…)."""
    return [value.encode(), json.dumps(value)[1:-1].encode()]


def interview_done(api, person=PERSON) -> dict:
    """Import and invite a candidate through the API, take the interview, score it; return the interview."""
    candidate = api("POST", "/candidates", api.full, json=person).json()
    invitation = api("POST", "/invitations", api.full, json={"candidate_id": candidate["id"], "position": "teller"})
    assert invitation.status_code == 201 and invitation.json()["card_queued"]
    api.stack.drain()
    take_interview(api.stack, invitation.json()["link"])
    api.stack.drain()
    started = api("GET", f"/invitations/{invitation.json()['id']}", api.full).json()
    return api("GET", f"/interviews/{started['interview_id']}", api.full).json()


def test_the_document_is_served_without_a_token(api):
    doc = api("GET", "/openapi.json").json()
    assert doc["openapi"].startswith("3.1") and "/decisions" in doc["paths"]
    assert yaml.safe_load(api("GET", "/openapi.yaml").text) == doc
    assert doc["components"]["schemas"]["Report"]["properties"]["answers"]["items"] == {
        "$ref": "#/components/schemas/Report_answer"}  # scoring/report.schema.json, embedded
    assert "X-Interview-Signature" in doc["info"]["description"]


def test_missing_malformed_or_unknown_tokens_get_401(api):
    for header, code in ((None, "missing_token"), ("", "missing_token"), ("Basic aGk6dGhlcmU=", "malformed_token"),
                         ("Bearer", "malformed_token"), ("Bearer a b c", "malformed_token"),
                         ("Bearer " + "x" * 5000, "malformed_token"), (f"Bearer {api.full}x", "invalid_token"),
                         ("Bearer ibk_unknownunknownunknown", "invalid_token")):
        response = api("GET", "/positions", headers={} if header is None else {"Authorization": header})
        assert (response.status_code, response.json()["error"]["code"]) == (401, code), header
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert api("GET", "/positions", headers={"Authorization": f"bearer {api.full}"}).status_code == 200
    assert api("HEAD", "/positions").status_code == 401  # HEAD runs the GET view: it passes the same gate
    assert api("OPTIONS", "/positions").headers["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_revoked_tokens_get_401_and_masked_tokens_may_not_write(api):
    from bot.integrations.tokens import create_token, revoke_token
    from bot.store.models import ApiToken

    _, soon_gone = create_token("old_system", "full")
    assert api("GET", "/positions", soon_gone).status_code == 200
    assert revoke_token("old_system")
    refused = api("GET", "/positions", soon_gone)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "revoked_token"
    for path, body in (("/positions", {}), ("/candidates", PERSON), ("/invitations", {}), ("/decisions", {})):
        response = api("POST", path, api.masked, json=body)
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden", path
    assert api("GET", "/export/interviews.csv?view=full", api.masked).status_code == 403
    used = ApiToken.get(ApiToken.name == "viewer").last_used_at
    api("GET", "/positions", api.masked)
    assert ApiToken.get(ApiToken.name == "viewer").last_used_at == used  # written at most once a minute


def test_a_masked_token_writes_nothing_anywhere(api):
    """Every write the document lists answers 403 to a masked token, webhooks included: a masked token could
    once subscribe http://127.0.0.1:8677/hook and make the server POST to its own loopback."""
    from bot.store.models import ApiToken, Webhook
    from handlers.api import spec as api_spec

    writes = [(method.upper(), re.sub(r"\{[a-z_]+\}", "1", path), operation)
              for path, operations in api_spec.document()["paths"].items()
              for method, operation in operations.items() if method in ("post", "put", "patch", "delete")]
    assert {(m, p) for m, p, _ in writes} >= {("POST", "/webhooks"), ("DELETE", "/webhooks/1"), ("POST", "/decisions")}
    for method, path, operation in writes:
        assert operation.get("x-required-role") == "full", (method, path)
        response = api(method, path, api.masked, json={"url": "http://127.0.0.1:8677/hook",
                                                       "events": ["report.ready"]})
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden", (method, path)
    assert not Webhook.select().exists()
    legacy = Webhook.create(url="http://127.0.0.1:8677/hook", events=["report.ready"], secret="s" * 64,
                            token=ApiToken.get(ApiToken.name == "viewer"))  # from before masked tokens were refused
    assert api("DELETE", f"/webhooks/{legacy.id}", api.masked).status_code == 403
    assert Webhook.get_by_id(legacy.id).active


def test_positions_are_created_updated_and_read(api):
    from bot.store.models import AuditLog

    teller = api("GET", "/positions/teller", api.full).json()
    question = {"key": "q1", "text": "如何引导排队的客户？", "rubric": [{"point": "分流", "keywords": ["分流"]}]}
    doc = {"slug": "lobby", "title": "大堂经理", "description": "引导客户", "questions": [question],
           "dimensions": {"沟通能力": 0.6, "逻辑思维": 0.4}}
    created = api("POST", "/positions", api.full, json=doc)
    assert created.status_code == 201 and created.json()["result"] == "created"
    assert api("POST", "/positions", api.full, json=doc).json()["result"] == "unchanged"
    updated = api("POST", "/positions", api.full, json={**doc, "think_seconds": 30})
    assert updated.status_code == 200 and updated.json()["think_seconds"] == 30
    assert [p["slug"] for p in api("GET", "/positions", api.masked).json()["items"]] == ["teller", "lobby"]
    assert teller["questions"][0]["key"] == "intro"
    weights = api("POST", "/positions", api.full, json={**doc, "dimensions": {"沟通能力": 0.5}})
    assert weights.status_code == 422 and "sum to 1" in weights.json()["error"]["message"]
    taken = api("POST", "/positions", api.full, json={**doc, "slug": "other", "title": "柜员"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "title_taken"
    bad = api("POST", "/positions", api.full, json={**doc, "slug": "Bad Slug", "questions": [{"key": "q"}]})
    assert bad.status_code == 422 and {d["path"] for d in bad.json()["error"]["details"]} == {
        "/slug", "/questions/0"}
    assert api("GET", "/positions/nope", api.full).status_code == 404
    actions = [a.action for a in AuditLog.select().where(AuditLog.actor == "api:hr_li")]
    assert actions == ["position.version", "api:position.created", "position.version", "api:position.updated"]


def test_candidates_are_imported_once_and_checked_in_full(api):
    from bot.store.models import Candidate

    first = api("POST", "/candidates", api.full, json={"name": "李四", "phone": "+86 139-0000-1111"})
    assert first.status_code == 201 and first.json()["phone"] == "13900001111" and first.json()["created"]
    again = api("POST", "/candidates", api.full, json={"name": "李四", "phone": "13900001111", "email": "li@x.cn"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"] and not again.json()["created"]
    assert again.json()["email"] == "li@x.cn"  # a blank filled in, nothing overwritten
    many = [{"name": f"候选人{i}", "email": f"c{i}@example.com"} for i in range(3)] + [{"name": "李四",
                                                                                    "phone": "13900001111"}]
    batch = api("POST", "/candidates", api.full, json=many)
    assert batch.status_code == 201 and [c["created"] for c in batch.json()["items"]] == [True] * 3 + [False]
    count = Candidate.select().count()
    broken = api("POST", "/candidates", api.full, json=[{"name": "王五", "phone": "12345"}, {"name": "赵六",
                                                                                        "email": "not-an-email"}])
    assert broken.status_code == 422
    assert [d["path"] for d in broken.json()["error"]["details"]] == ["/0/phone", "/1/email"]
    assert Candidate.select().count() == count  # all or nothing
    assert api("POST", "/candidates", api.full, json=[{"name": "x", "email": "a@b.cn"}] * 1001).status_code == 422

    key = {"Idempotency-Key": "import-2026-11-24-001"}
    one = api("POST", "/candidates", api.full, json={"name": "钱七", "email": "qian@example.com"}, headers=dict(key))
    replay = api("POST", "/candidates", api.full, json={"name": "钱七", "email": "qian@example.com"}, headers=dict(key))
    assert replay.status_code == 201 and replay.json() == one.json() and replay.headers["Idempotent-Replayed"]
    other = api("POST", "/candidates", api.full, json={"name": "孙八", "email": "sun@example.com"}, headers=dict(key))
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    masked = api("GET", f"/candidates/{one.json()['id']}", api.masked).json()
    assert masked["name"] == "钱*" and masked["email"] == "q***@example.com" and masked["masked"]
    assert api("GET", "/candidates/999999", api.full).status_code == 404


def test_invite_interview_report_decide_and_webhooks_end_to_end(api):
    from bot.store.models import AuditLog, Report, WebhookDelivery

    receiver = api.receiver()
    hook = api("POST", "/webhooks", api.full, json={"url": receiver.url, "events": ["report.ready", "decision.made"]})
    assert hook.status_code == 201 and len(hook.json()["secret"]) == 64
    assert "secret" not in api("GET", "/webhooks", api.full).json()["items"][0]
    replayed = api("POST", "/webhooks", api.full, json={"url": receiver.url, "events": ["report.ready"]})
    assert replayed.status_code == 409 and replayed.json()["error"]["current"]["id"] == hook.json()["id"]
    interview = interview_done(api)
    assert interview["status"] == "completed" and interview["report"]["recommendation"] in (
        "recommend", "consider", "reject")
    assert interview["candidate"]["name"] == "张三丰" and interview["decision"] is None
    invitation = api("GET", f"/invitations/{interview['invitation_id']}", api.full).json()
    assert invitation["status"] == "completed" and "/i/" in invitation["link"]
    again = api("POST", "/invitations", api.full, json={"candidate_id": interview["candidate"]["id"],
                                                        "position": "teller"})
    assert again.status_code == 200 and again.json()["id"] == invitation["id"] and not again.json()["card_queued"]

    report = api("GET", f"/reports/{interview['id']}", api.full)
    assert report.json() == Report.get().document  # the stored document exactly
    page = api("GET", "/interviews?limit=1&status=completed&position=teller", api.full).json()
    assert [i["id"] for i in page["items"]] == [interview["id"]] and page["next_after_id"] is None

    not_hr = api("POST", "/decisions", api.full, json={"interview_id": interview["id"], "outcome": "pass",
                                                       "by": "zhangsan"})
    assert not_hr.status_code == 422 and not_hr.json()["error"]["path"] == "/by"
    decided = api("POST", "/decisions", api.full, json={"interview_id": interview["id"], "outcome": "pass"})
    assert decided.status_code == 200 and decided.json()["result"] == "decided"
    assert decided.json()["decided_by"] == "hr_li"
    same = api("POST", "/decisions", api.full, json={"interview_id": interview["id"], "outcome": "pass"})
    assert same.status_code == 200 and same.json()["result"] == "unchanged"
    other = api("POST", "/decisions", api.full, json={"interview_id": interview["id"], "outcome": "reject"})
    assert other.status_code == 409 and other.json()["error"]["current"]["outcome"] == "pass"
    api.stack.drain()
    assert len(results(api.stack)) == 1 and "恭喜您通过" in results(api.stack)[0]  # the candidate was told, once

    events = receiver.events(hook.json()["secret"])
    assert [e["event"] for e in events] == ["report.ready", "decision.made"]
    assert events[0]["data"]["candidate"]["phone"] == "13812345678"
    assert events[0]["data"]["report_url"].endswith(f"/api/v1/reports/{interview['id']}")
    assert events[1]["data"] == {"interview_id": interview["id"], "outcome": "pass", "decided_by": "hr_li",
                                 "decided_at": decided.json()["decided_at"]}
    assert WebhookDelivery.select().where(WebhookDelivery.state == "sent").count() == 2
    assert AuditLog.select().where(AuditLog.actor == "api:hr_li", AuditLog.action == "api:decide.pass").exists()


def test_a_replayed_event_is_delivered_once(api):
    from bot.integrations import webhooks
    from bot.store.kv import get_redis

    receiver = api.receiver()
    key, subscribe = {"Idempotency-Key": "hook-1"}, {"url": receiver.url, "events": ["decision.made"]}
    hook = api("POST", "/webhooks", api.full, json=subscribe, headers=dict(key)).json()
    again = api("POST", "/webhooks", api.full, json=subscribe, headers=dict(key))
    assert again.status_code == 201 and again.json() == hook and again.headers["Idempotent-Replayed"] == "true"
    assert hook["secret"].encode() not in redis_bytes(get_redis())  # re-read from the database on a replay
    data = {"interview_id": 7, "outcome": "reject", "decided_by": "hr_wang", "decided_at": None}
    assert webhooks.emit("decision.made", "interview:7", data) == 1
    assert webhooks.emit("decision.made", "interview:7", data) == 0
    assert webhooks.emit("report.ready", "interview:7", {"interview_id": 7}) == 0  # not subscribed
    api.stack.drain()
    webhooks.deliver_webhook(1)  # a stray duplicate job: already sent, not sent again
    assert [e["data"] for e in receiver.events(hook["secret"])] == [data]
    assert api("DELETE", f"/webhooks/{hook['id']}", api.full).status_code == 204
    assert api("DELETE", f"/webhooks/{hook['id']}", api.full).status_code == 404
    gone = api("POST", "/webhooks", api.full, json=subscribe, headers=dict(key))
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "gone" and hook["secret"] not in gone.text
    assert webhooks.emit("decision.made", "interview:8", data) == 0


def test_a_failing_receiver_is_retried_then_given_up(api):
    from bot.integrations import webhooks
    from bot.store.models import WebhookDelivery

    receiver = api.receiver(status=500)
    api("POST", "/webhooks", api.full, json={"url": receiver.url, "events": ["decision.made"]})
    webhooks.emit("decision.made", "interview:9", {"interview_id": 9})
    api.stack.drain(rounds=10)  # RQ's scheduled retries are run at once
    delivery = WebhookDelivery.get()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("failed", 6, "HTTP 500")
    assert len(receiver.got) == 6 and len({h["X-Interview-Delivery"] for h, _ in receiver.got}) == 1


def test_a_masked_token_never_receives_personal_data(api):
    from bot.store.models import ApiToken, Webhook

    receiver = api.receiver()  # a masked token's webhook subscribed before masked tokens were refused writes
    hook = Webhook.create(url=receiver.url, events=["report.ready", "decision.made"], secret="s" * 64,
                          token=ApiToken.get(ApiToken.name == "viewer"))
    interview = interview_done(api, {**PERSON, "name": "张三丰"})
    api("POST", "/decisions", api.full, json={"interview_id": interview["id"], "outcome": "reject"})
    api.stack.drain()
    candidate_id, invitation_id = interview["candidate"]["id"], interview["invitation_id"]
    answers = [api("GET", path, api.masked) for path in (
        "/positions", "/positions/teller", f"/candidates/{candidate_id}", f"/invitations/{invitation_id}",
        "/interviews", f"/interviews/{interview['id']}", f"/reports/{interview['id']}", "/webhooks",
        "/export/interviews.csv", "/export/interviews.csv?view=masked")]
    xlsx = api("GET", "/export/interviews.xlsx", api.masked)
    cells = [str(c) for row in openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True)
             for c in row if c is not None]
    texts = [r.content.decode("utf-8") for r in answers] + [json.dumps(r.json(), ensure_ascii=False) for r in
                                                              answers if "json" in r.headers["Content-Type"]]
    texts += ["\n".join(cells)] + [b.decode() for _, b in receiver.got]
    assert len(receiver.events(hook.secret)) == 2
    for text in texts:
        for secret in SECRETS:
            assert secret not in text
    assert "张**" in texts[2] and "138****5678" in "\n".join(cells)
    full = api("GET", f"/candidates/{candidate_id}", api.full).text
    assert all(secret in full for secret in SECRETS)


def test_an_erased_candidate_does_not_come_back_through_a_replay(api):
    """A replay used to answer the cached first answer, name, phone and e-mail, for 24 h after erasure; the
    cache keeps the status and the ids only, and a replay answers the candidate as they are now."""
    from bot.privacy.erasure import erase
    from bot.store.kv import get_redis
    from bot.store.models import ApiToken

    person = {"name": "周九", "phone": "13911112222", "email": "zhou.jiu@example.com"}
    key = {"Idempotency-Key": "import-before-erasure"}
    first = api("POST", "/candidates", api.full, json=person, headers=dict(key))
    assert first.status_code == 201 and first.json()["phone"] == person["phone"]
    assert not any(form in redis_bytes(get_redis()) for value in person.values() for form in spelled(value))
    erase(first.json()["id"], "api", "hr_li", "erase-zhou-jiu")
    replay = api("POST", "/candidates", api.full, json=person, headers=dict(key))
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    now = api("GET", f"/candidates/{first.json()['id']}", api.full).json()
    assert replay.json() == {**now, "created": True} and now["phone"] == now["email"] == ""
    leaked = redis_bytes(get_redis())
    for value in person.values():
        assert value not in replay.text
        assert not any(form in leaked for form in spelled(value)), value
    listed = api("POST", "/candidates", api.full, json=[person], headers={"Idempotency-Key": "list-1"})
    relisted = api("POST", "/candidates", api.full, json=[person], headers={"Idempotency-Key": "list-1"})
    assert relisted.json() == listed.json() and relisted.status_code == listed.status_code == 201

    # An answer an older version kept whole (personal data in it) is never replayed: the request runs again.
    raw, token_id = json.dumps(person).encode(), ApiToken.get(ApiToken.name == "hr_li").id
    name = f"api:idem:{token_id}:{hashlib.sha256(b'kept-whole').hexdigest()}"
    fingerprint = hashlib.sha256(b"POST /api/v1/candidates\n" + raw).hexdigest()
    get_redis().set(name, json.dumps({"fp": fingerprint, "state": "done", "status": 201, "body": first.text}))
    again = api("POST", "/candidates", api.full, data=raw,
                headers={"Idempotency-Key": "kept-whole", "Content-Type": "application/json"})
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers  # found: listed just above
    assert again.json()["id"] == listed.json()["items"][0]["id"] and b'"body"' not in get_redis().get(name)


@pytest.fixture
def dns(monkeypatch):
    """Names this test makes resolve where it likes: {name: [address, …]} (a list of lists is answered one
    list per lookup, the last repeated); every other name resolves as usual."""
    answers: dict[str, list] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in answers:
            return real(host, port, family, type, proto, flags)
        found = answers[name]
        if found and isinstance(found[0], list):
            found = found.pop(0) if len(found) > 1 else found[0]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, int(port or 0), 0, 0) if ":" in a else (a, int(port or 0))) for a in found]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


INSIDE = ("127.0.0.2", "10.0.0.1", "172.16.5.4", "172.31.255.254", "192.168.1.1", "169.254.169.254", "100.64.0.1",
          "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1",
          "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1")
PUBLIC = "93.184.215.14"


def test_webhooks_inside_the_network_are_refused_at_creation(api, dns):
    from bot.store.models import Webhook

    urls = [f"http://{address}:8677/hook" for address in INSIDE if ":" not in address]  # the document's IPv4
    urls += ["http://2130706434/hook", "http://0x7f000002/hook", "http://127.2/hook", "http://0177.0.0.2/hook"]
    for n, address in enumerate(INSIDE):
        dns[f"h{n}.inside.example"] = [address]
        urls.append(f"https://h{n}.inside.example/hook")
    dns["mixed.example.com"] = [PUBLIC, "10.0.0.1"]  # one answer inside is enough to refuse
    urls += ["http://mixed.example.com/hook", "http://nowhere.invalid/hook"]
    for url in urls:
        refused = api("POST", "/webhooks", api.full, json={"url": url, "events": ["report.ready"]})
        error = refused.json()["error"]
        assert (refused.status_code, error["code"], error["path"]) == (422, "webhook_destination", "/url"), url
    assert not Webhook.select().exists()
    dns["hooks.example.com"] = [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    taken = api("POST", "/webhooks", api.full, json={"url": "https://hooks.example.com/in", "events": ["report.ready"]})
    assert taken.status_code == 201


def test_a_name_that_turns_inside_after_creation_is_refused_at_send(api, dns):
    """DNS rebinding: the name was public when the webhook was made; it points at loopback now."""
    from bot.integrations import webhooks
    from bot.store.models import WebhookDelivery

    inside = api.receiver(host="127.0.0.2")
    dns["rebind.example.com"] = [PUBLIC]
    hook = {"url": f"http://rebind.example.com:{inside.port}/hook", "events": ["decision.made"]}
    assert api("POST", "/webhooks", api.full, json=hook).status_code == 201
    dns["rebind.example.com"] = ["127.0.0.2"]
    assert webhooks.emit("decision.made", "interview:3", {"interview_id": 3}) == 1
    api.stack.drain()
    delivery = WebhookDelivery.get()
    assert delivery.state == "failed" and delivery.attempts == 1 and inside.got == []
    assert "127.0.0.2" in delivery.last_error and "loopback" in delivery.last_error


def test_the_connection_goes_to_the_address_that_was_checked(api, dns):
    """A name that answers an allowed address to the check and loopback to a second lookup: the POST goes to the
    checked address, since nothing looks the name up again between the check and the connection."""
    from bot.integrations import webhooks

    allowed = api.receiver()
    inside = api.receiver(host="127.0.0.2", port=allowed.port)  # the same port behind the second answer
    dns["flip.example.com"] = [RECEIVERS]
    hook = api("POST", "/webhooks", api.full, json={"url": f"http://flip.example.com:{allowed.port}/hook",
                                                    "events": ["decision.made"]})
    assert hook.status_code == 201
    dns["flip.example.com"] = [[RECEIVERS], ["127.0.0.2"]]
    webhooks.emit("decision.made", "interview:4", {"interview_id": 4})
    api.stack.drain()
    [(headers, _)] = allowed.got
    assert headers["Host"] == f"flip.example.com:{allowed.port}" and inside.got == []


def test_redirects_are_not_followed(api):
    from bot.integrations import webhooks
    from bot.store.models import WebhookDelivery

    elsewhere = api.receiver()
    redirecting = api.receiver(status=307, headers={"Location": elsewhere.url})
    api("POST", "/webhooks", api.full, json={"url": redirecting.url, "events": ["decision.made"]})
    webhooks.emit("decision.made", "interview:5", {"interview_id": 5})
    api.stack.drain(rounds=10)
    delivery = WebhookDelivery.get()
    assert delivery.state == "failed" and delivery.last_error.startswith("HTTP 307")
    assert len(redirecting.got) == 6 and elsewhere.got == []


def test_export_is_csv_with_bom_and_xlsx_with_formulas_defused(api):
    from bot.reports.export import COLUMNS

    interview_done(api, {"name": "=HYPERLINK(\"http://evil\")", "phone": "13700001111", "wecom_userid": "zhangsan"})
    csv_file = api("GET", "/export/interviews.csv?position=teller", api.full)
    assert csv_file.content.startswith(b"\xef\xbb\xbf") and "attachment" in csv_file.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert rows[0] == [label for _, label in COLUMNS] and len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["姓名"] == "'=HYPERLINK(\"http://evil\")" and row["手机号"] == "13700001111"
    assert row["岗位"] == "柜员" and row["面试状态"] == "已完成" and float(row["总分"]) > 0 and row["沟通能力"]
    book = openpyxl.load_workbook(io.BytesIO(api("GET", "/export/interviews.xlsx", api.full).content))
    sheet_rows = list(book.active.iter_rows(values_only=True))
    assert sheet_rows[0][2] == "姓名" and sheet_rows[1][2] == "'=HYPERLINK(\"http://evil\")"
    assert isinstance(sheet_rows[1][sheet_rows[0].index("总分")], float)
    assert {"学校", "学历", "专业"} <= set(sheet_rows[0])  # from the résumé, when there is one (none here)
    assert api("GET", "/export/interviews.csv?position=nope", api.full).status_code == 404

    from tests.support.h5 import consent

    lisi = api("POST", "/candidates", api.full, json={"name": "李四", "email": "li.si@example.com"}).json()
    link = api("POST", "/invitations", api.full, json={"candidate_id": lisi["id"], "position": "teller"}).json()["link"]
    consent(api.stack.app.test_client(), f"/h5/api/{link.rsplit('/', 1)[1]}")
    masked = api("GET", "/export/interviews.csv", api.masked).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(masked)))
    assert [(r["姓名"], r["面试状态"], r["总分"], r["决定"]) for r in rows][1] == ("李*", "面试中", "", "")


def test_hostile_input_gets_clear_json_errors_and_changes_nothing(api):
    from bot.store.models import Candidate, Position

    before = (Candidate.select().count(), Position.select().count())
    cases = [
        ("POST", "/candidates", {"data": b"{" + b" " * (2 * 1024 * 1024) + b"}",
                                 "headers": {"Content-Type": "application/json"}}, 413, "too_large"),
        ("POST", "/candidates", {"data": "name=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
         415, "unsupported_media_type"),
        ("POST", "/candidates", {"data": "{\"name\": ", "headers": {"Content-Type": "application/json"}}, 400,
         "invalid_json"),
        ("POST", "/candidates", {"data": "{\"name\": NaN}", "headers": {"Content-Type": "application/json"}}, 400,
         "invalid_json"),
        ("POST", "/candidates", {"data": b"\xff\xfe{}", "headers": {"Content-Type": "application/json"}}, 400,
         "invalid_json"),
        ("POST", "/candidates", {"data": "{\"name\": \"\\ud800\", \"email\": \"a@b.cn\"}",
                                 "headers": {"Content-Type": "application/json"}}, 400, "invalid_json"),
        ("POST", "/candidates", {"data": "[" * 40 + "]" * 40, "headers": {"Content-Type": "application/json"}}, 400,
         "invalid_json"),
        ("POST", "/candidates", {"json": {"name": 42, "phone": ["13812345678"]}}, 422, "invalid_request"),
        ("POST", "/candidates", {"json": {"name": "x" * 10000, "email": "a@b.cn"}}, 422, "invalid_request"),
        ("POST", "/candidates", {"json": {"name": "\u0000", "email": "a@b.cn"}}, 422, "invalid_request"),
        ("POST", "/candidates", {"json": {"name": "a" * 500_000 + "\u0000", "email": "a@b.cn"}}, 422,
         "invalid_request"),  # the patterns run in linear time: no regular-expression denial of service
        ("POST", "/candidates", {"json": "just a string"}, 422, "invalid_request"),
        ("POST", "/invitations", {"json": {"candidate_id": -1, "position": "teller"}}, 422, "invalid_request"),
        ("POST", "/invitations", {"json": {"candidate_id": 10 ** 30, "position": "teller"}}, 422, "invalid_request"),
        ("POST", "/invitations", {"json": {"candidate_id": 5, "position": "teller"}}, 404, "not_found"),
        ("POST", "/decisions", {"json": {"interview_id": 1, "outcome": "maybe"}}, 422, "invalid_request"),
        ("POST", "/decisions", {"json": {"interview_id": 1, "outcome": "pass"}}, 404, "not_found"),
        ("POST", "/webhooks", {"json": {"url": "file:///etc/passwd", "events": ["report.ready"]}}, 422,
         "invalid_request"),
        ("POST", "/webhooks", {"json": {"url": "http://x.example/", "events": ["everything"]}}, 422,
         "invalid_request"),
        ("GET", "/candidates/-1", {}, 404, "not_found"),
        ("GET", "/candidates/99999999999999999999", {}, 422, "invalid_request"),
        ("GET", "/interviews?limit=1000000", {}, 422, "invalid_request"),
        ("GET", "/interviews?limit=ten", {}, 422, "invalid_request"),
        ("GET", "/interviews?limit=1&limit=2", {}, 422, "invalid_request"),
        ("GET", "/interviews?after_id=-5", {}, 422, "invalid_request"),
        ("GET", "/reports/12", {}, 404, "not_found"),
        ("GET", "/nothing/here", {}, 404, "not_found"),
        ("DELETE", "/positions", {}, 405, "method_not_allowed"),
    ]
    for method, path, kwargs, status, code in cases:
        started = time.monotonic()
        response = api(method, path, api.full, **kwargs)
        assert time.monotonic() - started < 3, path
        answer = (response.status_code, response.json().get("error", {}).get("code"))
        assert answer == (status, code), (path, response.text[:300])
        assert len(response.content) < 5000  # a 10,000-character value is not echoed back
    assert api("DELETE", "/positions", api.full).headers["Allow"] == "GET, POST"
    unicode = api("POST", "/candidates", api.full, json={"name": "Zoë 王🙂", "email": "zoe@例子.cn"})
    assert unicode.status_code == 422 and unicode.json()["error"]["path"] == "/email"  # bot.bulk.fields
    emoji = api("POST", "/candidates", api.full, json={"name": "Zoë 王🙂", "email": "zoe@example.com"})
    assert emoji.status_code == 201 and emoji.json()["name"] == "Zoë 王🙂"
    assert (Candidate.select().count(), Position.select().count()) == (before[0] + 1, before[1])


def test_token_commands(env, capsys):
    from jobs.cli import main

    assert main(["token", "create", "moka", "--role", "masked"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("ibk_") and main(["token", "list"]) == 0
    listed = capsys.readouterr().out
    assert "moka\tmasked\tunit *\tlive" in listed and token not in listed
    assert main(["token", "revoke", "moka"]) == 0 and main(["token", "revoke", "moka"]) == 2
    assert main(["token", "create", "moka", "--role", "full"]) == 2


def test_a_resume_given_through_the_api_is_searched_in_the_talent_pool_and_never_returned(api):
    from bot.store.models import Candidate
    from bot.talent import pool as talent
    from tests.support.h5 import reported

    reported(api.stack)
    assert not talent.search("外汇 跨境结算 信用证")
    resume = "五年外汇业务与跨境结算经验，熟悉信用证审单。"
    answer = api("POST", "/candidates", api.full, json={"name": "张三", "wecom_userid": "zhangsan", "resume": resume})
    assert answer.status_code == 200 and answer.json()["created"] is False and "resume" not in answer.text
    assert Candidate.get(Candidate.wecom_userid == "zhangsan").resume == resume
    [hit] = talent.search("外汇 跨境结算 信用证")
    assert hit["candidate"]["wecom_userid"] == "zhangsan" and "外汇" in hit["matched"]
    nul = api("POST", "/candidates", api.full, json={"name": "李四", "phone": "13800000000", "resume": "a\u0000b"})
    assert nul.status_code == 422
