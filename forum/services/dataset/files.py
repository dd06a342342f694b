"""Reading a data set directory: manifest.json and the JSON Lines files, checked before anything is
written (a missing file, bad JSON, a missing field or a count unlike the manifest is a DatasetError)."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from forum.services.errors import DomainError

# Each file and the fields every line must have.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "boards.jsonl": ("id", "name"),
    "users.jsonl": ("id", "email", "structure", "region"),
    "threads.jsonl": ("id", "board_id", "author_id", "kind", "title", "body", "created_at"),
    "posts.jsonl": ("id", "thread_id", "author_id", "body", "created_at"),
    "votes.jsonl": ("thread_id", "user_id"),
}
DATA_FILES = tuple(REQUIRED_FIELDS)


class DatasetError(DomainError):
    """The directory is not a readable data set (missing file, bad JSON, broken reference)."""


def read_manifest(directory: Path) -> tuple[dict[str, Any], str]:
    """(manifest, SHA-256 of manifest.json). Raises DatasetError when the directory is unusable."""
    if not directory.is_dir():
        raise DatasetError(f"Le dossier « {directory} » n'existe pas ou n'est pas un dossier.")
    missing = [name for name in ("manifest.json", *DATA_FILES) if not (directory / name).is_file()]
    if missing:
        raise DatasetError(f"« {directory} » n'est pas un jeu de données complet : "
                           f"fichier(s) manquant(s) : {', '.join(missing)}.")
    raw = (directory / "manifest.json").read_bytes()
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise DatasetError(f"manifest.json est illisible : {exc}.") from exc
    if not isinstance(manifest, dict) or not all(isinstance(manifest.get(k), int)
                                                 for k in ("boards", "users", "threads", "posts", "votes")):
        raise DatasetError("manifest.json ne donne pas les nombres attendus (boards, users, threads, posts, votes).")
    return manifest, hashlib.sha256(raw).hexdigest()


def read_rows(directory: Path, manifest: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every line of every data file, by file name, their counts checked against the manifest."""
    rows = {name: list(_read_jsonl(directory / name, REQUIRED_FIELDS[name])) for name in DATA_FILES}
    for name in DATA_FILES:
        key = name.removesuffix(".jsonl")
        if len(rows[name]) != manifest[key]:
            raise DatasetError(f"{name} contient {len(rows[name])} lignes, manifest.json en annonce {manifest[key]}.")
    return rows


def _read_jsonl(path: Path, required: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """The objects of a JSON Lines file; DatasetError on bad JSON or a missing field."""
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise DatasetError(f"{path.name}, ligne {line_no} : JSON invalide ({exc}).") from exc
            if not isinstance(row, dict) or any(row.get(key) is None for key in required):
                raise DatasetError(f"{path.name}, ligne {line_no} : il manque un des champs {', '.join(required)}.")
            yield row
