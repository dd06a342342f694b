"""The audit log: every moderation and status action leaves one entry; the journal listing filters
by action, actor, board and dates, pages by 50 and shows scoped moderators their boards only."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, ModeratorScope, Post
from forum.models._time import utcnow
from forum.services import audit, merges, statuses
from forum.services.errors import PermissionDenied
from tests.factories import make_board, make_request, make_thread, make_user


def test_record_takes_board_and_thread_from_the_post(app):
    thread = make_thread()
    moderator = make_user(role="moderator")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    entry = audit.record(moderator, "hide_post", post=post, reason=" Spam ", note="x")
    assert (entry.board_id, entry.thread_id, entry.post_id, entry.reason, entry.details) == (
        thread.board_id, thread.id, post.id, "Spam", {"note": "x"})


def test_status_changes_are_audited(app):
    request = make_request()
    moderator = make_user(role="moderator")
    statuses.set_status(moderator, request, "refusee", note="Hors du périmètre du label.")
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor_id, entry.thread_id, entry.reason) == (
        "set_status", moderator.id, request.id, "Hors du périmètre du label.")
    assert entry.details["to_status"] == "Refusée" and entry.details["from_status"] == "Nouvelle"


def test_request_merges_are_audited(app):
    board = make_board()
    source, target = make_request(board), make_request(board)
    moderator = make_user(role="moderator")
    merges.merge_requests(moderator, source, target)
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.thread_id, entry.details["target_id"]) == ("merge_requests", source.id, target.id)


def add_entries(actor, board, n, action="pin", days_ago=0):
    for _ in range(n):
        db.session.add(AuditEntry(actor_id=actor.id, action=action, board_id=board.id, details={},
                                  created_at=utcnow() - timedelta(days=days_ago)))
    db.session.flush()


def test_listing_filters_by_action_actor_board_and_dates(app):
    boards = make_board(), make_board()
    alice, bruno = make_user(role="moderator"), make_user(role="moderator")
    add_entries(alice, boards[0], 2, "pin")
    add_entries(bruno, boards[1], 3, "lock", days_ago=10)
    listing = audit.list_entries
    assert listing(alice, audit.AuditFilters()).total == 5
    assert listing(alice, audit.AuditFilters(action="lock")).total == 3
    assert listing(alice, audit.AuditFilters(action="inconnue")).total == 5  # unknown filters are ignored
    assert listing(alice, audit.AuditFilters(actor_id=alice.id)).total == 2
    assert listing(alice, audit.AuditFilters(board_id=boards[1].id)).total == 3
    today = date.today()
    assert listing(alice, audit.AuditFilters(since=today - timedelta(days=1))).total == 2
    assert listing(alice, audit.AuditFilters(until=today - timedelta(days=5))).total == 3


def test_listing_pages_by_fifty_newest_first(app):
    board = make_board()
    moderator = make_user(role="moderator")
    add_entries(moderator, board, 55)
    first = audit.list_entries(moderator, audit.AuditFilters(), 1)
    second = audit.list_entries(moderator, audit.AuditFilters(), 2)
    assert (len(first.entries), len(second.entries), first.pages) == (50, 5, 2)
    assert first.entries[0].id > first.entries[-1].id > second.entries[0].id


def test_scoped_moderator_sees_its_boards_entries_only(app):
    mine, other = make_board(), make_board()
    moderator = make_user(role="moderator")
    add_entries(moderator, mine, 1)
    add_entries(moderator, other, 2)
    scoped = make_user(role="moderator")
    db.session.add(ModeratorScope(user_id=scoped.id, board_id=mine.id))
    db.session.flush()
    assert audit.list_entries(scoped, audit.AuditFilters()).total == 1


def test_members_cannot_list_the_journal(app):
    with pytest.raises(PermissionDenied):
        audit.list_entries(make_user(), audit.AuditFilters())
