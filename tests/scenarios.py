"""Shared scenarios: a board with data several modules test against (exports, API, feeds, livrables),
that board exported as a download would write it, and the benchmark data sets for the import.

A scenario builds its rows through tests/factories.py and the services, commits, and returns the
rows by name, so that a test reads `chorus["biology"]` rather than querying for it.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from flask import current_app

from bench.common import MAKE_DATASET
from forum import export
from forum.export.rows import ExportFilters
from forum.extensions import db
from forum.models._time import utcnow
from forum.services.statuses import set_status
from tests.factories import make_board, make_editor, make_request, make_structure, make_user, make_vote

SECRET_EMAIL = "secret.voter@example.org"
SECRET_NAME = "Dr Voterine Secrète"
INJECTION_TITLE = '=HYPERLINK("http://evil.example","clic")'


def build_board() -> dict:
    """Chorus with three ranked requests: breakdowns by importance/profession/region, an injection
    title, an official answer with a target version; one voter whose name and email must never leak;
    the board's editor representative (`rep`) and a moderator of every board (`moderator`)."""
    editor = make_editor(name="Éditeur Chorus", slug="editeur-chorus")
    board = make_board(name="Chorus", slug="chorus", editor=editor)
    nord, rennes = make_structure(region="Hauts-de-France"), make_structure(region="Bretagne")
    biology = make_request(board, title="Importer les résultats de biologie")
    injection = make_request(board, title=INJECTION_TITLE)
    bizone = make_request(board, title="Ordonnances bizones en un clic")
    secret = make_user(SECRET_EMAIL, display_name=SECRET_NAME, structure=nord, uses=[board])
    make_vote(biology, secret, "bloquant")
    make_vote(biology, make_user(structure=nord, uses=[board]), "important")
    make_vote(biology, make_user(structure=rennes, profession="infirmier", uses=[board]), "utile")
    make_vote(injection, make_user(structure=rennes, profession="pharmacien", uses=[board]), "important")
    rep = make_user(role="editor", editor=editor)
    set_status(rep, bizone, "planifiee", note="Prévu pour la version 6.2.", version="6.2", official=True)
    moderator = make_user(role="moderator")
    db.session.commit()
    return {"board": board, "editor": editor, "biology": biology, "injection": injection, "bizone": bizone,
            "secret": secret, "rep": rep, "moderator": moderator}


def export_board(board, fmt: str, filters: ExportFilters | None = None) -> tuple[list, bytes]:
    """The board's ranked requests exported in `fmt` as the download would write them (links to the
    public base URL, never the request's host): (rows, file content)."""
    current_app.config["PUBLIC_BASE_URL"] = "https://forum.example.org"
    with current_app.test_request_context(base_url="https://forum.example.org"):
        rows = export.board_rows(board, filters)
        return rows, export.write(rows, fmt, title="Demandes – Chorus", board=board.name, generated_at=utcnow(),
                                  filters=(filters or ExportFilters()).describe())


def generate_small(directory: Path) -> Path:
    """The real `small` data set (1,000 threads, ~8,000 replies), written by make_dataset.py."""
    if not MAKE_DATASET.is_file():
        pytest.skip(f"{MAKE_DATASET} absent : le générateur de jeux de données est hors du dépôt")
    subprocess.run([sys.executable, str(MAKE_DATASET), str(directory), "--scale", "small"],
                   check=True, capture_output=True)
    return directory


def write_tiny(small: Path, out: Path, threads: int = 40) -> Path:
    """The first `threads` threads of the small data set with their replies, votes and people,
    and a manifest that matches: fast enough for tests that do not need the whole set."""
    def read(name):
        return [json.loads(line) for line in (small / name).read_text(encoding="utf-8").splitlines()]

    kept = read("threads.jsonl")[:threads]
    ids = {t["id"] for t in kept}
    posts = [p for p in read("posts.jsonl") if p["thread_id"] in ids]
    votes = [v for v in read("votes.jsonl") if v["thread_id"] in ids]
    out.mkdir(parents=True, exist_ok=True)
    files = {"boards.jsonl": read("boards.jsonl"), "users.jsonl": read("users.jsonl"),
             "threads.jsonl": kept, "posts.jsonl": posts, "votes.jsonl": votes}
    for name, rows in files.items():
        (out / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    manifest = {"scale": "tiny", "seed": threads, "boards": len(files["boards.jsonl"]),
                "users": len(files["users.jsonl"]), "threads": len(kept), "posts": len(posts), "votes": len(votes)}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return out
