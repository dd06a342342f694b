"""The « évolution depuis le livrable précédent » (services.livrable_diff) in the words every export
uses: one French line per request for the tabular formats, sections for Markdown/HTML/XLSX, a dict
for JSON. The page (templates/livrables/_diff.html) says the same things."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # services.livrable_diff imports services.livrables, which imports this package
    from forum.services.livrable_diff import Change, LivrableDiff

FIRST = "Premier livrable de ce forum : pas de comparaison possible."
UNCHANGED = "Sans changement"
# (attribute of LivrableDiff, French heading), in the order of the livrable page.
SECTIONS: list[tuple[str, str]] = [
    ("new", "Nouvelles demandes"), ("up", "En hausse"), ("down", "En baisse"),
    ("status_changed", "Statut modifié"), ("delivered", "Livrées depuis"), ("declined", "Refusées depuis"),
    ("left_out", "Écartées de ce livrable"),
]


def heading(diff: LivrableDiff) -> str:
    if diff.previous is None:
        return FIRST
    return f"Comparé au {diff.previous.title}" + (f" · {diff.unchanged} demande(s) sans changement"
                                                  if diff.unchanged else "") + "."


def change_text(kind: str, change: Change) -> str:
    """What happened to one request, e.g. "rang 5 → 3 (+2)" or "Nouvelle → Planifiée"."""
    if kind == "new":
        return f"rang {change.rank or '—'}"
    if kind in ("up", "down"):
        return f"rang {change.previous_rank} → {change.rank} ({change.delta:+d})"
    if kind == "status_changed":
        return f"{change.previous_status_label} → {change.status_label}"
    if kind == "delivered":
        return f"version {change.version}" if change.version else "livrée"
    return change.status_label


def sections(diff: LivrableDiff) -> list[tuple[str, list[Change], str]]:
    """(heading, changes, kind) of each non-empty section."""
    return [(label, getattr(diff, kind), kind) for kind, label in SECTIONS if getattr(diff, kind)]


def by_request(diff: LivrableDiff) -> dict[int, str]:
    """Thread id → one line for the « Évolution » column (requests of this livrable only)."""
    lines: dict[int, list[str]] = {}
    labels = {"new": "Nouvelle demande", "up": "En hausse", "down": "En baisse", "status_changed": "Statut",
              "delivered": "Livrée", "declined": "Refusée"}
    for kind, label in labels.items():
        for change in getattr(diff, kind):
            if change.thread_id is not None:
                text = label if kind == "new" else f"{label} : {change_text(kind, change)}"
                lines.setdefault(change.thread_id, []).append(text)
    return {thread_id: " ; ".join(parts) for thread_id, parts in lines.items()}


def row_texts(diff: LivrableDiff) -> tuple[dict[int, str], str]:
    """(thread id → line, the line of a request not in the diff)."""
    if diff.previous is None:
        return {}, "Premier livrable"
    return by_request(diff), UNCHANGED


def as_dict(diff: LivrableDiff) -> dict:
    """JSON form: the previous livrable and, per section, the requests with their ranks and statuses."""
    def change(c: Change) -> dict:
        return {"id": c.thread_id, "title": c.title, "rank": c.rank, "previous_rank": c.previous_rank,
                "status": c.status, "previous_status": c.previous_status, "version": c.version}
    previous = diff.previous
    return {"previous": ({"number": previous.number, "title": previous.title} if previous else None),
            "unchanged": diff.unchanged,
            **{kind: [change(c) for c in getattr(diff, kind)] for kind, _ in SECTIONS}}
