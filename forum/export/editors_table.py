"""The all-editors table (services.editor_record) as CSV and XLSX: the same columns as the page
/editeurs/, cells made formula-safe by export.safety, CSV for French Excel (BOM, « ; »)."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forum.export import csv_writer, xlsx_writer
from forum.export.safety import neutralise
from forum.services.editor_record import EditorFigures

NO_LIVRABLE = "Pas encore de livrable transmis"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[EditorFigures], Any]
    width: int = 14


def _percent(share: float | None) -> int | None:
    return None if share is None else round(share * 100)


def _median(days: float | None) -> float | None:
    return None if days is None else round(days, 1)


COLUMNS: list[Column] = [
    Column("Éditeur", lambda f: f.name, 30),
    Column("Livrables transmis", lambda f: f.livrables),
    Column("Demandes transmises", lambda f: f.transmitted),
    Column("Réponse officielle sous 30 j (%)", lambda f: _percent(f.share30)),
    Column("Demandes transmises depuis 30 j ou plus", lambda f: f.eligible30),
    Column("Réponse officielle sous 90 j (%)", lambda f: _percent(f.share90)),
    Column("Demandes transmises depuis 90 j ou plus", lambda f: f.eligible90),
    Column("Délai médian transmise → décision (jours)", lambda f: _median(f.median_days)),
    Column("Engagements datés", lambda f: f.commitments),
    Column("Tenus", lambda f: f.kept),
    Column("Livrés en retard", lambda f: f.delivered_late),
    Column("Repoussés", lambda f: f.slipped),
    Column("En retard aujourd'hui", lambda f: f.late),
    Column("Remarque", lambda f: None if f.has_livrable else NO_LIVRABLE, 32),
]

CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE = csv_writer.CONTENT_TYPE, xlsx_writer.CONTENT_TYPE


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return neutralise(value) if isinstance(value, str) else str(value)


def write_csv(rows: list[EditorFigures]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.header for column in COLUMNS])
    writer.writerows([_csv_cell(column.value(row)) for column in COLUMNS] for row in rows)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def write_xlsx(rows: list[EditorFigures]) -> bytes:
    from openpyxl import Workbook  # here, not with the module: see export.xlsx_writer
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Éditeurs")
    for index, column in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, column.value(row)) for column in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value: Any):
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=neutralise(value))
    cell.data_type = "s"
    return cell
