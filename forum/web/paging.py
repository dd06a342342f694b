"""Numbers read from requests (page numbers; ids in paths, query strings and forms): ASCII digits
and bounded, so no input reaches int() unchecked nor overflows an SQL integer (OFFSET, id = ?)."""
from __future__ import annotations

import re

from flask import request
from werkzeug.routing import IntegerConverter
from wtforms.validators import NumberRange

# The last page number anyone may ask for: 100,000 pages of 25 rows is an OFFSET of 2.5 million,
# far from any integer limit, and far beyond any list the forum shows.
MAX_PAGE = 100_000
_PAGE = re.compile(r"[0-9]{1,6}")
# Ids are at most 18 digits: always below 2**63 - 1, the largest integer SQLite and PostgreSQL store.
_ID = re.compile(r"[0-9]{1,18}")
MAX_ID = 10**18 - 1


def parse_page(raw: str | None) -> int | None:
    """A page number 1..MAX_PAGE written in ASCII digits, or None for anything else: "abc", "0",
    "-1", "1e3", " 1", superscripts and other Unicode digits ("²", "①", "٣"), 20-digit numbers."""
    if raw is None or not _PAGE.fullmatch(raw):
        return None
    page = int(raw)
    return page if 1 <= page <= MAX_PAGE else None


def page_arg() -> int | None:
    """?page= of an HTML page (1 when absent, surrounding spaces ignored); None when it is not a
    page number: each page says so in its own way (a notice, or the first page)."""
    return parse_page(request.args.get("page", "1").strip())


def parse_id(raw: str | None) -> int | None:
    """A positive id written in ASCII digits (at most 18 of them), or None."""
    if raw is None or not _ID.fullmatch(raw):
        return None
    return int(raw) or None


def id_range(message: str) -> NumberRange:
    """Validator of a form field holding an id (a thread or board number typed or chosen): a
    number no database holds is refused with `message` before it reaches a query."""
    return NumberRange(min=1, max=MAX_ID, message=message)


class IdConverter(IntegerConverter):
    """The `<int:…>` of routes: ASCII digits only, at most 18 (a longer or non-ASCII number is a
    404, never an SQL overflow or a Unicode digit read as a number)."""

    regex = r"[0-9]{1,18}"
