"""Candidates' e-mails: what is composed (plain and HTML parts from one text, 退订 headers, the .ics), and what a
real SMTP server's answers turn into (sent, try again later, failed for good)."""
from __future__ import annotations

import datetime as dt
import email
import smtplib
from email import policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar

from bot.decisions.calendar import appointment_ics
from bot.mail import smtp
from bot.mail.compose import compose
from tests.conftest import free_port


class Inbox:
    """An aiosmtpd handler keeping what arrived; `refuse` maps a recipient to the SMTP answer it gets."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


@pytest.fixture
def server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def settings_for(port: int, **changes) -> SimpleNamespace:
    values = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "smtp_user": "",
              "smtp_password": "", "mail_from": "recruiting@bank.example", "company_name": "示例银行"}
    return SimpleNamespace(**{**values, **changes})


def appointment(version: int = 1) -> SimpleNamespace:
    return SimpleNamespace(id=42, version=version, starts_at=dt.datetime(2027, 1, 11, 6, 0),
                           ends_at=dt.datetime(2027, 1, 11, 7, 0), place="北京分行 3 楼 <会议室>")


def payload(**extra) -> dict:
    text = "张三，您好！示例银行邀请您参加「柜员」岗位的 AI 面试 <b>不是标签</b>\n\n点击开始：https://jobs.bank.example/i/abc"
    return {"msgtype": "email", "candidate": 7, "subject": "示例银行诚邀您参加「柜员」岗位的 AI 面试",
            "text": text, "footer": "您收到这封邮件，是因为您应聘了示例银行。",
            "unsubscribe": "https://jobs.bank.example/u/tok", **extra}


def test_one_text_becomes_a_plain_and_an_html_part_with_unsubscribe_headers_and_a_calendar_entry(server):
    inbox, port = server
    ics = appointment_ics(appointment(version=2), summary="示例银行「柜员」复试", description="联系人：hr_li",
                          sender="recruiting@bank.example")
    message = compose(payload(ics=[ics]), to="zhang@example.com", sender="recruiting@bank.example",
                      sender_name="示例银行", key="result:9", footer="您收到这封邮件，是因为您应聘了示例银行。")
    assert smtp.send(message, settings_for(port)) == {"msgid": message["Message-ID"]}

    [got] = inbox.received
    assert got["To"] == "zhang@example.com" and got["Subject"] == "示例银行诚邀您参加「柜员」岗位的 AI 面试"
    assert got["From"].addresses[0].display_name == "示例银行"
    assert got["List-Unsubscribe"] == "<https://jobs.bank.example/u/tok>"
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and got["Auto-Submitted"] == "auto-generated"
    plain = got.get_body(("plain",)).get_content()
    html = got.get_body(("html",)).get_content()
    assert "点击开始：https://jobs.bank.example/i/abc" in plain
    assert "退订 / Unsubscribe: https://jobs.bank.example/u/tok" in plain
    assert '<a href="https://jobs.bank.example/i/abc">' in html and '<a href="https://jobs.bank.example/u/tok"' in html
    assert "&lt;b&gt;不是标签&lt;/b&gt;" in html and "<b>" not in html  # the candidate's text is never markup
    [attachment] = list(got.iter_attachments())
    assert attachment.get_content_type() == "text/calendar" and attachment.get_filename() == "second-round.ics"
    event = Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]
    assert event["UID"] == "appointment-42@bank.example" and event["SEQUENCE"] == 1  # version 2 replaces version 1
    assert event.decoded("DTSTART") == dt.datetime(2027, 1, 11, 6, 0, tzinfo=dt.UTC)  # 14:00 Beijing time
    assert str(event["LOCATION"]) == "北京分行 3 楼 <会议室>" and str(event["SUMMARY"]) == "示例银行「柜员」复试"
    # A resend of the same outbox message carries the same Message-ID (mail systems show it once).
    again = compose(payload(), to="zhang@example.com", sender="recruiting@bank.example", sender_name="示例银行",
                    key="result:9")
    assert again["Message-ID"] == message["Message-ID"] != compose(
        payload(), to="x@example.com", sender="recruiting@bank.example", sender_name="示例银行",
        key="result:10")["Message-ID"]


def test_the_servers_answers_decide_between_later_and_never(server):
    inbox, port = server
    inbox.refuse = {"gone@example.com": "550 5.1.1 mailbox unavailable",
                    "busy@example.com": "451 4.3.0 try again later"}
    settings = settings_for(port)

    def send(to: str, settings=settings):
        return smtp.send(compose(payload(), to=to, sender="r@bank.example", sender_name="示例银行", key=to),
                         settings)

    with pytest.raises(smtp.MailError) as refused:
        send("gone@example.com")
    assert not refused.value.transient and refused.value.code == 550 and "mailbox unavailable" in str(refused.value)
    with pytest.raises(smtp.MailError) as busy:
        send("busy@example.com")
    assert busy.value.transient and busy.value.code == 451
    with pytest.raises(smtp.MailError) as away:
        send("ok@example.com", settings_for(free_port()))  # nothing listens there
    assert away.value.transient and "could not be reached" in str(away.value)
    with pytest.raises(smtp.MailError) as tls:
        send("ok@example.com", settings_for(port, smtp_security="starttls"))  # the server offers no STARTTLS
    assert tls.value.transient
    assert inbox.received == [] and smtplib  # nothing half-sent
    send("ok@example.com")
    assert [m["To"] for m in inbox.received] == ["ok@example.com"]
    assert not smtp.enabled(settings_for(port, smtp_host="")) and smtp.enabled(settings)
