"""The WeCom callback, driven with payloads encrypted exactly as WeCom encrypts them."""
from __future__ import annotations

import itertools
import time

import pytest

from bot.sandbox import protocol
from tests.conftest import dispatch_taken

pytestmark = pytest.mark.sqlite_only  # the callback's crypto and XML (other modules cover PostgreSQL)

_ids = itertools.count(int(time.time() * 1000))




def signed(env, xml: str, **kwargs) -> tuple[dict, bytes]:
    return protocol.encrypt_callback(env.wecom_token, env.wecom_aes_key, env.wecom_corp_id, xml,
                                     agent_id=env.wecom_agent_id, **kwargs)


def text_xml(env, user: str, content: str, msg_id: int | None = None) -> str:
    return protocol.text_message_xml(env.wecom_corp_id, user, content, msg_id or next(_ids), env.wecom_agent_id)


def post(client, params: dict, body: bytes):
    return client.post("/wecom/callback", query_string=params, data=body, content_type="text/xml")


def taken() -> int:
    """How many messages the callback took into the stream (not yet dispatched)."""
    from bot.store.kv import get_redis
    from bot.wecom.intake import STREAM

    return get_redis().xlen(STREAM)


def queued(env=None) -> dict[str, int]:
    """Dispatch what was taken (when env is given), then count the RQ jobs waiting per queue."""
    from bot.queues import ALL_QUEUES, get_queue

    if env is not None:
        dispatch_taken(env)
    return {name: len(get_queue(name)) for name in ALL_QUEUES}


def outbound_count() -> int:
    from bot.store.models import OutboundMessage

    return OutboundMessage.select().count()


# --- URL verification ---------------------------------------------------------------------------

def test_url_verification_answers_plain_echostr(env, client):
    params = protocol.url_verification_params(env.wecom_token, env.wecom_aes_key, env.wecom_corp_id, "echo-8472")
    response = client.get("/wecom/callback", query_string=params)
    assert response.status_code == 200
    assert response.data == b"echo-8472"  # no quotes, BOM or newline
    assert response.mimetype == "text/plain"


def test_url_verification_with_wrong_signature_is_403(env, client):
    params = protocol.url_verification_params(env.wecom_token, env.wecom_aes_key, env.wecom_corp_id, "x")
    params["msg_signature"] = "0" * 40
    assert client.get("/wecom/callback", query_string=params).status_code == 403


def test_url_verification_missing_params_is_400(client):
    response = client.get("/wecom/callback", query_string={"timestamp": "1"})
    assert response.status_code == 400
    assert "missing" in response.json["error"]


# --- messages and events --------------------------------------------------------------------------

def test_text_command_is_enqueued_and_answered_fast(env, client):
    params, body = signed(env, text_xml(env, "hr_li", "/invite 柜员 zhangsan"))
    response = post(client, params, body)
    assert response.status_code == 200 and response.data == b""
    assert taken() == 1 and sum(queued().values()) == 0  # nothing runs inside the request
    assert queued(env)["commands"] == 1
    assert outbound_count() == 0


def test_forged_signature_is_403_with_no_side_effect(env, client):
    from bot.store.kv import get_redis

    params, body = signed(env, text_xml(env, "hr_li", "/invite 柜员 zhangsan"))
    params["msg_signature"] = params["msg_signature"][::-1]
    response = post(client, params, body)
    assert response.status_code == 403
    assert taken() == 0 and sum(queued(env).values()) == 0
    assert outbound_count() == 0
    assert not list(get_redis().scan_iter("wecom:seen:*"))


def test_message_signed_with_another_token_is_403(env, client):
    params, body = protocol.encrypt_callback("WrongToken123", env.wecom_aes_key, env.wecom_corp_id,
                                             text_xml(env, "hr_li", "/help"))
    assert post(client, params, body).status_code == 403


def test_stale_timestamp_is_refused(env, client):
    params, body = signed(env, text_xml(env, "hr_li", "/help"), timestamp=int(time.time()) - 3600)
    response = post(client, params, body)
    assert response.status_code == 403
    assert "stale" in response.json["error"]
    assert taken() == 0


def test_same_msgid_three_times_is_taken_once(env, client):
    xml = text_xml(env, "hr_li", "/invite 柜员 zhangsan", msg_id=777001)
    for _ in range(3):  # WeCom's retries re-encrypt with a new nonce and timestamp
        params, body = signed(env, xml)
        assert post(client, params, body).status_code == 200
    assert taken() == 1
    assert queued(env)["commands"] == 1


