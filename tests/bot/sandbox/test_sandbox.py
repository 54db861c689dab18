"""Tests of the WeCom sandbox itself: the fake API, the protocol helpers and the console's callbacks."""
from __future__ import annotations

import io
import threading
import time
import xml.etree.ElementTree as ET

import pytest
import requests
from flask import Flask, request
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.work.crypto import WeChatCrypto
from werkzeug.serving import make_server

from bot.sandbox import customers, protocol
from bot.sandbox.__main__ import main as sandbox_main
from bot.sandbox.app import create_sandbox_app, serve_in_thread
from bot.sandbox.delivery import post_callback
from config.settings import load


@pytest.fixture
def settings(tmp_path):
    return load({"DATA_DIR": str(tmp_path)}, dotenv=None)


@pytest.fixture
def app(settings):
    return create_sandbox_app(settings, callback_url="http://127.0.0.1:9/wecom/callback")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def state(app):
    return app.extensions["sandbox"]


@pytest.fixture
def token(client, settings):
    answer = client.get("/cgi-bin/gettoken", query_string={"corpid": settings.wecom_corp_id,
                                                           "corpsecret": settings.wecom_secret}).get_json()
    return answer["access_token"]


@pytest.fixture
def call(client, token):
    def post(path, body, access_token=None):
        response = client.post(f"/cgi-bin/{path}", query_string={"access_token": access_token or token}, json=body)
        return response.get_json()
    return post


def text(settings, content="你好", touser="zhangsan", **extra):
    return {"touser": touser, "agentid": settings.wecom_agent_id, "msgtype": "text",
            "text": {"content": content}, **extra}


def button_card(settings, task_id="task_1", buttons=2, touser="hr_li", **card_extra):
    card = {"card_type": "button_interaction", "task_id": task_id,
            "main_title": {"title": "候选人 张三", "desc": "柜员岗"},
            "horizontal_content_list": [{"keyname": "总分", "value": "82"}],
            "jump_list": [{"type": 1, "title": "查看报告", "url": "http://127.0.0.1:8000/r/1"}],
            "button_list": [{"text": f"按钮{i}", "style": 1, "key": f"k{i}"} for i in range(buttons)],
            **card_extra}
    return {"touser": touser, "agentid": settings.wecom_agent_id, "msgtype": "template_card", "template_card": card}


def received(client, user):
    return client.get("/sandbox/api/messages", query_string={"touser": user}).get_json()["messages"]


# -- tokens ---------------------------------------------------------------------------------------------
def test_gettoken_good_and_bad(client, settings):
    good = {"corpid": settings.wecom_corp_id, "corpsecret": settings.wecom_secret}
    first = client.get("/cgi-bin/gettoken", query_string=good).get_json()
    assert first["errcode"] == 0 and first["errmsg"] == "ok" and first["expires_in"] == 7200
    assert client.get("/cgi-bin/gettoken", query_string=good).get_json()["access_token"] == first["access_token"]
    bad_secret = client.get("/cgi-bin/gettoken", query_string={**good, "corpsecret": "nope"}).get_json()
    assert bad_secret["errcode"] == 40001 and "access_token" not in bad_secret
    assert client.get("/cgi-bin/gettoken", query_string={**good, "corpid": "wwother"}).get_json()["errcode"] == 40013
    assert client.get("/cgi-bin/gettoken").get_json()["errcode"] == 41002


def test_access_token_missing_unknown_expired(client, call, settings):
    assert client.post("/cgi-bin/message/send", json=text(settings)).get_json()["errcode"] == 41001
    assert client.post("/cgi-bin/message/send?access_token=x", json=text(settings)).get_json()["errcode"] == 40014
    assert client.post("/sandbox/api/expire_tokens").get_json()["expired"] == 1
    assert call("message/send", text(settings))["errcode"] == 42001
    fresh = client.get("/cgi-bin/gettoken", query_string={"corpid": settings.wecom_corp_id,
                                                          "corpsecret": settings.wecom_secret}).get_json()
    answer = client.post("/cgi-bin/message/send", query_string={"access_token": fresh["access_token"]},
                         json=text(settings)).get_json()
    assert answer["errcode"] == 0


