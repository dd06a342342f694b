"""Content versions (forum.services.content_versions): every change a page shows raises the
versions of the thread, the board or the whole site that show it, in the same transaction (a
rolled-back change raises nothing), and a member's own state (follows, reads, drafts) raises none:
it must stay out of shared cached fragments."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from forum.extensions import db
from forum.models import Attachment, Board, Thread
from forum.models._time import utcnow
from forum.services import (
    content_versions,
    drafts,
    labels,
    merges,
    moderation,
    posting,
    questions,
    statuses,
    suspensions,
    tips,
    votes,
)
from forum.services.content_versions import NOT_SHOWN, PER_MEMBER, cache_key, global_version, viewer_class
from forum.services.notify import follows, reads
from tests.factories import make_board, make_post, make_request, make_thread, make_tip, make_user


class World:
    """Two boards, a question with a reply, a request, a tip; a member, a moderator, an admin."""

    def __init__(self) -> None:
        self.board = make_board()
        self.other_board = make_board()
        self.member = make_user(uses=[self.board])
        self.voter = make_user(uses=[self.board])
        self.admin = make_user(role="admin")
        self.question = make_thread(self.board, self.member)
        self.reply = make_post(self.question, self.voter)
        self.request = make_request(self.board, self.member)
        self.tip = make_tip(self.board, self.member)
        self.elsewhere = make_thread(self.other_board, self.member)
        db.session.commit()

    def versions(self) -> dict[str, int]:
        """The versions as stored (a fresh statement, not the session's objects)."""
        threads = dict(db.session.execute(text("SELECT id, content_version FROM threads")).all())
        boards = dict(db.session.execute(text("SELECT id, content_version FROM boards")).all())
        site = db.session.execute(text("SELECT global_version FROM site_versions WHERE id = 1")).scalar() or 0
        return {"question": threads[self.question.id], "request": threads[self.request.id],
                "tip": threads[self.tip.id], "elsewhere": threads[self.elsewhere.id],
                "board": boards[self.board.id], "other_board": boards[self.other_board.id], "global": site}


@pytest.fixture
def world(app):
    return World()


def _changed(world: World, action) -> set[str]:
    """Which versions `action` raised once committed."""
    before = world.versions()
    action(world)
    db.session.commit()
    after = world.versions()
    return {name for name in before if after[name] != before[name]}


def _attach(w: World) -> None:
    db.session.add(Attachment(key="k-new", post_id=w.reply.id, uploader_id=w.voter.id, kind="image",
                              extension="png", mime="image/png", safe_name="ecran.png", size=12))


def _remove_attachment(w: World) -> None:
    _attach(w)
    db.session.commit()
    db.session.scalars(db.select(Attachment)).one().removed_at = utcnow()


def _vote_then_unvote(w: World) -> None:
    votes.cast_vote(w.voter, w.request)
    db.session.commit()
    votes.withdraw_vote(w.voter, w.request)


def _set_target(w: World) -> None:
    statuses.set_status(w.admin, w.request, "planifiee")
    db.session.commit()
    from forum.services import commitments
    commitments.set_target(w.admin, w.request, "5.3", None)


CONTENT_CHANGES = {
    "new reply": (lambda w: posting.reply(w.voter, w.question, "Une autre réponse."), {"question", "board"}),
    "edit": (lambda w: posting.edit_post(w.voter, w.reply, "Réponse corrigée."), {"question", "board"}),
    "delete post": (lambda w: posting.delete_post(w.voter, w.reply), {"question", "board"}),
    "hide post": (lambda w: moderation.hide_post(w.admin, w.reply, "Hors sujet"), {"question", "board"}),
    "hide thread": (lambda w: moderation.hide_thread(w.admin, w.question, "Doublon"), {"question", "board"}),
    "lock": (lambda w: moderation.switch_thread(w.admin, w.question, "lock"), {"question", "board"}),
    "pin": (lambda w: moderation.switch_thread(w.admin, w.question, "pin"), {"question", "board"}),
    "move": (lambda w: moderation.move_thread(w.admin, w.question, w.other_board, "Mauvais forum"),
             {"question", "board", "other_board"}),
    "merge threads": (lambda w: moderation.merge_threads(w.admin, w.elsewhere, w.question, "Doublon"),
                      {"question", "elsewhere", "board", "other_board"}),
    "vote": (lambda w: votes.cast_vote(w.voter, w.request), {"request", "board"}),
    "unvote": (_vote_then_unvote, {"request", "board"}),
    "status": (lambda w: statuses.set_status(w.admin, w.request, "a_l_etude"), {"request", "board"}),
    "target": (_set_target, {"request", "board"}),
    "accepted answer": (lambda w: questions.accept_answer(w.member, w.question, w.reply), {"question", "board"}),
    "tip useful": (lambda w: tips.mark_useful(w.voter, w.tip), {"tip", "board"}),
    "tip confirmed": (lambda w: tips.confirm_tip(w.voter, w.tip, "5.2"), {"tip", "board"}),
    "attachment added": (_attach, {"question", "board"}),
    "attachment removed": (_remove_attachment, {"question", "board"}),
    "member renamed": (lambda w: setattr(w.voter, "display_name", "Nouveau nom"), {"global"}),
    "member suspended": (lambda w: suspensions.suspend_user(w.admin, w.voter, 7, "Propos déplacés"), {"global"}),
    "board label edited": (lambda w: labels.set_label(w.admin, w.board, "avance", "V2", None), {"board", "global"}),
}


@pytest.mark.parametrize("name", list(CONTENT_CHANGES))
def test_each_change_raises_the_versions_of_the_pages_that_show_it(world, name):
    action, expected = CONTENT_CHANGES[name]
    changed = _changed(world, action)
    assert expected <= changed
    # Nothing on the other board moves unless the change is about it (move, merge).
    assert not ({"elsewhere", "other_board"} - expected) & changed


def test_restoring_a_post_raises_its_thread(world):
    posting.delete_post(world.voter, world.reply)
    db.session.commit()
    assert {"question", "board"} <= _changed(world, lambda w: posting.restore_post(w.admin, w.reply))


def test_a_change_raises_only_its_own_thread_and_board(world):
    changed = _changed(world, lambda w: posting.reply(w.voter, w.question, "Encore une réponse."))
    assert changed == {"question", "board"}


def test_a_rolled_back_change_raises_nothing(world):
    before = world.versions()
    posting.reply(world.voter, world.question, "Réponse abandonnée.")
    votes.cast_vote(world.voter, world.request)
    world.voter.display_name = "Jamais enregistré"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert world.versions() == before


def test_a_rolled_back_savepoint_keeps_the_outer_changes_bumps(world):
    """A savepoint's rollback forgets nothing gathered so far: a bump too many costs a cache miss,
    one too few would show a stale page."""
    before = world.versions()
    posting.reply(world.voter, world.question, "Réponse gardée.")
    db.session.flush()
    with db.session.begin_nested() as savepoint:
        world.voter.display_name = "Annulé"
        db.session.flush()
        savepoint.rollback()
    db.session.commit()
    after = world.versions()
    assert after["question"] > before["question"]


MEMBER_STATE = {
    "follow a thread": lambda w: follows.set_thread_level(w.voter, w.question, "muted"),
    "follow a board": lambda w: follows.set_board_level(w.voter, w.board, "watching"),
    "read a thread": lambda w: reads.mark_read(w.voter, w.question, w.reply.id),
    "save a draft": lambda w: drafts.save(w.voter, w.question, "Brouillon de réponse"),
    "log out everywhere": lambda w: setattr(w.voter, "session_version", w.voter.session_version + 1),
}


@pytest.mark.parametrize("name", list(MEMBER_STATE))
def test_a_members_own_state_raises_nothing(world, name):
    assert _changed(world, MEMBER_STATE[name]) == set()


def test_every_table_is_placed(app):
    """A new table must be mapped to the versions that show it, or listed as per-member or unshown."""
    shown = {"threads", "boards", "posts", "votes", "status_changes", "request_targets", "tip_usefuls",
             "tip_confirmations", "faq_entry_sources", "request_merges", "attachments", "post_revisions",
             "faq_entries", "faq_sections", "version_aliases", "board_label_changes", "editors", "structures",
             "software_uses", "moderator_scopes", "users"}
    classified = {model.__tablename__ for model in (
        *content_versions.THREAD_SCOPED, *content_versions.POST_SCOPED, *content_versions.BOARD_SCOPED,
        *content_versions.GLOBAL)} | {"threads", "request_merges", "users"}
    assert classified == shown
    assert set(db.metadata.tables) - {"alembic_version"} == shown | PER_MEMBER | NOT_SHOWN
    assert not (shown & PER_MEMBER) and not (shown & NOT_SHOWN)


def _bumps(counter) -> list[str]:
    return [s for s in counter.statements if "content_version + " in s or s.startswith("INSERT INTO site_versions")]


def test_a_write_costs_one_update_per_table_it_touches(world, count_queries):
    """A reply: one UPDATE of threads and one of boards for the versions, whatever the flushes."""
    with count_queries() as counter:
        posting.reply(world.voter, world.question, "Une réponse de plus.")
        db.session.flush()
        bumps_before_commit = _bumps(counter)
        db.session.commit()
    bumps = _bumps(counter)
    assert bumps_before_commit == []
    assert len(bumps) == 2
    assert any(s.startswith("UPDATE threads") for s in bumps) and any(s.startswith("UPDATE boards") for s in bumps)


def test_a_vote_costs_one_update_per_table_it_touches(world, count_queries):
    with count_queries() as counter:
        votes.cast_vote(world.voter, world.request)
        db.session.commit()
    assert len(_bumps(counter)) == 2


def test_reading_costs_no_statement_for_the_versions(world, count_queries):
    with count_queries() as counter:
        db.session.commit()
    assert counter.count == 0


def test_keys_carry_the_versions_and_the_viewer_class_never_the_member(world):
    board = db.session.get(Board, world.board.id)
    version = global_version()
    assert global_version() == version
    member_key = cache_key("board", board.id, board.content_version, version, 1, viewer_class(world.voter, board))
    other_key = cache_key("board", board.id, board.content_version, version, 1, viewer_class(world.member, board))
    assert member_key == other_key and str(world.voter.id) not in member_key.split(":")[-1]
    assert viewer_class(None, board) == "anonymous"
    assert viewer_class(world.admin, board) == "admin"
    world.voter.display_name = "Renommé"
    db.session.commit()
    assert global_version() == version + 1


def test_global_version_rides_along_a_statement_the_page_runs_anyway(world):
    row = db.session.execute(db.select(Thread, content_versions.global_version_column())
                             .where(Thread.id == world.question.id)).one()
    assert row.global_version == global_version()


def test_suspension_end_is_shown_everywhere_too(world):
    suspensions.suspend_user(world.admin, world.voter, 7, "Propos déplacés")
    db.session.commit()
    assert _changed(world, lambda w: suspensions.unsuspend_user(w.admin, w.voter)) == {"global"}
    assert world.voter.suspended_until is None or world.voter.suspended_until < utcnow() + timedelta(days=8)


def test_merging_requests_raises_both(world):
    other = make_request(world.board, world.member)
    db.session.commit()
    changed = _changed(world, lambda w: merges.merge_requests(w.admin, other, w.request))
    assert {"request", "board"} <= changed


def test_writes_that_bypass_the_unit_of_work_bump_explicitly(world):
    from forum.services import counters, ranking
    assert _changed(world, lambda w: counters.recount_thread(w.question.id)) == {"question", "board"}
    assert _changed(world, lambda w: counters.recount_board(w.other_board.id)) == {"other_board"}
    assert _changed(world, lambda w: ranking.refresh_scores([w.request.id])) == {"request", "board"}


def test_a_bulk_change_moves_the_global_version_instead_of_a_huge_statement(world):
    assert _changed(world, lambda w: content_versions.bump_threads(range(1, 2000))) == {"global"}
