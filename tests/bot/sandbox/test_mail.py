"""The sandbox's mail server: real SMTP (aiosmtpd) in, mailboxes out through /sandbox/api/mail and /console/mail."""
from __future__ import annotations

import os
import smtplib
import socket
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
import requests

from bot.sandbox.__main__ import main as sandbox_main
from bot.sandbox.app import create_sandbox_app, serve_in_thread
from bot.sandbox.mail import SIZE_LIMIT, start_mail_server
from config.settings import load
from tests.conftest import free_port
from tests.support.paths import OUTPUT

CALENDAR = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:interview-1@sandbox.example\r\n"
            "DTSTART:20300105T020000Z\r\nSUMMARY:柜员 复试\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
UNSUBSCRIBE = "https://hr.example/u/tok123"


@pytest.fixture
def sandbox(tmp_path):
    """The sandbox app served on a free port, with its SMTP server on another."""
    app = create_sandbox_app(load({"DATA_DIR": str(tmp_path)}, dotenv=None), callback_url="http://127.0.0.1:9/cb")
    running = serve_in_thread(app)
    mail = start_mail_server(running.state, free_port())
    yield running, mail
    mail.stop()
    running.shutdown()


def invitation(to: str = "ZhangSan@Example.com") -> EmailMessage:
    """What the product sends a candidate: plain + HTML, an .ics, one-click unsubscribe headers."""
    msg = EmailMessage()
    msg["From"] = "招聘团队 <recruiting@sandbox.example>"
    msg["To"] = to
    msg["Subject"] = "【柜员】复试通知"
    msg["Date"] = format_datetime(datetime(2030, 1, 2, 10, 30, tzinfo=UTC))
    msg["Message-ID"] = make_msgid(idstring="outbox-1", domain="sandbox.example")
    msg["Auto-Submitted"] = "auto-generated"
    msg["List-Unsubscribe"] = f"<{UNSUBSCRIBE}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content("张三您好：\n复试时间 1 月 5 日 10:00。\n")
    msg.add_alternative("<p>张三您好：</p><p>复试时间 <b>1 月 5 日 10:00</b>。</p>"
                        "<script>document.title='pwned'</script>", subtype="html")
    msg.add_attachment(CALENDAR.encode(), maintype="text", subtype="calendar", filename="invite.ics",
                       params={"method": "REQUEST"})
    return msg


def send(port: int, msg: EmailMessage, to: list[str] | None = None) -> dict:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as server:
        return server.send_message(msg, to_addrs=to)


