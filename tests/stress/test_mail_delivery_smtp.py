"""Notification e-mails through a real SMTP server (aiosmtpd on 127.0.0.1): what arrives (headers,
parts, links, the one-click unsubscribe), nothing lost or doubled when the server is down, a worker
killed around the final « . » of DATA never sends twice, a refused address is not retried."""
from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, OutgoingMessage, User
from forum.models._time import utcnow
from forum.services.notify import delivery
from forum.services.notify.preferences import deliveries_of
from tests.factories import make_post, make_thread, make_user
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(5150, 5160)
SENDER = "Clubs utilisateurs <ne-pas-repondre@clubs-logiciels-sante.fr>"

pytestmark = pytest.mark.slow  # a real SMTP server, and a `flask` process killed on purpose


class Mailbox:
    """aiosmtpd handler keeping every message it accepts; `kill_at` ("RCPT" or "DATA") kills the
    process `victim` at that step (after storing the message, before answering, for DATA)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()
        self.kill_at: str | None = None
        self.victim: int | None = None
        self.lock = threading.Lock()

    def _kill(self, step: str) -> None:
        if self.kill_at == step and self.victim:
            os.kill(self.victim, signal.SIGKILL)
            self.kill_at = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self._kill("RCPT")
        if address in self.refuse:
            return "550 5.1.1 Mailbox unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        self._kill("DATA")
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(content, policy=policy.default) for _, _, content in self.received]


class SmtpServer:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox, self.port, self.controller = mailbox, free_port(PORTS), None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app):
    server = SmtpServer(Mailbox())
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False, MAIL_USE_SSL=False,
                      MAIL_USERNAME=None, MAIL_TIMEOUT=5)
    yield server
    server.stop()


def notify(user, post) -> Notification:
    row = Notification(user_id=user.id, kind="reply", board_id=post.thread.board_id, thread_id=post.thread_id,
                       post_id=post.id, actor_id=post.author_id, email_state="pending")
    db.session.add(row)
    db.session.flush()
    return row


def story(*readers) -> tuple:
    """A thread whose author replied in it (no notification of their own), each reader notified."""
    author = make_user(display_name="Dr Anne Auteure")
    thread = make_thread(author=author, title="Transmettre une ordonnance au DMP")
    post = make_post(thread, author, body="Menu Patient, puis « Envoyer au DMP ». Vérifiez l'INS avant.")
    for reader in readers:
        notify(reader, post)
    db.session.commit()
    return thread, post, author


def outbox_rows() -> list[OutgoingMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))


def test_what_arrives_headers_parts_links_and_the_one_click_unsubscribe_works(app, client, smtp):
    reader = make_user(email="lectrice@example.org")
    thread, post, author = story(reader)

    report = delivery.deliver_pending()
    assert (report.sent, report.failed, report.pending) == (1, 0, 0)
    [(mail_from, rcpt_tos, content)] = smtp.mailbox.received
    assert mail_from == "ne-pas-repondre@clubs-logiciels-sante.fr" and rcpt_tos == ["lectrice@example.org"]
    assert author.email.encode() not in content  # no other member's address, anywhere
    [row] = outbox_rows()
    assert (row.state, row.attempts) == ("sent", 1)
    [message] = smtp.mailbox.messages()
    assert message["From"] == SENDER and message["To"] == "lectrice@example.org"
    assert message["Subject"] == "Dr Anne Auteure a répondu dans « Transmettre une ordonnance au DMP »"
    assert message["Message-ID"] == delivery.message_id(row.idempotency_key)
    assert f"\r\nList-Unsubscribe: <{row.unsubscribe_url}>\r\n".encode() in content  # one token, never encoded
    assert row.unsubscribe_url.startswith("http://localhost/desabonnement/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    link = f"http://localhost/t/{thread.id}/{thread.slug}#p{post.id}"
    text, html = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
    assert link in text and f'href="{link}"' in html
    assert "Menu Patient, puis « Envoyer au DMP »" in text and "Menu Patient, puis « Envoyer au DMP »" in html

    response = client.post(urlsplit(row.unsubscribe_url).path, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert set(deliveries_of(db.session.get(User, reader.id)).values()) == {"never"}


def test_smtp_down_loses_nothing_and_each_message_arrives_once_when_it_returns(app, smtp):
    readers = [make_user(email=f"lecteur{n}@example.org") for n in range(3)]
    story(*readers)
    smtp.stop()

    before = utcnow()
    report = delivery.deliver_pending()  # the first message finds the server down: the run stops there
    assert (report.sent, report.retried, report.pending) == (0, 1, 3)
    first, *others = outbox_rows()
    assert (first.state, first.attempts) == ("pending", 1) and "Connection refused" in first.last_error
    assert first.next_attempt_at >= before + timedelta(minutes=1)
    assert [(row.state, row.attempts) for row in others] == [("pending", 0)] * 2
    for _ in others:
        delivery.deliver_pending()  # each run tries one more, then waits
    rows = outbox_rows()
    assert [(row.state, row.attempts) for row in rows] == [("pending", 1)] * 3
    assert all(row.next_attempt_at >= before + timedelta(minutes=1) for row in rows)
    assert delivery.deliver_pending().retried == 0  # none due yet: nothing tried
    assert [row.attempts for row in outbox_rows()] == [1, 1, 1]

    smtp.start()
    later = utcnow() + timedelta(minutes=2)
    assert delivery.deliver_pending(now=later).sent == 3
    assert delivery.deliver_pending(now=later + timedelta(hours=1)).sent == 0
    assert sorted(rcpt for _, (rcpt,), _ in smtp.mailbox.received) == sorted(r.email for r in readers)
    assert len({m["Message-ID"] for m in smtp.mailbox.messages()}) == 3
    assert {row.state for row in outbox_rows()} == {"sent"}


def _deliver_in_a_process(app, smtp, tmp_path) -> subprocess.CompletedProcess:
    """`flask --app forum mail deliver` in its own process, on the test's database, killed by the
    SMTP handler at the step it was told."""
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(smtp.port), "MAIL_USE_TLS": "0", "SECRET_KEY": app.config["SECRET_KEY"],
           "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"], "TASK_QUEUE_URL": "memory://",
           "MAIL_BATCH_SECONDS": "0", "SEARCH_INDEX_DIR": str(tmp_path / "index")}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "forum", "mail", "deliver"], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    smtp.mailbox.victim = process.pid
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_a_worker_killed_after_the_final_dot_never_sends_twice(app, smtp, tmp_path):
    reader = make_user(email="lectrice@example.org")
    story(reader)
    smtp.mailbox.kill_at = "DATA"  # stored by the server, killed before the 250 reached the worker

    result = _deliver_in_a_process(app, smtp, tmp_path)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert len(smtp.mailbox.received) == 1
    [row] = outbox_rows()
    assert (row.state, row.attempts) == ("handed_off", 1)

    assert delivery.deliver_pending().sent == 0  # the lease still runs: left alone
    report = delivery.deliver_pending(now=utcnow() + timedelta(minutes=6))  # lease over
    assert (report.sent, report.uncertain) == (0, 1)
    assert delivery.deliver_pending(now=utcnow() + timedelta(days=1)).sent == 0
    [row] = outbox_rows()
    assert (row.state, row.attempts) == ("uncertain", 1)
    assert len(smtp.mailbox.received) == 1  # exactly one copy


def test_a_worker_killed_before_the_final_dot_is_retried_and_arrives_once(app, smtp, tmp_path):
    reader = make_user(email="lectrice@example.org")
    story(reader)
    smtp.mailbox.kill_at = "RCPT"  # the envelope is under way, DATA never completes

    result = _deliver_in_a_process(app, smtp, tmp_path)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert smtp.mailbox.received == []
    [row] = outbox_rows()
    assert (row.state, row.attempts) == ("sending", 1)

    assert delivery.deliver_pending().sent == 0  # another worker's lease: not taken
    assert delivery.deliver_pending(now=utcnow() + timedelta(minutes=6)).sent == 1
    assert delivery.deliver_pending(now=utcnow() + timedelta(days=1)).sent == 0
    [row] = outbox_rows()
    assert (row.state, row.attempts) == ("sent", 2)
    assert [rcpt for _, rcpt, _ in smtp.mailbox.received] == [["lectrice@example.org"]]


def test_a_refused_address_fails_for_good_and_gets_no_more_mail(app, smtp):
    gone, present = make_user(email="partie@example.org"), make_user(email="presente@example.org")
    smtp.mailbox.refuse.add("partie@example.org")
    story(gone, present)

    report = delivery.deliver_pending()
    assert (report.sent, report.failed) == (1, 1)
    by_address = {row.to_address: row for row in outbox_rows()}
    assert by_address["partie@example.org"].state == "failed"
    assert "550" in by_address["partie@example.org"].last_error
    assert db.session.get(User, gone.id).email_refused_at is not None
    assert db.session.get(User, present.id).email_refused_at is None

    delivery.deliver_pending(now=utcnow() + timedelta(days=2))
    assert outbox_rows()[0].attempts == 1 and by_address["partie@example.org"].attempts == 1
    story(gone)  # a new notification: not even composed into a message
    delivery.deliver_pending()
    assert [rcpt for _, rcpt, _ in smtp.mailbox.received] == [["presente@example.org"]]
    assert len(outbox_rows()) == 2
