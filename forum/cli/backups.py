"""`backup` and `restore`: thin shells over forum.services.backup (SQLite database, search index and
the uploaded files of the directory storage)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app

from forum.cli.errors import fail


def _index_root() -> Path:
    return Path(current_app.config["SEARCH_INDEX_DIR"])


@click.command("backup")
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="Répertoire de la sauvegarde (nouveau ou vide ; par défaut instance/backups/<date>).")
def backup_command(output: Path | None) -> None:
    """Copie la base SQLite (API de sauvegarde en ligne : sans arrêter l'application), l'index de
    recherche et les fichiers envoyés (stockage dans un répertoire ; un compartiment S3 se sauvegarde
    avec les outils du fournisseur), avec un manifest.json des nombres de lignes et des empreintes
    SHA-256. Pour PostgreSQL, utilisez pg_dump."""
    from forum.services import backup
    from forum.services.file_store import current_storage

    if output is None:
        output = Path(current_app.instance_path) / "backups" / datetime.now().strftime("forum-%Y%m%d-%H%M%S")
    try:
        report = backup.backup(current_app.config["SQLALCHEMY_DATABASE_URI"], _index_root(), output,
                               files=current_storage())
    except backup.BackupError as exc:
        fail(exc.message)
    manifest = report.manifest
    counts = ", ".join(f"{value} {name}" for name, value in manifest["counts"].items())
    size = sum(f["size"] for f in manifest["files"].values())
    click.echo(f"Sauvegarde écrite dans {report.directory} ({size / 1_000_000:.1f} Mo) : {counts}.")
    click.echo(f"Révision du schéma : {manifest['schema_revision'] or 'inconnue'} ; "
               f"index : {manifest['search_index_generation'] or 'absent'}.")
    if manifest.get("stored_files") is not None:
        click.echo(f"Fichiers envoyés copiés : {manifest['stored_files']}.")
    for warning in report.warnings:
        click.echo(f"Attention : {warning}")
    click.echo(f"Pour restaurer : flask --app forum restore {report.directory} --yes")


@click.command("restore")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Remplacer la base et l'index actuels sans demander.")
def restore_command(directory: Path, yes: bool) -> None:
    """Vérifie les empreintes d'une sauvegarde, puis remet en place sa base et son index de recherche.

    Arrêtez l'application avant si possible (sinon redémarrez ses workers après) ; la commande
    applique ensuite les mises à jour de l'index qui étaient en attente lors de la sauvegarde."""
    from forum import search
    from forum.extensions import db
    from forum.services import backup
    from forum.services.file_store import current_storage

    try:
        report = backup.restore(directory, current_app.config["SQLALCHEMY_DATABASE_URI"], _index_root(),
                                overwrite=yes, files=current_storage())
    except backup.BackupError as exc:
        fail(exc.message)
    db.engine.dispose()  # connections opened before the restore must not serve old pages
    manifest = report.manifest
    counts = ", ".join(f"{value} {name}" for name, value in manifest["counts"].items())
    click.echo(f"Base restaurée dans {report.database} depuis la sauvegarde du {manifest['created_at']} : {counts}.")
    if report.stored_files:
        click.echo(f"Fichiers envoyés restaurés : {report.stored_files}.")
    for warning in report.warnings:
        click.echo(f"Attention : {warning}")
    if report.index_generation:
        click.echo(f"Index restauré ({report.index_generation}) ; mises à jour en attente appliquées : "
                   f"{search.apply_pending()}.")
    click.echo("Étapes suivantes : redémarrez les workers de l'application (par exemple « kill -HUP <pid "
               "du maître gunicorn> ») pour qu'ils rouvrent la base et l'index, puis vérifiez avec "
               "« flask --app forum recount --check » et « flask --app forum search status ».")
