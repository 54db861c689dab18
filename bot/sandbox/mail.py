"""The sandbox's mail server: a real SMTP server (aiosmtpd) whose mailboxes the console shows.

Whatever the product sends to any address lands in the sandbox state's mailboxes (one per RCPT TO address,
lower-cased), parsed into the parts a person checks: subject, plain text, HTML, attachments and the headers mail
clients act on. Addresses whose local part starts with `bounce` are refused for good (550 5.1.1), `tempfail…`
for now (451 4.3.0), so the sender's handling of both can be tried; a message over 10 MB is refused (552).
Any AUTH login is accepted, without TLS: the server listens on loopback only.
"""
from __future__ import annotations

import copy
import socket
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from .state import SandboxState, new_id

SIZE_LIMIT = 10 << 20
HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post", "Auto-Submitted", "Reply-To")
REFUSED = "550 5.1.1 mailbox unavailable"
TRANSIENT = "451 4.3.0 mailbox temporarily unavailable, try again later"


def recipient_answer(address: str) -> str | None:
    """The refusal the sandbox gives an address (None: it exists): bounce… 550, tempfail… 451."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "553 5.1.3 bad recipient address syntax"
    if local.lower().startswith("bounce"):
        return REFUSED
    if local.lower().startswith("tempfail"):
        return TRANSIENT
    return None


def _header(message: EmailMessage, name: str) -> str | None:
    value = message[name]
    return None if value is None else str(value)


def _date(message: EmailMessage) -> str | None:
    header = message["Date"]
    when = getattr(header, "datetime", None)
    return when.isoformat() if when is not None else _header(message, "Date")


def _content(part: EmailMessage) -> str:
    """A text part's text; without a charset (or with one Python does not know) read as UTF-8, as RFC 5545 says
    of calendars and as mail clients guess."""
    if part.get_content_charset():
        try:
            return str(part.get_content())
        except (LookupError, ValueError, AssertionError):  # an unknown charset or a broken transfer encoding
            pass
    payload = part.get_payload(decode=True) or b""
    return payload.decode("utf-8", errors="replace")


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n")  # SMTP carries CRLF; a reader sees lines (an .ics keeps its CRLF)


def parse(raw: bytes) -> dict[str, Any]:
    """Parse a message as it came over SMTP into the record a mailbox keeps."""
    message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    attachments = []
    for part in message.walk():
        if part.is_multipart() or part is plain or part is html:
            continue
        data = part.get_payload(decode=True) or b""
        item = {"filename": part.get_filename() or "", "content_type": part.get_content_type(), "size": len(data)}
        if item["content_type"] == "text/calendar":
            item["content"] = _content(part)
        attachments.append(item)
    return {
        "message_id": _header(message, "Message-ID"),
        "from": _header(message, "From"),
        "to": _header(message, "To"),
        "cc": _header(message, "Cc"),
        "subject": _header(message, "Subject") or "",
        "date": _date(message),
        "text": _lines(_content(plain)) if plain is not None else None,
        "html": _lines(_content(html)) if html is not None else None,
        "headers": {name: _header(message, name) for name in HEADERS},
        "attachments": attachments,
        "size": len(raw),
    }


def message_view(record: dict, full: bool = False) -> dict:
    """A stored message for the JSON API: attachment contents only when full."""
    view = copy.deepcopy(record)
    if not full:
        for item in view["attachments"]:
            item.pop("content", None)
    return view


class MailHandler:
    """aiosmtpd hooks: refuse the sandbox's non-existent addresses, file each accepted message."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        """Accept an address unless the sandbox treats it as missing (550) or unavailable for now (451)."""
        refusal = recipient_answer(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Parse the message and put a copy in every accepted recipient's mailbox."""
        raw = envelope.original_content or envelope.content
        raw = raw if isinstance(raw, bytes) else str(raw).encode()
        try:
            record = parse(raw)
        except Exception as exc:  # a message the parser cannot read is refused, not dropped in silence
            return f"554 5.6.0 the sandbox could not parse the message: {type(exc).__name__}"
        state = self.state
        with state.lock:
            record.update(id=new_id(9), envelope_from=envelope.mail_from, received_at=state.now())
            for address in dict.fromkeys(a.lower() for a in envelope.rcpt_tos):
                state.mailboxes.setdefault(address, []).append({**copy.deepcopy(record), "rcpt_to": address})
            state.version += 1
        return "250 2.0.0 message accepted"


def _any_login(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
    return AuthResult(success=True)


class MailServer:
    """A running sandbox SMTP server; stop() it when done."""

    def __init__(self, controller: Controller, host: str, port: int) -> None:
        self.controller, self.host, self.port = controller, host, port

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.controller.stop()


def start_mail_server(state: SandboxState, port: int, host: str = "127.0.0.1") -> MailServer:
    """Serve SMTP on host:port from a background thread, filing mail into state's mailboxes. Raises OSError
    when the port cannot be had."""
    with socket.socket() as probe:  # fail at once, not after the controller's ready timeout
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    controller = Controller(
        MailHandler(state), hostname=host, port=port, server_hostname="sandbox.example",
        data_size_limit=SIZE_LIMIT, enable_SMTPUTF8=True, authenticator=_any_login, auth_require_tls=False,
        ready_timeout=10,
    )
    controller.start()
    return MailServer(controller, host, port)
