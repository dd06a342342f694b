"""send_mail(): an .eml file in the outbox without MAIL_SERVER, SMTP with it; no header injection;
send_after_response() delivers once the answer is gone and logs failures."""
from __future__ import annotations

import email
import logging
import smtplib
from email import policy
from pathlib import Path

import pytest
from flask import make_response

from forum.services import mail

LONG_LINK = "http://localhost/mot-de-passe/nouveau/" + "a" * 120


class FakeSMTP:
    """Records what the service asks of smtplib.SMTP."""

    instances: list[FakeSMTP] = []

    def __init__(self, host, port, timeout=None, context=None):
        self.host, self.port, self.timeout = host, port, timeout
        self.calls: list[tuple] = []
        FakeSMTP.instances.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append(("quit",))

    def starttls(self, context=None):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        self.calls.append(("send", message))


@pytest.fixture
def outbox(app, tmp_path) -> Path:
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    return tmp_path / "outbox"


def test_outbox_file_holds_the_whole_message_readable(app, outbox, caplog):
    with caplog.at_level(logging.INFO, logger="forum.services.mail"):
        path = mail.send_mail("claire@example.org", "Sujet accentué é", f"Bonjour,\n\n{LONG_LINK}\n")
    assert path is not None and path.parent == outbox and path.suffix == ".eml"
    raw = path.read_bytes()
    assert LONG_LINK.encode() in raw  # not cut by quoted-printable: a developer can click it
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "claire@example.org"
    assert message["Subject"] == "Sujet accentué é"
    assert message["From"] == app.config["MAIL_SENDER"]
    assert message.get_content() == f"Bonjour,\n\n{LONG_LINK}\n"
    assert any(str(path) in r.getMessage() and LONG_LINK in r.getMessage() for r in caplog.records)


def test_each_message_gets_its_own_file(app, outbox):
    first = mail.send_mail("a@example.org", "Un", "1")
    second = mail.send_mail("a@example.org", "Deux", "2")
    assert first != second and len(list(outbox.glob("*.eml"))) == 2


def test_outbox_defaults_to_the_instance_folder(app):
    assert app.config["MAIL_OUTBOX_DIR"] == str(Path(app.instance_path) / "outbox")


def test_smtp_is_used_when_a_server_is_configured(app, outbox, monkeypatch):
    FakeSMTP.instances.clear()
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.example.org", MAIL_PORT=587, MAIL_USE_TLS=True,
                      MAIL_USERNAME="forum", MAIL_PASSWORD="secret")
    assert mail.send_mail("claire@example.org", "Sujet", f"Lien : {LONG_LINK}") is None
    [smtp] = FakeSMTP.instances
    assert (smtp.host, smtp.port) == ("smtp.example.org", 587)
    assert [c[0] for c in smtp.calls] == ["starttls", "login", "send", "quit"]
    assert smtp.calls[1] == ("login", "forum", "secret")
    sent = smtp.calls[2][1]
    assert sent["To"] == "claire@example.org" and LONG_LINK in sent.get_content()
    assert not outbox.exists()


def test_smtp_without_tls_nor_account(app, monkeypatch):
    FakeSMTP.instances.clear()
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="localhost", MAIL_PORT=25, MAIL_USE_TLS=False, MAIL_USERNAME=None)
    mail.send_mail("claire@example.org", "Sujet", "Corps")
    assert [c[0] for c in FakeSMTP.instances[0].calls] == ["send", "quit"]


@pytest.mark.parametrize("to", ["claire@example.org\nBcc: tous@example.org", "a@example.org\r\nX: y"])
def test_line_breaks_in_an_address_are_refused(app, outbox, to):
    with pytest.raises(ValueError):
        mail.send_mail(to, "Sujet", "Corps")
    assert not outbox.exists() or list(outbox.glob("*.eml")) == []


def test_send_after_response_waits_for_the_response_to_close(app, outbox):
    with app.test_request_context("/"):
        response = make_response("ok")
        mail.send_after_response(response, "claire@example.org", "Sujet", "Corps")
    assert not outbox.exists()
    response.close()
    assert len(list(outbox.glob("*.eml"))) == 1


def test_send_after_response_logs_a_smtp_failure_with_the_request_id(app, monkeypatch, caplog):
    class BrokenSMTP(FakeSMTP):
        def send_message(self, message):
            raise smtplib.SMTPRecipientsRefused({})

    monkeypatch.setattr(smtplib, "SMTP", BrokenSMTP)
    app.config.update(MAIL_SERVER="smtp.example.org", MAIL_USE_TLS=False, MAIL_USERNAME=None)
    with app.test_request_context("/", headers={"X-Request-ID": "req-mail-1"}):
        app.preprocess_request()
        response = make_response("ok")
        mail.send_after_response(response, "claire@example.org", "Sujet", "Corps")
    with caplog.at_level(logging.ERROR, logger="forum.services.mail"):
        response.close()
    [record] = caplog.records
    assert "could not be sent" in record.getMessage() and record.request_id == "req-mail-1"
