"""The software catalogue: the data file forum/data/catalogue.json turned into Editor and Board rows.

The file is the initial catalogue drawn from the seed documents; once loaded, moderators own the
rows (they may rename an editor or reword a description), so `sync()` only inserts what is missing,
matched by slug, and never overwrites or duplicates.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Board, Editor

CATALOGUE_PATH = Path(__file__).resolve().parent.parent / "data" / "catalogue.json"
GENERAL_BOARD_SLUG = "inter-logiciels"


@dataclass
class SyncResult:
    editors_created: list[str] = field(default_factory=list)
    boards_created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.editors_created or self.boards_created)


def load_catalogue(path: Path = CATALOGUE_PATH) -> dict[str, Any]:
    """The catalogue file as a dict with "editors" and "boards" lists."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def sync(path: Path = CATALOGUE_PATH) -> SyncResult:
    """Insert the catalogue's editors and boards that are not in the database yet (by slug); flush.

    Idempotent: a second call inserts nothing. Existing rows are left as moderators set them.
    """
    data = load_catalogue(path)
    result = SyncResult()
    editors = {e.slug: e for e in db.session.scalars(select(Editor))}
    for entry in data["editors"]:
        if entry["slug"] not in editors:
            editor = Editor(slug=entry["slug"], name=entry["name"], website=entry.get("website") or None)
            db.session.add(editor)
            editors[editor.slug] = editor
            result.editors_created.append(editor.slug)
    db.session.flush()

    existing = set(db.session.scalars(select(Board.slug)))
    position = db.session.scalar(select(func.coalesce(func.max(Board.position), 0)))
    for index, entry in enumerate(data["boards"], start=1):
        if entry["slug"] in existing:
            continue
        editor = editors.get(entry["editor"]) if entry.get("editor") else None
        db.session.add(Board(
            slug=entry["slug"], name=entry["name"], editor_id=editor.id if editor else None,
            label_level=entry.get("label_level"), label_version=entry.get("label_version"),
            label_note=entry.get("label_note"), website=entry.get("website") or None,
            description=entry.get("description"), is_general=entry.get("is_general", False),
            votes_require_usage=entry.get("votes_require_usage", True), position=position + index,
        ))
        result.boards_created.append(entry["slug"])
    db.session.flush()
    return result
