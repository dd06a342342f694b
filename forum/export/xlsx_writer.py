"""XLSX with openpyxl (write-only, streamed): bold frozen header, autofilter, column widths, real
dates, every text cell neutralised and typed as text so nothing is ever evaluated as a formula.

openpyxl is imported by the functions that write a file, not with the module: it would add 7 MB to
every web worker for an export a few editors download.
"""
from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from forum.export import evolution
from forum.export.columns import columns_for
from forum.export.rows import PARIS, ExportRow
from forum.export.safety import neutralise
from forum.export.summaries import text_of

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSION = "xlsx"
FORMATS = {"date": "dd/mm/yyyy", "datetime": "dd/mm/yyyy hh:mm"}


def write(rows: list[ExportRow], **meta) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    columns = columns_for(bool(meta.get("with_notes")), meta.get("evolution") is not None)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Demandes")
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    sheet.append([_header(sheet, column.header) for column in columns])
    kinds = [column.kind for column in columns]
    for row in rows:
        sheet.append([_cell(sheet, column.value(row), kind) for column, kind in zip(columns, kinds, strict=True)])
    if meta.get("evolution") is not None:
        _evolution_sheet(book, meta["evolution"])
    _about_sheet(book, meta)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _header(sheet, text: str) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _cell(sheet, value, kind: str):
    if value is None or kind == "int":
        return value
    if kind in FORMATS:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = FORMATS[kind]
        return cell
    return _text(sheet, value)


def _text(sheet, value: str) -> WriteOnlyCell:
    # Control characters are illegal in the sheet's XML: a title holding one (\x01…) must not turn the
    # whole board's export into an error. Removed before neutralising, so "\x01=…" is still caught.
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = WriteOnlyCell(sheet, value=neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)))
    cell.data_type = "s"  # text, even if it looked like a formula: belt and braces
    return cell


def _about_sheet(book: Workbook, meta: dict) -> None:
    """A second sheet with the title, date and selection, so the file explains itself."""
    sheet = book.create_sheet("Informations")
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 90
    generated = meta.get("generated_at")
    lines = [("Titre", meta.get("title")), ("Forum", meta.get("board")),
             ("Généré le", generated.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if generated else None),
             ("Sélection", meta.get("filters")), ("Introduction", _introduction(meta)),
             ("Lecture", "Score = somme, par structure, des points de ses votants (utile 1, important 2, "
                         "bloquant 3), plafonnée à 10 par structure. Données agrégées uniquement.")]
    for label, value in lines:
        if value:
            sheet.append([_header(sheet, label), _text(sheet, str(value))])


def _introduction(meta: dict) -> str | None:
    """The introduction as text, one paragraph a line (no Markdown marks)."""
    if not meta.get("introduction_html"):
        return meta.get("introduction")
    blocks = re.split(r"</(?:p|li|h[1-6]|blockquote|pre)>", str(meta["introduction_html"]))
    return "\n".join(filter(None, (text_of(block) for block in blocks))) or None


def _evolution_sheet(book: Workbook, diff) -> None:
    """« Évolution »: what changed since the previous livrable, one request a line."""
    sheet = book.create_sheet("Évolution")
    for letter, width in zip("ABCDEF", (26, 8, 60, 30, 22, 22), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append([_text(sheet, evolution.heading(diff))])
    sheet.append([_header(sheet, text) for text in ("Changement", "N°", "Titre", "Détail", "Statut précédent",
                                                    "Statut")])
    for label, changes, kind in evolution.sections(diff):
        for change in changes:
            sheet.append([_text(sheet, label), change.thread_id, _text(sheet, change.title),
                          _text(sheet, evolution.change_text(kind, change)),
                          _text(sheet, change.previous_status_label), _text(sheet, change.status_label)])
