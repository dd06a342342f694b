"""The document base pages: the general base and each board's, a document with its history, and
the forms to share, replace, edit, publish and delete. Views parse, call forum.services.documents,
commit, render."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from forum.extensions import db
from forum.files.check import format_size
from forum.files.types import ALL_TYPES
from forum.models.documents import DOCUMENT_CATEGORIES
from forum.services import boards
from forum.services import documents as service
from forum.services.errors import PermissionDenied
from forum.services.policy import Action, require
from forum.web import confirmation
from forum.web.document_forms import DocumentDetailsForm, NewVersionForm, ShareDocumentForm, upload_of
from forum.web.request_forms import ActionForm
from forum.web.security import accepts_files
from forum.web.submit import current_member, form_status, require_csrf, submit

bp = Blueprint("documents", __name__)
TYPE_LABELS = {file_type.extension: file_type.label for file_type in ALL_TYPES}


@bp.app_context_processor
def _document_helpers() -> dict:
    return {"DOCUMENT_CATEGORIES": DOCUMENT_CATEGORIES, "format_size": format_size, "type_label": TYPE_LABELS.get}


@bp.get("/documents")
def index():
    return _listing(None)


@bp.get("/b/<slug>/documents")
def board_index(slug: str):
    return _listing(boards.get_board(slug))


def _listing(board):
    q, category = request.args.get("q", "")[:200], request.args.get("categorie", "")
    member = current_member()
    listing = service.list_documents(member, board, q=q, category=category)
    board_counts = service.board_document_counts(member) if board is None else []
    return render_template("documents/index.html", board=board, listing=listing, q=q, category=category,
                           board_counts=board_counts)


@bp.get("/documents/<int:document_id>")
def show(document_id: int):
    try:
        page = service.document_page(current_member(), document_id)
    except PermissionDenied:
        if current_member() is None:  # members-only: the log-in invitation, then back here
            return current_app.login_manager.unauthorized()
        raise
    return render_template("documents/show.html", page=page, form=ActionForm())


@bp.route("/documents/partager", methods=["GET", "POST"])
@accepts_files
@login_required
def share():
    return _share(None)


@bp.route("/b/<slug>/documents/partager", methods=["GET", "POST"])
@accepts_files
@login_required
def share_on_board(slug: str):
    return _share(boards.get_board(slug))


def _share(board):
    form = ShareDocumentForm()
    if not form.is_submitted():
        require(current_member(), Action.SHARE_DOCUMENT, board)
    document, status = _submit(form, lambda: service.share_document(
        current_member(), board, form.fields(), upload_of(form.file)))
    if document is None:
        return render_template("documents/share.html", form=form, board=board), status
    flash("Votre document est partagé.", "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.route("/documents/<int:document_id>/nouvelle-version", methods=["GET", "POST"])
@accepts_files
@login_required
def new_version(document_id: int):
    document = service.get_document(document_id)
    require(current_member(), Action.MANAGE_DOCUMENT, document)
    form = NewVersionForm()
    version, status = _submit(form, lambda: service.add_version(
        current_member(), document, upload_of(form.file), form.note.data))
    if version is None:
        return render_template("documents/new_version.html", form=form, document=document), status
    flash(f"La version {version.number} est publiée ; les précédentes restent dans l'historique.", "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.route("/documents/<int:document_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(document_id: int):
    document = service.get_document(document_id)
    require(current_member(), Action.MANAGE_DOCUMENT, document)
    form = DocumentDetailsForm(obj=document if request.method == "GET" else None)
    done, status = _submit(form, lambda: service.edit_document(current_member(), document, form.fields()))
    if done is None:
        return render_template("documents/edit.html", form=form, document=document), status
    flash("Le document est modifié.", "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.post("/documents/<int:document_id>/public")
@login_required
def publish(document_id: int):
    document = service.get_document(document_id)
    require_csrf(ActionForm())
    public = request.form.get("public") == "1"
    service.set_public(current_member(), document, public)
    db.session.commit()
    flash("Le document est public." if public else "Le document est réservé aux membres.", "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.post("/documents/<int:document_id>/supprimer")
@login_required
def delete(document_id: int):
    document = service.get_document(document_id)
    require_csrf(ActionForm())
    if not confirmation.confirmed("delete_document", document.id):
        require(current_member(), Action.MANAGE_DOCUMENT, document)
        back = url_for("documents.show", document_id=document.id)
        versions = f" et ses {document.version_count} versions" if document.version_count > 1 else ""
        return confirmation.ask("delete_document", document.id, confirmation.Step(
            title="Supprimer le document", button="Supprimer le document", action_url=request.path, cancel_url=back,
            sentence=f"Le document « {document.title} »{versions} ne sera plus proposé ni téléchargeable ; "
                     f"ses fichiers seront effacés dans {current_app.config['FILE_GRACE_DAYS']} jours."))
    board = service.delete_document(current_member(), document)
    db.session.commit()
    flash("Le document est supprimé.", "success")
    return redirect(url_for("documents.board_index", slug=board.slug) if board else url_for("documents.index"))


def _submit(form, action: Callable):
    """(result, 200) once `action` ran and was committed; (None, status) for a form to show again:
    not submitted yet (200) or refused (the error's status — 422, 413 for a file too large, 429 over
    the quota — with its message next to its field)."""
    if not form.validate_on_submit():
        return None, form_status(form)
    result = submit(form, action)
    return result, (200 if result else form_status(form))
