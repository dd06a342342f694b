"""The edge of the site for typed text: every query argument and form value loses its control
characters before any view, form, limiter or service reads it, and an address whose path holds one
is not found.

One place for all of them, through Werkzeug's documented hook: the class a request builds its
`args` and `form` with (`parameter_storage_class`). Services clean their fields again
(services.text_hygiene.clean_text) for the callers that are not web requests (CLI, imports).
"""
from __future__ import annotations

from typing import Any

from flask import Flask, abort
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.datastructures.structures import iter_multi_items

from forum.services.text_hygiene import CONTROL_CHARACTERS


def _clean(key: str, value: Any) -> Any:
    # Tab, newline and carriage return stay (bodies keep their lines; the services turn "\r\n" into
    # "\n"). Passwords are only ever hashed and compared, never stored or shown: they stay as typed, so a
    # password chosen before this filter existed still works.
    if not isinstance(value, str) or "password" in key:
        return value
    return CONTROL_CHARACTERS.sub("", value)


class CleanParameters(ImmutableMultiDict):
    """The request's query arguments and form fields, without control characters in keys or values."""

    def __init__(self, mapping: Any = None) -> None:
        if mapping is None:
            super().__init__()
            return
        super().__init__([(CONTROL_CHARACTERS.sub("", key), _clean(key, value)) for key, value in iter_multi_items(mapping)])


def _refuse_control_characters_in_path(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A URL part such as a board slug holding a control character names nothing: 404 (PostgreSQL
    would otherwise refuse the NUL in the lookup with an error page)."""
    for value in (values or {}).values():
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            abort(404)


def register_input_filter(app: Flask) -> None:
    """Make `app` build its requests' arguments and forms with CleanParameters (keeping whatever
    request class the app already has) and 404 paths holding control characters."""
    base = app.request_class
    if not issubclass(base.parameter_storage_class, CleanParameters):
        app.request_class = type("CleanRequest", (base,), {"parameter_storage_class": CleanParameters})
    app.url_value_preprocessor(_refuse_control_characters_in_path)
