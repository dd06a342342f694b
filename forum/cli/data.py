"""Data commands: `sync-catalogue`, `seed-demo`, `import-dataset` and `recount`."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from forum.cli.errors import fail
from forum.extensions import db


@click.command("sync-catalogue")
def sync_catalogue() -> None:
    """Ajoute les forums et les éditeurs de forum/data/catalogue.json qui manquent (sans jamais de doublon)."""
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
    """Charge le catalogue et le contenu de démonstration (membres, sujets, votes), une seule fois."""
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
    click.echo(f"Comptes de démonstration (mot de passe pour tous : {demo.DEMO_PASSWORD}) :")
    for email, role, name in result.logins:
        click.echo(f"  {email:45} {role:32} {name}")


@click.command("import-dataset")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--workers", type=click.IntRange(1, 32), default=None,
              help="Processus pour la mise en forme Markdown (par défaut : nombre de cœurs).")
def import_dataset(directory: Path, workers: int | None) -> None:
    """Importe une seule fois le jeu de données de mesure écrit par make_dataset.py (JSON Lines)."""
    from forum import db_statistics
    from forum.services import dataset

    try:
        report = dataset.import_dataset(directory, progress=click.echo, workers=workers)
        db.session.commit()
        if not report.already:
            db_statistics.refresh()
    except dataset.DatasetError as exc:
        db.session.rollback()
        fail(exc.message)
    if report.already:
        click.echo("Ce jeu de données est déjà importé : rien à faire.")
        return
    counts = report.counts
    click.echo(f"Import terminé en {report.seconds:.1f} s : {counts['boards']} forums, {counts['users']} membres, "
               f"{counts['threads']} sujets, {counts['posts']} réponses, {counts['votes']} votes.")
    click.echo("Index de recherche non mis à jour : lancez « flask --app forum search reindex ».")


@click.command("recount")
@click.option("--check", is_flag=True, help="Lister les compteurs faux sans rien modifier (code 1 s'il y en a).")
def recount(check: bool) -> None:
    """Recalcule à partir des lignes les compteurs dénormalisés (réponses, sujets par type, messages)
    et les chiffres de classement des demandes (score, nombres, répartition des votes)."""
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
