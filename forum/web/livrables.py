"""Exports and livrables for editors: the export page and downloads of a board's ranked requests,
the livrable builder (draft, per-item notes, freeze), frozen livrables with their diff, downloads and
the editor's acknowledgement. Views parse, call forum.services.livrables, commit."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from forum import export
from forum.export.rows import PARIS
from forum.export.summaries import summaries
from forum.extensions import db
from forum.models._time import utcnow
from forum.services import boards as board_service
from forum.services import livrables, ranking
from forum.services.errors import NotFound
from forum.services.livrable_diff import diff_with_previous
from forum.services.policy import Action, can, require
from forum.web import confirmation
from forum.web.livrable_forms import DraftForm, ExportForm, NewLivrableForm, selection_from
from forum.web.request_forms import ActionForm
from forum.web.submit import current_member, form_status, submit

bp = Blueprint("livrables", __name__)


def _download(data: bytes, fmt: export.Format, name: str) -> Response:
    disposition = "inline" if fmt.name == "html" else "attachment"
    return Response(data, content_type=fmt.content_type, headers={
        "Content-Disposition": f'{disposition}; filename="{name}.{fmt.extension}"',
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


def _format(name: str) -> export.Format:
    try:
        return export.get_format(name)
    except export.UnknownFormat as error:
        raise NotFound(error.message) from None


@bp.get("/b/<slug>/demandes/export")
@login_required
def export_requests(slug: str):
    board = board_service.get_board(slug)
    require(current_member(), Action.EXPORT_REQUESTS, board)
    form = ExportForm(request.args)
    if not request.args.get("format") or not form.validate():
        return render_template("livrables/export.html", board=board, form=form, formats=export.FORMATS,
                               ), form_status(form)
    fmt, filters = _format(form.format.data), form.filters()
    rows = livrables.export_board_requests(current_member(), board, filters)
    data = export.write(rows, fmt.name, title=f"Demandes d'évolution – {board.name}", board=board.name,
                        generated_at=utcnow(), filters=filters.describe())
    return _download(data, fmt, f"demandes-{board.slug}-{datetime.now(PARIS):%Y-%m-%d}")


@bp.get("/livrables")
@login_required
def index():
    return render_template("livrables/index.html", livrables=livrables.list_livrables(current_member()))


@bp.route("/livrables/nouveau", methods=["GET", "POST"])
@login_required
def new():
    boards = livrables.manageable_boards(current_member())
    if not boards:
        require(current_member(), Action.MANAGE_LIVRABLES)
    form = NewLivrableForm()
    form.board.choices = [(b.slug, b.name) for b in boards]
    if request.method == "GET":
        form.board.data = request.args.get("forum")
        form.statut.data = form.statut.data or list(ranking.OPEN_STATUSES)
    if form.validate_on_submit() and (livrable := submit(form, lambda: livrables.create_draft(
            current_member(), board_service.get_board(form.board.data or ""), form.filters()))):
        flash(f"Brouillon préparé avec {len(livrable.items)} demande(s) : décochez celles à écarter.", "success")
        return redirect(url_for("livrables.show", livrable_id=livrable.id))
    return render_template("livrables/new.html", form=form), form_status(form)


def _render_draft(livrable, form: DraftForm, status: int = 200):
    return render_template("livrables/draft.html", livrable=livrable, form=form, live=livrables.live_rows(livrable),
                           filters=export.ExportFilters.from_dict(livrable.filters)), status


@bp.get("/livrables/<int:livrable_id>")
@login_required
def show(livrable_id: int):
    livrable = livrables.get_livrable(current_member(), livrable_id)
    if not livrable.is_frozen:
        return _render_draft(livrable, DraftForm(data={"introduction": livrable.introduction_source}))
    asks = summaries([item.thread_id for item in livrable.items if item.thread_id], at=livrable.frozen_at)
    return render_template("livrables/show.html", livrable=livrable, diff=diff_with_previous(livrable), summaries=asks,
                           formats=export.FORMATS, ack_form=ActionForm(),
                           can_acknowledge=can(current_member(), Action.ACKNOWLEDGE_LIVRABLE, livrable))


@bp.post("/livrables/<int:livrable_id>")
@login_required
def save(livrable_id: int):
    livrable = livrables.get_livrable(current_member(), livrable_id)
    form = DraftForm()
    if not form.validate_on_submit():
        return _render_draft(livrable, form, 400)
    if form.freeze.data and not confirmation.confirmed("freeze", livrable.id):
        return _ask_freeze(livrable, form)
    if not submit(form, lambda: _save(livrable, form)):
        return _render_draft(livrables.get_livrable(current_member(), livrable_id), form, form_status(form))
    flash(f"{livrable.title} figé." if livrable.is_frozen else "Brouillon enregistré.", "success")
    return redirect(url_for("livrables.show", livrable_id=livrable.id))


def _ask_freeze(livrable, form: DraftForm):
    """The confirmation step of « Figer ». The draft's fields are saved first (saving can be undone,
    so « Annuler » finds the draft as typed); the step repeats them for the freeze itself."""
    if not submit(form, lambda: livrables.update_draft(current_member(), livrable, form.introduction.data,
                                                       selection_from(request.form, livrable))):
        return _render_draft(livrables.get_livrable(current_member(), livrable.id), form, form_status(form))
    kept_ids = {int(v) for v in request.form.getlist("garder") if v.isdigit()}
    preview = confirmation.precheck(form, lambda: livrables.freeze_preview(current_member(), livrable, kept_ids))
    if preview is None:
        return _render_draft(livrable, form, 422)
    number, kept = preview
    moved = (" ; les demandes nouvelles ou à l'étude passeront au statut « Transmise à l'éditeur »"
             if form.move_to_transmise.data else "")
    return confirmation.ask("freeze", livrable.id, confirmation.Step(
        title="Figer et transmettre le livrable",
        sentence=f"Le livrable n° {number} de {livrable.board.name} sera figé avec {kept} demande"
                 f"{'s' if kept > 1 else ''} et transmis à l'éditeur{moved} ; il ne pourra plus être modifié.",
        button=f"Figer le livrable n° {number}", action_url=url_for("livrables.save", livrable_id=livrable.id),
        cancel_url=url_for("livrables.show", livrable_id=livrable.id)))


def _save(livrable, form: DraftForm) -> None:
    livrables.update_draft(current_member(), livrable, form.introduction.data, selection_from(request.form, livrable))
    if form.freeze.data:
        livrables.freeze(current_member(), livrable, move_to_transmise=form.move_to_transmise.data,
                         notes_public=form.notes_public.data)


@bp.post("/livrables/<int:livrable_id>/supprimer")
@login_required
def delete(livrable_id: int):
    livrable = livrables.get_livrable(current_member(), livrable_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("livrables.show", livrable_id=livrable_id))
    livrables.delete_draft(current_member(), livrable)
    db.session.commit()
    flash("Brouillon supprimé.", "success")
    return redirect(url_for("livrables.index"))


@bp.post("/livrables/<int:livrable_id>/accuse-reception")
@login_required
def acknowledge(livrable_id: int):
    livrable = livrables.get_livrable(current_member(), livrable_id)
    if ActionForm().validate_on_submit():
        livrables.acknowledge(current_member(), livrable)
        db.session.commit()
        flash("Réception du livrable confirmée.", "success")
    return redirect(url_for("livrables.show", livrable_id=livrable_id))


@bp.get("/livrables/<int:livrable_id>/export.<fmt>")
@login_required
def download(livrable_id: int, fmt: str):
    livrable = livrables.get_livrable(current_member(), livrable_id)
    if not livrable.is_frozen:
        raise NotFound("Seul un livrable figé peut être téléchargé.")
    fmt_ = _format(fmt)
    data = export.write(export.rows_from_livrable(livrable), fmt_.name, title=livrable.title,
                        board=livrable.board.name, generated_at=livrable.frozen_at,
                        filters=export.ExportFilters.from_dict(livrable.filters).describe(),
                        introduction=livrable.introduction_source, introduction_html=livrable.introduction_html,
                        with_notes=True, evolution=diff_with_previous(livrable))
    return _download(data, fmt_, f"livrable-{livrable.board.slug}-{livrable.number}")
