"""The document base (« boîte à outils »): documents of a board, or general ones (board_id NULL),
each with its versions; a document's file is its latest version's attachment, earlier versions are
its history. Members-only unless a moderator marks it public (forum.services.documents)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow

DOCUMENT_CATEGORIES = {
    "modele": "Modèle de document",
    "protocole": "Protocole",
    "manuel": "Manuel",
    "guide": "Guide",
    "compte_rendu": "Compte rendu",
    "autre": "Autre",
}


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_board_updated", "board_id", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(16))   # DOCUMENT_CATEGORIES
    version: Mapped[str | None] = mapped_column(String(40))  # the software version it concerns
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version_count: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class DocumentVersion(db.Model):
    __tablename__ = "document_versions"
    __table_args__ = (Index("ix_document_versions_document", "document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(default=1)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id", ondelete="CASCADE"), index=True)
    note: Mapped[str | None] = mapped_column(String(300))  # what changed in this version
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
