"""Delivery of the outbox (OutgoingMessage rows): claim one due message at a time, send it by SMTP
(or write it to MAIL_OUTBOX_DIR without MAIL_SERVER), record the outcome; at most once.

States: pending → sending (claimed: attempts + 1, a 5-minute lease) → handed_off (the whole message
went to the server, only the final « . » is missing) → sent (the server answered 250). A worker
killed before the final « . » leaves the message `sending`: the server drops an unfinished DATA, and
once the lease expires another run sends it again. Killed after it, the message stays `handed_off`
and is never sent again automatically: when the lease expires it becomes `uncertain` (a warning,
listed by `mail status`). A connection error or a 4xx reply puts it back to `pending` with
exponential back-off (1 min, 2, 4… at most 6 h); a server that cannot be reached ends the run (the
other messages wait for the next one, untouched); a 5xx refusal of the recipient or of the content
makes it `failed`, and 550/551/553 on the recipient marks the address refused (no more e-mail to it).
"""
from __future__ import annotations

import logging
import re
import smtplib
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from forum.extensions import db
from forum.models import OutgoingMessage, User
from forum.models._time import utcnow
from forum.models.notifications import MESSAGE_OPEN
from forum.services import mail
from forum.services.notify import compose, deferred

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# After this many attempts (about three days of back-off) a message is given up as failed.
MAX_ATTEMPTS = 20
# Messages one run delivers at most (the next run takes the rest): about a minute of sending.
MESSAGES_PER_RUN = 10_000
# Replies to RCPT meaning « this mailbox does not exist / is not accepted here », for good.
REFUSED_RECIPIENT = (550, 551, 553)
# Headers longer than 78 characters are not folded (the List-Unsubscribe URL must stay one token).
WIRE = policy.SMTP.clone(max_line_length=998)
FILE = policy.default.clone(max_line_length=998)  # .eml files: the same, with the system's line ends
ATEXT = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")


@dataclass
class DeliveryReport:
    composed: int = 0    # notification e-mails written to the outbox by this run
    sent: int = 0
    retried: int = 0     # back to pending after a temporary failure
    failed: int = 0      # refused for good by this run
    uncertain: int = 0   # handed off without a reply, found by this run
    pending: int = 0     # still to send after this run (pending or being sent)


class TemporaryFailure(Exception):
    """Try again later (connection error, 4xx reply)."""


class PermanentFailure(Exception):
    """Never retried (5xx refusal); `refused_address`: the recipient's address does not exist."""

    def __init__(self, message: str, refused_address: bool = False) -> None:
        super().__init__(message)
        self.refused_address = refused_address


class LostClaim(Exception):
    """Another worker took the message over (our lease expired): stop before the final « . »."""


class Unanswered(Exception):
    """The final « . » left but no reply came: the server may or may not have the message."""


def message_id(idempotency_key: str) -> str:
    """The Message-ID of a message: from its idempotency key, the same at every attempt."""
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "forum.local"
    return f"<{ATEXT.sub('.', idempotency_key).strip('.')}@{host}>"


