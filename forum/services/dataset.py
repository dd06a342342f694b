"""`import-dataset`: load the benchmark data set of ../shared/bench/make_dataset.py, fast and once.

Why it does not go through the posting service: ~95k posts through the ORM, one object and one
counter update each, take minutes; here rows are built as dicts and written with Core `insert()`
executemany in chunks, inside the caller's single transaction, then the counters are recomputed
set-based. Bodies still go through `render_markdown` (the one sanitiser), in a process pool
because it is the slow part (about 0.4 ms a post).

Idempotent: the SHA-256 of manifest.json is recorded in `DatasetImport`; the same data set is
never loaded twice.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import PROFESSIONS, Board, DatasetImport, Editor, Post, SoftwareUse, Structure, Thread, User, Vote
from forum.models._time import utcnow
from forum.models.accounts import STRUCTURE_NAME_MAX
from forum.models.threads import slugify
from forum.services import counters
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
CHUNK = 5_000
# Below this many bodies a process pool costs more than it saves.
POOL_THRESHOLD = 4_000

# Profession strings of the data set -> codes of forum.models.PROFESSIONS.
# Slugs (forum.models.threads.slugify) that differ from a PROFESSIONS code; the others match one.
PROFESSION_CODES: dict[str, str] = {
    "infirmiere": "infirmier", "pharmacienne": "pharmacien", "dieteticienne": "dieteticien",
    "coordinatrice": "coordinateur", "secretaire-medicale": "secretaire", "secretaire-medical": "secretaire",
}
LABEL_LEVELS = {"standard": "standard", "avancé": "avance", "avance": "avance"}
STRUCTURE_KIND_WORDS = {"msp": "msp", "maison": "msp", "centre": "cds", "cds": "cds", "cpts": "cpts",
                        "pôle": "pole", "pole": "pole", "cabinet": "cabinet"}


class DatasetError(DomainError):
    """The directory is not a readable data set (missing file, bad JSON, broken reference)."""


@dataclass
class ImportReport:
    already: bool
    manifest: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


Progress = Callable[[str], None]


def profession_code(label: str) -> str:
    """"infirmière" -> "infirmier", "secrétaire médicale" -> "secretaire"; unknown -> "autre"."""
    slug = slugify(label or "")
    code = PROFESSION_CODES.get(slug, slug.replace("-", "_"))
    return code if code in PROFESSIONS else "autre"


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


def import_dataset(directory: Path, progress: Progress = lambda message: None,
                   workers: int | None = None) -> ImportReport:
    """Load the data set in `directory` into the current transaction (the caller commits).

    Returns a report with already=True and changes nothing when this manifest was imported before.
    Raises DatasetError for a bad directory or inconsistent files (nothing is written then, as
    long as the caller rolls back).
    """
    started = time.perf_counter()
    manifest, digest = read_manifest(directory)
    if db.session.scalar(select(DatasetImport.id).where(DatasetImport.manifest_sha256 == digest)):
        return ImportReport(already=True, manifest=manifest)
    return _import(directory, manifest, digest, started, progress, workers)


def _import(directory: Path, manifest: dict[str, Any], digest: str, started: float, progress: Progress,
            workers: int | None) -> ImportReport:
    def step(message: str) -> None:
        progress(f"{message} ({time.perf_counter() - started:.1f} s)")

    rows = {name: list(_read_jsonl(directory / name, REQUIRED_FIELDS[name])) for name in DATA_FILES}
    _check_counts(rows, manifest)
    step(f"Fichiers lus : {len(rows['threads.jsonl'])} sujets, {len(rows['posts.jsonl'])} réponses")

    board_ids = _map_boards(rows["boards.jsonl"])
    user_ids = _map_users(rows["users.jsonl"])
    step(f"Forums : {len(board_ids)}, membres : {len(user_ids)}")

    threads, replies = rows["threads.jsonl"], rows["posts.jsonl"]
    bodies = [t["body"] for t in threads] + [p["body"] for p in replies]
    html = _render_all(bodies, workers, step)
    thread_offset = db.session.scalar(select(func.coalesce(func.max(Thread.id), 0)))
    post_offset = db.session.scalar(select(func.coalesce(func.max(Post.id), 0)))
    thread_rows, post_rows, uses = _build_rows(threads, replies, html, board_ids, user_ids,
                                               thread_offset, post_offset)
    _insert_chunks(Thread, thread_rows)
    step(f"Sujets insérés : {len(thread_rows)}")
    _insert_chunks(Post, post_rows)
    _advance_id_sequences(Thread, Post)
    step(f"Messages insérés : {len(post_rows)} (dont {len(replies)} réponses)")

    vote_rows = _vote_rows(rows["votes.jsonl"], {row["id"]: row for row in thread_rows}, thread_offset,
                           user_ids, uses)
    _insert_chunks(Vote, vote_rows)
    step(f"Votes insérés : {len(vote_rows)}")
    _insert_software_uses(uses)

    counters.recount_all()
    notes = _refresh_ranking([row["id"] for row in thread_rows if row["kind"] == "request"])
    step("Compteurs recalculés")
    counts = {"boards": len(board_ids), "users": len(user_ids), "threads": len(thread_rows),
              "posts": len(replies), "votes": len(vote_rows)}
    db.session.add(DatasetImport(manifest_sha256=digest, scale=manifest.get("scale"), seed=manifest.get("seed"),
                                 counts=counts, id_offsets={"threads": thread_offset, "posts": post_offset}))
    db.session.flush()
    return ImportReport(already=False, manifest=manifest, counts=counts, notes=notes,
                        seconds=time.perf_counter() - started)


# --- reading ----------------------------------------------------------------------------------

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


def _check_counts(rows: dict[str, list], manifest: dict[str, Any]) -> None:
    for name, key in (("boards.jsonl", "boards"), ("users.jsonl", "users"), ("threads.jsonl", "threads"),
                      ("posts.jsonl", "posts"), ("votes.jsonl", "votes")):
        if len(rows[name]) != manifest[key]:
            raise DatasetError(f"{name} contient {len(rows[name])} lignes, manifest.json en annonce {manifest[key]}.")


def _ref(value: int | None, file: str, line: int, what: str) -> int:
    if value is None:
        raise DatasetError(f"{file}, ligne {line} : {what} inconnu.")
    return value


# --- boards, users, structures ----------------------------------------------------------------

def _map_boards(boards: list[dict[str, Any]]) -> dict[int, int]:
    """Data set board id -> database board id: a catalogue board whose slug or slugified name
    matches ("Chorus" -> chorus), else a new board (and its editor, found or created by name)."""
    existing: dict[str, Board] = {}
    for board in db.session.scalars(select(Board)):
        existing.setdefault(board.slug, board)
        existing.setdefault(slugify(board.name), board)
    editors = {e.slug: e for e in db.session.scalars(select(Editor))}
    position = db.session.scalar(select(func.coalesce(func.max(Board.position), 0)))
    mapping: dict[int, int] = {}
    for entry in boards:
        slug = slugify(entry["name"], max_length=64)
        board = existing.get(slug)
        if board is None:
            editor = None
            if entry.get("editor"):
                editor_slug = slugify(entry["editor"], max_length=64)
                editor = editors.get(editor_slug)
                if editor is None:
                    editor = Editor(slug=editor_slug, name=entry["editor"][:120])
                    db.session.add(editor)
                    editors[editor_slug] = editor
                    db.session.flush()
            position += 1
            board = Board(slug=slug, name=entry["name"][:120], editor_id=editor.id if editor else None,
                          label_level=LABEL_LEVELS.get((entry.get("label_level") or "").lower()),
                          position=position)
            db.session.add(board)
            db.session.flush()
            existing[slug] = board
        mapping[entry["id"]] = board.id
    return mapping


def _map_users(users: list[dict[str, Any]]) -> dict[int, int]:
    """Data set user id -> database user id. Users are matched by email; new ones get no password
    (password_hash NULL: they cannot log in until a reset)."""
    structure_ids = _map_structures({(u["structure"][:STRUCTURE_NAME_MAX], u["region"]) for u in users})
    emails = [u["email"].strip().lower() for u in users]
    known = _ids_by_email(emails)
    now = utcnow()
    new_rows, seen = [], set(known)
    for entry, email in zip(users, emails, strict=True):
        if email in seen:
            continue
        seen.add(email)
        new_rows.append({"email": email, "display_name": (entry.get("username") or email.split("@")[0])[:80],
                         "password_hash": None, "profession": profession_code(entry.get("profession", "")),
                         "structure_id": structure_ids[(entry["structure"][:STRUCTURE_NAME_MAX], entry["region"])],
                         "region": entry["region"], "role": "member", "created_at": now, "post_count": 0})
    _insert_chunks(User, new_rows)
    known = _ids_by_email(emails)
    return {entry["id"]: known[email] for entry, email in zip(users, emails, strict=True)}


def _ids_by_email(emails: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(emails), 500):
        found.update(db.session.execute(
            select(User.email, User.id).where(User.email.in_(emails[start:start + 500]))).all())
    return found


def _map_structures(keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Structures found or created by (name, region)."""
    def lookup() -> dict[tuple[str, str], int]:
        names = sorted({name for name, _ in keys})
        found: dict[tuple[str, str], int] = {}
        for start in range(0, len(names), 500):
            for sid, name, region in db.session.execute(select(Structure.id, Structure.name, Structure.region)
                                                        .where(Structure.name.in_(names[start:start + 500]))):
                found[(name, region)] = sid
        return found

    found = lookup()
    now = utcnow()
    missing = [{"name": name, "region": region, "created_at": now,
                "kind": STRUCTURE_KIND_WORDS.get(name.split()[0].lower() if name.split() else "", "autre")}
               for name, region in sorted(keys - found.keys())]
    if missing:
        _insert_chunks(Structure, missing)
        found = lookup()
    return found