def test_call_log_has_no_secrets(client, call, settings, token):
    call("message/send", text(settings))
    log = client.get("/sandbox/api/calls").get_data(as_text=True)
    assert settings.wecom_secret not in log and token not in log
    assert '"message/send"' in log


# -- message/send -----------------------------------------------------------------------------------------
def test_send_text_is_delivered(client, call, settings):
    answer = call("message/send", text(settings, touser="zhangsan|bad id!"))
    assert answer["errcode"] == 0 and answer["invaliduser"] == "bad id!" and answer["msgid"]
    assert "response_code" not in answer
    [message] = received(client, "zhangsan")
    assert message["msgid"] == answer["msgid"] and message["payload"]["text"]["content"] == "你好"


@pytest.mark.parametrize("body, errcode", [
    ({"msgtype": "voice_memo"}, 40008),
    ({"text": {"content": "好" * 683}}, 45002),  # 2049 bytes
    ({"text": {"content": ""}}, 44004),
    ({"agentid": 1}, 40056),
    ({"agentid": None}, 41011),
    ({"touser": "", "toparty": "", "totag": ""}, 82001),
    ({"touser": "|".join(f"u{i}" for i in range(1001))}, 40032),
    ({"touser": "not valid!"}, 81013),
    ({"msgtype": "textcard", "textcard": {"title": "t" * 129, "description": "d", "url": "http://x"}}, 45002),
    ({"msgtype": "textcard",
      "textcard": {"title": "t", "description": "d", "url": "http://x", "btntxt": "五个汉字啊"}}, 45002),
    ({"msgtype": "textcard", "textcard": {"title": "t", "description": "d"}}, 41010),
    ({"msgtype": "markdown", "markdown": {"content": "x" * 2049}}, 45002),
    ({"msgtype": "image", "image": {"media_id": "nope"}}, 40007),
])
def test_send_rejects(call, settings, body, errcode):
    assert call("message/send", {**text(settings), **body})["errcode"] == errcode


def test_text_of_exactly_2048_bytes_is_fine(call, settings):
    assert call("message/send", text(settings, content="好" * 682 + "ab"))["errcode"] == 0


@pytest.mark.parametrize("change, errcode", [
    ({"card_type": "poster"}, 40058),
    ({"button_list": [{"text": f"b{i}", "key": f"k{i}"} for i in range(7)]}, 40058),
    ({"button_list": []}, 40058),
    ({"task_id": None}, 42014),
    ({"task_id": "has space"}, 42014),
    ({"task_id": "t" * 129}, 42014),
    ({"button_list": [{"text": "b", "key": "k" * 1025}]}, 42018),
    ({"button_list": [{"text": "b"}]}, 42019),
    ({"button_list": [{"key": "k"}]}, 42020),
    ({"jump_list": [{"title": f"j{i}", "type": 1, "url": "http://x"} for i in range(4)]}, 40058),
    ({"horizontal_content_list": [{"keyname": f"k{i}"} for i in range(7)]}, 40058),
    ({"main_title": None, "sub_title_text": None}, 40058),
])
def test_bad_template_cards(call, settings, change, errcode):
    body = button_card(settings)
    body["template_card"].update(change)
    assert call("message/send", body)["errcode"] == errcode


def test_text_notice_needs_card_action(call, settings):
    card = {"card_type": "text_notice", "main_title": {"title": "面试邀请"}}
    body = {"touser": "zhangsan", "agentid": settings.wecom_agent_id, "msgtype": "template_card", "template_card": card}
    assert call("message/send", body)["errcode"] == 40058
    card["card_action"] = {"type": 1, "url": "http://127.0.0.1:8000/i/abc"}
    answer = call("message/send", body)
    assert answer["errcode"] == 0 and "response_code" not in answer


