"""What members are told in the product: the notifications page (open one, mark one or all read),
the follow controls of thread and board pages (their POST routes) and the page of one's follows."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from forum.extensions import db
from forum.models import Notification
from forum.models.notifications import FOLLOW_LEVEL_HELP, FOLLOW_LEVELS
from forum.services import boards as board_service
from forum.services import reading
from forum.services.notify import follows, inbox
from forum.services.notify.follows import ThreadLevel
from forum.web.auth import safe_next
from forum.web.paging import page_arg
from forum.web.reader import board_follow_control, commit_quietly, thread_follow_control, write_quietly
from forum.web.request_forms import ActionForm
from forum.web.submit import current_member, require_csrf
from forum.web.threads import post_url, thread_url

bp = Blueprint("notifications", __name__)

GONE = "Ce contenu n'est plus disponible : il a été supprimé ou masqué."


def _target(notification: Notification) -> str | None:
    """Where a notification leads: the exact post (right page, #p<id>), else its subject; None
    when that is no longer there for the member."""
    data = notification.data if isinstance(notification.data, dict) else {}
    if notification.kind == "report" and notification.report_id:
        return url_for("moderation.queue", _anchor=f"signalement-{notification.report_id}")
    if notification.kind == "livrable" and notification.livrable_id:
        return url_for("livrables.show", livrable_id=notification.livrable_id)
    if not inbox.readable(notification, current_member()):
        return None
    if notification.kind == "merged" and isinstance(data.get("target_id"), int) and data["target_id"] > 0:
        return url_for("threads.show", thread_id=data["target_id"])
    if notification.post is not None:
        return post_url(notification.post)
    return thread_url(notification.thread) if notification.thread is not None else None


@bp.get("/notifications")
@login_required
def index():
    member = current_member()
    if write_quietly(lambda: inbox.retire_unreadable(member), "Notifications about hidden content read"):
        commit_quietly("Notifications about hidden content read")
    listing = inbox.list_notifications(member, page_arg())
    return render_template("notifications/index.html", listing=listing)


@bp.get("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    """Follow a notification's link: it is read, and the member lands on what it is about."""
    notification = inbox.get_own(current_member(), notification_id)
    target = _target(notification)
    if write_quietly(lambda: inbox.mark_read(current_member(), notification), "Notification read"):
        commit_quietly("Notification read")
    if target is None:
        flash(GONE, "warning")
        return redirect(url_for("notifications.index"))
    return redirect(target)


@bp.post("/notifications/<int:notification_id>/lu")
@login_required
def mark_read(notification_id: int):
    require_csrf(ActionForm())
    inbox.mark_read(current_member(), inbox.get_own(current_member(), notification_id))
    db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("notifications.index"))


@bp.post("/notifications/tout-lu")
@login_required
def mark_all_read():
    require_csrf(ActionForm())
    count = inbox.mark_all_read(current_member())
    db.session.commit()
    flash("Toutes vos notifications sont marquées comme lues." if count else "Aucune notification non lue.",
          "success")
    return redirect(url_for("notifications.index"))


@bp.get("/profil/suivis", endpoint="follows")
@login_required
def follows_page():
    member = current_member()
    return render_template(
        "notifications/follows.html", threads=follows.followed_threads(member), boards=follows.followed_boards(member),
        levels=FOLLOW_LEVELS, helps=FOLLOW_LEVEL_HELP, board_control=board_follow_control,
        thread_control=lambda thread, follow: thread_follow_control(thread, ThreadLevel(follow.level, True, follow.reason)))


def _confirm(level: str, subject: str) -> None:
    flash(f"Suivi de {subject} : {FOLLOW_LEVELS[level]} ({FOLLOW_LEVEL_HELP[level]}).", "success")


@bp.post("/t/<int:thread_id>/suivi")
@login_required
def follow_thread(thread_id: int):
    thread = reading.get_thread(thread_id, current_member())
    require_csrf(ActionForm())
    level = follows.set_thread_level(current_member(), thread, request.form.get("level"))
    db.session.commit()
    _confirm(level, "ce sujet")
    return redirect(safe_next(request.form.get("next")) or thread_url(thread))


@bp.post("/b/<slug>/suivi")
@login_required
def follow_board(slug: str):
    board = board_service.get_board(slug)
    require_csrf(ActionForm())
    level = follows.set_board_level(current_member(), board, request.form.get("level"))
    db.session.commit()
    _confirm(level, "ce forum")
    return redirect(safe_next(request.form.get("next")) or url_for("boards.show", slug=board.slug))
