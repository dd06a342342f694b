"""Demo content for `seed-demo`: the catalogue, fictional members and French threads, loaded once.

The content lives in data files (forum/data/demo/*.toml) so it can be reread and corrected without
touching code. Everything is created through the same services as the web pages (posting, votes,
statuses, tips, questions), so counters, ranking figures and the search queue are right; then the
timestamps are spread over the past months so lists show a realistic "il y a …".
"""
from __future__ import annotations

import tomllib
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from werkzeug.security import generate_password_hash

from forum.extensions import db
from forum.models import (
    Board,
    Editor,
    Post,
    SoftwareUse,
    StatusChange,
    Structure,
    Thread,
    TipConfirmation,
    TipUseful,
    User,
    Vote,
)
from forum.models._time import utcnow
from forum.models.threads import slugify
from forum.services import (
    catalogue,
    counters,
    demo_commitments,
    demo_notifications,
    posting,
    questions,
    ranking,
    statuses,
    tips,
    votes,
)

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
DEMO_PASSWORD = "demo-motdepasse"
EMAIL_DOMAIN = "demo.example.org"
# The account whose presence means "the demo content is loaded".
MARKER_EMAIL = f"admin@{EMAIL_DOMAIN}"
# Hours after the opening post at which the n-th reply arrives.
REPLY_DELAYS_HOURS = (3, 9, 26, 49, 75, 118)


@dataclass
class SeedResult:
    loaded: bool
    # Why nothing was loaded: "already" (demo present) or "not_empty" (--if-empty on a used database).
    reason: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (email, role, name)


def load_members(path: Path | None = None) -> dict[str, Any]:
    with open(path or DEMO_DIR / "members.toml", "rb") as f:
        return tomllib.load(f)


def load_threads() -> list[dict[str, Any]]:
    threads: list[dict[str, Any]] = []
    for path in sorted(DEMO_DIR.glob("threads_*.toml")):
        with open(path, "rb") as f:
            threads.extend(tomllib.load(f)["thread"])
    return threads


def member_email(member: dict[str, Any]) -> str:
    local = member.get("email") or slugify(member["name"]).replace("-", ".")
    return f"{local}@{EMAIL_DOMAIN}"


def is_loaded() -> bool:
    return db.session.scalar(select(User.id).where(User.email == MARKER_EMAIL)) is not None


def has_threads() -> bool:
    return db.session.scalar(select(func.count(Thread.id))) > 0


def seed(if_empty: bool = False, now: datetime | None = None) -> SeedResult:
    """Sync the catalogue, then load the demo members and threads unless already there; flush.

    if_empty: load only into a database without any thread (what `make run` uses), so a database
    filled by `import-dataset` or by real users never gets demo content mixed in.
    Raises the services' DomainError if a data file holds content they refuse (a bug in the file).
    """
    catalogue.sync()
    if is_loaded():
        return SeedResult(loaded=False, reason="already")
    if if_empty and has_threads():
        return SeedResult(loaded=False, reason="not_empty")
    now = now or utcnow()
    boards = {b.slug: b for b in db.session.scalars(select(Board))}
    users, logins = _create_members(boards)
    result = SeedResult(loaded=True, logins=logins)
    threads = load_threads()
    for entry in threads:
        _create_thread(entry, users, boards, now)
    demo_commitments.apply(users, now)
    from forum.services import demo_documents  # issue 17: the document base's two documents
    demo_documents.seed(users, boards)
    from forum.services import demo_faq  # issue 17: the FAQ of Chorus and WEDA
    demo_faq.seed(users, boards)
    from forum.services import demo_attachments  # issue 17: a screenshot in a question
    demo_attachments.seed(users)
    counters.recount_all()
    ranking.refresh_scores()
    demo_notifications.settle()
    result.counts = {
        "membres": len(users), "sujets": len(threads),
        "réponses": db.session.scalar(select(func.count(Post.id)).where(Post.is_first.is_(False))),
        "votes": db.session.scalar(select(func.count(Vote.id))),
    }
    return result


