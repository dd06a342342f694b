"""Moderation pages: the report queue, reporting a post, thread and post actions (pin, lock, move,
change kind, hide, restore, edit, merge), suspensions and the audit journal. Views parse the form,
call a service (which checks the moderator's scope), commit, redirect or re-render with 422."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from forum.extensions import db
from forum.models import KINDS, REPORT_REASONS, Thread
from forum.models._time import utcnow
from forum.services import accounts, audit, moderation, reading, reports, suspensions
from forum.services import boards as board_service
from forum.services.errors import ValidationError
from forum.services.policy import Action, can, require, suspended_until, suspension_message
from forum.web import confirmation
from forum.web.filters import french_datetime
from forum.web.moderation_forms import (
    KindForm,
    MergeThreadsForm,
    ModeratorEditForm,
    MoveForm,
    ReasonForm,
    ReportForm,
    ResolveForm,
    SuspendForm,
)
from forum.web.paging import page_arg, parse_id
from forum.web.submit import current_member, form_status, submit
from forum.web.threads import post_url, thread_url

bp = Blueprint("moderation", __name__)

# URL word -> (service call, message once done, whether the page asks for a required reason).
THREAD_ACTIONS = {
    "epingler": (lambda u, t, r: moderation.switch_thread(u, t, "pin", r), "Sujet épinglé.", False),
    "desepingler": (lambda u, t, r: moderation.switch_thread(u, t, "unpin", r), "Sujet désépinglé.", False),
    "verrouiller": (lambda u, t, r: moderation.switch_thread(u, t, "lock", r), "Sujet verrouillé.", False),
    "deverrouiller": (lambda u, t, r: moderation.switch_thread(u, t, "unlock", r), "Sujet déverrouillé.", False),
    "masquer": (moderation.hide_thread, "Sujet masqué : seuls les modérateurs le voient.", True),
    "restaurer": (moderation.restore_thread, "Sujet restauré.", False),
}
POST_ACTIONS = {
    "masquer": (moderation.hide_post, "Message masqué.", True),
    "restaurer": (moderation.restore_post, "Message restauré.", False),
}


@bp.app_context_processor
def moderation_globals() -> dict:
    """For base.html: the open-report badge and the suspension notice."""
    def notice() -> str | None:
        user = current_member()
        return suspension_message(user) if suspended_until(user) is not None else None
    return {"open_report_count": lambda: reports.open_report_count(current_member()), "suspension_notice": notice}


def _render(template: str, form, **context):
    return render_template(template, form=form, **context), form_status(form)


@bp.get("/moderation")
@login_required
def queue():
    return render_template("moderation/queue.html", items=reports.open_reports(current_member()), form=ResolveForm(),
                           errors={}, kept={})


@bp.post("/moderation/signalements/<int:report_id>")
@login_required
def resolve_report(report_id: int):
    report = reports.get_report(report_id)
    form = ResolveForm()
    try:
        closed = reports.resolve_report(current_member(), report, form.resolution.data, hide_post=form.hide_post.data)
    except ValidationError as error:
        db.session.rollback()
        return render_template("moderation/queue.html", items=reports.open_reports(current_member()),
                               form=ResolveForm(),
                               errors={report_id: error.message}, kept={report_id: form.resolution.data}), 422
    db.session.commit()
    flash(f"Signalement traité ({closed} signalement{'s' if closed > 1 else ''} clos sur ce message).", "success")
    return redirect(url_for("moderation.queue"))


@bp.route("/p/<int:post_id>/signaler", methods=["GET", "POST"])
@login_required
def report_post(post_id: int):
    post = reading.get_post(post_id, current_member())
    require(current_member(), Action.REPORT_POST, post)
    form = ReportForm()
    if form.validate_on_submit() and submit(form, lambda: reports.report_post(
            current_member(), post, form.reason.data or "", form.comment.data)):
        flash("Merci : le message a été signalé aux modérateurs.", "success")
        return redirect(post_url(post))
    return _render("moderation/report.html", form, post=post, thread=post.thread)


@bp.route("/t/<int:thread_id>/moderation/<action>", methods=["GET", "POST"])
@login_required
def thread_action(thread_id: int, action: str):
    if action not in THREAD_ACTIONS:
        abort(404)
    thread = reading.get_thread(thread_id, current_member())
    return _reasoned_action(THREAD_ACTIONS[action], thread, thread_url(thread), "moderation/thread_action.html",
                            thread=thread, action=action)


@bp.route("/p/<int:post_id>/moderation/<action>", methods=["GET", "POST"])
@login_required
def post_action(post_id: int, action: str):
    if action not in POST_ACTIONS:
        abort(404)
    post = reading.get_post(post_id, current_member())
    return _reasoned_action(POST_ACTIONS[action], post, post_url(post), "moderation/post_action.html",
                            post=post, thread=post.thread, action=action)


def _reasoned_action(entry, target, done_url: str, template: str, **context):
    """A moderation action on a thread or a post, confirmed through a form with its reason."""
    call, done, reason_required = entry
    require(current_member(), Action.MODERATE, target)
    form = ReasonForm()
    if form.validate_on_submit() and submit(form, lambda: call(current_member(), target, form.reason.data)):
        flash(done, "success")
        return redirect(done_url)
    return _render(template, form, done=done, reason_required=reason_required, **context)


@bp.route("/p/<int:post_id>/moderer", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):
    post = reading.get_post(post_id, current_member())
    require(current_member(), Action.MODERATE, post)
    form = ModeratorEditForm(data={"title": post.thread.title, "body": post.body_source})
    if form.validate_on_submit() and submit(form, lambda: moderation.edit_post(
            current_member(), post, form.body.data, title=form.title.data if post.is_first else None,
            reason=form.reason.data)):
        flash("Le message a été modifié (révision marquée comme modération).", "success")
        return redirect(post_url(post))
    return _render("moderation/edit_post.html", form, post=post, thread=post.thread)


@bp.route("/t/<int:thread_id>/deplacer", methods=["GET", "POST"])
@login_required
def move_thread(thread_id: int):
    thread = reading.get_thread(thread_id, current_member())
    require(current_member(), Action.MODERATE, thread)
    form = MoveForm(data={"board_id": thread.board_id})
    form.board_id.choices = [(b.id, b.name) for b in board_service.list_boards()
                             if can(current_member(), Action.MODERATE, b)]
    if form.validate_on_submit() and submit(form, lambda: moderation.move_thread(
            current_member(), thread, board_service.chosen_board(form.board_id.data), form.reason.data)):
        flash(f"Sujet déplacé vers {thread.board.name}.", "success")
        return redirect(thread_url(thread))
    return _render("moderation/move.html", form, thread=thread)


@bp.route("/t/<int:thread_id>/changer-type", methods=["GET", "POST"])
@login_required
def change_kind(thread_id: int):
    thread = reading.get_thread(thread_id, current_member())
    require(current_member(), Action.MODERATE, thread)
    form = KindForm(data={"kind": thread.kind, "software_version": thread.software_version})
    if form.validate_on_submit() and submit(form, lambda: moderation.change_kind(
            current_member(), thread, form.kind.data or "", form.reason.data, form.software_version.data)):
        flash(f"Le sujet est maintenant de type « {KINDS[thread.kind]} ».", "success")
        return redirect(thread_url(thread))
    return _render("moderation/change_kind.html", form, thread=thread)


@bp.route("/t/<int:thread_id>/fusionner-sujet", methods=["GET", "POST"])
@login_required
def merge_threads(thread_id: int):
    source = reading.get_thread(thread_id, current_member())
    require(current_member(), Action.MODERATE, source)
    form = MergeThreadsForm()
    if form.validate_on_submit() and not confirmation.confirmed("merge_threads", source.id):
        if step := confirmation.precheck(form, lambda: _merge_step(source, form)):
            return confirmation.ask("merge_threads", source.id, step)
    elif form.validate_on_submit() and (done := submit(form, lambda: _merge(source, form))):
        target, moved = done
        flash(f"Sujets fusionnés : {moved} message{'s' if moved > 1 else ''} déplacé{'s' if moved > 1 else ''}.",
              "success")
        return redirect(thread_url(target))
    return _render("moderation/merge_threads.html", form, thread=source)


def _merge_step(source: Thread, form: MergeThreadsForm) -> confirmation.Step:
    target = reading.chosen_merge_target(form.target_id.data)
    moderation.check_merge_threads(current_member(), source, target, form.reason.data)
    count = reading.post_count(source)
    posts = f"Les {count} messages" if count > 1 else "Le message"
    return confirmation.Step(
        title="Fusionner les sujets",
        sentence=f"{posts} du sujet n° {source.id} « {source.title} » rejoindr{'ont' if count > 1 else 'a'} le sujet "
                 f"n° {target.id} « {target.title} » ; le sujet n° {source.id} disparaîtra et son adresse mènera au "
                 f"sujet n° {target.id}.",
        button=f"Fusionner dans le sujet n° {target.id}",
        action_url=url_for("moderation.merge_threads", thread_id=source.id), cancel_url=thread_url(source))


def _merge(source: Thread, form: MergeThreadsForm):
    target = reading.chosen_merge_target(form.target_id.data)
    return target, moderation.merge_threads(current_member(), source, target, form.reason.data)


@bp.route("/u/<int:user_id>/suspendre", methods=["GET", "POST"])
@login_required
def suspend_user(user_id: int):
    member = accounts.get_member(user_id)
    require(current_member(), Action.SUSPEND_USER, member)
    form = SuspendForm()
    if form.validate_on_submit() and not confirmation.confirmed("suspend", member.id):
        if confirmation.precheck(form, lambda: suspensions.check_suspension(
                current_member(), member, form.days.data, form.reason.data)):
            return confirmation.ask("suspend", member.id, _suspend_step(member, form.days.data))
    elif form.validate_on_submit() and submit(form, lambda: suspensions.suspend_user(
            current_member(), member, form.days.data, form.reason.data)):
        flash(f"{member.display_name} est suspendu·e pour {form.days.data} jour(s).", "success")
        return redirect(url_for("users.profile", user_id=member.id))
    return _render("moderation/suspend.html", form, member=member, suspended=suspended_until(member))


def _suspend_step(member, days: int) -> confirmation.Step:
    until = french_datetime(utcnow() + timedelta(days=days))
    return confirmation.Step(
        title=f"Suspendre {member.display_name}",
        sentence=f"{member.display_name} ne pourra plus écrire, répondre, voter ni signaler jusqu'au {until} "
                 f"({days} jour{'s' if days > 1 else ''}) ; le motif lui sera montré.",
        button=f"Suspendre {member.display_name}", action_url=url_for("moderation.suspend_user", user_id=member.id),
        cancel_url=url_for("users.profile", user_id=member.id))


@bp.post("/u/<int:user_id>/lever-suspension")
@login_required
def unsuspend_user(user_id: int):
    member = accounts.get_member(user_id)
    suspensions.unsuspend_user(current_member(), member, ReasonForm().reason.data)
    db.session.commit()
    flash(f"La suspension de {member.display_name} est levée.", "success")
    return redirect(url_for("users.profile", user_id=member.id))


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/moderation/journal")
@login_required
def audit_log():
    board_slug = request.args.get("forum") or None
    boards = board_service.list_boards()
    board = next((b for b in boards if b.slug == board_slug), None)
    filters = audit.AuditFilters(action=request.args.get("action") or None,
                                 actor_id=parse_id(request.args.get("acteur")),
                                 board_id=board.id if board else None, since=_date_arg("du"), until=_date_arg("au"))
    result = audit.list_entries(current_member(), filters, page_arg() or 1)
    return render_template("moderation/audit_log.html", result=result, filters=filters, boards=boards,
                           actors=audit.actors(current_member()), labels=audit.ACTION_LABELS, board_slug=board_slug,
                           reasons=REPORT_REASONS)
