"""The editors' public record: /editeurs/ (all editors side by side, sortable, CSV/XLSX) and
/editeurs/<slug> (one editor). Figures from forum.services.editor_record."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, render_template, request

from forum.export import editors_table
from forum.export.rows import PARIS
from forum.services import editor_record

bp = Blueprint("editors", __name__)

HEADERS = [("nom", "Éditeur"), ("transmises", "Demandes transmises"), ("reponse30", "Réponse sous 30 j"),
           ("reponse90", "Réponse sous 90 j"), ("mediane", "Délai médian transmise → décision"),
           ("tenus", "Engagements tenus"), ("livres_en_retard", "Livrés en retard"), ("repousses", "Repoussés"),
           ("en_retard", "En retard")]


def _sorting() -> tuple[str, bool]:
    sort = request.args.get("tri", "nom")
    if sort not in editor_record.SORT_KEYS:
        sort = "nom"
    return sort, request.args.get("ordre") == "desc"


@bp.get("/editeurs/")
def index():
    sort, descending = _sorting()
    rows = editor_record.all_editors(sort, descending)
    return render_template("editors/index.html", rows=rows, headers=HEADERS, sort=sort, descending=descending,
                           percent=editor_record.percent, days_text=editor_record.days_text)


@bp.get("/editeurs/export.<fmt>")
def export_table(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    sort, descending = _sorting()
    rows = editor_record.all_editors(sort, descending)
    if fmt == "csv":
        data, content_type = editors_table.write_csv(rows), editors_table.CSV_CONTENT_TYPE
    else:
        data, content_type = editors_table.write_xlsx(rows), editors_table.XLSX_CONTENT_TYPE
    name = f"editeurs-{datetime.now(PARIS):%Y-%m-%d}.{fmt}"
    return Response(data, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff"})


@bp.get("/editeurs/<slug>")
def show(slug: str):
    record = editor_record.record(slug)
    return render_template("editors/show.html", record=record, figures=record.figures,
                           percent=editor_record.percent, days_text=editor_record.days_text)
