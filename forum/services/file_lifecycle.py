"""What happens to stored files after their content goes: marked deleted (no longer served to members)
when their post, its thread or their document is deleted or hidden, unmarked when it is restored,
and purged — objects first, then rows — once FILE_GRACE_DAYS have passed (daily by the task worker,
or `flask --app forum files sweep`). And the consistency check between storage and rows
(`flask --app forum files check`): objects without a row, rows without an object.

A post's files follow their post and thread (sync_thread_files, called by forum.services.moderation);
a document's files are marked by forum.services.documents through mark_deleted / mark_restored.
Functions flush, never commit (the caller does).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, or_, select, update

from forum.extensions import db
from forum.models import Attachment, Post, PostRevisionAttachment, Thread
from forum.models._time import utcnow
from forum.services import content_versions
from forum.services.file_store import current_storage
from forum.storage import Storage, StorageError
from forum.storage.local import LocalStorage

log = logging.getLogger(__name__)

# Objects without a row younger than this may be uploads whose transaction has not committed yet.
ORPHAN_MIN_AGE = timedelta(hours=1)
PURGE_BATCH = 500


# --- marking ---------------------------------------------------------------------------------------

def sync_thread_files(thread_id: int) -> None:
    """Make the files of a thread's posts follow them: deleted while their post or the thread is
    deleted (the date of the first marking is kept: the grace period runs from it), undeleted when
    both are visible again. Files already purged have no row any more: nothing comes back."""
    hidden_thread = select(Thread.deleted_at).where(Thread.id == thread_id).scalar_subquery()
    hidden_posts = select(Post.id).where(Post.thread_id == thread_id,
                                         or_(Post.deleted_at.is_not(None), hidden_thread.is_not(None)))
    visible_posts = select(Post.id).where(Post.thread_id == thread_id, Post.deleted_at.is_(None),
                                          hidden_thread.is_(None))
    now = utcnow()
    db.session.execute(update(Attachment).where(Attachment.post_id.in_(hidden_posts), Attachment.deleted_at.is_(None))
                       .values(deleted_at=now).execution_options(synchronize_session=False))
    db.session.execute(update(Attachment).where(Attachment.post_id.in_(visible_posts),
                                                Attachment.deleted_at.is_not(None))
                       .values(deleted_at=None).execution_options(synchronize_session=False))
    _expire_attachments()
    content_versions.bump_threads([thread_id])


def mark_deleted(attachment_ids: Iterable[int]) -> None:
    """Mark these files deleted (a deleted document's): hidden from members, purged after the grace
    period. Files already marked keep their date."""
    ids = list(attachment_ids)
    if ids:
        db.session.execute(update(Attachment).where(Attachment.id.in_(ids), Attachment.deleted_at.is_(None))
                           .values(deleted_at=utcnow()).execution_options(synchronize_session=False))
        _expire_attachments()


def mark_restored(attachment_ids: Iterable[int]) -> None:
    """Unmark these files (a restored document's); those already purged are gone for good."""
    ids = list(attachment_ids)
    if ids:
        db.session.execute(update(Attachment).where(Attachment.id.in_(ids)).values(deleted_at=None)
                           .execution_options(synchronize_session=False))
        _expire_attachments()


def _expire_attachments() -> None:
    """Attachment objects loaded in this session see the new dates at their next access."""
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, Attachment):
            db.session.expire(instance, ["deleted_at"])


# --- purge -----------------------------------------------------------------------------------------

@dataclass
class PurgeReport:
    purged: int = 0
    failed: int = 0


def purge(now: datetime | None = None, storage: Storage | None = None) -> PurgeReport:
    """Delete the objects (file and preview), then the rows, of the files deleted more than
    FILE_GRACE_DAYS ago. Idempotent; a file whose objects cannot be deleted now (storage down) keeps
    its row and is tried again at the next run. Flushes; the caller commits."""
    now = now or utcnow()
    storage = storage or current_storage()
    limit = now - timedelta(days=current_app.config["FILE_GRACE_DAYS"])
    report = PurgeReport()
    due = db.session.execute(select(Attachment.id, Attachment.key, Attachment.preview_key)
                             .where(Attachment.deleted_at.is_not(None), Attachment.deleted_at < limit)
                             .order_by(Attachment.id).limit(PURGE_BATCH)).all()
    done: list[int] = []
    for attachment_id, key, preview_key in due:
        try:
            for object_key in (key, preview_key):
                if object_key:
                    storage.delete(object_key)
        except StorageError as exc:
            report.failed += 1
            log.warning("File %s not purged (storage: %s); next run tries again", attachment_id, exc.message)
            continue
        done.append(attachment_id)
    if done:
        db.session.execute(delete(PostRevisionAttachment).where(PostRevisionAttachment.attachment_id.in_(done)))
        db.session.execute(delete(Attachment).where(Attachment.id.in_(done))
                           .execution_options(synchronize_session=False))
        db.session.flush()
    report.purged = len(done)
    return report


# --- storage against rows --------------------------------------------------------------------------

@dataclass
class CheckReport:
    orphan_objects: list[str] = field(default_factory=list)   # stored, no row names them
    missing_objects: list[tuple[int, str]] = field(default_factory=list)  # (attachment id, key) not stored
    deleted_orphans: list[str] = field(default_factory=list)

    @property
    def problems(self) -> bool:
        return bool(self.orphan_objects or self.missing_objects)


def check(storage: Storage | None = None, *, delete_orphans: bool = False, now: datetime | None = None) -> CheckReport:
    """Compare every stored key with the rows (keys and preview keys). With delete_orphans, objects
    without a row older than ORPHAN_MIN_AGE are deleted (younger ones may be uploads in flight).
    Raises StorageError when the storage cannot be listed."""
    storage = storage or current_storage()
    stored = set(storage.keys())
    known: dict[str, int] = {}
    for attachment_id, key, preview_key in db.session.execute(
            select(Attachment.id, Attachment.key, Attachment.preview_key)).yield_per(1000):
        known[key] = attachment_id
        if preview_key:
            known[preview_key] = attachment_id
    report = CheckReport(orphan_objects=sorted(stored - known.keys()),
                         missing_objects=sorted((known[key], key) for key in known.keys() - stored))
    if delete_orphans:
        oldest = (now or utcnow()) - ORPHAN_MIN_AGE
        for key in report.orphan_objects:
            modified = object_modified(storage, key)
            if modified is not None and modified < oldest and not _has_row(key):
                storage.delete(key)
                report.deleted_orphans.append(key)
    return report


def _has_row(key: str) -> bool:
    """A row created since the listing (an upload that committed meanwhile) saves its object."""
    return bool(db.session.scalar(select(exists().where(or_(Attachment.key == key, Attachment.preview_key == key)))))


def object_modified(storage: Storage, key: str) -> datetime | None:
    """When the object was last written (UTC), or None when the backend cannot say (then it is kept)."""
    from forum.storage.s3 import S3Storage  # boto3 only when needed

    try:
        if isinstance(storage, LocalStorage):
            return datetime.fromtimestamp(storage.path(key).stat().st_mtime, UTC)
        if isinstance(storage, S3Storage):
            return storage._head(key)["LastModified"]  # noqa: SLF001 - the backend's own HEAD
    except (OSError, StorageError):
        return None
    return None
