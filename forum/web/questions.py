"""Questions: accepting an answer as the solution and withdrawing it. Views parse, call a service, commit."""
from __future__ import annotations

from flask import Blueprint, flash, redirect
from flask_login import login_required

from forum.extensions import db
from forum.services import questions as question_service
from forum.services import reading
from forum.web.request_forms import ActionForm
from forum.web.submit import current_member, require_csrf
from forum.web.threads import thread_url

bp = Blueprint("questions", __name__)


@bp.post("/p/<int:post_id>/accepter")
@login_required
def accept_answer(post_id: int):
    post = reading.find_post(post_id)
    require_csrf(ActionForm())
    thread = reading.get_live_thread(post.thread_id)
    question_service.accept_answer(current_member(), thread, post)
    db.session.commit()
    flash("Réponse acceptée comme solution.", "success")
    return redirect(thread_url(thread, anchor=f"p{post.id}"))


@bp.post("/t/<int:thread_id>/solution/retirer")
@login_required
def unaccept_answer(thread_id: int):
    thread = reading.get_live_thread(thread_id)
    require_csrf(ActionForm())
    question_service.unaccept_answer(current_member(), thread)
    db.session.commit()
    flash("La solution n'est plus marquée comme acceptée.", "success")
    return redirect(thread_url(thread))