def test_task_id_is_unique_per_app(call, settings):
    first = call("message/send", button_card(settings, task_id="t-1"))
    assert first["errcode"] == 0 and first["response_code"]
    assert call("message/send", button_card(settings, task_id="t-1", touser="hr_wang"))["errcode"] == 40058


def test_duplicate_check(client, call, settings, state):
    body = text(settings, enable_duplicate_check=1)
    first, second = call("message/send", body), call("message/send", body)
    assert first["errcode"] == second["errcode"] == 0 and second["msgid"] == first["msgid"]
    assert len(received(client, "zhangsan")) == 1
    call("message/send", text(settings))  # without the flag WeCom delivers again
    assert len(received(client, "zhangsan")) == 2
    state.advance(1801)
    call("message/send", body)
    assert len(received(client, "zhangsan")) == 3


# -- cards --------------------------------------------------------------------------------------------------
def test_response_code_is_single_use(client, call, settings, state):
    sent = call("message/send", button_card(settings))
    update = {"userids": ["hr_li"], "agentid": settings.wecom_agent_id, "response_code": sent["response_code"],
              "button": {"replace_name": "已通过"}}
    assert call("message/update_template_card", update) == {"errcode": 0, "errmsg": "ok", "invaliduser": []}
    [card] = received(client, "hr_li")
    assert card["card_disabled"] and card["card_update"]["replace_name"] == "已通过"
    assert call("message/update_template_card", update)["errcode"] == 42022
    assert call("message/update_template_card", {**update, "response_code": "made-up"})["errcode"] == 40058
    later = call("message/send", button_card(settings, task_id="task_2"))
    state.advance(72 * 3600 + 1)
    fresh, _ = state.issue_token(settings.wecom_corp_id, settings.wecom_secret)  # the old token expired too
    expired = call("message/update_template_card", {**update, "response_code": later["response_code"]}, fresh)
    assert expired["errcode"] == 40058


def test_update_to_a_new_card(client, call, settings):
    sent = call("message/send", button_card(settings))
    new_card = button_card(settings, buttons=1)["template_card"]
    new_card["main_title"]["title"] = "已处理"
    answer = call("message/update_template_card", {"userids": ["hr_li", "stranger"], "agentid": settings.wecom_agent_id,
                                                   "response_code": sent["response_code"], "template_card": new_card})
    assert answer["errcode"] == 0 and answer["invaliduser"] == ["stranger"]
    [card] = received(client, "hr_li")
    assert card["card"]["main_title"]["title"] == "已处理" and not card["card_disabled"]


# -- faults and limits ---------------------------------------------------------------------------------------
def test_fault_errcode_then_ok(client, call, settings):
    client.post("/sandbox/api/faults", json={"path": "message/send", "errcode": -1, "times": 2})
    assert call("message/send", text(settings)) == {"errcode": -1, "errmsg": "system busy"}
    assert call("message/send", text(settings))["errcode"] == -1
    assert call("message/send", text(settings))["errcode"] == 0
    log = client.get("/sandbox/api/calls", query_string={"path": "message/send"}).get_json()["calls"]
    assert [c["fault"] for c in log] == [True, True, False]


def test_fault_http_500(client, token, settings):
    client.post("/sandbox/api/faults", json={"path": "message/send", "status": 500, "times": 1})
    url = f"/cgi-bin/message/send?access_token={token}"
    assert client.post(url, json=text(settings)).status_code == 500
    assert client.post(url, json=text(settings)).get_json()["errcode"] == 0


def test_bad_json_and_unknown_path(client, token):
    bad = client.post(f"/cgi-bin/message/send?access_token={token}", data="{not json", content_type="application/json")
    assert bad.status_code == 200 and bad.get_json()["errcode"] == 47001
    assert client.post(f"/cgi-bin/agent/get?access_token={token}", json={}).status_code == 404


