"""`digest send`: the club's letter, a thin shell over forum.services.notify.letters.send_letters."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from forum.models.notifications import LETTER_PERIODS

digest_cli = AppGroup("digest", help="La lettre du club : résumé périodique de chaque forum, envoyé aux membres abonnés.")


@digest_cli.command("send")
@click.option("--period", type=click.Choice(list(LETTER_PERIODS)), required=True,
              help="Période de la lettre : weekly (chaque semaine) ou biweekly (toutes les deux semaines).")
@click.option("--now", "immediate", is_flag=True,
              help="Arrêter la période à minuit ce matin au lieu du dernier lundi, et écrire aussi aux membres "
                   "qui ont déjà reçu une lettre depuis (jamais deux fois la même lettre le même jour).")
def send_command(period: str, immediate: bool) -> None:
    """Prépare la lettre de chaque forum pour la période écoulée (jusqu'au dernier lundi, minuit,
    heure de Paris) et met dans la file d'envoi la lettre de chaque membre abonné qui a du nouveau.
    Relancer la commande ne crée ni lettre ni e-mail en double. L'envoi lui-même est fait par le
    worker ou par « mail deliver »."""
    from forum.services.notify.letters import send_letters
    from forum.web.filters import plural

    report = send_letters(period, force=immediate)
    line = ", ".join([plural(report.board_letters, "lettre de forum", "lettres de forum"),
                      plural(report.queued, "lettre envoyée à la file", "lettres envoyées à la file"),
                      plural(report.nothing_new, "membre sans nouveauté", "membres sans nouveauté")])
    if report.already_sent:
        line += ", " + plural(report.already_sent, "déjà envoyée aujourd'hui", "déjà envoyées aujourd'hui")
    click.echo(f"{line} ({report.period.label}).")