def _create_members(boards: dict[str, Board]) -> tuple[dict[str, User], list[tuple[str, str, str]]]:
    data = load_members()
    structures: dict[str, Structure] = {}
    for entry in data["structure"]:
        structure = db.session.scalar(select(Structure).where(
            Structure.name == entry["name"], Structure.region == entry["region"]))
        if structure is None:
            structure = Structure(name=entry["name"], kind=entry["kind"], region=entry["region"])
            db.session.add(structure)
        structures[entry["key"]] = structure
    db.session.flush()
    editors = {e.slug: e for e in db.session.scalars(select(Editor))}
    # One scrypt hash shared by every demo account: they all have the same password, and hashing
    # ~40 times would make seed-demo (and its tests) slow for nothing.
    password_hash = generate_password_hash(DEMO_PASSWORD, method="scrypt")
    users: dict[str, User] = {}
    logins: list[tuple[str, str, str]] = []
    joined = utcnow() - timedelta(days=300)
    for index, entry in enumerate(data["member"]):
        structure = structures.get(entry.get("structure", ""))
        role = entry.get("role", "member")
        editor = editors[entry["editor"]] if role == "editor" else None
        user = User(email=member_email(entry), display_name=entry["name"], password_hash=password_hash,
                    profession=entry["profession"], structure_id=structure.id if structure else None,
                    region=structure.region if structure else None, role=role,
                    editor_id=editor.id if editor else None, created_at=joined + timedelta(days=index))
        db.session.add(user)
        db.session.flush()
        for item in entry.get("software", []):
            slug, _, version = item.partition(":")
            db.session.add(SoftwareUse(user_id=user.id, board_id=boards[slug].id, version=version or None))
        users[entry["key"]] = user
        logins.append((user.email, role if not editor else f"editor ({editor.name})", user.display_name))
    db.session.flush()
    for user in users.values():
        db.session.refresh(user)  # load the software list the services check
    return users, logins


def _create_thread(entry: dict[str, Any], users: dict[str, User], boards: dict[str, Board],
                   now: datetime) -> None:
    author, board = users[entry["author"]], boards[entry["board"]]
    thread = posting.create_thread(author, board, entry["kind"], entry["title"], entry["body"],
                                   software_version=entry.get("version"))
    replies = [posting.reply(users[r["author"]], thread, r["body"]) for r in entry.get("reply", [])]
    _apply_interactions(entry, thread, replies, users)
    _spread_in_time(entry, thread, replies, now)


def _apply_interactions(entry: dict[str, Any], thread: Thread, replies: list[Post],
                        users: dict[str, User]) -> None:
    """Accepted answer, votes, "utile" marks, confirmations and statuses, through their services."""
    if entry.get("accepted"):
        questions.accept_answer(users[entry["author"]], thread, replies[entry["accepted"] - 1])
    for item in entry.get("votes", []):
        key, _, importance = item.partition(":")
        votes.cast_vote(users[key], thread, importance)
    for key in entry.get("useful", []):
        tips.mark_useful(users[key], thread)
    for item in entry.get("confirm", []):
        key, _, version = item.partition(":")
        tips.confirm_tip(users[key], thread, version)
    for step in entry.get("status", []):
        statuses.set_status(users[step["actor"]], thread, step["status"], note=step.get("note"),
                            version=step.get("version"), official=step.get("official", False))


def _spread_in_time(entry: dict[str, Any], thread: Thread, replies: list[Post], now: datetime) -> None:
    """Move the thread and everything attached to it back to `entry["days"]` days ago.

    Reply times follow REPLY_DELAYS_HOURS; votes, marks and status changes are spread between the
    opening post and now. Counters that depend on times are recomputed by the caller."""
    # A stable "hour of the day" per thread, so threads posted the same day do not share a minute.
    jitter = zlib.crc32(entry["title"].encode()) % 600
    start = (now - timedelta(days=entry["days"])).replace(hour=8, minute=0, second=0, microsecond=0)
    start = min(start + timedelta(minutes=jitter), now - timedelta(hours=2))
    latest = now - timedelta(minutes=20)

    def clamp(moment: datetime) -> datetime:
        return min(moment, latest)

    db.session.execute(update(Thread).where(Thread.id == thread.id).values(created_at=start))
    db.session.execute(update(Post).where(Post.thread_id == thread.id, Post.is_first.is_(True))
                       .values(created_at=start))
    for index, post in enumerate(replies):
        delay = REPLY_DELAYS_HOURS[min(index, len(REPLY_DELAYS_HOURS) - 1)] + 24 * max(0, index - 5)
        db.session.execute(update(Post).where(Post.id == post.id)
                           .values(created_at=clamp(start + timedelta(hours=delay, minutes=jitter % 50))))
    span = latest - start
    # Votes and confirmations in the first half of the thread's life, status changes after them.
    for model, pk, offset in ((Vote, Vote.id, 0.0), (TipConfirmation, TipConfirmation.id, 0.0),
                              (StatusChange, StatusChange.id, 0.5)):
        ids = list(db.session.scalars(select(pk).where(model.thread_id == thread.id).order_by(pk)))
        for rank, row_id in enumerate(ids, start=1):
            moment = start + span * (offset + 0.5 * rank / (len(ids) + 1))
            values = {"created_at": moment, "updated_at": moment} if model is Vote else {"created_at": moment}
            db.session.execute(update(model).where(pk == row_id).values(**values))
    db.session.execute(update(TipUseful).where(TipUseful.thread_id == thread.id)
                       .values(created_at=start + span / 4))
    db.session.flush()
    counters.recount_thread(thread.id)
