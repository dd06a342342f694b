"""The name a file is shown and downloaded under, made from the user's file name, and the patient data
guard (NIR/INS) on file names and on the text of TXT/CSV files.

The safe name is display only: files are stored under a random key, never under this name. It is NFC,
has no path (the last part after / or \\), no control, bidi or invisible format character, none of the
characters Windows forbids, no leading dot (no hidden « .htaccess »), at most MAX_NAME_LENGTH
characters, and the extension of the type found in the content (« capture.pdf » holding a PNG is shown
as « capture.png »); « fichier.<ext> » when nothing is left.
"""
from __future__ import annotations

import re
import unicodedata

from forum.files.types import FIELD, FileType
from forum.services.errors import ValidationError
from forum.services.patient_data import contains_patient_identifier
from forum.services.text_hygiene import BIDI_CONTROLS, CONTROL_CHARACTERS

MAX_NAME_LENGTH = 100
DEFAULT_STEM = "fichier"
_FORBIDDEN = re.compile(f'[<>:"|?*{BIDI_CONTROLS}]')
_WHITESPACE = re.compile(r"\s+")
_EXTENSION = re.compile(r"[a-z0-9]{1,8}")
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)

NAME_NIR_MESSAGE = (
    "Le nom du fichier semble contenir un numéro de sécurité sociale ou un INS (13 chiffres suivis d'une "
    "clé). Ne publiez jamais de données permettant d'identifier un patient : renommez le fichier puis "
    "envoyez-le à nouveau."
)
CONTENT_NIR_MESSAGE = (
    "Ce fichier semble contenir un numéro de sécurité sociale ou un INS (13 chiffres suivis d'une clé). "
    "Ne publiez jamais de données permettant d'identifier un patient : retirez ce numéro du fichier puis "
    "envoyez-le à nouveau."
)


def base_name(filename: str | None) -> str:
    """The user's file name without path, controls or invisible characters, NFC, whitespace collapsed
    (not yet shortened nor given its extension)."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    name = CONTROL_CHARACTERS.sub("", name)
    name = "".join(char for char in name if unicodedata.category(char) != "Cf")
    name = _FORBIDDEN.sub("_", name)
    return _WHITESPACE.sub(" ", name).strip(" .")


def safe_name(filename: str | None, file_type: FileType) -> str:
    """The display name for a file of `file_type` uploaded as `filename` (see the module docstring)."""
    name = base_name(filename)
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = extension.lower()
    if extension not in file_type.extensions:
        # A wrong or missing extension: the content decides (« photo.exe » holding a PNG → photo.png);
        # « compte rendu v2.1 final » has no extension, only a dot.
        if not _EXTENSION.fullmatch(extension):
            stem = name
        extension = file_type.extension
    stem = stem.strip(" .")
    if stem.split(".")[0].lower() in _WINDOWS_DEVICES:
        stem = f"{DEFAULT_STEM}-{stem}"
    room = MAX_NAME_LENGTH - len(extension) - 1
    stem = stem[:room].rstrip(" .") or DEFAULT_STEM
    return f"{stem}.{extension}"


def check_name(filename: str | None) -> None:
    """Raises ValidationError("file", NAME_NIR_MESSAGE) when the file name holds a NIR/INS."""
    if contains_patient_identifier(base_name(filename)):
        raise ValidationError(FIELD, NAME_NIR_MESSAGE)


def check_text_content(text: str) -> None:
    """Raises ValidationError("file", CONTENT_NIR_MESSAGE) when a TXT/CSV file's text holds a NIR/INS."""
    if contains_patient_identifier(text):
        raise ValidationError(FIELD, CONTENT_NIR_MESSAGE)