def build_email(row: OutgoingMessage, readable: bool = False) -> EmailMessage:
    """The e-mail of an outbox row: text and HTML alternatives, the one-click unsubscribe headers
    (RFC 8058). `readable` keeps 8-bit bodies (outbox files a person opens)."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = row.to_address
    email["Subject"] = row.subject
    email["Date"] = format_datetime(row.created_at)
    email["Message-ID"] = message_id(row.idempotency_key)
    email["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email["Auto-Submitted"] = "auto-generated"

    def cte(body: str) -> str:
        return "8bit" if readable and max(map(len, body.splitlines() or [""])) <= 900 else "quoted-printable"

    email.set_content(row.body_text, cte=cte(row.body_text))
    email.add_alternative(row.body_html, subtype="html", cte=cte(row.body_html))
    return email


def data_payload(email: EmailMessage) -> bytes:
    """The DATA of a message: CRLF lines, dot-stuffed, WITHOUT the final « . » line."""
    payload = re.sub(rb"(?m)^\.", b"..", email.as_bytes(policy=WIRE))
    return payload if payload.endswith(b"\r\n") else payload + b"\r\n"


class SmtpSender:
    """One SMTP connection for a delivery run, opened on first use, reopened after an error."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None
        # Set when the server cannot be reached: the run stops there (the others wait, untouched).
        self.unreachable = False

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
        self.smtp = None

    def drop(self) -> None:
        """Close without QUIT: an unfinished DATA is thrown away by the server."""
        if self.smtp is not None:
            self.smtp.close()
        self.smtp = None

    def _connection(self) -> smtplib.SMTP:
        if self.smtp is None:
            self.smtp = mail.connect()
            # The final « . » is a tiny write of its own: without this, Nagle's algorithm holds it
            # until the server's delayed ACK of the body (~40 ms per message).
            self.smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.smtp.ehlo_or_helo_if_needed()
        return self.smtp

    def send(self, email: EmailMessage, handed_off) -> None:
        """Send one message; `handed_off()` is called (and commits) between the body and the final
        « . ». Raises TemporaryFailure, PermanentFailure, LostClaim."""
        payload = data_payload(email)
        sender = parseaddr(str(email["From"]))[1]
        recipient = parseaddr(str(email["To"]))[1]
        try:
            smtp = self._connection()
        except (smtplib.SMTPException, OSError) as exc:
            self.drop()
            self.unreachable = True
            raise TemporaryFailure(f"SMTP connection: {exc}"[:500]) from exc
        try:
            _expect(smtp, smtp.mail(sender), (250,), "MAIL FROM", permanent=False)
            _expect(smtp, smtp.rcpt(recipient), (250, 251), "RCPT TO")
            _expect(smtp, smtp.docmd("DATA"), (354,), "DATA")
            smtp.send(payload)
        except (smtplib.SMTPException, OSError) as exc:
            self.drop()
            raise TemporaryFailure(f"SMTP: {exc}"[:500]) from exc
        except (TemporaryFailure, PermanentFailure):
            self.drop()
            raise
        try:
            handed_off()
        except BaseException:
            self.drop()  # no final « . »: the server forgets the message
            raise
        try:
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            self.drop()
            raise Unanswered(str(exc)) from exc
        if code != 250:
            self.drop()
            _raise_for(code, reply, "end of DATA")


def _expect(smtp: smtplib.SMTP, answer: tuple[int, bytes], codes: tuple[int, ...], step: str,
            permanent: bool = True) -> None:
    code, reply = answer
    if code not in codes:
        _raise_for(code, reply, step, permanent)


def _raise_for(code: int, reply: bytes, step: str, permanent: bool = True) -> None:
    text = f"{step}: {code} {reply.decode('utf-8', 'replace')}"[:500]
    if permanent and 500 <= code < 600:
        raise PermanentFailure(text, refused_address=step == "RCPT TO" and code in REFUSED_RECIPIENT)
    raise TemporaryFailure(text)


def back_off(attempts: int) -> timedelta:
    """Wait before attempt `attempts` + 1: 1 min, 2, 4… at most 6 h."""
    return min(FIRST_RETRY * (2 ** max(0, min(attempts - 1, 20))), LONGEST_RETRY)


def _due(now: datetime):
    return or_(and_(OutgoingMessage.state == "pending", OutgoingMessage.next_attempt_at <= now),
               and_(OutgoingMessage.state == "sending", OutgoingMessage.lease_until < now))


def _next_due(now: datetime) -> int | None:
    """The oldest due message: first one whose worker died (lease over), else the next pending.
    Each query repeats the partial index's condition (MESSAGE_OPEN) so that SQLite uses it: the
    sent messages of months never get scanned."""
    abandoned = select(OutgoingMessage.id).where(
        MESSAGE_OPEN, OutgoingMessage.state == "sending", OutgoingMessage.lease_until < now)
    pending = select(OutgoingMessage.id).where(
        MESSAGE_OPEN, OutgoingMessage.state == "pending", OutgoingMessage.next_attempt_at <= now
    ).order_by(OutgoingMessage.next_attempt_at)
    for query in (abandoned, pending):
        found = db.session.scalar(query.limit(1))
        if found is not None:
            return found
    return None