# --- threads and posts ------------------------------------------------------------------------

def _render_all(bodies: list[str], workers: int | None, step: Callable[[str], None]) -> list[str]:
    """render_markdown over every body, in a process pool when it pays.

    Each distinct body is rendered once (render_markdown is pure; short replies repeat)."""
    workers = workers or os.cpu_count() or 1
    unique = list(dict.fromkeys(bodies))
    if workers <= 1 or len(unique) < POOL_THRESHOLD:
        rendered = [render_markdown(body) for body in unique]
    else:
        rendered = []
        # fork: the workers only need forum.markup, already imported; they never touch the database.
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for index, html in enumerate(pool.imap(render_markdown, unique, chunksize=256), start=1):
                rendered.append(html)
                if index % 25_000 == 0:
                    step(f"Mise en forme Markdown : {index}/{len(unique)}")
    by_body = dict(zip(unique, rendered, strict=True))
    step(f"Mise en forme Markdown terminée : {len(bodies)} messages ({len(unique)} textes distincts), "
         f"{workers} processus")
    return [by_body[body] for body in bodies]


def _build_rows(threads: list[dict[str, Any]], replies: list[dict[str, Any]], html: list[str],
                board_ids: dict[int, int], user_ids: dict[int, int], thread_offset: int,
                post_offset: int) -> tuple[list[dict], list[dict], set[tuple[int, int]]]:
    """Thread and post rows with explicit ids (offset + data set id), and the (user, board) pairs
    of everyone who posted."""
    thread_ids = {t["id"]: thread_offset + t["id"] for t in threads}
    board_of: dict[int, int] = {}
    last: dict[int, tuple[datetime, int]] = {}
    post_rows: list[dict] = []
    uses: set[tuple[int, int]] = set()
    reply_html = html[len(threads):]
    reply_counts: dict[int, int] = {}
    thread_rows = []
    for line, (entry, body_html) in enumerate(zip(threads, html[:len(threads)], strict=True), start=1):
        tid = thread_ids[entry["id"]]
        board_id = _ref(board_ids.get(entry["board_id"]), "threads.jsonl", line, "forum")
        author = _ref(user_ids.get(entry["author_id"]), "threads.jsonl", line, "membre")
        if entry["kind"] not in ("question", "tip", "request"):
            raise DatasetError(f"threads.jsonl, ligne {line} : type de sujet « {entry['kind']} » inconnu.")
        created = _parse_time(entry["created_at"], "threads.jsonl", line)
        board_of[tid] = board_id
        uses.add((author, board_id))
        thread_rows.append({"id": tid, "board_id": board_id, "author_id": author, "kind": entry["kind"],
                            "title": " ".join(entry["title"].split())[:150], "created_at": created,
                            "last_activity_at": created, "last_author_id": author,
                            "status": "nouvelle" if entry["kind"] == "request" else None})
        post_rows.append({"id": post_offset + entry["id"], "thread_id": tid, "author_id": author, "is_first": True,
                          "body_source": entry["body"], "body_html": body_html, "created_at": created})
    reply_base = post_offset + max(thread_ids, default=0)
    for line, (entry, body_html) in enumerate(zip(replies, reply_html, strict=True), start=1):
        tid = _ref(thread_ids.get(entry["thread_id"]), "posts.jsonl", line, "sujet")
        author = _ref(user_ids.get(entry["author_id"]), "posts.jsonl", line, "membre")
        created = _parse_time(entry["created_at"], "posts.jsonl", line)
        post_rows.append({"id": reply_base + entry["id"], "thread_id": tid, "author_id": author,
                          "is_first": False, "body_source": entry["body"], "body_html": body_html,
                          "created_at": created})
        uses.add((author, board_of[tid]))
        reply_counts[tid] = reply_counts.get(tid, 0) + 1
        if tid not in last or created >= last[tid][0]:
            last[tid] = (created, author)
    for row in thread_rows:
        row["reply_count"] = reply_counts.get(row["id"], 0)
        if row["id"] in last:
            row["last_activity_at"], row["last_author_id"] = last[row["id"]]
    return thread_rows, post_rows, uses


