"""The type of an upload, decided from its bytes (magic numbers, zip directory, UTF-8 text), never from
its name or the browser's claim; the name only tells CSV from TXT once the content is known to be text.

Accepted: PNG, JPEG, WebP, GIF images; PDF; ODT/ODS (zip whose `mimetype` entry is the OpenDocument
type); DOCX/XLSX (zip with `[Content_Types].xml` and `word/document.xml` or `xl/workbook.xml`); TXT/CSV
(UTF-8, no NUL nor control characters, not markup). Everything else is refused: SVG, HTML, XML,
executables, other zips, documents with macros. Whether an image's bytes really are an image (and not
an HTML polyglot behind a GIF header) is decided by the decoder in forum.files.images.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from forum.services.errors import ValidationError

FIELD = "file"
REFUSED_MESSAGE = (
    "Type de fichier non accepté. Sont acceptés : les images PNG, JPEG, WebP et GIF, et les documents "
    "PDF, ODT, ODS, DOCX, XLSX, TXT et CSV (texte en UTF-8)."
)
MACRO_MESSAGE = (
    "Les documents contenant des macros ne sont pas acceptés : enregistrez-le sans macros "
    "(ODT, ODS, DOCX ou XLSX) puis envoyez-le à nouveau."
)


@dataclass(frozen=True)
class FileType:
    """What a file is: `kind` is "image" or "document"; `extension` is the canonical one, no dot."""

    kind: str
    mime: str
    extension: str
    label: str
    # Other extensions a user's file name may carry for this type (kept in the display name).
    aliases: tuple[str, ...] = ()

    @property
    def extensions(self) -> tuple[str, ...]:
        return (self.extension, *self.aliases)


PNG = FileType("image", "image/png", "png", "Image PNG")
JPEG = FileType("image", "image/jpeg", "jpg", "Image JPEG", ("jpeg", "jpe"))
WEBP = FileType("image", "image/webp", "webp", "Image WebP")
GIF = FileType("image", "image/gif", "gif", "Image GIF")
PDF = FileType("document", "application/pdf", "pdf", "Document PDF")
ODT = FileType("document", "application/vnd.oasis.opendocument.text", "odt", "Texte OpenDocument (ODT)")
ODS = FileType("document", "application/vnd.oasis.opendocument.spreadsheet", "ods", "Tableur OpenDocument (ODS)")
DOCX = FileType(
    "document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx",
    "Document Word (DOCX)",
)
XLSX = FileType(
    "document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
    "Classeur Excel (XLSX)",
)
TXT = FileType("document", "text/plain; charset=utf-8", "txt", "Texte (TXT)", ("text", "log", "md"))
CSV = FileType("document", "text/csv; charset=utf-8", "csv", "Tableau CSV")

ALL_TYPES = (PNG, JPEG, WEBP, GIF, PDF, ODT, ODS, DOCX, XLSX, TXT, CSV)
_OPENDOCUMENT = {ODT.mime.encode(): ODT, ODS.mime.encode(): ODS}
_MAX_MIMETYPE_ENTRY = 200  # bytes; the real ones are 39 and 46
# Control characters a text file may not hold (tab, newline, form feed and carriage return may).
_TEXT_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# What a browser would sniff as HTML or XML (WHATWG MIME sniffing), plus SVG: never accepted as text.
_MARKUP_START = re.compile(
    r"\s*<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|"
    r"svg|\?xml|!--|!\[cdata\[|meta|link|img|object|embed|form)(?:[\s/>]|$)",
    re.IGNORECASE,
)


def detect_type(filename: str | None, data: bytes) -> FileType:
    """The type of `data` from its content. Raises ValidationError("file", …) in French for anything
    not in the accepted list (MACRO_MESSAGE for Office or OpenDocument files with macros)."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return _text_type(filename, data)


def _office_type(data: bytes) -> FileType:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if any(_is_macro_entry(name) for name in names):
                raise ValidationError(FIELD, MACRO_MESSAGE)
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size > _MAX_MIMETYPE_ENTRY:
                    raise ValidationError(FIELD, REFUSED_MESSAGE)
                found = _OPENDOCUMENT.get(archive.read(info).strip())
                if found is not None:
                    return found
            elif "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError):
        pass
    raise ValidationError(FIELD, REFUSED_MESSAGE)


def _is_macro_entry(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith("vbaproject.bin") or lowered.startswith(("basic/", "scripts/"))


def _text_type(filename: str | None, data: bytes) -> FileType:
    if b"\x00" in data:
        raise ValidationError(FIELD, REFUSED_MESSAGE)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(FIELD, REFUSED_MESSAGE) from None
    if _TEXT_CONTROLS.search(text) or _MARKUP_START.match(text):
        raise ValidationError(FIELD, REFUSED_MESSAGE)
    if (filename or "").strip().lower().endswith(".csv"):
        return CSV
    return TXT


def decode_text(data: bytes) -> str:
    """The text of a TXT/CSV file already accepted by detect_type (BOM removed)."""
    return data.decode("utf-8-sig")
