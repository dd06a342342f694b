"""`files check` and `files sweep`: the stored files against their rows, and the purge of deleted
files past their grace period; thin shells over forum.services.file_lifecycle."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from forum.cli.errors import fail
from forum.extensions import db
from forum.storage import StorageError

files_cli = AppGroup("files", help="Les fichiers envoyés (images, documents) : vérification et purge.")


@files_cli.command("check")
@click.option("--delete-orphans", is_flag=True,
              help="Supprimer les objets stockés qu'aucune ligne ne nomme, s'ils ont plus d'une heure "
                   "(les plus récents peuvent être des envois en cours).")
def check_command(delete_orphans: bool) -> None:
    """Compare le stockage des fichiers et la base : objets sans ligne (fichiers ou aperçus) et
    lignes dont l'objet manque. Code de sortie 1 s'il y en a, 0 sinon."""
    from forum.services import file_lifecycle

    try:
        report = file_lifecycle.check(delete_orphans=delete_orphans)
    except StorageError as exc:
        fail(exc.message)
    for key in report.orphan_objects:
        state = " (supprimé)" if key in report.deleted_orphans else ""
        click.echo(f"Objet sans ligne : {key}{state}")
    for attachment_id, key in report.missing_objects:
        click.echo(f"Ligne sans objet : fichier n° {attachment_id}, clé {key}")
    click.echo(f"{len(report.orphan_objects)} objet(s) sans ligne, {len(report.missing_objects)} ligne(s) sans "
               f"objet, {len(report.deleted_orphans)} objet(s) supprimé(s).")
    if report.problems:
        sys.exit(1)


@files_cli.command("sweep")
def sweep_command() -> None:
    """Purge les fichiers supprimés depuis plus de FILE_GRACE_DAYS jours : les objets du stockage,
    puis leurs lignes. Sans danger à relancer ; un fichier que le stockage n'a pas pu effacer est
    repris à la prochaine purge (le worker la fait chaque nuit)."""
    from forum.services import file_lifecycle

    report = file_lifecycle.purge()
    db.session.commit()
    days = current_app.config["FILE_GRACE_DAYS"]
    click.echo(f"{report.purged} fichier(s) purgé(s) (supprimés depuis plus de {days} jours), "
               f"{report.failed} à reprendre.")
