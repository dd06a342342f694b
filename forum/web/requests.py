"""Evolution requests: the ranked page, votes, statuses, merges; tips' "utile" marks and
confirmations; accepted answers; the editor space. Views parse, call a service, commit."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request
from flask_login import current_user, login_required
from werkzeug.exceptions import BadRequest

from forum.extensions import db
from forum.models import STATUSES, Post, Thread
from forum.services import boards as board_service
from forum.services import editor_space, merges, questions, ranking, statuses, tips, votes
from forum.services.errors import NotFound, ValidationError
from forum.services.policy import Action, require
from forum.web.paging import page_arg
from forum.web.request_forms import ActionForm, ConfirmTipForm, MergeForm, StatusForm, VoteForm
from forum.web.thread_forms import attach_error
from forum.web.threads import thread_url

bp = Blueprint("requests", __name__)

SORT_ARGS = {"rang": "rank", "recent": "recent", "votes": "votes"}


def _user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _thread(thread_id: int) -> Thread:
    thread = db.session.get(Thread, thread_id)
    if thread is None or thread.deleted_at is not None:
        raise NotFound("Ce sujet n'existe pas ou a été supprimé.")
    return thread


def _checked(form) -> None:
    """Plain action forms only fail on CSRF: answer 400 like Flask-WTF would."""
    if not form.validate_on_submit():
        raise BadRequest("The CSRF token is missing or invalid.")


@bp.get("/b/<slug>/demandes")
def ranked(slug: str):
    board = board_service.get_board(slug)
    wanted = [s for s in request.args.getlist("statut") if s in STATUSES] or list(ranking.OPEN_STATUSES)
    sort = SORT_ARGS.get(request.args.get("tri", "rang"), "rank")
    mine = request.args.get("mes-votes") == "1" and _user() is not None
    result = ranking.rank(board, wanted, sort, page_arg() or 1, per_page=25, voter=_user() if mine else None)
    return render_template("requests/ranked.html", board=board, result=result, wanted=wanted, mine=mine,
                           sort_arg=request.args.get("tri", "rang"),
                           your_votes=votes.votes_of(_user(), [row.thread.id for row in result.rows]))


@bp.post("/t/<int:thread_id>/vote")
@login_required
def vote(thread_id: int):
    thread = _thread(thread_id)
    form = VoteForm()
    _checked(form)
    your_vote = votes.cast_vote(_user(), thread, form.importance.data or "").importance
    db.session.commit()  # expires the vote: another tab may withdraw it as soon as this commits
    if request.accept_mimetypes.best == "application/json":
        return jsonify(score=thread.score, vote_count=thread.vote_count, your_vote=your_vote)
    flash("Votre vote est enregistré.", "success")
    return redirect(thread_url(thread, anchor="votes"))


@bp.post("/t/<int:thread_id>/vote/retirer")
@login_required
def withdraw_vote(thread_id: int):
    thread = _thread(thread_id)
    _checked(ActionForm())
    votes.withdraw_vote(_user(), thread)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(score=thread.score, vote_count=thread.vote_count, your_vote=None)
    flash("Votre vote est retiré.", "success")
    return redirect(thread_url(thread, anchor="votes"))


@bp.route("/t/<int:thread_id>/statut", methods=["GET", "POST"])
@login_required
def set_status(thread_id: int):
    thread = _thread(thread_id)
    form = StatusForm().limit_to(statuses.allowed_statuses(_user(), thread))
    if form.validate_on_submit():
        try:
            statuses.set_status(_user(), thread, form.status.data or "", form.note.data, form.version.data,
                                official=form.official.data)
        except ValidationError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"Statut changé : {STATUSES[thread.status]}.", "success")
            return redirect(thread_url(thread, anchor="statut"))
    elif request.method == "GET":
        require(_user(), Action.SET_STATUS, thread)
    return render_template("requests/status_form.html", thread=thread, form=form), 422 if form.errors else 200


@bp.route("/t/<int:thread_id>/fusionner", methods=["GET", "POST"])
@login_required
def merge(thread_id: int):
    source = _thread(thread_id)
    form = MergeForm()
    if form.validate_on_submit():
        try:
            target = db.session.get(Thread, form.target_id.data or 0)
            if target is None:
                raise ValidationError("target_id", "Indiquez le numéro d'une demande existante.")
            result = merges.merge_requests(_user(), source, target, form.confirm_cross_board.data)
        except ValidationError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"Demande fusionnée : {result.votes_moved} vote(s) reporté(s), "
                  f"{result.votes_already_present} votant(s) déjà présent(s).", "success")
            return redirect(thread_url(target))
    elif request.method == "GET":
        require(_user(), Action.MERGE_REQUESTS, source)
    return render_template("requests/merge.html", thread=source, form=form), 422 if form.errors else 200


@bp.post("/t/<int:thread_id>/utile")
@login_required
def mark_useful(thread_id: int):
    thread = _thread(thread_id)
    _checked(ActionForm())
    tips.mark_useful(_user(), thread)
    db.session.commit()
    return redirect(thread_url(thread, anchor="utile"))


@bp.post("/t/<int:thread_id>/utile/retirer")
@login_required
def unmark_useful(thread_id: int):
    thread = _thread(thread_id)
    _checked(ActionForm())
    tips.unmark_useful(_user(), thread)
    db.session.commit()
    return redirect(thread_url(thread, anchor="utile"))


@bp.post("/t/<int:thread_id>/confirmer")
@login_required
def confirm_tip(thread_id: int):
    thread = _thread(thread_id)
    form = ConfirmTipForm()
    _checked(form)
    try:
        tips.confirm_tip(_user(), thread, form.version.data)
    except ValidationError as error:
        db.session.rollback()
        attach_error(form, error)
        return render_template("requests/confirm_tip.html", thread=thread, form=form), 422
    db.session.commit()
    flash("Merci : votre confirmation est enregistrée.", "success")
    return redirect(thread_url(thread, anchor="confirmations"))


@bp.post("/p/<int:post_id>/accepter")
@login_required
def accept_answer(post_id: int):
    post = db.session.get(Post, post_id)
    if post is None:
        raise NotFound("Ce message n'existe pas.")
    _checked(ActionForm())
    thread = _thread(post.thread_id)
    questions.accept_answer(_user(), thread, post)
    db.session.commit()
    flash("Réponse acceptée comme solution.", "success")
    return redirect(thread_url(thread, anchor=f"p{post.id}"))


@bp.post("/t/<int:thread_id>/solution/retirer")
@login_required
def unaccept_answer(thread_id: int):
    thread = _thread(thread_id)
    _checked(ActionForm())
    questions.unaccept_answer(_user(), thread)
    db.session.commit()
    flash("La solution n'est plus marquée comme acceptée.", "success")
    return redirect(thread_url(thread))


@bp.get("/editeur", endpoint="editor_space")
@login_required
def editor_space_page():
    overview = editor_space.overview(_user())
    return render_template("requests/editor_space.html", overview=overview,
                           median=editor_space.format_delay(overview.median_first_answer))
