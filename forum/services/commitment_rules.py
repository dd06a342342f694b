"""The rules every page about editors' commitments shares: how a target period is written and read
(« T2 2027 », « mai 2027 »), when it falls due, what counts as a version, when a commitment is late.

A period is stored canonically as "2027-T2" (a quarter) or "2027-05" (a month); it falls due on its
last day. A commitment is late when its request is still `planifiee` and its due day has passed
(Paris time): delivering it (`livree`) or closing it otherwise ends the lateness.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_

from forum.services.errors import ValidationError

PARIS = ZoneInfo("Europe/Paris")
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
_MONTH_NUMBERS = {name: number for number, name in enumerate(MONTHS, start=1)} | {
    "fevrier": 2, "aout": 8, "decembre": 12}
PERIOD_MESSAGE = ("Indiquez l'échéance comme un trimestre (« T2 2027 ») ou un mois (« mai 2027 », "
                  "« 05/2027 »).")
VERSION_MESSAGE = "Indiquez la version sous la forme « 5.3 », « 5.3.2 » ou « 2027.1 » (un suffixe court est permis : « 5.3 SP1 »)."
_VERSION = re.compile(r"^[vV]?\s?(\d{1,4}(?:\.\d{1,4}){0,3})(?:[ -]?([A-Za-z][A-Za-z0-9]{0,9}))?$")


def today() -> date:
    """Today in Paris: the day commitments are compared with."""
    return datetime.now(PARIS).date()


def parse_period(text: str | None, field: str = "period") -> str | None:
    """The canonical period ("2027-T2", "2027-05") of what was typed, None when empty. Accepts
    « T2 2027 », « 2027-T2 », « 2e trimestre 2027 », « mai 2027 », « 05/2027 », « 2027-05 ».
    Raises ValidationError(field, …) otherwise."""
    value = " ".join((text or "").strip().lower().split())
    if not value:
        return None
    patterns = [
        (r"^t([1-4])\s?(\d{4})$", lambda m: (m[2], f"T{m[1]}")),
        (r"^(\d{4})\s?-?\s?t([1-4])$", lambda m: (m[1], f"T{m[2]}")),
        (r"^([1-4])(?:e|er|ème|eme) trimestre (\d{4})$", lambda m: (m[2], f"T{m[1]}")),
        (r"^(\d{1,2})\s?/\s?(\d{4})$", lambda m: (m[2], f"{int(m[1]):02d}")),
        (r"^(\d{4})-(\d{1,2})$", lambda m: (m[1], f"{int(m[2]):02d}")),
    ]
    for pattern, build in patterns:
        if match := re.match(pattern, value):
            year, part = build(match)
            if part.startswith("T") or 1 <= int(part) <= 12:
                return f"{year}-{part}"
            break
    words = value.split()
    if len(words) == 2 and words[0] in _MONTH_NUMBERS and re.fullmatch(r"\d{4}", words[1]):
        return f"{words[1]}-{_MONTH_NUMBERS[words[0]]:02d}"
    raise ValidationError(field, PERIOD_MESSAGE)


def due_on(period: str) -> date:
    """The last day of a canonical period."""
    year, part = int(period[:4]), period[5:]
    month = int(part[1]) * 3 if part.startswith("T") else int(part)
    return date(year, month, calendar.monthrange(year, month)[1])


def period_label(period: str | None) -> str:
    """« T2 2027 » or « mai 2027 » for a canonical period ("" for None)."""
    if not period:
        return ""
    year, part = period[:4], period[5:]
    return f"{part} {year}" if part.startswith("T") else f"{MONTHS[int(part) - 1]} {year}"


def clean_target_version(text: str | None, field: str = "version") -> str | None:
    """The canonical spelling of a version typed for a target (« v5.3 » → « 5.3 »), None when
    empty; ValidationError(field, …) for anything that does not read as a version."""
    value = " ".join((text or "").split())
    if not value:
        return None
    match = _VERSION.match(value)
    if not match:
        raise ValidationError(field, VERSION_MESSAGE)
    return match[1] + (f" {match[2].upper()}" if match[2] else "")


def target_label(version: str | None, period: str | None) -> str:
    """« version 5.4 · T2 2027 », « version 5.4 », « T2 2027 »."""
    return " · ".join(part for part in (f"version {version}" if version else "", period_label(period)) if part)


def is_late(status: str | None, target_due_on: date | None, on: date | None = None) -> bool:
    """A planned request whose target's last day has passed."""
    return status == "planifiee" and target_due_on is not None and target_due_on < (on or today())


def late_condition(thread_table, on: date | None = None) -> ColumnElement[bool]:
    """The SQL form of is_late for `Thread` (or an alias of it)."""
    return and_(thread_table.status == "planifiee", thread_table.target_due_on.is_not(None),
                thread_table.target_due_on < (on or today()))
