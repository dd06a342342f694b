"""All `flask --app forum …` commands, each a thin shell over a service."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from forum.extensions import db


def register_cli(app: Flask) -> None:
    from forum import backup_commands
    from forum.export.commands import export_requests
    from forum.moderation_commands import set_moderator_scope
    from forum.search.commands import search_cli

    app.cli.add_command(create_user)
    app.cli.add_command(set_moderator_scope)
    app.cli.add_command(search_cli)
    app.cli.add_command(export_requests)
    for command in (sync_catalogue, seed_demo, import_dataset, recount):
        app.cli.add_command(command)
    app.cli.add_command(backup_commands.backup_command)
    app.cli.add_command(backup_commands.restore_command)


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["member", "moderator", "editor", "admin"]), default="member",
              show_default=True, help="Rôle du compte.")
@click.option("--editor", "editor_slug", help="Éditeur représenté (obligatoire pour --role editor).")
@click.option("--name", "display_name", help="Nom affiché (par défaut, la partie avant @).")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard.")
def create_user(email: str, role: str, editor_slug: str | None, display_name: str | None,
                password_stdin: bool) -> None:
    """Create an account (admins, moderators, editor representatives). Password prompted or from stdin."""
    from forum.services.accounts import create_account_from_cli
    from forum.services.errors import DomainError

    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    try:
        user = create_account_from_cli(email, password, role=role, editor_slug=editor_slug,
                                       display_name=display_name)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        click.echo(f"Erreur : {exc.message}", err=True)
        sys.exit(2)
    click.echo(f"Compte créé : {user.email} ({user.role})")


@click.command("sync-catalogue")
def sync_catalogue() -> None:
    """Add the boards and editors of forum/data/catalogue.json that are missing (never duplicates)."""
    from forum.services import catalogue

    result = catalogue.sync()
    db.session.commit()
    if not result.changed:
        click.echo("Catalogue déjà à jour : rien à faire.")
        return
    click.echo(f"Catalogue synchronisé : {len(result.editors_created)} éditeur(s) et "
               f"{len(result.boards_created)} forum(s) ajoutés ({', '.join(result.boards_created)}).")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True,
              help="Ne charger que si la base ne contient encore aucun sujet (utilisé par make run).")
def seed_demo(if_empty: bool) -> None:
    """Load the catalogue and the French demo content (members, threads, votes) once."""
    from forum.services import demo

    result = demo.seed(if_empty=if_empty)
    db.session.commit()
    if result.reason == "already":
        click.echo("Données de démonstration déjà chargées : rien à faire.")
        return
    if result.reason == "not_empty":
        click.echo("La base contient déjà des sujets : données de démonstration non chargées.")
        return
    _apply_search_queue()
    counts = ", ".join(f"{value} {name}" for name, value in result.counts.items())
    click.echo(f"Données de démonstration chargées : {counts}.")
    for name in result.skipped:
        click.echo(f"Attention : service forum.services.{name} absent, cette partie n'a pas été chargée.")
    click.echo(f"Comptes de démonstration (mot de passe pour tous : {demo.DEMO_PASSWORD}) :")
    for email, role, name in result.logins:
        click.echo(f"  {email:45} {role:32} {name}")


@click.command("import-dataset")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--workers", type=click.IntRange(1, 32), default=None,
              help="Processus pour la mise en forme Markdown (par défaut : nombre de cœurs).")
def import_dataset(directory: Path, workers: int | None) -> None:
    """Import a benchmark data set written by make_dataset.py (JSON Lines), once."""
    from forum import db_statistics
    from forum.services import dataset

    try:
        report = dataset.import_dataset(directory, progress=click.echo, workers=workers)
        db.session.commit()
        if not report.already:
            db_statistics.refresh()
    except dataset.DatasetError as exc:
        db.session.rollback()
        click.echo(f"Erreur : {exc.message}", err=True)
        sys.exit(2)
    if report.already:
        click.echo("Ce jeu de données est déjà importé : rien à faire.")
        return
    counts = report.counts
    click.echo(f"Import terminé en {report.seconds:.1f} s : {counts['boards']} forums, {counts['users']} membres, "
               f"{counts['threads']} sujets, {counts['posts']} réponses, {counts['votes']} votes.")
    for note in report.notes:
        click.echo(note)
    click.echo("Index de recherche non mis à jour : lancez « flask --app forum search reindex ».")


@click.command("recount")
@click.option("--check", is_flag=True, help="Lister les compteurs faux sans rien modifier (code 1 s'il y en a).")
def recount(check: bool) -> None:
    """Recompute the denormalised counters (replies, threads per kind, posts) and the requests'
    ranking figures (score, counts, breakdowns of the votes) from the rows."""
    from forum.services import counters, ranking

    if check:
        problems = counters.counter_mismatches() + ranking.stored_figures_mismatches()
        for problem in problems:
            click.echo(problem)
        click.echo(f"{len(problems)} compteur(s) faux.")
        sys.exit(1 if problems else 0)
    totals = counters.recount_all()
    requests = ranking.refresh_scores()
    db.session.commit()
    click.echo(f"Compteurs recalculés : {totals['boards']} forums, {totals['threads']} sujets, "
               f"{totals['users']} membres ; chiffres de {requests} demandes.")


def _apply_search_queue() -> None:
    """Apply the index updates queued by the commands' writes (the web does it after each request)."""
    from forum import search

    try:
        search.apply_pending()
    except Exception as exc:  # the index may be missing: the database is right, say how to fix it
        click.echo(f"Index de recherche non mis à jour ({exc}) : lancez « flask --app forum search reindex ».")
