"""The import itself: read and check the files, write every row in bulk, then the post-import steps
(counters recomputed set-based, ranking figures of the imported requests, the import recorded)."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import DatasetImport, Post, Thread, Vote
from forum.services import counters, ranking
from forum.services.dataset import bulk
from forum.services.dataset.files import read_manifest, read_rows
from forum.services.notify import follows

# Requests whose ranking figures are refreshed per call.
RANKING_CHUNK = 5_000


@dataclass
class ImportReport:
    already: bool
    manifest: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


Progress = Callable[[str], None]


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

    rows = read_rows(directory, manifest)
    step(f"Fichiers lus : {len(rows['threads.jsonl'])} sujets, {len(rows['posts.jsonl'])} réponses")

    board_ids = bulk.map_boards(rows["boards.jsonl"])
    user_ids = bulk.map_users(rows["users.jsonl"])
    step(f"Forums : {len(board_ids)}, membres : {len(user_ids)}")

    threads, replies = rows["threads.jsonl"], rows["posts.jsonl"]
    bodies = [t["body"] for t in threads] + [p["body"] for p in replies]
    html = bulk.render_all(bodies, workers, step)
    thread_offset = db.session.scalar(select(func.coalesce(func.max(Thread.id), 0)))
    post_offset = db.session.scalar(select(func.coalesce(func.max(Post.id), 0)))
    thread_rows, post_rows, uses = bulk.build_rows(threads, replies, html, board_ids, user_ids,
                                                   thread_offset, post_offset)
    bulk.insert_chunks(Thread, thread_rows)
    step(f"Sujets insérés : {len(thread_rows)}")
    bulk.insert_chunks(Post, post_rows)
    bulk.advance_id_sequences(Thread, Post)
    step(f"Messages insérés : {len(post_rows)} (dont {len(replies)} réponses)")

    vote_rows = bulk.vote_rows(rows["votes.jsonl"], {row["id"]: row for row in thread_rows}, thread_offset,
                               user_ids, uses)
    bulk.insert_chunks(Vote, vote_rows)
    step(f"Votes insérés : {len(vote_rows)}")
    bulk.insert_software_uses(uses)

    follows.follow_everything_written_and_voted()
    counters.recount_all()
    _refresh_ranking([row["id"] for row in thread_rows if row["kind"] == "request"])
    step("Compteurs recalculés")
    counts = {"boards": len(board_ids), "users": len(user_ids), "threads": len(thread_rows),
              "posts": len(replies), "votes": len(vote_rows)}
    db.session.add(DatasetImport(manifest_sha256=digest, scale=manifest.get("scale"), seed=manifest.get("seed"),
                                 counts=counts, id_offsets={"threads": thread_offset, "posts": post_offset}))
    db.session.flush()
    return ImportReport(already=False, manifest=manifest, counts=counts, seconds=time.perf_counter() - started)


def _refresh_ranking(request_ids: list[int]) -> None:
    """Store the ranking figures of the imported requests (their votes were inserted in bulk)."""
    for start in range(0, len(request_ids), RANKING_CHUNK):
        ranking.refresh_scores(request_ids[start:start + RANKING_CHUNK])
