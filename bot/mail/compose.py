"""Candidates' e-mails built from the same rendered text as their chat messages: a plain-text part, an HTML part
made from it, calendar invitations (.ics) attached, and the headers that let mail clients offer 退订 in one click.

The Message-ID is derived from the message's idempotency key, so a resend after a worker died mid-send carries the
same id and mail systems that de-duplicate by it show it once (SMTP itself has no idempotency).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from markupsafe import Markup, escape

from bot.clock import utcnow

SUBJECT_MAX = 120
_URL = re.compile(r"https?://[^\s<>\"'，。；！？）]+")
_STYLE = ("font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;font-size:15px;line-height:1.7;"
          "color:#1f2329;max-width:560px;margin:0 auto;padding:16px")


def message_id(key: str, sender: str) -> str:
    """A Message-ID that is the same for every try of one outbox message."""
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<{hashlib.sha1(key.encode()).hexdigest()[:32]}@{domain}>"


def html_body(text: str, *, company: str, unsubscribe: str = "", footer: str = "") -> str:
    """The HTML part: the text's paragraphs with its links made clickable, the company on top, 退订 below."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [_linkify(line) for line in block.splitlines()]
        paragraphs.append(Markup("<p>{}</p>").format(Markup("<br>").join(lines)))
    tail = Markup("")
    if unsubscribe:
        small = "font-size:12px;color:#8f959e"
        tail = Markup('<p style="{0}">{1} <a href="{2}" style="{0}">{3}</a></p>').format(
            small, footer, unsubscribe, "退订 / Unsubscribe")
    return str(Markup('<!doctype html><html><head><meta charset="utf-8"></head><body><div style="{}">'
                      '<p style="font-weight:600">{}</p>{}{}</div></body></html>').format(
        _STYLE, company, Markup("").join(paragraphs), tail))


def _linkify(line: str) -> Markup:
    out, last = [], 0
    for match in _URL.finditer(line):
        out += [escape(line[last:match.start()]),
                Markup('<a href="{0}">{0}</a>').format(match.group())]
        last = match.end()
    out.append(escape(line[last:]))
    return Markup("").join(out)


def compose(payload: dict[str, Any], *, to: str, sender: str, sender_name: str, key: str,
            footer: str = "") -> EmailMessage:
    """The message to send for an outbox e-mail payload: subject, text, optional unsubscribe link and .ics files."""
    msg = EmailMessage()
    msg["From"] = formataddr((sender_name, sender))
    msg["To"] = to
    msg["Subject"] = " ".join(str(payload["subject"]).split())[:SUBJECT_MAX]
    msg["Date"] = format_datetime(utcnow().replace(tzinfo=dt.UTC))
    msg["Message-ID"] = message_id(key, sender)
    msg["Auto-Submitted"] = "auto-generated"  # no vacation auto-replies back to us
    unsubscribe = payload.get("unsubscribe") or ""
    if unsubscribe:
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    text = str(payload["text"])
    plain = text + (f"\n\n{footer}\n退订 / Unsubscribe: {unsubscribe}" if unsubscribe else "")
    msg.set_content(plain)
    msg.add_alternative(html_body(text, company=sender_name, unsubscribe=unsubscribe, footer=footer), subtype="html")
    for item in payload.get("ics") or []:
        msg.add_attachment(str(item["content"]), subtype="calendar", charset="utf-8",
                           filename=item.get("filename") or "invite.ics",
                           params={"method": item.get("method") or "PUBLISH"})
    return msg
