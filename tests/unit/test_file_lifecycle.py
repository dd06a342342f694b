"""The life of stored files after their content goes: marked deleted with their post or thread and
unmarked on restore, documents' files through mark_deleted / mark_restored, the purge after
FILE_GRACE_DAYS (objects then rows, idempotent, a storage failure retried at the next run), and
`files check` / `files sweep`."""
from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Attachment, Post, PostRevision, PostRevisionAttachment
from forum.models._time import utcnow
from forum.services import file_lifecycle, moderation, uploads
from forum.services.file_store import EXTENSION_KEY, current_storage
from forum.storage import StorageError, new_key
from tests.factories import make_post, make_thread, make_user


def picture(width: int = 40) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, 20), (200, 30, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def store(post: Post | None, width: int = 40) -> Attachment:
    checked = uploads.check_uploads([uploads.Upload("image.png", picture(width))])
    attachment = uploads.store(None, checked[0], post_id=post.id if post else None)
    db.session.flush()
    return attachment


def first_post(thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first.is_(True)))


def deleted_at(attachment: Attachment):
    return db.session.scalar(select(Attachment.deleted_at).where(Attachment.id == attachment.id))


@pytest.fixture
def moderator(app):
    return make_user(role="moderator")


def test_hiding_and_restoring_a_post_marks_and_unmarks_its_files(moderator):
    thread = make_thread()
    reply = make_post(thread)
    hidden, other = store(reply), store(first_post(thread))
    moderation.hide_post(moderator, reply, "Hors sujet.")
    assert deleted_at(hidden) is not None
    assert deleted_at(other) is None
    moderation.restore_post(moderator, reply)
    assert deleted_at(hidden) is None


def test_an_author_deleting_a_reply_marks_its_files(app):
    thread = make_thread()
    reply = make_post(thread)
    attachment = store(reply)
    moderation.delete_post(reply.author, reply)
    assert deleted_at(attachment) is not None


def test_hiding_a_thread_marks_every_posts_files_and_restoring_keeps_a_post_hidden_apart(moderator):
    thread = make_thread()
    reply, hidden_apart = make_post(thread), make_post(thread)
    opening, in_reply, apart = store(first_post(thread)), store(reply), store(hidden_apart)
    moderation.hide_post(moderator, hidden_apart, "Données de patient.")
    moderation.hide_thread(moderator, thread, "Doublon.")
    assert all(deleted_at(a) is not None for a in (opening, in_reply, apart))
    moderation.restore_thread(moderator, thread)
    assert deleted_at(opening) is None
    assert deleted_at(in_reply) is None
    assert deleted_at(apart) is not None


def test_a_files_grace_period_runs_from_its_first_marking(moderator):
    thread = make_thread()
    reply = make_post(thread)
    attachment = store(reply)
    moderation.hide_post(moderator, reply, "Hors sujet.")
    first = deleted_at(attachment)
    moderation.hide_thread(moderator, thread, "Doublon.")
    assert deleted_at(attachment) == first


def test_mark_deleted_and_mark_restored_for_documents(app):
    kept, marked = store(None), store(None)
    file_lifecycle.mark_deleted([marked.id])
    assert deleted_at(marked) is not None
    assert deleted_at(kept) is None
    assert marked.deleted_at is not None  # loaded objects see it too
    file_lifecycle.mark_restored([marked.id])
    assert deleted_at(marked) is None


def aged(attachment: Attachment, days: float) -> None:
    attachment.deleted_at = utcnow() - timedelta(days=days)
    db.session.flush()


def test_purge_deletes_objects_then_rows_past_the_grace_period_only(app):
    thread = make_thread()
    old, recent, alive = store(first_post(thread), width=1500), store(first_post(thread)), store(first_post(thread))
    assert old.preview_key is not None
    revision = PostRevision(post_id=first_post(thread).id, body_source="avant")
    db.session.add(revision)
    db.session.flush()
    db.session.add(PostRevisionAttachment(revision_id=revision.id, attachment_id=old.id))
    aged(old, app.config["FILE_GRACE_DAYS"] + 1)
    aged(recent, 1)
    old_id, old_keys = old.id, (old.key, old.preview_key)
    report = file_lifecycle.purge()
    db.session.commit()
    storage = current_storage()
    assert report.purged == 1
    assert not any(storage.exists(key) for key in old_keys)
    assert db.session.get(Attachment, old_id) is None
    assert db.session.scalar(select(func.count()).select_from(PostRevisionAttachment)) == 0
    assert storage.exists(recent.key) and storage.exists(alive.key)
    assert file_lifecycle.purge().purged == 0  # idempotent


