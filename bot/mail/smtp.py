"""Sending an e-mail through the configured SMTP server (STARTTLS, implicit TLS, or a local relay), with the
server's answer turned into what the outbox does next: sent, try again later, or failed for good."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from bot.errors import InterviewBotError
from config.settings import Settings

TIMEOUT_SECONDS = 30


class MailError(InterviewBotError):
    """The mail server refused the message, or could not be reached."""

    def __init__(self, reason: str, *, transient: bool, code: int | None = None):
        super().__init__(reason)
        self.reason, self.transient, self.code = reason, transient, code


def enabled(settings: Settings) -> bool:
    """True when e-mail is set up (an SMTP server and a From address)."""
    return bool(settings.smtp_host and settings.mail_from)


def send(message: EmailMessage, settings: Settings) -> dict[str, str]:
    """Hand message to the SMTP server; return its Message-ID. Raises MailError (transient or not)."""
    try:
        with _connect(settings) as server:
            server.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, answer = next(iter(exc.recipients.values()))
        raise MailError(f"the mail server refused the address: {code} {_text(answer)}",
                        transient=400 <= code < 500, code=code) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"the mail server refused SMTP_USER/SMTP_PASSWORD: {exc.smtp_code} {_text(exc.smtp_error)}",
                        transient=True, code=exc.smtp_code) from None
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"the mail server answered {exc.smtp_code} {_text(exc.smtp_error)}",
                        transient=exc.smtp_code < 500, code=exc.smtp_code) from None
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise MailError(f"the mail server could not be reached ({settings.smtp_host}:{settings.smtp_port}): {exc}",
                        transient=True) from None
    return {"msgid": str(message["Message-ID"])}


def _connect(settings: Settings) -> smtplib.SMTP:
    host, port = settings.smtp_host, settings.smtp_port
    if settings.smtp_security == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_SECONDS,
                                                context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
    try:
        if settings.smtp_security == "starttls":
            server.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            server.login(settings.smtp_user, settings.smtp_password)
    except BaseException:
        server.close()
        raise
    return server


def _text(answer: bytes | str) -> str:
    return (answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer))[:300]
