"""Draft endpoints: the composer's autosave (JSON) and the « Supprimer le brouillon » buttons."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_login import login_required
from werkzeug.exceptions import NotFound

from forum.extensions import db
from forum.models import Thread
from forum.services import boards as board_service
from forum.services import drafts
from forum.services.errors import ValidationError
from forum.web.filters import french_datetime
from forum.web.submit import current_member

bp = Blueprint("drafts", __name__, url_prefix="/brouillon")


def _thread(thread_id: int) -> Thread:
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        raise NotFound("Ce sujet n'existe pas.")
    return thread


def _saved(draft) -> tuple:
    db.session.commit()
    when = french_datetime(draft.updated_at) if draft else ""
    return jsonify(saved=True, message=f"Brouillon enregistré le {when}" if draft else "Brouillon vide supprimé")


def _refused(error: ValidationError):
    db.session.rollback()
    return jsonify(saved=False, message=error.message), 422


@bp.post("/sujet/<int:thread_id>")
@login_required
def save_reply(thread_id: int):
    member, thread = current_member(), _thread(thread_id)
    reason = drafts.stale_reason(member, thread)
    if reason:  # the thread cannot receive this reply any more: never keep it
        drafts.discard(member, thread)
        db.session.commit()
        return jsonify(saved=False, message=reason), 409 if reason == drafts.STALE_LOCKED else 404
    try:
        return _saved(drafts.save(member, thread, request.form.get("body", "")))
    except ValidationError as error:
        return _refused(error)


@bp.post("/forum/<slug>")
@login_required
def save_new_thread(slug: str):
    board, form = board_service.get_board(slug), request.form
    try:
        return _saved(drafts.save(current_member(), board, form.get("body", ""), title=form.get("title"),
                                  kind=form.get("kind"), software_version=form.get("software_version")))
    except ValidationError as error:
        return _refused(error)


@bp.post("/sujet/<int:thread_id>/supprimer")
@login_required
def discard_reply(thread_id: int):
    thread = _thread(thread_id)
    drafts.discard(current_member(), thread)
    db.session.commit()
    flash("Brouillon supprimé.", "success")
    return redirect(url_for("threads.show", thread_id=thread.id, slug=thread.slug, _anchor="repondre-titre"))


@bp.post("/forum/<slug>/supprimer")
@login_required
def discard_new_thread(slug: str):
    board = board_service.get_board(slug)
    drafts.discard(current_member(), board)
    db.session.commit()
    flash("Brouillon supprimé.", "success")
    return redirect(url_for("threads.new", slug=board.slug))