def test_member_limit_drops_the_31st_message(client, call, settings, state):
    for i in range(31):
        assert call("message/send", text(settings, content=f"第{i}条", touser="lisi"))["errcode"] == 0
    stats = client.get("/sandbox/api/stats").get_json()
    assert stats["dropped"] == 1 and stats["members"]["lisi"]["last_minute"] == 30
    assert len(received(client, "lisi")) == 30
    state.advance(61)
    call("message/send", text(settings, touser="lisi"))
    assert len(received(client, "lisi")) == 31 and client.get("/sandbox/api/stats").get_json()["dropped"] == 1


# -- kf, external contact, OAuth --------------------------------------------------------------------------------
def test_kf_window_of_48_hours_and_5_messages(call, state, settings):
    customer = customers.ensure_customer(state, "王五")
    kfid = customers.default_open_kfid(state)
    body = {"touser": customer["external_userid"], "open_kfid": kfid, "msgtype": "text", "text": {"content": "您好"}}
    assert call("kf/send_msg", body)["errcode"] == 95002  # never wrote
    customers.kf_customer_text(state, customer, kfid, "我想面试")
    for _ in range(5):
        assert call("kf/send_msg", body)["errcode"] == 0
    assert call("kf/send_msg", body)["errcode"] == 95001
    customers.kf_customer_text(state, customer, kfid, "还在吗")
    assert call("kf/send_msg", body)["errcode"] == 0
    state.advance(48 * 3600 + 1)
    fresh, _ = state.issue_token(state.corp_id, settings.wecom_secret)
    assert call("kf/send_msg", body, fresh)["errcode"] == 95002
    assert call("kf/send_msg", {**body, "touser": "wmnobody"}, fresh)["errcode"] == 40096


def test_kf_enter_sync_and_welcome_code(call, state):
    customer = customers.ensure_customer(state, "王五")
    kfid = customers.default_open_kfid(state)
    sync_token = customers.kf_enter(state, customer, kfid, scene="s1", scene_param="inv_42")
    synced = call("kf/sync_msg", {"token": sync_token, "limit": 1000})
    [event] = synced["msg_list"]
    assert event["origin"] == 4 and event["event"]["scene_param"] == "inv_42"
    assert call("kf/sync_msg", {"cursor": synced["next_cursor"]})["msg_list"] == []
    assert call("kf/sync_msg", {"token": "bogus"})["errcode"] == 95007
    welcome = {"code": event["event"]["welcome_code"], "msgtype": "text", "text": {"content": "欢迎"}}
    assert call("kf/send_msg_on_event", welcome)["errcode"] == 0
    assert call("kf/send_msg_on_event", welcome)["errcode"] == 40058
    customers.kf_enter(state, customer, kfid)
    late = call("kf/sync_msg", {"cursor": synced["next_cursor"]})["msg_list"][0]["event"]["welcome_code"]
    state.advance(21)
    assert call("kf/send_msg_on_event", {**welcome, "code": late})["errcode"] == 40058


def test_welcome_code_single_use(client, call, state, token):
    way = call("externalcontact/add_contact_way", {"type": 1, "scene": 2, "state": "inv_7", "user": ["hr_li"]})
    assert way["errcode"] == 0 and way["qr_code"].endswith(way["config_id"])
    customer = customers.ensure_customer(state, "王五")
    code = customers.add_contact(state, customer, "", config_id=way["config_id"])
    link = {"msgtype": "link", "link": {"title": "开始面试", "url": "http://127.0.0.1:8000/i/x"}}
    too_many = {"welcome_code": code, "attachments": [link] * 10}
    assert call("externalcontact/send_welcome_msg", too_many)["errcode"] == 40058
    body = {"welcome_code": code, "text": {"content": "你好"}, "attachments": [link]}
    assert call("externalcontact/send_welcome_msg", body)["errcode"] == 0
    assert call("externalcontact/send_welcome_msg", body)["errcode"] == 41050
    found = client.get("/cgi-bin/externalcontact/get", query_string={
        "access_token": token, "external_userid": customer["external_userid"]}).get_json()
    assert found["follow_user"][0]["state"] == "inv_7" and found["follow_user"][0]["userid"] == "hr_li"


