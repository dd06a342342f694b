"""Versions of what every page shows (display names, board names, label facts…): one row, id 1,
whose `global_version` goes up in the transaction of any such change (forum.services.content_versions).
Threads and boards carry their own `content_version` beside it."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db

# The id of the one row (created by migration 0017, or by the first bump on a database made by create_all).
SITE_ROW_ID = 1


class SiteVersion(db.Model):
    __tablename__ = "site_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    global_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))
