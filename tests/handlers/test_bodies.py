"""Bodies sent without a Content-Length (Transfer-Encoding: chunked) over real HTTP: every route that reads a body
refuses one over its bound with 413, instead of reading it cut short at the bound (a 3 MiB recording chunk stored
as its first 2 MiB, an honest client's checksum refused as bad_checksum and retried for ever)."""
from __future__ import annotations

import hashlib
import http.client
import json
from urllib.parse import urlparse

import pytest

from tests.support.h5 import consent, reveal

MIB = 1024 * 1024
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # Redis and HTTP: one database is enough


def chunked(base: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    """Send body in 64 KiB chunks with Transfer-Encoding: chunked (no Content-Length); return (status, JSON)."""
    url = urlparse(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    pieces = (body[i:i + 64 * 1024] for i in range(0, len(body), 64 * 1024))
    connection.request(method, path, body=pieces, headers={**headers, "Transfer-Encoding": "chunked"},
                       encode_chunked=True)
    response = connection.getresponse()
    status, raw = response.status, response.read()
    connection.close()
    try:
        answer = json.loads(raw)
    except ValueError:
        return status, {"page": raw.decode("utf-8", "replace")}
    return status, {**answer, **answer["error"]} if isinstance(answer.get("error"), dict) else answer  # the API's


def opened_upload(client, base) -> str:
    consent(client, base)
    question = client.get(f"{base}/state").json["questions"][0]["key"]
    reveal(client, base, question)
    opened = client.post(f"{base}/uploads", json={"question": question, "mode": "audio", "mime": "audio/webm"})
    assert opened.status_code == 200, opened.json
    return opened.json["upload_id"]


def test_an_oversized_chunk_without_a_length_is_refused_not_cut_short(stack, candidate_api, clips):
    from bot.store.models import Upload

    client, base = candidate_api
    upload_id = opened_upload(client, base)
    body = clips["audio"] + b"\x00" * (3 * MIB - len(clips["audio"]))  # starts like WebM, 3 MiB in all
    path = f"{base}/uploads/{upload_id}/chunks/0"
    # the attacker's checksum covers the first 2 MiB (what a cut-short read would see), the honest one all of it
    for checksum in (hashlib.sha256(body[:2 * MIB]).hexdigest(), hashlib.sha256(body).hexdigest()):
        status, answer = chunked(stack.base, "PUT", path, body, {"X-Chunk-SHA256": checksum})
        assert (status, answer.get("code")) == (413, "chunk_too_large"), answer
    assert Upload.get_by_id(upload_id).next_seq == 0
    assert client.get(f"{base}/state").status_code == 200
    # a chunk within the bound, sent the same way, is stored whole
    good = clips["audio"]
    status, answer = chunked(stack.base, "PUT", path, good, {"X-Chunk-SHA256": hashlib.sha256(good).hexdigest()})
    assert status == 200 and answer["next_seq"] == 1, answer


def test_json_bodies_without_a_length_are_bounded_on_the_page_api(stack, candidate_api):
    client, base = candidate_api
    padded = json.dumps({"recording": True, "face": False, "version": "consent-v1", "pad": "x" * (300 * 1024)})
    status, answer = chunked(stack.base, "POST", f"{base}/consent", padded.encode(),
                             {"Content-Type": "application/json"})
    assert (status, answer.get("code")) == (413, "too_large"), answer
    small = json.dumps({"recording": True, "face": False, "version": "consent-v1"}).encode()
    status, answer = chunked(stack.base, "POST", f"{base}/consent", small, {"Content-Type": "application/json"})
    assert status == 200 and answer["consent"]["given"], answer


def test_the_open_api_refuses_a_long_body_without_a_length(stack):
    from bot.integrations.tokens import create_token
    from bot.store.models import Candidate

    token = create_token("hr_li", "full")[1]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    body = json.dumps({"name": "张三丰", "email": "zsf@example.com", "resume": "x" * (2 * MIB)}).encode()
    status, answer = chunked(stack.base, "POST", "/api/v1/candidates", body, headers)
    assert (status, answer.get("code")) == (413, "too_large"), answer
    assert Candidate.select().where(Candidate.lookup("name", "张三丰")).count() == 0


def test_the_wecom_callback_refuses_a_long_body_without_a_length(stack):
    from bot.sandbox import protocol

    settings = stack.settings
    xml = protocol.text_message_xml(settings.wecom_corp_id, "zhangsan", "你好", 1, settings.wecom_agent_id)
    params, body = protocol.encrypt_callback(settings.wecom_token, settings.wecom_aes_key, settings.wecom_corp_id,
                                             xml, agent_id=settings.wecom_agent_id)
    padded = body[:-6] + b" " * (100 * 1024) + body[-6:]  # a valid envelope, only too large
    query = "&".join(f"{k}={v}" for k, v in params.items())
    status, answer = chunked(stack.base, "POST", f"/wecom/callback?{query}", padded, {"Content-Type": "text/xml"})
    assert status == 413, answer
    status, answer = chunked(stack.base, "POST", f"/wecom/callback?{query}", body, {"Content-Type": "text/xml"})
    assert status == 200, answer


def test_an_hr_form_without_a_length_is_bounded(stack):
    body = b"csrf=x&text=" + b"x" * (2 * MIB)
    status, answer = chunked(stack.base, "POST", "/hr/logout", body,
                             {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413, answer
