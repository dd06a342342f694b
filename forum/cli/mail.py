"""`worker` (the delivery and schedule process, Huey) and `mail deliver|status`: thin shells over
forum.services.notify.tasks and forum.services.notify.delivery."""
from __future__ import annotations

import logging
import sys

import click
from flask import current_app
from flask.cli import AppGroup

STATE_LABELS = {
    "pending": "en attente", "sending": "en cours d'envoi", "handed_off": "remis au serveur, réponse attendue",
    "sent": "envoyés", "failed": "échecs définitifs", "uncertain": "envoi incertain",
}


def _log_to_stderr() -> None:
    """INFO lines of the worker on standard error (journald keeps them under systemd)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(logging.INFO)


@click.command("worker")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 16),
              help="Nombre de fils d'exécution des tâches.")
def worker_command(threads: int) -> None:
    """Lance le worker (Huey) : envoi des e-mails de notification et de la lettre du club, balayage de
    la file d'envoi toutes les MAIL_SWEEP_SECONDS secondes, lettre le lundi à 7 h (heure de Paris).
    Tourne jusqu'à SIGTERM ou Ctrl-C (le message en cours est terminé). Sans MAIL_SERVER, les
    e-mails sont écrits dans instance/outbox/."""
    from forum.services.notify import tasks

    _log_to_stderr()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    consumer = tasks.make_consumer(app, workers=threads)
    where = app.config.get("TASK_QUEUE_URL") or "instance/tasks.sqlite3"
    logging.getLogger(__name__).info(
        "Worker started: queue %s, %s thread(s), sweep every %s s, mail %s", where.split("@")[-1], threads,
        app.config.get("MAIL_SWEEP_SECONDS"),
        f"by SMTP to {app.config['MAIL_SERVER']}" if app.config.get("MAIL_SERVER")
        else f"written to {app.config['MAIL_OUTBOX_DIR']}")
    consumer.run()


mail_cli = AppGroup("mail", help="E-mails du forum : envoyer ce qui attend, voir l'état de la file d'envoi.")


@mail_cli.command("deliver")
def deliver_command() -> None:
    """Compose les e-mails de notification dus et envoie une fois tout ce qui attend dans la file
    d'envoi, puis s'arrête (pour cron et les tests). Code de sortie 0, ou 1 si des messages étaient
    à envoyer et qu'aucun n'a pu partir (serveur SMTP injoignable ou refusant pour le moment : ils
    restent en attente). Les refus définitifs sont listés par « mail status »."""
    from forum.services.notify.delivery import deliver_pending

    report = deliver_pending()
    click.echo(f"{report.sent} envoyés, {report.pending} en attente, {report.failed} échecs"
               + (f" ({report.composed} e-mails de notification composés)" if report.composed else "")
               + (f" ; {report.uncertain} envois incertains" if report.uncertain else "") + ".")
    if report.retried and not report.sent:
        sys.exit(1)


@mail_cli.command("status")
def status_command() -> None:
    """Nombre de messages de la file d'envoi par état, puis les envois incertains et les échecs
    (les plus récents d'abord)."""
    from forum.services.notify.delivery import status_counts, troubled

    for state, count in status_counts().items():
        click.echo(f"{STATE_LABELS[state]} : {count}")
    rows = troubled()
    if rows:
        click.echo("")
        click.echo("Envois incertains et échecs :")
    for row in rows:
        click.echo(f"- n° {row.id} [{STATE_LABELS[row.state]}] {row.created_at:%Y-%m-%d %H:%M} UTC, "
                   f"{row.attempts} tentative(s), à {row.to_address} : {row.subject}")
        if row.last_error:
            click.echo(f"    {row.last_error}")