def test_a_multipart_mail_lands_in_each_recipients_mailbox(sandbox):
    running, mail = sandbox
    msg = invitation()
    refused = send(mail.port, msg, ["ZhangSan@Example.com", "hr_li@sandbox.example", "bounce7@example.com"])
    assert refused == {"bounce7@example.com": (550, b"5.1.1 mailbox unavailable")}  # the others still accepted

    api = f"{running.url}/sandbox/api/mail"
    [got] = requests.get(api, params={"to": "zhangsan@example.com"}, timeout=10).json()["messages"]
    assert got["message_id"] == msg["Message-ID"] and got["subject"] == "【柜员】复试通知"
    assert got["from"] == "招聘团队 <recruiting@sandbox.example>" and got["to"] == "ZhangSan@Example.com"
    assert got["rcpt_to"] == "zhangsan@example.com" and got["envelope_from"] == "recruiting@sandbox.example"
    assert got["date"] == "2030-01-02T10:30:00+00:00" and got["received_at"] > 0
    assert got["text"] == "张三您好：\n复试时间 1 月 5 日 10:00。\n"
    assert got["html"].startswith("<p>张三您好：</p>") and "<script>" in got["html"]  # stored as sent
    assert got["headers"] == {"List-Unsubscribe": f"<{UNSUBSCRIBE}>",
                              "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                              "Auto-Submitted": "auto-generated", "Reply-To": None}
    assert got["attachments"] == [{"filename": "invite.ics", "content_type": "text/calendar",
                                   "size": len(CALENDAR.encode())}]  # no content unless full=1
    [full] = requests.get(api, params={"to": "ZHANGSAN@example.com", "full": "1"}, timeout=10).json()["messages"]
    assert full["attachments"][0]["content"] == CALENDAR and full["id"] == got["id"]

    boxes = requests.get(api, timeout=10).json()
    assert boxes["total"] == 2 and {b["address"] for b in boxes["mailboxes"]} == {
        "zhangsan@example.com", "hr_li@sandbox.example"}
    assert all(b["count"] == 1 and b["last_subject"] == "【柜员】复试通知" for b in boxes["mailboxes"])
    assert requests.get(api, params={"to": "nobody@example.com"}, timeout=10).json()["messages"] == []

    requests.post(f"{running.url}/sandbox/api/reset", json={}, timeout=10).raise_for_status()
    assert requests.get(api, timeout=10).json() == {"mailboxes": [], "total": 0}


def test_bounce_tempfail_and_oversized_mail_are_refused(sandbox):
    running, mail = sandbox
    with pytest.raises(smtplib.SMTPRecipientsRefused) as bounced:
        send(mail.port, invitation("bounce1@example.com"))
    assert bounced.value.recipients == {"bounce1@example.com": (550, b"5.1.1 mailbox unavailable")}
    with pytest.raises(smtplib.SMTPRecipientsRefused) as later:
        send(mail.port, invitation("tempfail@example.com"))
    [(code, answer)] = later.value.recipients.values()
    assert code == 451 and answer.startswith(b"4.3.0")
    big = invitation()
    big.add_attachment(b"\0" * SIZE_LIMIT, maintype="application", subtype="octet-stream", filename="big.bin")
    with pytest.raises(smtplib.SMTPSenderRefused) as oversized:  # refused at MAIL FROM … SIZE=
        send(mail.port, big)
    assert oversized.value.smtp_code == 552
    assert running.state.mailboxes == {}


def test_main_serves_smtp_beside_http_and_reports_a_busy_port(monkeypatch, tmp_path, capsys):
    port = free_port()
    settings = load({"DATA_DIR": str(tmp_path), "SANDBOX_SMTP_PORT": str(port)}, dotenv=None)
    monkeypatch.setattr("bot.sandbox.__main__.get_settings", lambda: settings)
    taken = {}

    def run_simple(host, http_port, app, **options):  # stands in for the HTTP server: mail works meanwhile
        send(port, invitation())
        taken.update(app.extensions["sandbox"].mailboxes)

    monkeypatch.setattr("bot.sandbox.__main__.run_simple", run_simple)
    assert sandbox_main() == 0
    assert [m["subject"] for m in taken["zhangsan@example.com"]] == ["【柜员】复试通知"]
    assert f"SMTP server at 127.0.0.1:{port}" in capsys.readouterr().out
    with socket.socket() as busy:  # main stopped its SMTP server, so the port is free again
        # (its closed connections may linger in TIME_WAIT: a listener may still take the port, as servers do)
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", port))
        busy.listen()
        assert sandbox_main() == 2
    assert "SANDBOX_SMTP_PORT" in capsys.readouterr().err


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="Debian chromium is not installed")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_mailbox_page_at_phone_width(stack, page):
    send(stack.settings.sandbox_smtp_port, invitation())
    page.goto(f"{stack.sandbox}/console")
    page.click("#link-mail")
    page.wait_for_selector("#box-list >> text=zhangsan@example.com")  # the newest mailbox opens by itself
    mail = page.wait_for_selector("details.mail[open]")
    assert "【柜员】复试通知" in mail.inner_text() and "招聘团队 <recruiting@sandbox.example>" in mail.inner_text()
    assert page.get_attribute(f".mail-unsub a[href='{UNSUBSCRIBE}']", "target") == "_blank"
    assert "invite.ics" in page.inner_text(".mail-attachments")
    assert "复试时间 1 月 5 日 10:00" in page.inner_text(".mail-plain")
    frame = page.locator("iframe.mail-html")
    assert frame.get_attribute("sandbox") == "allow-popups allow-popups-to-escape-sandbox"  # no scripts
    body = page.frame_locator("iframe.mail-html").locator("body")
    assert "1 月 5 日 10:00" in body.inner_text()
    assert page.frame_locator("iframe.mail-html").locator("title").count() == 0  # the e-mail's script never ran
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    OUTPUT.mkdir(exist_ok=True)
    frame.scroll_into_view_if_needed()  # Chromium paints a sandboxed frame only on screen
    page.screenshot(path=OUTPUT / "console-mail.png")
