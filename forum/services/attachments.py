"""Files in posts: checking the files sent with a new thread, a reply or an edit, attaching them to
the post in its transaction, taking files out of a post by an edit (kept for the history), keeping
which files each revision had, and loading the files of many posts or revisions at once.

Order, as in forum.services.uploads: every file is checked (type, size, quota) before any row is
created; objects are put only once the post has its id; the view commits.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import insert, literal, select

from forum.extensions import db
from forum.files.check import CheckedFile, format_size
from forum.files.types import ALL_TYPES
from forum.models import Attachment, Board, Post, Thread, User
from forum.models._time import utcnow
from forum.models.files import PostRevisionAttachment
from forum.services import uploads
from forum.services.errors import ValidationError
from forum.services.policy import Action, require
from forum.services.uploads import Upload

FIELD = uploads.FIELD
ALT_MAX_LENGTH = 300
_LABELS = {t.extension: t.label for t in ALL_TYPES}


def type_label(attachment: Attachment) -> str:
    """« Document PDF », « Image PNG »… for the list of a post's documents."""
    return _LABELS.get(attachment.extension, attachment.extension.upper())


def size_label(attachment: Attachment) -> str:
    return format_size(attachment.size)


def check_post_files(user: User, board: Board, files: list[Upload], *, kept: int = 0) -> list[CheckedFile]:
    """The files sent with a post, checked before anything is written: permission to attach files on
    `board`, at most MAX_FILES_PER_POST files with the `kept` ones already in the post, each file's
    content and size, the member's daily quota. Raises PermissionDenied, ValidationError("files", …),
    uploads.FileTooLarge (413), uploads.QuotaExceeded (429)."""
    if not files:
        return []
    require(user, Action.ATTACH_FILES, board)
    limit = current_app.config["MAX_FILES_PER_POST"]
    if kept + len(files) > limit:
        raise ValidationError(FIELD, (
            f"Un message peut avoir {limit} fichiers au plus : il en a déjà {kept}, vous en ajoutez {len(files)}."
            if kept else f"Vous pouvez joindre {limit} fichiers au plus ; vous en avez choisi {len(files)}."))
    checked = uploads.check_uploads(files, max_files=limit)
    uploads.check_quota(user, checked)
    return checked


def attach(user: User, post: Post, checked: list[CheckedFile], files: list[Upload], *,
           first_position: int = 0) -> list[Attachment]:
    """Store the checked files (from check_post_files, same order as `files`, whose alt texts are
    used for images) as attachments of `post`, which must have its id. Raises StorageError."""
    added = []
    for index, (checked_file, upload) in enumerate(zip(checked, files, strict=True)):
        alt = upload.alt if checked_file.type.kind == "image" else None
        added.append(uploads.store(user, checked_file, alt=alt, position=first_position + index, post_id=post.id))
    if added:
        db.session.flush()
    return added


def attach_to_thread(user: User, thread: Thread, checked: list[CheckedFile], files: list[Upload]) -> list[Attachment]:
    """attach() to the opening post of a thread just created."""
    if not checked:
        return []
    post = db.session.scalars(select(Post).where(Post.thread_id == thread.id, Post.is_first.is_(True))).one()
    return attach(user, post, checked, files)


@dataclass
class FileEdit:
    """What an edit does to a post's files: ids taken out, new alt texts by id, files added."""

    remove_ids: set[int] = field(default_factory=set)
    alts: dict[int, str] = field(default_factory=dict)
    files: list[Upload] = field(default_factory=list)

    def changes_files(self, current: list[Attachment]) -> bool:
        """True when the edit takes a file out or adds one (the post then gets a revision)."""
        return bool(self.files) or any(a.id in self.remove_ids for a in current)


def check_edit(user: User, post: Post, current: list[Attachment], change: FileEdit) -> list[CheckedFile]:
    """The files added by an edit, checked (with those kept) before anything is written."""
    kept = sum(1 for a in current if a.id not in change.remove_ids)
    return check_post_files(user, post.thread.board, change.files, kept=kept)


def apply_edit(user: User, post: Post, current: list[Attachment], change: FileEdit,
               checked: list[CheckedFile]) -> None:
    """After the post's text was edited (posting.edit_post kept the former files in the revision):
    files taken out get removed_at (never deleted: the history lists them), alt texts of the kept
    images are updated, new files are stored after the kept ones."""
    now = utcnow()
    for attachment in current:
        if attachment.id in change.remove_ids:
            attachment.removed_at = now
        elif attachment.is_image and attachment.id in change.alts:
            attachment.alt = clean_alt(change.alts[attachment.id])
    last = max((a.position for a in current), default=-1)
    attach(user, post, checked, change.files, first_position=last + 1)
    db.session.flush()


def clean_alt(alt: str | None) -> str | None:
    text = " ".join((alt or "").split())
    return text[:ALT_MAX_LENGTH] or None


def record_revision_files(revision_id: int, post_id: int) -> None:
    """The revision of an edit keeps which files the post had before it (one statement)."""
    db.session.execute(insert(PostRevisionAttachment).from_select(
        ["revision_id", "attachment_id"],
        select(literal(revision_id), Attachment.id).where(Attachment.post_id == post_id,
                                                             Attachment.removed_at.is_(None))))


def attachments_by_post(post_ids: Iterable[int]) -> dict[int, list[Attachment]]:
    """The files shown in each post ({post_id: [Attachment]} by position), in ONE statement."""
    ids = sorted(set(post_ids))
    found: dict[int, list[Attachment]] = defaultdict(list)
    if not ids:
        return found
    rows = db.session.scalars(select(Attachment).where(
        Attachment.post_id.in_(ids), Attachment.removed_at.is_(None), Attachment.deleted_at.is_(None))
        .order_by(Attachment.post_id, Attachment.position, Attachment.id))
    for attachment in rows:
        found[attachment.post_id].append(attachment)  # type: ignore[index]
    return found


def post_attachments(post: Post) -> list[Attachment]:
    return attachments_by_post([post.id]).get(post.id, [])


def attachments_by_revision(revision_ids: Iterable[int]) -> Mapping[int, list[Attachment]]:
    """The files each revision had ({revision_id: [Attachment]}), in one statement; deleted content
    included (the history page is shown to whoever may read the revisions)."""
    ids = sorted(set(revision_ids))
    found: dict[int, list[Attachment]] = defaultdict(list)
    if not ids:
        return found
    rows = db.session.execute(
        select(PostRevisionAttachment.revision_id, Attachment)
        .join(Attachment, Attachment.id == PostRevisionAttachment.attachment_id)
        .where(PostRevisionAttachment.revision_id.in_(ids))
        .order_by(PostRevisionAttachment.revision_id, Attachment.position, Attachment.id))
    for revision_id, attachment in rows:
        found[revision_id].append(attachment)
    return found
