"""`flask --app forum backup` and `restore`: thin shells over forum.services.backup."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask import current_app


def _index_root() -> Path:
    return Path(current_app.config["SEARCH_INDEX_DIR"])


def _fail(message: str) -> None:
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(2)


@click.command("backup")
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="Répertoire de la sauvegarde (nouveau ou vide ; par défaut instance/backups/<date>).")
def backup_command(output: Path | None) -> None:
    """Copy the SQLite database (online backup API, safe while the app runs) and the search index,
    with a manifest.json of counts and SHA-256 checksums. PostgreSQL: use pg_dump instead."""
    from forum.services import backup

    if output is None:
        output = Path(current_app.instance_path) / "backups" / datetime.now().strftime("forum-%Y%m%d-%H%M%S")
    try:
        report = backup.backup(current_app.config["SQLALCHEMY_DATABASE_URI"], _index_root(), output)
    except backup.BackupError as exc:
        _fail(exc.message)
    manifest = report.manifest
    counts = ", ".join(f"{value} {name}" for name, value in manifest["counts"].items())
    size = sum(f["size"] for f in manifest["files"].values())
    click.echo(f"Sauvegarde écrite dans {report.directory} ({size / 1_000_000:.1f} Mo) : {counts}.")
    click.echo(f"Révision du schéma : {manifest['schema_revision'] or 'inconnue'} ; "
               f"index : {manifest['search_index_generation'] or 'absent'}.")
    for warning in report.warnings:
        click.echo(f"Attention : {warning}")
    click.echo(f"Pour restaurer : flask --app forum restore {report.directory} --yes")


@click.command("restore")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Remplacer la base et l'index actuels sans demander.")
def restore_command(directory: Path, yes: bool) -> None:
    """Check a backup's checksums, then put its database and search index back in place.

    Stop the app first if you can (or restart its workers afterwards), then apply the index
    updates that were queued when the backup was taken."""
    from forum import search
    from forum.extensions import db
    from forum.services import backup

    try:
        report = backup.restore(directory, current_app.config["SQLALCHEMY_DATABASE_URI"], _index_root(),
                                overwrite=yes)
    except backup.BackupError as exc:
        _fail(exc.message)
    db.engine.dispose()  # connections opened before the restore must not serve old pages
    manifest = report.manifest
    counts = ", ".join(f"{value} {name}" for name, value in manifest["counts"].items())
    click.echo(f"Base restaurée dans {report.database} depuis la sauvegarde du {manifest['created_at']} : {counts}.")
    for warning in report.warnings:
        click.echo(f"Attention : {warning}")
    if report.index_generation:
        click.echo(f"Index restauré ({report.index_generation}) ; mises à jour en attente appliquées : "
                   f"{search.apply_pending()}.")
    click.echo("Étapes suivantes : redémarrez les workers de l'application (par exemple « kill -HUP <pid "
               "du maître gunicorn> ») pour qu'ils rouvrent la base et l'index, puis vérifiez avec "
               "« flask --app forum recount --check » et « flask --app forum search status ».")
