"""Exports of ranked requests: rows built once (rows.py), then one writer per format behind
`write(rows, fmt, **meta)`. Adding a format is adding a module to FORMATS.

meta: title, board (name), generated_at (aware datetime), filters (French text), introduction
(Markdown source), introduction_html (sanitised, for HTML), with_notes (livrables: note column),
evolution (livrables: the services.livrable_diff.LivrableDiff with the previous one, shown by every
format: a column in CSV, a sheet in XLSX, a key in JSON, a section in Markdown and HTML).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from types import ModuleType

from forum.export import csv_writer, evolution, html_writer, json_writer, markdown_writer, xlsx_writer
from forum.export.rows import ExportFilters, ExportRow, board_rows, rows_from_livrable, rows_from_ranking

__all__ = ["FORMATS", "ExportFilters", "ExportRow", "UnknownFormat", "board_rows", "get_format",
           "rows_from_livrable", "rows_from_ranking", "write"]


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    content_type: str
    extension: str
    module: ModuleType


def _format(name: str, label: str, module: ModuleType) -> Format:
    return Format(name, label, module.CONTENT_TYPE, module.EXTENSION, module)


FORMATS: dict[str, Format] = {
    "csv": _format("csv", "CSV (Excel, LibreOffice)", csv_writer),
    "xlsx": _format("xlsx", "Classeur Excel (XLSX)", xlsx_writer),
    "json": _format("json", "JSON", json_writer),
    "md": _format("md", "Markdown", markdown_writer),
    "html": _format("html", "Page imprimable (HTML, A4)", html_writer),
}


class UnknownFormat(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Format d'export inconnu : « {name} ». Formats possibles : {', '.join(FORMATS)}.")
        self.message = str(self)


def get_format(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise UnknownFormat(name) from None


def write(rows: list[ExportRow], fmt: str, **meta) -> bytes:
    """The export of `rows` in format `fmt` (raises UnknownFormat)."""
    module = get_format(fmt).module
    if meta.get("evolution") is not None:
        lines, otherwise = evolution.row_texts(meta["evolution"])
        rows = [replace(row, evolution=lines.get(row.id or 0, otherwise)) for row in rows]
    return module.write(rows, **meta)
