"""Column types: SanitisedHtml, stored HTML produced by forum.markup that loads as Markup."""
from __future__ import annotations

from markupsafe import Markup
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class SanitisedHtml(TypeDecorator):
    """Text in the database; Markup once loaded, so templates output it without |safe.

    Only forum.markup writes these columns (render_markdown), which is what makes the Markup
    trustworthy. Stored as plain text: queries and the schema stay unchanged."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else str(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Markup(value)
