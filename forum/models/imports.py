"""Record of benchmark data sets imported, so `import-dataset` is idempotent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow


class DatasetImport(db.Model):
    __tablename__ = "dataset_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of manifest.json: the same data set is never loaded twice.
    manifest_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scale: Mapped[str | None] = mapped_column(String(16))
    seed: Mapped[int | None]
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    # Dataset id -> database id offsets used for this import.
    id_offsets: Mapped[dict] = mapped_column(JSON, default=dict)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