def claim(now: datetime) -> OutgoingMessage | None:
    """Take the oldest due message for this worker (a conditional UPDATE, committed): two workers
    never hold the same one. A claimed message is not due any more (its lease runs)."""
    while True:
        candidate = _next_due(now)
        if candidate is None:
            db.session.commit()
            return None
        taken = db.session.execute(
            update(OutgoingMessage).where(OutgoingMessage.id == candidate, _due(now))
            .values(state="sending", lease_until=now + LEASE, attempts=OutgoingMessage.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if taken:
            return db.session.get(OutgoingMessage, candidate)


def _finish(row: OutgoingMessage, attempts: int, from_states: tuple[str, ...], **values) -> bool:
    """Move our claimed message on (only if nobody took it over since), committed."""
    done = db.session.execute(
        update(OutgoingMessage).where(OutgoingMessage.id == row.id, OutgoingMessage.state.in_(from_states),
                                      OutgoingMessage.attempts == attempts)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return bool(done)


def _deliver_one(row: OutgoingMessage, sender: SmtpSender | None, now: datetime, report: DeliveryReport) -> None:
    attempts, key = row.attempts, row.idempotency_key
    user = db.session.get(User, row.user_id) if row.user_id is not None else None
    if user is None or user.deleted_at is not None or user.email_refused_at is not None:
        _finish(row, attempts, ("sending",), state="failed", lease_until=None,
                last_error="Destinataire supprimé ou adresse refusée : message abandonné.")
        report.failed += 1
        return
    if attempts > MAX_ATTEMPTS:
        _finish(row, attempts, ("sending",), state="failed", lease_until=None,
                last_error=f"Abandonné après {MAX_ATTEMPTS} tentatives : {row.last_error or ''}"[:500])
        report.failed += 1
        return
    try:
        if sender is None:  # no SMTP server: the .eml file (same name at every attempt)
            mail.write_outbox(build_email(row, readable=True).as_bytes(policy=FILE),
                              f"{row.created_at:%Y%m%dT%H%M%S}-{ATEXT.sub('-', key).strip('-')}.eml")
        else:
            def handed_off() -> None:
                if not _finish(row, attempts, ("sending",), state="handed_off", lease_until=now + LEASE):
                    raise LostClaim(key)

            sender.send(build_email(row), handed_off)
    except LostClaim:
        log.warning("Message %s (%s) was taken over by another worker: not sent by this one", row.id, key)
        return
    except Unanswered as exc:
        log.warning("Message %s (%s) handed off but the server did not answer (%s): left handed_off, "
                    "never resent automatically", row.id, key, exc)
        return
    except PermanentFailure as exc:
        _finish(row, attempts, ("sending", "handed_off"), state="failed", lease_until=None, last_error=str(exc))
        if exc.refused_address:
            db.session.execute(update(User).where(User.id == user.id).values(email_refused_at=utcnow()))
            db.session.commit()
        log.warning("Message %s (%s) refused for good: %s", row.id, key, exc)
        report.failed += 1
        return
    except TemporaryFailure as exc:  # the server said « not now » (even after the final « . »)
        _retry_later(row, attempts, ("sending", "handed_off"), now, str(exc), report)
        return
    except Exception as exc:  # noqa: BLE001 - one bad message never stops the run
        log.exception("Message %s (%s) could not be sent", row.id, key)
        _retry_later(row, attempts, ("sending",), now, f"{type(exc).__name__}: {exc}", report)
        return
    if _finish(row, attempts, ("sending", "handed_off"), state="sent", sent_at=utcnow(), lease_until=None,
               last_error=None):
        report.sent += 1


def _retry_later(row: OutgoingMessage, attempts: int, from_states: tuple[str, ...], now: datetime, error: str,
                 report: DeliveryReport) -> None:
    delay = back_off(attempts)
    if _finish(row, attempts, from_states, state="pending", lease_until=None, next_attempt_at=now + delay,
               last_error=error[:500]):
        log.info("Message %s (%s) will be retried in %s: %s", row.id, row.idempotency_key, delay, error)
        report.retried += 1


def mark_uncertain(now: datetime) -> int:
    """Messages handed off whose worker never recorded the reply (killed after the final « . »):
    `uncertain`, never resent automatically. Returns how many."""
    rows = db.session.execute(select(OutgoingMessage.id, OutgoingMessage.idempotency_key).where(
        MESSAGE_OPEN, OutgoingMessage.state == "handed_off", OutgoingMessage.lease_until < now)).all()
    for row_id, key in rows:
        log.warning("Message %s (%s) was handed to the SMTP server but its answer was never recorded: "
                    "marked uncertain, not resent (see `flask --app forum mail status`)", row_id, key)
    if rows:
        db.session.execute(update(OutgoingMessage).where(OutgoingMessage.id.in_([r[0] for r in rows]),
                                                         OutgoingMessage.state == "handed_off")
                           .values(state="uncertain", lease_until=None,
                                   last_error="Remis au serveur SMTP sans réponse enregistrée : envoi incertain.")
                           .execution_options(synchronize_session=False))
    db.session.commit()
    return len(rows)


def deliver_pending(now: datetime | None = None, limit: int = MESSAGES_PER_RUN) -> DeliveryReport:
    """Compose the notification e-mails due, then deliver the due outbox messages one at a time.
    Commits as it goes; never raises for one bad message. Worker code (CLI, Huey task)."""
    fixed = now
    report = DeliveryReport()
    deferred.expand_pending()  # what a crash left before its notifications were written
    try:
        report.composed = compose.compose_pending(now)
    except Exception:  # noqa: BLE001 - delivery of what is queued goes on
        db.session.rollback()
        log.exception("Composing notification e-mails failed")
    report.uncertain = mark_uncertain(fixed or utcnow())
    sender = SmtpSender() if current_app.config.get("MAIL_SERVER") else None
    seen: set[int] = set()
    try:
        for _ in range(limit):
            moment = fixed or utcnow()
            row = claim(moment)
            if row is None or row.id in seen:
                break
            row_id = row.id
            seen.add(row_id)
            try:
                _deliver_one(row, sender, moment, report)
            except Exception:  # noqa: BLE001 - e.g. the database failed: the lease makes it retried later
                db.session.rollback()
                if sender is not None:
                    sender.drop()
                log.exception("Delivering message %s failed; it will be retried when its lease is over", row_id)
            if sender is not None and sender.unreachable:
                log.warning("SMTP server %s unreachable: the other messages wait for the next run",
                            current_app.config["MAIL_SERVER"])
                break
    finally:
        if sender is not None:
            sender.close()
    report.pending = db.session.scalar(select(func.count()).select_from(OutgoingMessage).where(
        MESSAGE_OPEN, OutgoingMessage.state.in_(("pending", "sending")))) or 0
    db.session.commit()
    return report


def status_counts() -> dict[str, int]:
    """Messages per state (every state of MESSAGE_STATES present, 0 when none)."""
    from forum.models.notifications import MESSAGE_STATES

    counts = dict(db.session.execute(select(OutgoingMessage.state, func.count())
                                     .group_by(OutgoingMessage.state)).all())
    return {state: counts.get(state, 0) for state in MESSAGE_STATES}


def troubled(limit: int = 50) -> list[OutgoingMessage]:
    """The uncertain and failed messages, newest first (for `mail status`)."""
    return list(db.session.scalars(select(OutgoingMessage).where(OutgoingMessage.state.in_(("uncertain", "failed")))
                                   .order_by(OutgoingMessage.id.desc()).limit(limit)))
