"""A software board's roadmap and version pages, and the moderators' merge of version spellings.
Views parse, call a service (forum.services.roadmap, forum.services.versions), commit, render."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from forum.models import Board
from forum.services import boards as board_service
from forum.services import roadmap as roadmap_service
from forum.services import versions as version_service
from forum.services.policy import Action, can
from forum.web.submit import current_member, form_status, require_csrf, submit

bp = Blueprint("roadmap", __name__)


class MergeVersionsForm(FlaskForm):
    # validate_choice=False: an empty, identical or unknown choice is refused by the service in French.
    alias = SelectField("Orthographe à fusionner", validate_choice=False)
    version = SelectField("dans la version", validate_choice=False)
    submit = SubmitField("Fusionner")


def _has_software(board: Board) -> bool:
    """Roadmaps and versions concern a software board: one with an editor, not the general forum."""
    return board.editor_id is not None and not board.is_general


def _no_software(board: Board, page: str):
    return render_template("roadmap/no_software.html", board=board, page=page)


@bp.get("/b/<slug>/feuille-de-route")
def show_roadmap(slug: str):
    board = board_service.get_board(slug)
    if not _has_software(board):
        return _no_software(board, "Feuille de route")
    return render_template("roadmap/show.html", board=board, roadmap=roadmap_service.build(board),
                           window=roadmap_service.WINDOW_MONTHS)


def _versions_page(board: Board, form: MergeVersionsForm, status: int = 200):
    known = version_service.known_versions(board)
    choices = [("", "— choisir —")] + [(v.name, v.name) for v in known]
    form.alias.choices, form.version.choices = choices, choices
    return render_template("roadmap/versions.html", board=board, versions=known, form=form,
                           can_merge=can(current_member(), Action.MODERATE, board)), status


@bp.get("/b/<slug>/versions/")
def list_versions(slug: str):
    board = board_service.get_board(slug)
    if not _has_software(board):
        return _no_software(board, "Versions")
    return _versions_page(board, MergeVersionsForm())


@bp.post("/b/<slug>/versions/fusionner")
@login_required
def merge_versions(slug: str):
    board = board_service.get_board(slug)
    form = MergeVersionsForm()
    require_csrf(form)
    merged = submit(form, lambda: version_service.merge_spelling(current_member(), board, form.alias.data,
                                                                 form.version.data))
    if not merged:
        return _versions_page(board, form, form_status(form))
    flash(f"« {merged.alias} » est désormais comptée avec la version {merged.version}.", "success")
    return redirect(url_for("roadmap.list_versions", slug=board.slug))


@bp.get("/b/<slug>/versions/<path:version>")
def show_version(slug: str, version: str):
    board = board_service.get_board(slug)
    if not _has_software(board):
        return _no_software(board, "Versions")
    page = version_service.version_page(board, version)
    if page.version.name != version:  # « v5.3 » or a merged spelling: the canonical address
        return redirect(url_for("roadmap.show_version", slug=board.slug, version=page.version.name), 301)
    return render_template("roadmap/version.html", board=board, page=page)
