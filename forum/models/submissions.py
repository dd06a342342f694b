"""Sent forms (new thread, reply), keyed by the random token each form carries: one form, one post."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow
from forum.models.threads import Post


class FormSubmission(db.Model):
    """A form a member sent, by the key it carried (services.submissions). The unique (user, key)
    pair is the real guard: a second sending of the same form, even at the same instant, cannot
    insert it again and is led to the post the first one created. Rows older than a day are purged."""

    __tablename__ = "form_submissions"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The post the form created; set in the same transaction as the insert of the post.
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))

    post: Mapped[Post | None] = relationship()
