"""Stored files (attachments): one row per uploaded file, whose bytes live in forum.storage under a
random key; which post or document version it belongs to; which files each revision of a post had.

A row is never trusted from the upload: type, name and size come from forum.files.check_upload.
`deleted_at` marks a file whose content was deleted (its post or document): it is no longer served
to members, and its objects are removed once FILE_GRACE_DAYS have passed (forum.services.file_sweep).
`removed_at` marks a file taken out of its post by an edit: the post no longer shows it, the
revision history still lists it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow

FILE_KINDS = ("image", "document")


class Attachment(db.Model):
    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_uploader_created", "uploader_id", "created_at"),
        Index("ix_attachments_deleted", "deleted_at",
              sqlite_where=text("deleted_at IS NOT NULL"), postgresql_where=text("deleted_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The object's key in storage (forum.storage.new_key), and the inline preview's for a large image.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    preview_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))        # FILE_KINDS
    extension: Mapped[str] = mapped_column(String(8))    # forum.files.types.FileType.extension
    mime: Mapped[str] = mapped_column(String(100))       # the stored type, sent when serving
    safe_name: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    alt: Mapped[str | None] = mapped_column(String(300))  # an image's description for screen readers
    position: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    uploader = relationship("User", lazy="raise")
    post = relationship("Post", lazy="raise")

    @property
    def is_image(self) -> bool:
        return self.kind == "image"


class PostRevisionAttachment(db.Model):
    """The files a post had before one of its edits (the revision row keeps the text)."""

    __tablename__ = "post_revision_attachments"

    revision_id: Mapped[int] = mapped_column(ForeignKey("post_revisions.id", ondelete="CASCADE"), primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
