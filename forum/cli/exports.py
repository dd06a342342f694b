"""`export-requests`: a board's ranked requests in any export format, to a file or stdout."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app

from forum.cli.errors import fail
from forum.models import STATUSES


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} attend une date AAAA-MM-JJ (reçu « {value} »).")


@click.command("export-requests")
@click.option("--board", "slug", required=True, help="Forum (slug, ex. chorus).")
@click.option("--format", "fmt", required=True, help="csv, xlsx, md, json ou html.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier à écrire (par défaut : la sortie standard).")
@click.option("--status", "statuses", multiple=True,
              help="Statut à inclure (répétable ou séparé par des virgules ; défaut : tous sauf doublon).")
@click.option("--min-score", type=int, help="Score minimal.")
@click.option("--created-from", help="Créées à partir du (AAAA-MM-JJ).")
@click.option("--created-to", help="Créées jusqu'au (AAAA-MM-JJ).")
@click.option("--active-from", help="Actives à partir du (AAAA-MM-JJ).")
@click.option("--active-to", help="Actives jusqu'au (AAAA-MM-JJ).")
def export_requests(slug: str, fmt: str, output: Path | None, statuses: tuple[str, ...], min_score: int | None,
                    created_from: str | None, created_to: str | None, active_from: str | None,
                    active_to: str | None) -> None:
    """Exporte les demandes classées d'un forum (chiffres agrégés seulement) en CSV, XLSX, Markdown,
    JSON ou HTML imprimable.

    Les liens pointent vers PUBLIC_BASE_URL (par défaut http://127.0.0.1:5000, l'adresse de make run)."""
    from forum import export
    from forum.models._time import utcnow
    from forum.services import boards
    from forum.services.errors import NotFound

    if fmt not in export.FORMATS:
        fail(export.UnknownFormat(fmt).message)
    wanted = tuple(s.strip() for raw in statuses for s in raw.split(",") if s.strip())
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        fail(f"statut inconnu : {', '.join(unknown)}. Statuts possibles : {', '.join(STATUSES)}.")
    try:
        board = boards.get_board(slug)
    except NotFound:
        fail(f"le forum « {slug} » n'existe pas.")
    filters = export.ExportFilters(
        statuses=wanted or export.ExportFilters().statuses, min_score=min_score,
        created_from=_day(created_from, "--created-from"), created_to=_day(created_to, "--created-to"),
        active_from=_day(active_from, "--active-from"), active_to=_day(active_to, "--active-to"))
    # Links come from PUBLIC_BASE_URL (forum.web.urls); the request context serves the templates.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        rows = export.board_rows(board, filters)
        data = export.write(rows, fmt, title=f"Demandes d'évolution – {board.name}", board=board.name,
                            generated_at=utcnow(), filters=filters.describe())
    if output is None:
        click.echo(data, nl=False)
        return
    output.write_bytes(data)
    click.echo(f"{len(rows)} demande(s) exportée(s) dans {output}.", err=True)
