"""Evolution requests: the ranked page, votes, statuses, merges. Views parse, call a service, commit."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request
from flask_login import login_required

from forum.extensions import db
from forum.models import STATUSES, Thread
from forum.services import boards as board_service
from forum.services import merges, ranking, reading, statuses, votes
from forum.services.errors import DomainError
from forum.services.policy import Action, require
from forum.services.thread_extras import thread_extras
from forum.web.paging import page_arg
from forum.web.request_forms import ActionForm, MergeForm, OfficialAnswerForm, StatusForm, VoteForm
from forum.web.submit import current_member, form_status, require_csrf, submit
from forum.web.threads import thread_url

bp = Blueprint("requests", __name__)

SORT_ARGS = {"rang": "rank", "recent": "recent", "votes": "votes"}


@bp.get("/b/<slug>/demandes")
def ranked(slug: str):
    board = board_service.get_board(slug)
    wanted = [s for s in request.args.getlist("statut") if s in STATUSES] or list(ranking.OPEN_STATUSES)
    sort = SORT_ARGS.get(request.args.get("tri", "rang"), "rank")
    mine = request.args.get("mes-votes") == "1" and current_member() is not None
    result = ranking.rank(board, wanted, sort, page_arg() or 1, per_page=25, voter=current_member() if mine else None)
    return render_template("requests/ranked.html", board=board, result=result, wanted=wanted, mine=mine,
                           sort_arg=request.args.get("tri", "rang"),
                           your_votes=votes.votes_of(current_member(), [row.thread.id for row in result.rows]))


@bp.post("/t/<int:thread_id>/vote")
@login_required
def vote(thread_id: int):
    thread = reading.get_live_thread(thread_id)
    form = VoteForm()
    require_csrf(form)
    return _vote_action(thread, lambda: votes.cast_vote(current_member(), thread, form.importance.data or ""),
                        "Votre vote est enregistré.")


@bp.post("/t/<int:thread_id>/vote/retirer")
@login_required
def withdraw_vote(thread_id: int):
    thread = reading.get_live_thread(thread_id)
    require_csrf(ActionForm())
    return _vote_action(thread, lambda: votes.withdraw_vote(current_member(), thread), "Votre vote est retiré.")


def _vote_action(thread: Thread, action: Callable[[], object], message: str):
    """Run a vote service and commit. Without script: flash and back to the panel (a refusal goes to
    the French error page). For votes.js (Accept: application/json): the panel as a reload would show
    it, with the message to show next to it, or the refusal's message and status."""
    script = request.accept_mimetypes.best == "application/json"
    try:
        action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if not script:
            raise
        return _panel_answer(thread, error.message, error.status_code, error={
            "status": error.status_code, "message": error.message, "request_id": g.get("request_id")})
    if script:
        return _panel_answer(thread, message)
    flash(message, "success")
    return redirect(thread_url(thread, anchor="votes"))


def _panel_answer(thread: Thread, message: str, status: int = 200, **extra: object):
    """The vote panel rendered by the page's own template, and its figures, as JSON for votes.js."""
    panel = thread_extras(thread, current_member())["requests_panel"]
    html = render_template("requests/_vote_panel.html", thread=thread, requests_panel=panel)
    return jsonify(score=panel.figures.score, vote_count=panel.figures.vote_count, your_vote=panel.your_vote,
                   message=message, panel=html, **extra), status


@bp.route("/t/<int:thread_id>/statut", methods=["GET", "POST"])
@login_required
def set_status(thread_id: int):
    thread = reading.get_live_thread(thread_id)
    form = StatusForm().limit_to(statuses.allowed_statuses(current_member(), thread))
    if form.validate_on_submit():
        if submit(form, lambda: statuses.set_status(current_member(), thread, form.status.data or "", form.note.data,
                                                    form.version.data, official=form.official.data)):
            flash(f"Statut changé : {STATUSES[thread.status]}.", "success")
            return redirect(thread_url(thread, anchor="statut"))
    elif request.method == "GET":
        require(current_member(), Action.SET_STATUS, thread)
    return render_template("requests/status_form.html", thread=thread, form=form), form_status(form)


@bp.route("/t/<int:thread_id>/reponse-officielle", methods=["GET", "POST"])
@login_required
def answer_officially(thread_id: int):
    thread = reading.get_live_thread(thread_id)
    form = OfficialAnswerForm()
    if form.validate_on_submit():
        if change := submit(form, lambda: statuses.answer_officially(current_member(), thread, form.note.data)):
            flash("Réponse officielle publiée ; le statut de la demande n'a pas changé.", "success")
            return redirect(thread_url(thread, anchor=f"reponse-{change.id}"))
    elif request.method == "GET":
        require(current_member(), Action.SET_STATUS, thread)
    return render_template("requests/answer_form.html", thread=thread, form=form), form_status(form)


@bp.route("/t/<int:thread_id>/fusionner", methods=["GET", "POST"])
@login_required
def merge(thread_id: int):
    source = reading.get_live_thread(thread_id)
    form = MergeForm()
    if form.validate_on_submit():
        if done := submit(form, lambda: _merge(source, form)):
            target, result = done
            flash(f"Demande fusionnée : {result.votes_moved} vote(s) reporté(s), "
                  f"{result.votes_already_present} votant(s) déjà présent(s).", "success")
            return redirect(thread_url(target))
    elif request.method == "GET":
        require(current_member(), Action.MERGE_REQUESTS, source)
    return render_template("requests/merge.html", thread=source, form=form), form_status(form)


def _merge(source: Thread, form: MergeForm):
    target = reading.chosen_merge_target(form.target_id.data, requests_only=True)
    return target, merges.merge_requests(current_member(), source, target, form.confirm_cross_board.data)
