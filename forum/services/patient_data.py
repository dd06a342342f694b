"""Patient data guard: refuse text that looks like it holds a NIR/INS before anything is stored."""
from __future__ import annotations

import re

# 13 digits (sex, year, month, department incl. 2A/2B, commune, order) then a 2-digit key,
# with optional spaces, dots or dashes between the groups: "1 85 12 75 123 456 78".
_SEP = r"[ .\-\u00a0]?"
NIR_PATTERN = re.compile(
    r"(?<![\dA-Za-z])"
    rf"[1-478]{_SEP}\d{{2}}{_SEP}\d{{2}}{_SEP}(?:\d{{2}}|2[AaBb]){_SEP}\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{2}}"
    r"(?![\dA-Za-z])"
)

NIR_MESSAGE = (
    "Votre texte semble contenir un numéro de sécurité sociale ou un INS (13 chiffres suivis d'une clé). "
    "Ne publiez jamais de données permettant d'identifier un patient : retirez ce numéro puis envoyez à nouveau."
)


def contains_patient_identifier(text: str | None) -> bool:
    """True when `text` holds something shaped like a NIR/INS (13 digits + 2-digit key)."""
    return bool(text) and NIR_PATTERN.search(text) is not None
