"""`flask --app forum search …` commands: reindex, status, apply."""
from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

search_cli = AppGroup("search", help="Index de recherche.")


def _fail(message: str) -> None:
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(2)


def _index_dir_problem() -> str | None:
    """What prevents writing the Whoosh index (a file where its directory should be…), or None."""
    from forum.search.whoosh import storage

    if (current_app.config.get("SEARCH_BACKEND") or "whoosh") != "whoosh":
        return None
    return storage.unusable_root(storage.root_dir(current_app.config))


@search_cli.command("reindex")
@click.option("--quiet", is_flag=True, help="Ne pas afficher la progression.")
@click.option("--if-missing", is_flag=True,
              help="Ne reconstruire que si l'index est absent ou illisible (utilisé par make run).")
def reindex_command(quiet: bool, if_missing: bool) -> None:
    """Reconstruit l'index de recherche depuis la base, à côté de l'index en service, puis le remplace d'un coup."""
    from forum.search import ReindexError, reindex, status

    if if_missing and status()["error"] is None:
        click.echo("Index de recherche présent : rien à reconstruire.")
        return
    problem = _index_dir_problem()
    if problem:
        _fail(problem)
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        if quiet:
            return
        percent = 100 * done // total if total else 100
        click.echo(f"\rIndexation : {done}/{total} sujets ({percent} %)", nl=False, err=True)

    try:
        count = reindex(progress=progress)
    except ReindexError as exc:
        _fail(exc.message)
    except OSError as exc:  # the disk refused: full, read-only, removed meanwhile…
        _fail(f"impossible d'écrire l'index de recherche : {exc}.")
    if not quiet:
        click.echo("", err=True)
    click.echo(f"Index reconstruit : {count} sujets en {time.monotonic() - started:.1f} s.")


@search_cli.command("status")
def status_command() -> None:
    """Affiche l'index en service, son nombre de documents, les sujets visibles et les mises à jour en attente."""
    from forum.search import status

    info = status()
    click.echo(f"Répertoire : {info['directory']}")
    problem = _index_dir_problem()
    if problem:
        click.echo(f"Problème : {problem}")
    if info["error"]:
        click.echo(f"Index : indisponible ({info['error']}). Lancez `flask --app forum search reindex`.")
    else:
        click.echo(f"Index : {info['generation']}, {info['documents']} documents")
    click.echo(f"Sujets visibles en base : {info['threads']}")
    click.echo(f"Mises à jour en attente : {info['pending']}")


@search_cli.command("apply")
def apply_command() -> None:
    """Applique maintenant les mises à jour de l'index en attente (faites d'habitude après chaque requête)."""
    from forum.search import apply_pending

    click.echo(f"Mises à jour appliquées : {apply_pending()}")
