"""The one entry point for an upload: `check_upload(filename, data, max_bytes)` decides whether a file
may be stored and returns what to store (re-encoded bytes for images, a preview, a safe name).

Order of the checks, cheapest first: empty, size, type from content, NIR/INS in the name, then the
content itself (images decoded and re-encoded, text of TXT/CSV read for a NIR/INS). Every refusal is a
ValidationError("file", French message); nothing here touches storage, the database or the request.
"""
from __future__ import annotations

from dataclasses import dataclass

from forum.files import names
from forum.files.types import FIELD, FileType, decode_text, detect_type
from forum.services.errors import ValidationError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
EMPTY_MESSAGE = "Ce fichier est vide : choisissez un autre fichier."


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check. `data` is what to store (re-encoded for images); `preview` is
    the inline version of an image (the same object as `data` when no resize was needed), None for
    documents; `width`/`height` are None for documents; `size` is len(data)."""

    type: FileType
    safe_name: str
    data: bytes
    preview: bytes | None
    width: int | None
    height: int | None
    size: int


def check_upload(filename: str | None, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> CheckedFile:
    """Checks an uploaded file. Raises ValidationError("file", …) when it is empty, larger than
    `max_bytes`, of a type not accepted (decided by content), an unreadable or oversized image, or when
    its name or the text of a TXT/CSV file holds a NIR/INS."""
    if not data:
        raise ValidationError(FIELD, EMPTY_MESSAGE)
    if len(data) > max_bytes:
        raise ValidationError(FIELD, too_big_message(max_bytes))
    file_type = detect_type(filename, data)
    names.check_name(filename)
    preview: bytes | None = None
    width = height = None
    if file_type.kind == "image":
        from forum.files import images  # Pillow loads with the first image, not in every worker

        data, preview, width, height = images.clean_image(data, file_type)
    elif file_type.extension in ("txt", "csv"):
        names.check_text_content(decode_text(data))
    return CheckedFile(
        type=file_type, safe_name=names.safe_name(filename, file_type), data=data, preview=preview,
        width=width, height=height, size=len(data),
    )


def too_big_message(max_bytes: int) -> str:
    """« Ce fichier dépasse la taille maximale de 5 Mo. » with the limit written the French way."""
    return f"Ce fichier dépasse la taille maximale de {format_size(max_bytes)} : réduisez-le ou choisissez-en un autre."


def format_size(size: int) -> str:
    """A size in French units: « 5 Mo », « 2,5 Mo », « 500 Ko », « 12 octets »."""
    for unit, factor in (("Mo", 1024 * 1024), ("Ko", 1024)):
        if size >= factor:
            value = f"{size / factor:.1f}".rstrip("0").rstrip(".")
            return f"{value.replace('.', ',')} {unit}"
    return f"{size} octets"
