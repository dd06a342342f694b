"""The columns of the tabular exports (CSV, XLSX), in order, with their French headers.

One list so CSV and XLSX cannot drift apart; JSON, Markdown and HTML read the rows' fields.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from forum.export.rows import PARIS, ExportRow, counts_text


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[ExportRow], Any]
    # "int", "text", "date", "datetime" or "url": how a spreadsheet shows it.
    kind: str = "text"
    width: int = 14


def local(moment: datetime | None) -> datetime | None:
    """Paris wall-clock time without tzinfo (spreadsheets have no time zones)."""
    return moment.astimezone(PARIS).replace(tzinfo=None) if moment else None


COLUMNS: list[Column] = [
    Column("Rang", lambda r: r.rank, "int", 7),
    Column("N°", lambda r: r.id, "int", 8),
    Column("Titre", lambda r: r.title, "text", 60),
    Column("Résumé", lambda r: r.summary, "text", 80),
    Column("Statut", lambda r: r.status_label, "text", 20),
    Column("Score", lambda r: r.score, "int", 8),
    Column("Votes", lambda r: r.votes, "int", 8),
    Column("Votes utile", lambda r: r.by_importance.get("utile", 0), "int", 11),
    Column("Votes important", lambda r: r.by_importance.get("important", 0), "int", 11),
    Column("Votes bloquant", lambda r: r.by_importance.get("bloquant", 0), "int", 11),
    Column("Votes non comptés", lambda r: r.uncounted_votes, "int", 11),
    Column("Structures distinctes", lambda r: r.structures, "int", 12),
    Column("Professions distinctes", lambda r: r.profession_count, "int", 12),
    Column("Professions", lambda r: counts_text(r.professions), "text", 40),
    Column("Régions", lambda r: counts_text(r.regions), "text", 36),
    Column("Créée le", lambda r: local(r.created_at), "date", 12),
    Column("Dernière activité", lambda r: local(r.last_activity_at), "datetime", 17),
    Column("Lien", lambda r: r.link, "url", 45),
    Column("Dernière réponse officielle", lambda r: r.answer_text, "text", 60),
    Column("Réponse de", lambda r: r.latest_answer_origin, "text", 12),
    Column("Version cible", lambda r: r.target_version, "text", 12),
    Column("Échéance", lambda r: r.target_text, "text", 22),
    Column("En retard", lambda r: r.late_text, "text", 9),
]
NOTE_COLUMN = Column("Note de la fédération", lambda r: r.note_plain, "text", 50)
EVOLUTION_COLUMN = Column("Évolution", lambda r: r.evolution, "text", 40)


def columns_for(with_notes: bool, with_evolution: bool = False) -> list[Column]:
    """The columns of a board export, plus the note and évolution columns of a livrable."""
    return [*COLUMNS, *([EVOLUTION_COLUMN] if with_evolution else []), *([NOTE_COLUMN] if with_notes else [])]
