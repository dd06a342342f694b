"""`flask --app forum search …` commands: reindex, status, apply."""
from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

search_cli = AppGroup("search", help="Index de recherche.")


@search_cli.command("reindex")
@click.option("--quiet", is_flag=True, help="Ne pas afficher la progression.")
@click.option("--if-missing", is_flag=True,
              help="Ne reconstruire que si l'index est absent ou illisible (utilisé par make run).")
def reindex_command(quiet: bool, if_missing: bool) -> None:
    """Rebuild the search index from the database beside the live one, then swap it in atomically."""
    from forum.search import ReindexError, reindex, status

    if if_missing and status()["error"] is None:
        click.echo("Index de recherche présent : rien à reconstruire.")
        return
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        if quiet:
            return
        percent = 100 * done // total if total else 100
        click.echo(f"\rIndexation : {done}/{total} sujets ({percent} %)", nl=False, err=True)

    try:
        count = reindex(progress=progress)
    except ReindexError as exc:
        click.echo(f"Erreur : {exc.message}", err=True)
        sys.exit(2)
    if not quiet:
        click.echo("", err=True)
    click.echo(f"Index reconstruit : {count} sujets en {time.monotonic() - started:.1f} s.")


@search_cli.command("status")
def status_command() -> None:
    """Show the live index, its document count, the visible threads and the queued updates."""
    from forum.search import status

    info = status()
    click.echo(f"Répertoire : {info['directory']}")
    if info["error"]:
        click.echo(f"Index : indisponible ({info['error']}). Lancez `flask --app forum search reindex`.")
    else:
        click.echo(f"Index : {info['generation']}, {info['documents']} documents")
    click.echo(f"Sujets visibles en base : {info['threads']}")
    click.echo(f"Mises à jour en attente : {info['pending']}")


@search_cli.command("apply")
def apply_command() -> None:
    """Apply the queued index updates now (normally done after each request)."""
    from forum.search import apply_pending

    click.echo(f"Mises à jour appliquées : {apply_pending()}")
