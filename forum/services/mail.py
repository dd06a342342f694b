"""Outgoing e-mail: SMTP when MAIL_SERVER is set, else one .eml file per message in MAIL_OUTBOX_DIR.

The outbox lets development and tests read what would have been sent (a password-reset link…)
without any mail server. Messages are built with the standard library's EmailMessage, which
refuses line breaks in headers (no header injection through an address).
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g

log = logging.getLogger(__name__)


def build_message(to: str, subject: str, body: str, *, readable: bool = False) -> EmailMessage:
    """The message; `readable` keeps the body as plain 8-bit UTF-8 (outbox files a person opens)
    instead of quoted-printable, which would cut long links with soft line breaks."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    # The site's own public host name (PUBLIC_BASE_URL), never a request's.
    message["Message-ID"] = make_msgid(domain=urlsplit(config["PUBLIC_BASE_URL"]).hostname or "forum.local")
    message.set_content(body, cte="8bit" if readable else None)
    return message


def send_mail(to: str, subject: str, body: str) -> Path | None:
    """Send one plain-text message now; returns the outbox file written, or None when sent by SMTP.

    Raises smtplib.SMTPException or OSError when the SMTP server refuses or cannot be reached.
    """
    if current_app.config.get("MAIL_SERVER"):
        _send_smtp(build_message(to, subject, body))
        log.info("Mail sent by SMTP to %s: %s", to, subject)
        return None
    path = _write_outbox(build_message(to, subject, body, readable=True))
    # Development only (no SMTP server): the body is logged too, links included, to be clicked.
    log.info("Mail written to %s (to %s: %s)\n%s", path, to, subject, body)
    return path


def send_after_response(response: Response, to: str, subject: str, body: str) -> None:
    """Send the message once `response` has gone to the client.

    Used where the time of the answer must not tell whether a mail was sent (password reset for an
    unknown address): the SMTP round trip happens after the client got the same page either way.
    Failures are logged, never shown.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    request_id = g.get("request_id")

    def deliver() -> None:
        with app.app_context():
            g.request_id = request_id
            try:
                send_mail(to, subject, body)
            except (smtplib.SMTPException, OSError):
                log.exception("Mail to %s could not be sent: %s", to, subject)

    response.call_on_close(deliver)


def _send_smtp(message: EmailMessage) -> None:
    with connect() as smtp:
        smtp.send_message(message)


def connect() -> smtplib.SMTP:
    """An SMTP connection to MAIL_SERVER, after STARTTLS (MAIL_USE_TLS) or with implicit TLS
    (MAIL_USE_SSL), logged in when MAIL_USERNAME is set. Raises smtplib.SMTPException or OSError."""
    config = current_app.config
    host, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), config["MAIL_TIMEOUT"]
    context = ssl.create_default_context()
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=context)
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _write_outbox(message: EmailMessage) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return write_outbox(message, f"{stamp}-{uuid.uuid4().hex[:8]}.eml")


def write_outbox(message: EmailMessage | bytes, name: str) -> Path:
    """Write `message` (or its bytes) as MAIL_OUTBOX_DIR/name (replaced if it exists: writing again
    is harmless)."""
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / name
    partial = path.with_suffix(".part")
    partial.write_bytes(message if isinstance(message, bytes) else bytes(message))
    partial.replace(path)  # a reader (or a crash) never sees half a file
    return path
