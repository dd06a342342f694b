"""JSON export: the same figures with explicit names, for tools (UTF-8, not ASCII-escaped)."""
from __future__ import annotations

import json
from datetime import datetime

from forum.export import evolution
from forum.export.rows import ExportRow

CONTENT_TYPE = "application/json; charset=utf-8"
EXTENSION = "json"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def row_dict(row: ExportRow, with_notes: bool = False) -> dict:
    data = {
        "rank": row.rank, "id": row.id, "title": row.title, "summary": row.summary, "status": row.status,
        "status_label": row.status_label, "score": row.score, "votes": row.votes,
        "votes_by_importance": dict(row.by_importance), "uncounted_votes": row.uncounted_votes,
        "structures": row.structures, "professions": row.profession_count,
        "professions_detail": [{"profession": label, "count": count} for label, count in row.professions],
        "regions": [{"region": label, "count": count} for label, count in row.regions],
        "created_at": _iso(row.created_at), "last_activity_at": _iso(row.last_activity_at), "link": row.link,
        "latest_answer": ({"text": row.latest_answer, "by": row.latest_answer_by} if row.latest_answer else None),
        "target_version": row.target_version,
        "target_period": row.target_period, "target_due_on": row.target_due_on.isoformat() if row.target_due_on else None,
        "target_label": row.target_text or None, "target_slips": row.target_slips, "late": row.late,
    }
    if with_notes:
        data["note"] = row.note
    if row.evolution is not None:
        data["evolution"] = row.evolution
    return data


def write(rows: list[ExportRow], **meta) -> bytes:
    with_notes = bool(meta.get("with_notes"))
    document = {
        "title": meta.get("title"), "board": meta.get("board"), "generated_at": _iso(meta.get("generated_at")),
        "filters": meta.get("filters"), "introduction": meta.get("introduction"),
        "count": len(rows), "requests": [row_dict(row, with_notes) for row in rows],
    }
    if meta.get("evolution") is not None:
        document["evolution"] = {"summary": evolution.heading(meta["evolution"]), **evolution.as_dict(meta["evolution"])}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