def test_oauth_codes(client, state, token):
    code = client.post("/sandbox/api/oauth_code", json={"userid": "hr_li"}).get_json()["code"]
    info = client.get("/cgi-bin/auth/getuserinfo", query_string={"access_token": token, "code": code}).get_json()
    assert info["userid"] == "hr_li"
    again = client.get("/cgi-bin/auth/getuserinfo", query_string={"access_token": token, "code": code}).get_json()
    assert again["errcode"] == 40029
    customer = customers.ensure_customer(state, "王五")
    code = client.post("/sandbox/api/oauth_code", json={"userid": customer["external_userid"]}).get_json()["code"]
    info = client.get("/cgi-bin/auth/getuserinfo", query_string={"access_token": token, "code": code}).get_json()
    assert info["openid"] and "userid" not in info


def test_oauth_page_redirects_with_code(client, settings):
    page = client.get("/connect/oauth2/authorize", query_string={
        "appid": settings.wecom_corp_id, "redirect_uri": "http://127.0.0.1:8000/hr", "state": "s1",
        "sandbox_user": "hr_li"})
    assert page.status_code == 302 and page.location.startswith("http://127.0.0.1:8000/hr?code=")
    assert "state=s1" in page.location


# -- media ----------------------------------------------------------------------------------------------------
def test_media_round_trip_and_limits(client, token):
    def upload(kind, data, name="a.bin"):
        return client.post("/cgi-bin/media/upload", query_string={"access_token": token, "type": kind},
                           data={"media": (io.BytesIO(data), name)}).get_json()
    payload = b"%PDF-1.4 report " * 100
    up = upload("file", payload, "报告.pdf")
    assert up["errcode"] == 0 and up["type"] == "file"
    got = client.get("/cgi-bin/media/get", query_string={"access_token": token, "media_id": up["media_id"]})
    assert got.data == payload and "attachment" in got.headers["Content-Disposition"]
    assert upload("image", b"not an image at all")["errcode"] == 40004
    assert upload("voice", b"#!AMR" + b"\0" * (2 << 20))["errcode"] == 40006
    assert upload("file", b"")["errcode"] == 44001
    assert upload("sticker", payload)["errcode"] == 40005
    missing = client.get("/cgi-bin/media/get", query_string={"access_token": token, "media_id": "nope"}).get_json()
    assert missing["errcode"] == 40007


# -- protocol -----------------------------------------------------------------------------------------------------
def test_encrypt_callback_round_trip(settings):
    xml = protocol.text_message_xml(settings.wecom_corp_id, "zhangsan", "a]]>b <x>", 123456789, settings.wecom_agent_id)
    params, body = protocol.encrypt_callback(settings.wecom_token, settings.wecom_aes_key, settings.wecom_corp_id,
                                             xml, agent_id=settings.wecom_agent_id)
    crypto = WeChatCrypto(settings.wecom_token, settings.wecom_aes_key, settings.wecom_corp_id)
    plain = crypto.decrypt_message(body, params["msg_signature"], params["timestamp"], params["nonce"])
    assert plain == xml and ET.fromstring(plain).findtext("Content") == "a]]>b <x>"
    outer = ET.fromstring(body)
    assert outer.findtext("ToUserName") == settings.wecom_corp_id
    assert outer.findtext("AgentID") == str(settings.wecom_agent_id)
    with pytest.raises(InvalidSignatureException):
        crypto.decrypt_message(body, "0" * 40, params["timestamp"], params["nonce"])


def test_url_verification_and_event_builders(settings):
    token, key, corp = settings.wecom_token, settings.wecom_aes_key, settings.wecom_corp_id
    check = protocol.url_verification_params(token, key, corp, "echo")
    signed = (check["msg_signature"], check["timestamp"], check["nonce"], check["echostr"])
    assert WeChatCrypto(token, key, corp).check_signature(*signed) == "echo"
    kf = ET.fromstring(protocol.event_xml("ww1", None, "kf_msg_or_event", None, {"Token": "t", "OpenKfId": "wk1"}))
    assert kf.find("FromUserName") is None and kf.find("AgentID") is None and kf.findtext("OpenKfId") == "wk1"
    card = ET.fromstring(protocol.card_event_xml("ww1", "hr_li", "pass", "t1", "rc", 1000002, create_time=5))
    fields = ("Event", "EventKey", "TaskId", "CardType", "ResponseCode", "AgentID", "CreateTime")
    assert [card.findtext(k) for k in fields] == \
        ["template_card_event", "pass", "t1", "button_interaction", "rc", "1000002", "5"]


