"""CSV for French Excel and LibreOffice: UTF-8 with BOM, ";" delimiter, formulas neutralised."""
from __future__ import annotations

import csv
import io

from forum.export.columns import columns_for
from forum.export.rows import ExportRow
from forum.export.safety import neutralise

CONTENT_TYPE = "text/csv; charset=utf-8"
EXTENSION = "csv"


def _cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "date":
        return value.strftime("%d/%m/%Y")
    if kind == "datetime":
        return value.strftime("%d/%m/%Y %H:%M")
    return neutralise(value) if isinstance(value, str) else str(value)


def write(rows: list[ExportRow], **meta) -> bytes:
    columns = columns_for(bool(meta.get("with_notes")), meta.get("evolution") is not None)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.header for column in columns])
    writer.writerows([_cell(column.value(row), column.kind) for column in columns] for row in rows)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
