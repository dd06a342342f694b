"""Evolution requests: the ranked page, votes, statuses, merges. Views parse, call a service, commit."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request
from flask_login import login_required

from forum.extensions import db
from forum.models import STATUSES, Thread
from forum.services import boards as board_service
from forum.services import merges, ranking, reading, statuses, votes
from forum.services.policy import Action, require
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
    your_vote = votes.cast_vote(current_member(), thread, form.importance.data or "").importance
    db.session.commit()  # expires the vote: another tab may withdraw it as soon as this commits
    if request.accept_mimetypes.best == "application/json":
        return jsonify(score=thread.score, vote_count=thread.vote_count, your_vote=your_vote)
    flash("Votre vote est enregistré.", "success")
    return redirect(thread_url(thread, anchor="votes"))


@bp.post("/t/<int:thread_id>/vote/retirer")
@login_required
def withdraw_vote(thread_id: int):
    thread = reading.get_live_thread(thread_id)
    require_csrf(ActionForm())
    votes.withdraw_vote(current_member(), thread)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(score=thread.score, vote_count=thread.vote_count, your_vote=None)
    flash("Votre vote est retiré.", "success")
    return redirect(thread_url(thread, anchor="votes"))


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
