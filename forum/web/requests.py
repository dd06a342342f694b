"""Evolution requests: the ranked page, votes, statuses, merges. Views parse, call a service, commit."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from forum.extensions import db
from forum.models import STATUSES, Thread
from forum.services import boards as board_service
from forum.services import merges, ranking, reading, statuses, votes
from forum.services.errors import DomainError
from forum.services.policy import Action, require
from forum.services.thread_extras import thread_extras
from forum.web import confirmation
from forum.web.auth import safe_next
from forum.web.commitments import set_status_target
from forum.web.paging import page_arg
from forum.web.ranked_rows import RankedView, filled, ranked_content
from forum.web.request_forms import ActionForm, MergeForm, OfficialAnswerForm, StatusForm, VoteForm
from forum.web.submit import current_member, form_status, require_csrf, submit
from forum.web.threads import thread_url

bp = Blueprint("requests", __name__)

SORT_ARGS = {"rang": "rank", "recent": "recent", "votes": "votes"}


@bp.get("/b/<slug>/demandes")
def ranked(slug: str):
    board = board_service.get_board(slug)
    member = current_member()
    view = RankedView(wanted=[s for s in request.args.getlist("statut") if s in STATUSES] or list(ranking.OPEN_STATUSES),
                      sort=SORT_ARGS.get(request.args.get("tri", "rang"), "rank"), sort_arg=request.args.get("tri", "rang"),
                      page=page_arg() or 1, mine=request.args.get("mes-votes") == "1" and member is not None)
    content = ranked_content(board, member, view)
    return render_template("requests/ranked.html", board=board, content=filled(content, board, member))


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
    """Run a vote service and commit. Without script: the message next to the toggle or panel acted
    on (flash category « vote-<id> ») and back there: a list row (its anchor, from a same-site
    `next`) or the panel (a refusal goes to the French error page). For votes.js (Accept:
    application/json): the fragment acted on as a reload would show it, with the message to show
    next to it, or the refusal's message and status."""
    script = request.accept_mimetypes.best == "application/json"
    view = request.form.get("vue") if request.form.get("vue") in ("liste", "classement") else "panneau"
    back = (safe_next(request.form.get("next")) or "").split("#")[0]
    try:
        action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if not script:
            raise
        return _panel_answer(thread, error.message, error.status_code, view, back, error={
            "status": error.status_code, "message": error.message, "request_id": g.get("request_id")})
    if script:
        return _panel_answer(thread, message, 200, view, back)
    flash(message, f"vote-{thread.id}")
    if view != "panneau" and back:
        return redirect(f"{back}#demande-{thread.id}")
    return redirect(thread_url(thread, anchor="votes"))


def _panel_answer(thread: Thread, message: str, status: int = 200, view: str = "panneau", back: str = "",
                  **extra: object):
    """The fragment acted on (panel, ranked row or list toggle) rendered by the page's own template,
    and its figures, as JSON for votes.js."""
    panel = thread_extras(thread, current_member())["requests_panel"]
    toggle = votes.toggles(current_member(), [thread])[thread.id]
    if view == "panneau":
        html = render_template("requests/_vote_panel.html", thread=thread, requests_panel=panel, toggle=toggle)
    elif view == "classement":
        rank = request.form.get("rang", "")
        row = ranking.RankedRow(rank=int(rank) if rank.isdigit() else 0, thread=thread,
                                figures=panel.figures, last_answer=ranking.last_official_answers([thread.id]).get(thread.id))
        html = render_template("requests/_vote_toggle.html", fragment=view, row=row, state=toggle, next=back)
    else:
        html = render_template("requests/_vote_toggle.html", fragment=view, thread=thread, state=toggle, next=back)
    return jsonify(score=panel.figures.score, vote_count=panel.figures.vote_count, your_vote=panel.your_vote,
                   message=message, panel=html, **extra), status


@bp.route("/t/<int:thread_id>/statut", methods=["GET", "POST"])
@login_required
def set_status(thread_id: int):
    thread = reading.get_live_thread(thread_id)
    form = StatusForm().limit_to(statuses.allowed_statuses(current_member(), thread))
    if form.validate_on_submit():
        if submit(form, lambda: _set_status(thread, form)):
            flash(f"Statut changé : {STATUSES[thread.status]}.", "success")
            return redirect(thread_url(thread, anchor="statut"))
    elif request.method == "GET":
        require(current_member(), Action.SET_STATUS, thread)
    return render_template("requests/status_form.html", thread=thread, form=form), form_status(form)


def _set_status(thread: Thread, form: StatusForm) -> None:
    """The status, then (for « Planifiée ») the target typed with it, in one transaction."""
    statuses.set_status(current_member(), thread, form.status.data or "", form.note.data, form.version.data,
                        official=form.official.data)
    if thread.status == "planifiee":
        set_status_target(thread, form.target_version.data, form.target_period.data)


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
        if not confirmation.confirmed("merge_requests", source.id):
            if step := confirmation.precheck(form, lambda: _merge_step(source, form)):
                return confirmation.ask("merge_requests", source.id, step)
        elif done := submit(form, lambda: _merge(source, form)):
            target, result = done
            flash(f"Demande fusionnée : {result.votes_moved} vote(s) reporté(s), "
                  f"{result.votes_already_present} votant(s) déjà présent(s).", "success")
            return redirect(thread_url(target))
    elif request.method == "GET":
        require(current_member(), Action.MERGE_REQUESTS, source)
    return render_template("requests/merge.html", thread=source, form=form), form_status(form)


def _merge_step(source: Thread, form: MergeForm) -> confirmation.Step:
    """What merging will do, checked as merge_requests would (its errors go on the form)."""
    target = reading.chosen_merge_target(form.target_id.data, requests_only=True)
    merges.check_merge(current_member(), source, target, form.confirm_cross_board.data)
    added, present = merges.merge_preview(source, target)
    total, there = added + present, f"la n° {target.id} « {target.title} »"
    votes = (f"Les {total} votes de la demande n° {source.id} seront reportés sur {there}" if total > 1 else
             f"Le vote de la demande n° {source.id} sera reporté sur {there}" if total else
             f"La demande n° {source.id} n'a aucun vote à reporter sur {there}")
    already = f" ({present} de ses votants y vote{'nt' if present > 1 else ''} déjà)" if present else ""
    return confirmation.Step(
        title="Fusionner la demande en doublon",
        sentence=f"{votes}{already} ; la n° {source.id} « {source.title} » sera fermée comme doublon.",
        button=f"Fusionner dans la n° {target.id}", action_url=url_for("requests.merge", thread_id=source.id),
        cancel_url=thread_url(source))


def _merge(source: Thread, form: MergeForm):
    target = reading.chosen_merge_target(form.target_id.data, requests_only=True)
    return target, merges.merge_requests(current_member(), source, target, form.confirm_cross_board.data)
