"""Storing uploaded files: every file of a form checked before anything is stored (count, size, type,
content, the member's daily quota), then each one put in storage under a new random key and recorded
as an Attachment row in the caller's transaction.

Nothing is left behind when that transaction does not commit: the keys put during a transaction are
remembered on the session, forgotten at commit, and their objects deleted when the transaction ends
otherwise (a later validation error, a failed commit, a storage failure half-way through).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.files.check import CheckedFile, check_upload, format_size
from forum.models import Attachment, User
from forum.models._time import utcnow
from forum.services.errors import ValidationError
from forum.services.file_store import current_storage
from forum.storage import new_key

log = logging.getLogger(__name__)

FIELD = "files"
_PUT_KEYS = "forum_uploaded_keys"  # session.info entry: keys put in the current transaction


class FileTooLarge(ValidationError):
    """A file over MAX_UPLOAD_BYTES: the form comes back with a 413."""

    status_code = 413


class QuotaExceeded(ValidationError):
    status_code = 429


@dataclass(frozen=True)
class Upload:
    """A file as received: the name the browser sent (never trusted), its bytes, and the text the
    member gave to describe an image (alt)."""

    filename: str | None
    data: bytes
    alt: str | None = None


def check_uploads(uploads: list[Upload], *, field: str = FIELD, max_files: int | None = None) -> list[CheckedFile]:
    """Each upload checked (forum.files.check_upload), in order. Raises ValidationError(field, …)
    naming the file at fault, FileTooLarge (413) for a file over the limit, or when there are more
    than `max_files` (default MAX_FILES_PER_POST)."""
    config = current_app.config
    limit = config["MAX_FILES_PER_POST"] if max_files is None else max_files
    if len(uploads) > limit:
        raise ValidationError(field, f"Vous pouvez joindre {limit} fichiers au plus ; vous en avez choisi {len(uploads)}.")
    checked = []
    for upload in uploads:
        max_bytes = config["MAX_UPLOAD_BYTES"]
        try:
            checked.append(check_upload(upload.filename, upload.data, max_bytes))
        except ValidationError as error:
            name = _shown_name(upload.filename)
            error_class = FileTooLarge if len(upload.data) > max_bytes else ValidationError
            raise error_class(field, f"« {name} » : {error.message}" if name else error.message) from None
    return checked


def check_quota(user: User, checked: Iterable[CheckedFile], *, field: str = FIELD) -> None:
    """Raises QuotaExceeded when these files would take `user` past the daily quota (files or bytes
    uploaded in the last 24 hours, whatever for)."""
    files = list(checked)
    if not files:
        return
    config = current_app.config
    since = utcnow() - timedelta(days=1)
    count, size = db.session.execute(
        select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size), 0))
        .where(Attachment.uploader_id == user.id, Attachment.created_at >= since)).one()
    max_files, max_bytes = config["UPLOAD_QUOTA_FILES_PER_DAY"], config["UPLOAD_QUOTA_BYTES_PER_DAY"]
    if count + len(files) > max_files or size + sum(f.size for f in files) > max_bytes:
        raise QuotaExceeded(field, (
            f"Vous avez atteint la limite d'envoi de fichiers pour 24 heures ({max_files} fichiers, "
            f"{format_size(max_bytes)}). Publiez sans fichier ou réessayez demain."))


def store(uploader: User | None, checked: CheckedFile, *, alt: str | None = None, position: int = 0,
          post_id: int | None = None) -> Attachment:
    """Puts the file (and its preview, when it differs) in storage and adds its row to the session.
    Raises forum.storage.StorageError when the storage fails; objects already put in this transaction
    are then deleted when it is rolled back."""
    storage = current_storage()
    key = _put(storage, checked.data, checked.type.mime)
    preview_key = None
    if checked.preview is not None and checked.preview is not checked.data and checked.preview != checked.data:
        preview_key = _put(storage, checked.preview, checked.type.mime)
    attachment = Attachment(
        key=key, preview_key=preview_key, post_id=post_id, uploader_id=uploader.id if uploader else None,
        kind=checked.type.kind, extension=checked.type.extension, mime=checked.type.mime,
        safe_name=checked.safe_name, size=checked.size, width=checked.width, height=checked.height,
        alt=(alt or "").strip()[:300] or None, position=position, created_at=utcnow())
    db.session.add(attachment)
    return attachment


def _put(storage, data: bytes, mime: str) -> str:
    key = new_key()
    db.session.info.setdefault(_PUT_KEYS, []).append(key)  # before put: a half-written object is cleaned too
    storage.put(key, data, mime)
    return key


def _shown_name(filename: str | None) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "").strip()
    return name[:60] + "…" if len(name) > 60 else name


# --- no orphan object: forget the keys at commit, delete them when the transaction ends otherwise ---

@event.listens_for(Session, "after_commit")
def _forget_put_keys(session: Session) -> None:
    session.info.pop(_PUT_KEYS, None)


@event.listens_for(Session, "after_transaction_end")
def _delete_uncommitted_objects(session: Session, transaction) -> None:
    if transaction.parent is not None or not session.info.get(_PUT_KEYS):
        return
    keys = session.info.pop(_PUT_KEYS)
    try:
        storage = current_storage()
    except RuntimeError:  # no application context: nothing can have been put through it
        return
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # the sweep's `files check` reports what could not be deleted now
            log.warning("could not delete the uncommitted object %s", key, exc_info=True)