@pytest.mark.parametrize("body", [
    b"",
    b"not xml at all",
    b"<xml><Encrypt>unclosed",
    b"<notxml><Encrypt>abc</Encrypt></notxml>",
    b"<xml><ToUserName>x</ToUserName></xml>",
    # XXE: an external entity reading a local file
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>',
    # billion laughs: nested entity expansion
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><xml><Encrypt>&c;</Encrypt></xml>',
])
def test_malformed_body_is_400_and_server_keeps_serving(env, client, body):
    params, _ = signed(env, text_xml(env, "hr_li", "/help"))
    response = post(client, params, body)
    assert response.status_code == 400
    assert "error" in response.json
    params, good = signed(env, text_xml(env, "hr_li", "/help"))
    assert post(client, params, good).status_code == 200


def test_signed_garbage_ciphertext_is_400(env, client):
    from wechatpy.crypto import _get_signature

    params, _ = signed(env, "<xml/>")
    garbage = "bm90IGEgY2lwaGVydGV4dA=="
    params["msg_signature"] = _get_signature(env.wecom_token, params["timestamp"], params["nonce"], garbage)
    body = f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>".encode()
    assert post(client, params, body).status_code == 400


def test_xxe_inside_the_encrypted_payload_is_400(env, client):
    inner = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><MsgType>text</MsgType>' \
            "<FromUserName>hr_li</FromUserName><Content>&e;</Content><MsgId>1</MsgId></xml>"
    params, body = signed(env, inner)
    assert post(client, params, body).status_code == 400
    assert taken() == 0


def test_oversized_body_is_413(env, client):
    params, _ = signed(env, text_xml(env, "hr_li", "/help"))
    assert post(client, params, b"<xml>" + b"a" * 70_000 + b"</xml>").status_code == 413


def test_unknown_event_goes_to_fallback(env, client):
    xml = protocol.event_xml(env.wecom_corp_id, "zhangsan", "some_future_event", env.wecom_agent_id)
    params, body = signed(env, xml)
    assert post(client, params, body).status_code == 200
    assert taken() == 1 and sum(queued(env).values()) == 0


def test_card_click_is_enqueued(env, client):
    xml = protocol.card_event_xml(env.wecom_corp_id, "zhangsan", "decline:1", "inv-abc", "rc-1", env.wecom_agent_id)
    params, body = signed(env, xml)
    assert post(client, params, body).status_code == 200
    assert queued(env)["commands"] == 1


def test_card_click_with_a_key_we_never_issued_is_dropped(env, client):
    xml = protocol.card_event_xml(env.wecom_corp_id, "zhangsan", "'; drop table", "t", "rc", env.wecom_agent_id)
    params, body = signed(env, xml)
    assert post(client, params, body).status_code == 200
    assert sum(queued(env).values()) == 0


def test_kf_and_external_contact_events_are_enqueued(env, client):
    kf = protocol.event_xml(env.wecom_corp_id, None, "kf_msg_or_event", None,
                            extra={"Token": "tok-1", "OpenKfId": "wkAAA"})
    contact = protocol.event_xml(env.wecom_corp_id, "sys", "change_external_contact", env.wecom_agent_id, extra={
        "ChangeType": "add_external_contact", "UserID": "hr_li", "ExternalUserID": "wmXYZ", "State": "inv.1",
        "WelcomeCode": "wc-1"})
    for xml in (kf, contact):
        params, body = signed(env, xml)
        assert post(client, params, body).status_code == 200
    assert queued(env)["commands"] == 2


def test_redis_down_answers_503_so_wecom_retries(env, client):
    import redis

    from bot.wecom.intake import Intake

    client.application.extensions["wecom_intake"] = Intake(redis.Redis(host="127.0.0.1", port=1))
    params, body = signed(env, text_xml(env, "hr_li", "/help"))
    response = post(client, params, body)
    assert response.status_code == 503 and "retry" in response.json["error"]


def test_oversized_body_without_a_length_is_413(env, client):
    import io

    params, _ = signed(env, text_xml(env, "hr_li", "/help"))
    response = client.post("/wecom/callback", query_string=params, input_stream=io.BytesIO(b"a" * 100_000),
                           content_type="text/xml", environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
