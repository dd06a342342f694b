"""Each event tells the right members, and only them: follows and their levels, replies (grouped),
mentions and quotes, accepted answers, « utile » marks (grouped), status changes and official
answers, merges, livrables, reports; never the actor, hidden content, suspended or deleted accounts,
silenced threads or boards, nor content the recipient cannot read."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.export.rows import ExportFilters
from forum.extensions import db
from forum.models import Notification, NotificationEvent, NotificationPreference, ThreadFollow, User
from forum.models._time import utcnow
from forum.services import livrables, merges, policy, posting, privacy, questions, reports, statuses, tips, votes
from forum.services.errors import NotFound, ValidationError
from forum.services.notify import follows
from tests.factories import PASSWORD, make_board, make_editor, make_post, make_request, make_thread, make_tip, make_user


def told(user: User, kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def bell(user: User) -> int:
    db.session.expire(user, ["unread_notification_count"])
    return user.unread_notification_count


@pytest.fixture
def board(app):
    return make_board()


def member(board, **kwargs) -> User:
    return make_user(uses=[board], **kwargs)


# --- following ----------------------------------------------------------------------------------

def test_the_author_follows_their_thread_and_a_replier_follows_it_too(board):
    author, replier = member(board), member(board)
    thread = make_thread(board, author)
    make_post(thread, replier)
    assert follows.thread_level(author, thread).level == "watching"
    assert follows.thread_level(author, thread).reason == "author"
    assert follows.thread_level(replier, thread).reason == "reply"


def test_a_reply_tells_each_watcher_but_not_its_author(board):
    author, replier, bystander = member(board), member(board), member(board)
    thread = make_thread(board, author)
    post = make_post(thread, replier)
    [note] = told(author, "reply")
    assert (note.thread_id, note.post_id, note.actor_id, note.count) == (thread.id, post.id, replier.id, 1)
    assert told(replier) == [] and told(bystander) == []
    assert bell(author) == 1


def test_replies_are_grouped_per_thread_while_unread_and_point_at_the_first_unseen(board):
    author = member(board)
    thread = make_thread(board, author)
    first = make_post(thread, member(board))
    for _ in range(4):
        make_post(thread, member(board))
    [note] = told(author, "reply")
    assert note.count == 5 and note.post_id == first.id
    assert bell(author) == 1
    note.read_at = utcnow()
    db.session.flush()
    later = make_post(thread, member(board))
    newest = told(author, "reply")[-1]
    assert len(told(author, "reply")) == 2 and newest.post_id == later.id and newest.count == 1


def test_normal_level_is_not_told_of_replies_and_silenced_is_told_nothing(board):
    author, quiet, silent = member(board), member(board), member(board)
    thread = make_thread(board, author)
    follows.set_thread_level(quiet, thread, "normal")
    make_post(thread, silent)  # replying follows at « suivre »…
    follows.set_thread_level(silent, thread, "muted")  # …which the member can undo
    make_post(thread, member(board))
    assert told(quiet) == [] and told(silent) == []
    assert len(told(author, "reply")) == 1


def test_a_choice_is_never_overridden_by_an_automatic_follow(board):
    author, replier = member(board), member(board)
    thread = make_thread(board, author)
    follows.set_thread_level(replier, thread, "muted")
    make_post(thread, replier)
    assert follows.thread_level(replier, thread).level == "muted"


def test_watching_a_board_tells_of_new_threads_and_replies_unless_the_thread_says_otherwise(board):
    watcher = member(board)
    follows.set_board_level(watcher, board, "watching")
    thread = make_thread(board, member(board))
    make_post(thread, member(board))
    assert [n.kind for n in told(watcher)] == ["new_thread", "reply"]
    follows.set_thread_level(watcher, thread, "normal")
    make_post(thread, member(board))
    assert told(watcher, "reply")[0].count == 1


def test_silencing_a_board_silences_its_new_threads_for_the_editor_too(app):
    editor = make_editor()
    board = make_board(editor=editor)
    representative = make_user(role="editor", editor=editor)
    make_request(board, member(board))
    assert [n.kind for n in told(representative)] == ["new_thread"]
    follows.set_board_level(representative, board, "muted")
    make_request(board, member(board))
    make_thread(board, member(board))  # a question: editors follow requests only
    assert len(told(representative)) == 1


def test_a_bad_level_is_refused_in_french_and_changes_nothing(board):
    user = member(board)
    thread = make_thread(board, user)
    with pytest.raises(ValidationError) as error:
        follows.set_thread_level(user, thread, "tout")
    assert "niveau de suivi" in error.value.message
    assert follows.thread_level(user, thread).level == "watching"


def test_a_hidden_thread_cannot_be_followed_by_a_member(board):
    user = member(board)
    thread = make_thread(board, member(board))
    posting.delete_post(make_user(role="moderator"), thread_first_post(thread))
    with pytest.raises(NotFound):
        follows.set_thread_level(user, thread, "watching")
    assert db.session.scalar(select(func.count()).select_from(ThreadFollow).where(ThreadFollow.user_id == user.id)) == 0


def thread_first_post(thread):
    return next(p for p in db.session.scalars(select(posting.Post).where(posting.Post.thread_id == thread.id))
                if p.is_first)


# --- exclusions ---------------------------------------------------------------------------------

def test_suspended_and_deleted_accounts_are_told_nothing(board):
    suspended, leaving = member(board), member(board)
    thread = make_thread(board, member(board))
    follows.set_thread_level(suspended, thread, "watching")
    follows.set_thread_level(leaving, thread, "watching")
    suspended.suspended_until = utcnow() + timedelta(days=3)
    db.session.flush()
    privacy.delete_account(leaving, PASSWORD)
    make_post(thread, member(board))
    assert told(suspended) == [] and told(leaving) == []
    suspended.suspended_until = utcnow() - timedelta(seconds=1)  # the suspension is over
    db.session.flush()
    make_post(thread, member(board))
    assert len(told(suspended, "reply")) == 1


# --- mentions -----------------------------------------------------------------------------------

def test_a_mention_links_to_the_profile_and_tells_the_member_once(board):
    claire = member(board, display_name="Claire Martin")
    thread = make_thread(board, member(board))
    post = make_post(thread, member(board), body="Merci @Claire Martin, et encore @Claire Martin !")
    assert f'href="/u/{claire.id}"' in post.body_html
    assert "@Claire Martin</a>" in post.body_html
    [note] = told(claire)
    assert (note.kind, note.post_id, note.data) == ("mention", post.id, {"quote": False})


def test_a_mentioned_watcher_gets_the_mention_instead_of_the_reply(board):
    author = member(board, display_name="Julie Roux")
    thread = make_thread(board, author)
    make_post(thread, member(board), body="@Julie Roux regardez ceci")
    assert [n.kind for n in told(author)] == ["mention"]


def test_a_quote_is_told_as_a_quote(board):
    claire = member(board, display_name="Claire Martin")
    thread = make_thread(board, member(board))
    make_post(thread, member(board), body="> @Claire Martin a écrit :\n> Il faut redémarrer.\n\nChez nous aussi.")
    assert told(claire, "mention")[0].data == {"quote": True}


def test_unknown_names_code_and_e_mail_addresses_are_not_mentions(board):
    claire = member(board, display_name="Claire")
    thread = make_thread(board, member(board))
    post = make_post(thread, member(board),
                     body="Écrire à support@Claire.fr, voir `@Claire` et\n\n    @Claire\n\nmerci @Personne Inconnue")
    assert told(claire) == []
    assert "/u/" not in post.body_html and "@Personne Inconnue" in post.body_html


def test_at_most_ten_members_are_told_of_a_post(board):
    named = [member(board, display_name=f"Collègue{n}") for n in range(12)]
    thread = make_thread(board, member(board))
    make_post(thread, member(board), body=" ".join(f"@Collègue{n}" for n in range(12)))
    assert sum(len(told(user)) for user in named) == 10
    assert told(named[11]) == []


def test_an_edit_tells_only_the_newly_named(board):
    claire, paul = member(board, display_name="Claire"), member(board, display_name="Paul")
    writer = member(board)
    thread = make_thread(board, member(board))
    post = make_post(thread, writer, body="Bonjour @Claire")
    posting.edit_post(writer, post, "Bonjour @Claire et @Paul")
    assert len(told(claire)) == 1 and len(told(paul)) == 1


def test_a_mention_in_a_silenced_thread_is_not_told(board):
    claire = member(board, display_name="Claire")
    thread = make_thread(board, member(board))
    follows.set_thread_level(claire, thread, "muted")
    make_post(thread, member(board), body="@Claire ?")
    assert told(claire) == []


# --- questions, tips ----------------------------------------------------------------------------

def test_an_accepted_answer_tells_its_author_once(board):
    asker, helper = member(board), member(board)
    thread = make_thread(board, asker)
    answer = make_post(thread, helper)
    questions.accept_answer(asker, thread, answer)
    questions.accept_answer(asker, thread, answer)  # again: nothing new
    [note] = told(helper, "accepted")
    assert note.post_id == answer.id and note.actor_id == asker.id


def test_a_member_accepting_their_own_reply_is_not_told(board):
    asker = member(board)
    thread = make_thread(board, asker)
    own = make_post(thread, asker)
    questions.accept_answer(asker, thread, own)
    assert told(asker, "accepted") == []


def test_useful_marks_are_grouped_into_one_notification(board):
    author = member(board)
    tip = make_tip(board, author)
    for _ in range(3):
        tips.mark_useful(member(board), tip)
    [note] = told(author, "tip_useful")
    assert note.count == 3 and bell(author) == 1


def test_marking_twice_tells_once(board):
    author, fan = member(board), member(board)
    tip = make_tip(board, author)
    tips.mark_useful(fan, tip)
    tips.mark_useful(fan, tip)
    assert told(author, "tip_useful")[0].count == 1


# --- requests -----------------------------------------------------------------------------------

def request_with_voters(board, count: int):
    request = make_request(board, member(board))
    voters = [member(board) for _ in range(count)]
    for voter in voters:
        votes.cast_vote(voter, request, "important")
    return request, voters


def test_a_status_change_tells_voters_author_and_the_editor_but_not_the_actor(app):
    editor = make_editor()
    board = make_board(editor=editor)
    representative = make_user(role="editor", editor=editor)
    request, voters = request_with_voters(board, 3)
    moderator = make_user(role="moderator")
    statuses.set_status(moderator, request, "a_l_etude")
    for user in (*voters, request.author, representative):
        [note] = told(user, "status")
        assert note.data["to"] == "a_l_etude" and note.data["from"] == "nouvelle"
    assert told(moderator) == []


def test_an_official_answer_says_who_answered(app):
    editor = make_editor()
    board = make_board(editor=editor)
    representative = make_user(role="editor", editor=editor)
    request, [voter] = request_with_voters(board, 1)
    statuses.set_status(representative, request, "planifiee", note="Prévu au printemps.", version="6.2",
                        official=True)
    [note] = told(voter, "status")
    assert note.data["official"] == "editor" and note.data["version"] == "6.2"
    assert told(representative, "status") == []  # its own action


def test_a_voter_who_silenced_the_request_is_not_told(board):
    request, [voter, other] = request_with_voters(board, 2)
    follows.set_thread_level(voter, request, "muted")
    statuses.set_status(make_user(role="moderator"), request, "a_l_etude")
    assert told(voter) == [] and len(told(other, "status")) == 1


def test_voters_are_not_told_of_every_reply_on_a_request(board):
    request, [voter] = request_with_voters(board, 1)
    make_post(request, member(board))
    assert told(voter) == []
    assert follows.thread_level(voter, request).level == "normal"


def test_a_merge_tells_voters_where_their_vote_went(board):
    source, [voter] = request_with_voters(board, 1)
    target = make_request(board, member(board), title="Exporter les ordonnances en PDF")
    merges.merge_requests(make_user(role="moderator"), source, target)
    [note] = told(voter, "merged")
    assert note.data == {"target_id": target.id, "target_title": "Exporter les ordonnances en PDF"}
    assert follows.thread_level(voter, target).level == "normal"
    statuses.set_status(make_user(role="moderator"), target, "a_l_etude")
    assert len(told(voter, "status")) == 1  # the target's news now reach the voter


def test_a_frozen_livrable_tells_the_editor_representatives_only(app):
    editor = make_editor()
    board = make_board(editor=editor)
    representative = make_user(role="editor", editor=editor)
    other_editor = make_user(role="editor", editor=make_editor())
    request, [voter] = request_with_voters(board, 1)
    moderator = make_user(role="moderator")
    draft = livrables.create_draft(moderator, board, ExportFilters(statuses=("nouvelle",)))
    livrables.freeze(moderator, draft)
    [note] = told(representative, "livrable")
    assert note.livrable_id == draft.id and note.data["count"] == 1
    assert told(other_editor) == [] and told(voter, "livrable") == []


def test_a_report_tells_the_moderators_of_the_board_only(app):
    board, elsewhere = make_board(), make_board()
    everywhere = make_user(role="moderator")
    here = make_user(role="moderator")
    there = make_user(role="moderator")
    from forum.services.suspensions import set_moderator_scope
    set_moderator_scope(here, [board])
    set_moderator_scope(there, [elsewhere])
    admin = make_user(role="admin")
    post = make_post(make_thread(board, member(board)), member(board))
    reporter = member(board)
    reports.report_post(reporter, post, "autre")
    for user in (everywhere, here, admin):
        assert [n.kind for n in told(user)] == ["report"]
    assert told(there) == [] and told(reporter) == []


def test_a_status_change_on_a_request_with_many_voters_is_a_few_statements(board, count_queries):
    moderator = make_user(role="moderator")
    small, [alone] = request_with_voters(board, 1)
    policy.is_moderator(moderator, board)  # loads the moderator's scope once (cached on the member)
    with count_queries() as counted_small:
        statuses.set_status(moderator, small, "a_l_etude")
        db.session.flush()
    request, voters = request_with_voters(board, 40)
    with count_queries() as counted:
        statuses.set_status(moderator, request, "a_l_etude")
        db.session.flush()
    assert sum(1 for user in voters if told(user, "status")) == 40 and len(told(alone, "status")) == 1
    assert counted.count == counted_small.count <= 7


def test_e_mail_state_follows_the_member_preference(board):
    author, digest_lover = member(board), member(board)
    thread = make_thread(board, author)
    follows.set_thread_level(digest_lover, thread, "watching")
    db.session.add(NotificationPreference(user_id=digest_lover.id, kind="reply", delivery="digest"))
    db.session.flush()
    make_post(thread, member(board))
    assert told(author, "reply")[0].email_state == "pending"
    assert told(digest_lover, "reply")[0].email_state == "digest"


def test_hiding_content_retires_its_unread_notifications_and_their_e_mail(board):
    author = member(board)
    thread = make_thread(board, author)
    reply = make_post(thread, member(board))
    other = make_thread(board, author)
    make_post(other, member(board))
    assert bell(author) == 2
    posting.delete_post(make_user(role="moderator"), reply)
    [retired] = told(author, "reply")[:1]
    assert retired.read_at is not None and retired.email_state == "skipped"
    assert bell(author) == 1
    from forum.services import moderation
    moderation.hide_thread(make_user(role="moderator"), other, "Hors sujet")
    assert bell(author) == 0


# --- large audiences: written after the response ------------------------------------------------

def pending_events() -> int:
    return db.session.scalar(select(func.count()).select_from(NotificationEvent)
                             .where(NotificationEvent.expanded_at.is_(None)))


def test_a_status_change_over_http_answers_before_writing_its_voters_notifications(app, client, login, board):
    request, voters = request_with_voters(board, 30)
    moderator = make_user(role="moderator")
    db.session.commit()
    login(moderator)
    app.testing = False  # as in production: the work waits for the response to be sent
    try:
        response = client.post(f"/t/{request.id}/statut", data={"status": "a_l_etude", "note": ""})
        assert response.status_code == 302
        db.session.expire_all()
        assert sum(len(told(user)) for user in voters) == 0 and pending_events() == 1
        response.close()  # the server has sent the body
    finally:
        app.testing = True
    db.session.expire_all()
    assert all(len(told(user, "status")) == 1 for user in voters) and pending_events() == 0


def test_an_event_left_by_a_crash_is_expanded_once_by_the_next_delivery_run(app, board):
    author = member(board)
    thread = make_thread(board, author)
    post = make_post(thread, member(board))
    db.session.query(Notification).delete()
    db.session.add(NotificationEvent(kind="reply", actor_id=post.author_id, board_id=board.id, thread_id=thread.id,
                                     post_id=post.id, created_at=utcnow()))
    db.session.commit()  # committed with its event, then the worker died before the response left
    from forum.services.notify import deferred
    from forum.services.notify.delivery import deliver_pending
    deliver_pending()
    assert deferred.expand_pending() == 0  # nothing left: never twice
    [note] = told(author, "reply")
    assert note.post_id == post.id and pending_events() == 0


def test_a_grouped_reply_that_waits_for_an_e_mail_again_waits_its_whole_batch_window(app, board):
    author = member(board)
    thread = make_thread(board, author)
    make_post(thread, member(board))
    [note] = told(author, "reply")
    note.email_state, note.created_at = "sent", utcnow() - timedelta(days=30)  # mailed a month ago, still unread
    db.session.flush()
    make_post(thread, member(board))
    db.session.refresh(note)
    assert note.email_state == "pending" and note.count == 2
    assert utcnow() - note.created_at < timedelta(minutes=1)
