"""Data set entries turned into rows and written in bulk: boards, members and structures found or
created, threads, posts and votes built with explicit ids, Markdown rendered in a process pool, then
Core `insert()` executemany in chunks (no ORM object per row)."""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import PROFESSIONS, Board, Editor, SoftwareUse, Structure, User
from forum.models._time import utcnow
from forum.models.accounts import STRUCTURE_NAME_MAX
from forum.models.threads import slugify
from forum.services.dataset.files import DatasetError

# Rows per INSERT executemany.
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


def profession_code(label: str) -> str:
    """"infirmière" -> "infirmier", "secrétaire médicale" -> "secretaire"; unknown -> "autre"."""
    slug = slugify(label or "")
    code = PROFESSION_CODES.get(slug, slug.replace("-", "_"))
    return code if code in PROFESSIONS else "autre"


def _ref(value: int | None, file: str, line: int, what: str) -> int:
    if value is None:
        raise DatasetError(f"{file}, ligne {line} : {what} inconnu.")
    return value


# --- boards, users, structures ----------------------------------------------------------------

def map_boards(boards: list[dict[str, Any]]) -> dict[int, int]:
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


def map_users(users: list[dict[str, Any]]) -> dict[int, int]:
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
    insert_chunks(User, new_rows)
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
        insert_chunks(Structure, missing)
        found = lookup()
    return found


# --- threads and posts ------------------------------------------------------------------------

def render_all(bodies: list[str], workers: int | None, step: Callable[[str], None]) -> list[str]:
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


def build_rows(threads: list[dict[str, Any]], replies: list[dict[str, Any]], html: list[str],
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


def vote_rows(votes: list[dict[str, Any]], threads_by_id: dict[int, dict], thread_offset: int,
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


# --- writing ----------------------------------------------------------------------------------

def insert_software_uses(uses: set[tuple[int, int]]) -> None:
    """Record everyone who posted or voted on a board as a user of its software (once)."""
    board_ids = sorted({board for _, board in uses})
    existing = set(db.session.execute(select(SoftwareUse.user_id, SoftwareUse.board_id)
                                      .where(SoftwareUse.board_id.in_(board_ids))).all())
    now = utcnow()
    insert_chunks(SoftwareUse, [{"user_id": u, "board_id": b, "version": None, "created_at": now}
                                for u, b in sorted(uses - existing)])


def advance_id_sequences(*models: type) -> None:
    """Rows inserted with explicit ids leave PostgreSQL's id sequences behind: move them past the
    largest id so the next thread or post gets a free one (SQLite needs nothing)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT coalesce(max(id), 1) FROM {table}))"))


def insert_chunks(model: type, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start:start + CHUNK])

