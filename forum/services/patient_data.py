"""Patient data guard: refuse text that looks like it holds a NIR/INS before anything is stored.

A NIR (the INS of a person born in France) is 15 characters: sex (1-4, 7, 8), year (2), month (01-12,
or 20-42 and 50-99 when the month is unknown), department (2 digits, or 2A/2B), commune (3), order
(3), then a 2-digit key = 97 - (the 13 first as a number, 2A read 19 and 2B 18) mod 97.

The check reads the text as a reader sees it (services.text_hygiene.normalise_for_checks: entities
decoded, NFKC, invisible characters removed), then looks at every chain of digit groups separated by
short runs of separators (spaces of any kind, tabs, dots, dashes of any kind, slashes, underscores,
Markdown emphasis and escapes). Any run of whole groups that makes 15 characters of the NIR's shape is
refused when it is written the way people write a NIR (groups that end only where a field ends:
« 1 85 12 75 123 456 78 », « 185127512345678 », « 1851275123456 78 »); in any other grouping
(« 185 127 512 345 678 ») its key must also be right, so that a list of ordinary numbers that happens
to add up to 15 digits is not refused. Phone numbers (10 digits), dates, versions, FINESS (9) and
RPPS (11) numbers are not 15 characters.

Linear in the length of the text: the chain pattern cannot backtrack (its digits and separators are
disjoint classes) and each group enters and leaves the 15-character window once.
"""
from __future__ import annotations

import re

from forum.services.errors import ValidationError
from forum.services.text_hygiene import normalise_for_checks

NIR_LENGTH = 15
# Digits, and 2A/2B (Corsica) when no other letter follows: « 2A 004 » is a department, « 2Avril » not.
_DIGIT_GROUP = r"(?:2[AaBb](?![^\W\d_])|[0-9])+"
_SEPARATORS = "\\s._/\\\\*~`\u00b7\u2010-\u2015\u2027\u2043\u2212\u2219\u22c5-"
_MAX_SEPARATOR_RUN = 6  # « 12 **75** » and several spaces, not a whole paragraph between two numbers
_CHAIN = re.compile(rf"{_DIGIT_GROUP}(?:[{_SEPARATORS}]{{1,{_MAX_SEPARATOR_RUN}}}{_DIGIT_GROUP})*")
_GROUP = re.compile(_DIGIT_GROUP)
_NIR_SHAPE = re.compile(r"[1-478][0-9]{2}(?:0[1-9]|1[0-2]|[2-3][0-9]|4[0-2]|[5-9][0-9])(?:[0-9]{2}|2[AB])[0-9]{8}")
# Where the fields end inside the 15 characters: sex, year, month, department, commune, order.
_FIELD_ENDS = frozenset({1, 3, 5, 7, 10, 13})
_CORSICA = {"2A": "19", "2B": "18"}
_FIRST_DIGITS = frozenset("123478")

NIR_MESSAGE = (
    "Votre texte semble contenir un numéro de sécurité sociale ou un INS (13 chiffres suivis d'une clé). "
    "Ne publiez jamais de données permettant d'identifier un patient : retirez ce numéro puis envoyez à nouveau."
)


def contains_patient_identifier(text: str | None) -> bool:
    """True when `text` holds something shaped like a NIR/INS (13 characters + 2-digit key), whatever
    the separators, the grouping, the invisible characters or the entities used to write it."""
    if not text:
        return False
    checked = normalise_for_checks(text)
    for chain in _CHAIN.finditer(checked):
        if chain.end() - chain.start() < NIR_LENGTH:  # fewer than 15 characters: fewer than 15 digits
            continue
        if _holds_nir([group.group() for group in _GROUP.finditer(checked, chain.start(), chain.end())]):
            return True
    return False


def check_no_patient_identifier(field: str | None, text: str | None) -> None:
    """Raises ValidationError(field, NIR_MESSAGE) when `text` holds a NIR/INS."""
    if contains_patient_identifier(text):
        raise ValidationError(field, NIR_MESSAGE)


def _holds_nir(groups: list[str]) -> bool:
    """Whether some run of whole consecutive groups is 15 characters shaped like a NIR."""
    end = total = 0
    for start in range(len(groups)):
        while end < len(groups) and total < NIR_LENGTH:
            total += len(groups[end])
            end += 1
        if total == NIR_LENGTH and _is_nir(groups[start:end]):
            return True
        total -= len(groups[start])
    return False


def _is_nir(groups: list[str]) -> bool:
    candidate = "".join(groups)
    if candidate[0] not in _FIRST_DIGITS:
        return False
    candidate = candidate.upper()
    if not _NIR_SHAPE.fullmatch(candidate):
        return False
    if len(groups) <= len(_FIELD_ENDS) + 1:  # may break only where fields end
        ends, position = set(), 0
        for group in groups[:-1]:
            position += len(group)
            ends.add(position)
        if ends <= _FIELD_ENDS:
            return True
    return _key_is_right(candidate)


def _key_is_right(nir: str) -> bool:
    number = nir[:5] + _CORSICA.get(nir[5:7], nir[5:7]) + nir[7:13]
    return 97 - int(number) % 97 == int(nir[13:])