def _vote_rows(votes: list[dict[str, Any]], threads_by_id: dict[int, dict], thread_offset: int,
               user_ids: dict[int, int], uses: set[tuple[int, int]]) -> list[dict]:
    """Vote rows (importance "utile", dated like their request); voters join the software's users."""
    rows = []
    for line, vote in enumerate(votes, start=1):
        thread = threads_by_id.get(thread_offset + vote["thread_id"])
        if thread is None or thread["kind"] != "request":
            raise DatasetError(f"votes.jsonl, ligne {line} : demande d'évolution inconnue.")
        user_id = _ref(user_ids.get(vote["user_id"]), "votes.jsonl", line, "membre")
        rows.append({"thread_id": thread["id"], "user_id": user_id, "importance": "utile",
                     "created_at": thread["created_at"], "updated_at": thread["created_at"]})
        uses.add((user_id, thread["board_id"]))
    return rows


def _parse_time(value: str, file: str, line: int) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{file}, ligne {line} : date « {value} » invalide.") from exc


def _insert_software_uses(uses: set[tuple[int, int]]) -> None:
    """Record everyone who posted or voted on a board as a user of its software (once)."""
    board_ids = sorted({board for _, board in uses})
    existing = set(db.session.execute(select(SoftwareUse.user_id, SoftwareUse.board_id)
                                      .where(SoftwareUse.board_id.in_(board_ids))).all())
    now = utcnow()
    _insert_chunks(SoftwareUse, [{"user_id": u, "board_id": b, "version": None, "created_at": now}
                                 for u, b in sorted(uses - existing)])


def _advance_id_sequences(*models: type) -> None:
    """Rows inserted with explicit ids leave PostgreSQL's id sequences behind: move them past the
    largest id so the next thread or post gets a free one (SQLite needs nothing)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT coalesce(max(id), 1) FROM {table}))"))


def _insert_chunks(model: type, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start:start + CHUNK])


def _refresh_ranking(request_ids: list[int]) -> list[str]:
    """Ranking figures of the imported requests, when the ranking service is installed."""
    try:
        from forum.services import ranking
    except ImportError:
        return ["Classement des demandes non calculé : le service de classement est absent."]
    for start in range(0, len(request_ids), 5_000):
        ranking.refresh_scores(request_ids[start:start + 5_000])
    return []