# -- the console talking to a bot -------------------------------------------------------------------------------------
@pytest.fixture
def receiver(settings):
    """A stand-in bot: checks the signature, decrypts, records, and answers as told."""
    crypto = WeChatCrypto(settings.wecom_token, settings.wecom_aes_key, settings.wecom_corp_id)
    bot = Flask("receiver")
    got: dict = {"messages": [], "status": 200, "hits": 0}

    @bot.route("/wecom/callback", methods=["GET", "POST"])
    def callback():
        args = request.args
        if request.method == "GET":
            return crypto.check_signature(args["msg_signature"], args["timestamp"], args["nonce"], args["echostr"])
        got["hits"] += 1
        plain = crypto.decrypt_message(request.get_data(), args["msg_signature"], args["timestamp"], args["nonce"])
        got["messages"].append(ET.fromstring(plain))
        return "", got["status"]

    server = make_server("127.0.0.1", 0, bot, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    got["url"] = f"http://127.0.0.1:{server.server_port}/wecom/callback"
    yield got
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def wired(settings, receiver):
    app = create_sandbox_app(settings, callback_url=receiver["url"])
    return app.test_client(), app.extensions["sandbox"]


def test_say_posts_a_signed_encrypted_message(wired, receiver, settings):
    client, _ = wired
    answer = client.post("/sandbox/api/say", json={"from": "zhangsan", "text": "报名柜员"}).get_json()
    assert answer["ok"] and answer["delivery"]["status"] == 200
    [msg] = receiver["messages"]
    assert msg.findtext("MsgType") == "text" and msg.findtext("Content") == "报名柜员"
    assert msg.findtext("FromUserName") == "zhangsan" and msg.findtext("MsgId") == answer["msgid"]
    assert msg.findtext("AgentID") == str(settings.wecom_agent_id)
    receiver["status"] = 500
    failed = client.post("/sandbox/api/say", json={"from": "zhangsan", "text": "再来"}).get_json()
    assert not failed["ok"] and [a["status"] for a in failed["delivery"]["attempts"]] == [500, 500, 500]
    assert receiver["hits"] == 4 and len({m.findtext("MsgId") for m in receiver["messages"][1:]}) == 1


def test_click_sends_card_event_whose_code_updates_the_card(wired, receiver, settings):
    client, state = wired
    token, _ = state.issue_token(settings.wecom_corp_id, settings.wecom_secret)
    sent = client.post(f"/cgi-bin/message/send?access_token={token}", json=button_card(settings)).get_json()
    clicked = client.post("/sandbox/api/click", json={"user": "hr_li", "msgid": sent["msgid"], "key": "k1"}).get_json()
    assert clicked["ok"]
    [event] = receiver["messages"]
    assert event.findtext("Event") == "template_card_event" and event.findtext("EventKey") == "k1"
    assert event.findtext("TaskId") == "task_1" and event.findtext("ResponseCode") == clicked["response_code"]
    update = {"userids": ["hr_li"], "agentid": settings.wecom_agent_id,
              "response_code": event.findtext("ResponseCode"), "button": {"replace_name": "已处理"}}
    updated = client.post(f"/cgi-bin/message/update_template_card?access_token={token}", json=update).get_json()
    assert updated["errcode"] == 0
    again = client.post("/sandbox/api/click", json={"user": "hr_li", "msgid": sent["msgid"], "key": "k1"})
    assert again.status_code == 400


def test_kf_and_contact_events_reach_the_bot(wired, receiver):
    client, _ = wired
    entered = client.post("/sandbox/api/kf/enter", json={"name": "王五", "scene_param": "inv_1"}).get_json()
    assert entered["ok"]
    kf = receiver["messages"][-1]
    assert kf.findtext("Event") == "kf_msg_or_event" and kf.findtext("OpenKfId") == entered["open_kfid"]
    said = client.post("/sandbox/api/say", json={"from": entered["external_userid"], "text": "在吗"}).get_json()
    assert said["ok"] and receiver["messages"][-1].findtext("Token")
    contact = {"name": "王五", "userid": "hr_li", "state": "inv_1"}
    added = client.post("/sandbox/api/contact/add", json=contact).get_json()
    event = receiver["messages"][-1]
    assert added["external_userid"] == entered["external_userid"]
    assert [event.findtext(k) for k in ("Event", "ChangeType", "UserID", "State")] == \
        ["change_external_contact", "add_external_contact", "hr_li", "inv_1"]
    assert event.findtext("WelcomeCode")


def test_verify_url_and_retry_on_timeout(wired, receiver):
    client, _ = wired
    assert client.post("/sandbox/api/verify_url").get_json()["ok"]
    slow = Flask("slow")
    slow.add_url_rule("/cb", "cb", lambda: (time.sleep(0.5), "")[1], methods=["POST"])
    server = make_server("127.0.0.1", 0, slow, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = post_callback(f"http://127.0.0.1:{server.server_port}/cb", {}, b"<xml/>", timeout=0.2)
    finally:
        server.shutdown()
    assert not result["ok"] and [a["error"] for a in result["attempts"]] == ["timeout"] * 3


# -- page and entry point ---------------------------------------------------------------------------------------
def test_console_page_and_assets(client):
    page = client.get("/console")
    assert page.status_code == 200 and "企业微信沙箱" in page.get_data(as_text=True)
    assert client.get("/sandbox/static/console.js").status_code == 200
    users = client.get("/sandbox/api/users").get_json()["users"]
    assert {"hr_li", "zhangsan", "lisi"} <= {u["id"] for u in users}


def test_main_refuses_outside_sandbox_mode(monkeypatch, tmp_path, capsys):
    real = load({"DATA_DIR": str(tmp_path), "WECOM_CORP_ID": "wwreal", "WECOM_AGENT_ID": "1000002",
                 "WECOM_SECRET": "s", "WECOM_TOKEN": "t", "WECOM_AES_KEY": "a" * 43}, dotenv=None)
    monkeypatch.setattr("bot.sandbox.__main__.get_settings", lambda: real)
    assert sandbox_main() == 2
    assert "WECOM_CORP_ID" in capsys.readouterr().err


def test_kf_link_page_enters_a_session(wired, receiver, settings):
    client, state = wired
    fresh, _ = state.issue_token(settings.wecom_corp_id, settings.wecom_secret)
    kfid = customers.default_open_kfid(state)
    way = {"open_kfid": kfid, "scene": "job"}
    url = client.post(f"/cgi-bin/kf/add_contact_way?access_token={fresh}", json=way).get_json()["url"]
    path = url.split("://", 1)[1].split("/", 1)[1] + "&scene_param=inv_9"
    assert "进入会话" in client.get("/" + path).get_data(as_text=True)
    page = client.post("/" + path, data={"name": "孙七"})
    assert page.status_code == 302 and "/console?user=wm" in page.location
    [customer] = state.customers.values()
    assert customer["name"] == "孙七" and customer["kf"][kfid]["scene_param"] == "inv_9"
    assert receiver["messages"][-1].findtext("Event") == "kf_msg_or_event"


def test_serve_in_thread_speaks_http(app, settings):
    running = serve_in_thread(app)
    try:
        answer = requests.get(running.api_base + "gettoken", params={
            "corpid": settings.wecom_corp_id, "corpsecret": settings.wecom_secret}, timeout=5).json()
    finally:
        running.shutdown()
    assert answer["errcode"] == 0 and running.state.tokens
