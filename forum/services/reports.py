"""Reports: a member flags a post for the moderators (one open report per member and post), the
moderation queue lists open reports oldest first, a moderator resolves them with a note."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import REPORT_REASONS, Post, Report, Thread, User
from forum.models._time import utcnow
from forum.services import audit, moderation
from forum.services.errors import Conflict, NotFound, ValidationError
from forum.services.notify import events
from forum.services.patient_data import check_no_patient_identifier
from forum.services.policy import Action, can, moderated_board_ids, require
from forum.services.text_hygiene import clean_text, has_visible_text

COMMENT_MAX_LENGTH = 1000
EXCERPT_LENGTH = 280


ALREADY_REPORTED = "Vous avez déjà signalé ce message : les modérateurs ne l'ont pas encore examiné."


def report_post(reporter: User, post: Post, reason: str, comment: str | None = None) -> Report:
    """Report `post`. Raises NotFound (hidden post), PermissionDenied (one's own post, suspended
    member), ValidationError("reason" / "comment"), Conflict (an open report by the same member)."""
    require(reporter, Action.REPORT_POST, post)
    if reason not in REPORT_REASONS:
        raise ValidationError("reason", "Choisissez le motif du signalement dans la liste.")
    comment = clean_text(comment, multiline=True)
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError("comment", f"Le commentaire ne doit pas dépasser {COMMENT_MAX_LENGTH} caractères "
                                         f"(il en a {len(comment)}).")
    check_no_patient_identifier("comment", comment)
    comment = comment if has_visible_text(comment) else ""
    already = db.session.scalar(select(Report.id).where(
        Report.post_id == post.id, Report.reporter_id == reporter.id, Report.resolved_at.is_(None)))
    if already is not None:
        raise Conflict(ALREADY_REPORTED)
    report = Report(post_id=post.id, reporter_id=reporter.id, reason=reason, comment=comment or None,
                    created_at=utcnow())
    db.session.add(report)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a concurrent submission won (unique open-report index)
        raise Conflict(ALREADY_REPORTED) from exc
    events.post_reported(report, post, reporter)
    return report


@dataclass(frozen=True)
class QueueItem:
    report: Report
    post: Post
    thread: Thread

    @property
    def reason_label(self) -> str:
        return REPORT_REASONS.get(self.report.reason, self.report.reason)

    @property
    def excerpt(self) -> str:
        text = " ".join(self.post.body_source.split())
        return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH].rsplit(" ", 1)[0] + " …"


def _open_conditions(viewer: User) -> list:
    conditions = [Report.resolved_at.is_(None)]
    scope = moderated_board_ids(viewer)
    if scope is not None:
        conditions.append(Thread.board_id.in_(scope))
    return conditions


def open_reports(viewer: User | None) -> list[QueueItem]:
    """The open reports the viewer moderates, oldest first, with post, author, thread, board and
    reporter in one statement. Raises PermissionDenied for non-moderators."""
    require(viewer, Action.VIEW_MODERATION)
    rows = db.session.execute(
        select(Report, Post, Thread).join(Post, Post.id == Report.post_id).join(Thread, Thread.id == Post.thread_id)
        .where(*_open_conditions(viewer)).options(joinedload(Report.reporter))
        .order_by(Report.created_at, Report.id))
    return [QueueItem(report, post, thread) for report, post, thread in rows]


def open_report_count(viewer: User | None) -> int:
    """Open reports on the viewer's boards (0 for non-moderators), for the navigation badge."""
    if not can(viewer, Action.VIEW_MODERATION):
        return 0
    return db.session.scalar(
        select(func.count(Report.id)).join(Post, Post.id == Report.post_id).join(Thread, Thread.id == Post.thread_id)
        .where(*_open_conditions(viewer))) or 0


def get_report(report_id: int) -> Report:
    report = db.session.get(Report, report_id)
    if report is None:
        raise NotFound("Ce signalement n'existe pas.")
    return report


def resolve_report(actor: User, report: Report, resolution: str | None, hide_post: bool = False) -> int:
    """Close `report` and every other open report on the same post (the decision is about the
    post), with a note; optionally hide the post. Returns the number of reports closed.

    Raises PermissionDenied (not a moderator of the post's board), Conflict (already resolved),
    ValidationError("resolution") without a note or with one too long.
    """
    post = db.session.get(Post, report.post_id)
    require(actor, Action.MODERATE, post.thread.board)
    if report.resolved_at is not None:
        raise Conflict("Ce signalement a déjà été traité.")
    resolution = moderation.clean_reason(resolution, required=True, field="resolution",
                                         missing="Indiquez ce qui a été décidé : la note est conservée au journal.")
    if hide_post and post.deleted_at is None:
        moderation.hide_post(actor, post, resolution)
    open_ones = list(db.session.scalars(select(Report).where(Report.post_id == post.id, Report.resolved_at.is_(None))))
    db.session.execute(update(Report).where(Report.id.in_([r.id for r in open_ones])).values(
        resolved_at=utcnow(), resolved_by_id=actor.id, resolution=resolution))
    audit.record(actor, "resolve_report", post=post, reason=resolution, reports=len(open_ones),
                 motifs=sorted({REPORT_REASONS.get(r.reason, r.reason) for r in open_ones}), hidden=hide_post)
    return len(open_ones)
