"""Printable HTML (A4, for coordination meetings): a Jinja template with autoescape and the
static print stylesheet (no inline style: the Content-Security-Policy forbids it)."""
from __future__ import annotations

from flask import render_template

from forum.export import evolution
from forum.export.rows import ExportRow

CONTENT_TYPE = "text/html; charset=utf-8"
EXTENSION = "html"


def write(rows: list[ExportRow], **meta) -> bytes:
    return render_template("export/print.html", rows=rows, meta=meta,
                           with_notes=bool(meta.get("with_notes")), evolution=evolution).encode("utf-8")