class FailingDeletes:
    """The real storage, except that deleting fails (server down)."""

    def __init__(self, storage):
        self.storage = storage

    def __getattr__(self, name):
        return getattr(self.storage, name)

    def delete(self, key):
        raise StorageError()


def test_a_storage_failure_keeps_the_row_for_the_next_run(app):
    attachment = store(None)
    aged(attachment, app.config["FILE_GRACE_DAYS"] + 1)
    storage = current_storage()
    report = file_lifecycle.purge(storage=FailingDeletes(storage))
    assert (report.purged, report.failed) == (0, 1)
    assert db.session.get(Attachment, attachment.id) is not None
    assert storage.exists(attachment.key)
    assert file_lifecycle.purge().purged == 1
    assert not storage.exists(attachment.key)


def test_files_sweep_command_purges_and_commits(app, runner):
    attachment = store(None)
    aged(attachment, app.config["FILE_GRACE_DAYS"] + 2)
    db.session.commit()
    result = runner.invoke(args=["files", "sweep"])
    assert result.exit_code == 0, result.output
    assert "1 fichier(s) purgé(s)" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def make_old(key: str) -> None:
    path = current_storage().path(key)
    past = time.time() - 2 * 3600
    os.utime(path, (past, past))


def test_files_check_reports_orphans_and_missing_objects(app, runner):
    clean = store(None, width=1500)
    db.session.commit()
    result = runner.invoke(args=["files", "check"])
    assert result.exit_code == 0, result.output
    assert "0 objet(s) sans ligne, 0 ligne(s) sans objet" in result.output
    storage = current_storage()
    orphan_old, orphan_new = new_key(), new_key()
    storage.put(orphan_old, b"x", "image/png")
    storage.put(orphan_new, b"y", "image/png")
    make_old(orphan_old)
    storage.delete(clean.preview_key)
    result = runner.invoke(args=["files", "check"])
    assert result.exit_code == 1
    assert f"Objet sans ligne : {orphan_old}" in result.output
    assert f"Objet sans ligne : {orphan_new}" in result.output
    assert f"Ligne sans objet : fichier n° {clean.id}, clé {clean.preview_key}" in result.output
    result = runner.invoke(args=["files", "check", "--delete-orphans"])
    assert result.exit_code == 1
    assert not storage.exists(orphan_old)
    assert storage.exists(orphan_new)  # an upload in flight, maybe
    assert storage.exists(clean.key)


def test_files_check_with_storage_down_says_so(app, runner):
    class Down:
        def keys(self):
            raise StorageError()

    app.extensions[EXTENSION_KEY] = Down()
    result = runner.invoke(args=["files", "check"])
    assert result.exit_code == 2
    assert "Le stockage des fichiers est indisponible" in result.output


def test_the_worker_purges_files_once_a_day(app):
    from datetime import datetime

    from forum.services.notify import tasks

    app.config["TASK_QUEUE_URL"] = "memory://"
    assert "purge_files" in [task.__name__ for task in tasks.task_queue(app).huey._registry._periodic_tasks]
    assert tasks.is_file_purge_time(datetime(2026, 3, 2, 2, 30))       # 03:30 in Paris (UTC+1)
    assert not tasks.is_file_purge_time(datetime(2026, 3, 2, 3, 30))
    attachment = store(None)
    aged(attachment, app.config["FILE_GRACE_DAYS"] + 1)
    db.session.commit()
    key = attachment.key
    tasks.bind_worker_app(app)
    try:
        tasks.purge_files()
    finally:
        tasks.bind_worker_app(None)
    assert not current_storage().exists(key)
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
