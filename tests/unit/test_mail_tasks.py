"""The worker's side: a commit that queued e-mail wakes the task queue (and a queue that is down
never breaks the request), the letter's schedule in Paris time, `mail deliver` and `mail status`."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, OutgoingMessage, Post
from forum.models._time import utcnow
from forum.services.notify import outbox, tasks
from tests.factories import make_thread, make_user
from tests.live_server import free_port

PORTS = range(5150, 5160)


def queue(user, key: str = "test:1", subject: str = "Un message de test") -> bool:
    return outbox.queue_message(user, "notifications", key, subject, "Texte", "<p>HTML</p>", "notifications")


def test_a_commit_that_queued_mail_wakes_the_worker_and_a_rollback_does_not(app):
    member = make_user()
    db.session.commit()
    huey = tasks.task_queue(app).huey
    huey.flush()
    assert queue(member, "test:rolled-back")
    db.session.rollback()
    assert huey.pending_count() == 0
    assert queue(member, "test:committed")
    db.session.commit()
    assert [task.name for task in huey.pending()] == ["deliver"]


def test_a_burst_of_commits_asks_for_one_delivery_run_per_slot(app, monkeypatch):
    huey = tasks.task_queue(app).huey
    huey.flush()
    monkeypatch.setattr(tasks, "_woken_slot", None)
    moments = iter([1001.0, 1003.0, 1008.5, 1015.0])
    monkeypatch.setattr(tasks.time, "time", lambda: next(moments))
    for _ in range(3):  # three replies within seconds: their mail is due in the same 10-second slot
        tasks.wake_delivery(120)
    assert huey.pending_count() == 1
    tasks.wake_delivery(120)  # later: the next slot
    assert huey.pending_count() == 2


def test_a_task_queue_that_is_down_never_breaks_the_request_that_woke_it(app, client, login, caplog):
    app.config["TASK_QUEUE_URL"] = f"redis://127.0.0.1:{free_port(PORTS)}/0"  # nothing listens there
    author, replier = make_user(), make_user()
    thread = make_thread(author=author, title="Sujet suivi par son auteur")
    login(replier)
    with caplog.at_level(logging.WARNING, logger="forum.services.notify.tasks"):
        response = client.post(f"/t/{thread.id}/repondre", data={"body": "Une réponse malgré Redis arrêté."})
    assert response.status_code == 302
    assert db.session.scalar(select(Post).where(Post.body_source == "Une réponse malgré Redis arrêté.")) is not None
    assert db.session.scalar(select(Notification).where(Notification.user_id == author.id)).email_state == "pending"
    assert "Could not wake the delivery worker" in caplog.text


def test_the_letters_go_on_monday_at_seven_paris_time_summer_and_winter():
    winter_monday, summer_monday = datetime(2026, 11, 30, 6, 0), datetime(2026, 6, 1, 5, 0)  # naive UTC
    assert tasks.is_weekly_letter_time(winter_monday) and tasks.is_weekly_letter_time(summer_monday)
    assert not tasks.is_weekly_letter_time(datetime(2026, 11, 30, 7, 0))  # 08:00 in Paris
    assert not tasks.is_weekly_letter_time(datetime(2026, 12, 1, 6, 0))  # a Tuesday
    assert not tasks.is_weekly_letter_time(datetime(2026, 11, 30, 6, 1))
    next_monday = datetime(2026, 12, 7, 6, 0)
    assert tasks.is_biweekly_letter_time(winter_monday) != tasks.is_biweekly_letter_time(next_monday)
    assert tasks.is_weekly_letter_time(winter_monday.replace(tzinfo=UTC))


def test_mail_deliver_prints_what_it_did_and_mail_status_lists_the_failures(app, runner, tmp_path):
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    member, gone = make_user(), make_user(email="partie@example.org")
    queue(member, "test:ok")
    queue(gone, "test:gone", "Message pour un compte supprimé")
    db.session.commit()
    gone.deleted_at = utcnow()
    db.session.commit()

    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 envoyés, 0 en attente, 1 échecs."
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1

    status = runner.invoke(args=["mail", "status"])
    assert status.exit_code == 0
    assert "envoyés : 1" in status.output and "échecs définitifs : 1" in status.output
    assert "à partie@example.org : Message pour un compte supprimé" in status.output


def test_mail_deliver_exits_1_when_the_smtp_server_cannot_be_reached(app, runner):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(PORTS), MAIL_USE_TLS=False, MAIL_TIMEOUT=2)
    queue(make_user())
    db.session.commit()
    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 1
    assert result.output.strip() == "0 envoyés, 1 en attente, 0 échecs."
    row = db.session.scalar(select(OutgoingMessage))
    assert (row.state, row.attempts) == ("pending", 1) and "Connection refused" in row.last_error
