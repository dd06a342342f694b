"""Moderator scopes and suspensions in the policy: a scoped moderator moderates only its boards;
a suspended member may read but every write is refused with a French message."""
from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import ModeratorScope
from forum.models._time import utcnow
from forum.services import policy
from forum.services.errors import PermissionDenied
from forum.services.suspensions import set_moderator_scope
from tests.factories import make_board, make_post, make_thread, make_user


def scoped_moderator(*boards):
    user = make_user(role="moderator")
    db.session.add_all(ModeratorScope(user_id=user.id, board_id=b.id) for b in boards)
    db.session.flush()
    return user


def test_admin_and_unscoped_moderator_moderate_every_board(app):
    board = make_board()
    assert policy.is_moderator(make_user(role="admin"), board)
    assert policy.is_moderator(make_user(role="moderator"), board)
    assert not policy.is_moderator(make_user(), board)


def test_scoped_moderator_moderates_only_its_boards(app):
    mine, other = make_board(), make_board()
    moderator = scoped_moderator(mine)
    assert policy.is_moderator(moderator, mine)
    assert not policy.is_moderator(moderator, other)
    assert policy.is_moderator(moderator)  # moderates at least one board
    assert not policy.is_global_moderator(moderator)
    assert policy.can(moderator, "moderate", make_thread(mine))
    assert not policy.can(moderator, "moderate", make_thread(other))


def test_scopes_are_loaded_once_per_user_object(app, count_queries):
    boards = [make_board() for _ in range(3)]
    moderator = scoped_moderator(boards[0])
    with count_queries() as counter:
        for board in boards * 5:
            policy.is_moderator(moderator, board)
    assert counter.count == 1


def test_setting_scopes_takes_effect_and_can_be_cleared(app):
    mine, other = make_board(), make_board()
    moderator = make_user(role="moderator")
    assert policy.is_moderator(moderator, other)
    set_moderator_scope(moderator, [mine])
    assert not policy.is_moderator(moderator, other)
    set_moderator_scope(moderator, [])
    assert policy.is_moderator(moderator, other)


def test_suspended_member_can_read_but_not_write(app):
    thread = make_thread()
    post = make_post(thread)
    member = make_user()
    member.suspended_until = utcnow() + timedelta(days=3)
    member.suspension_reason = "Propos injurieux répétés"
    for action, obj in (("create_thread", thread.board), ("reply", thread), ("vote", thread),
                        ("report_post", post), ("edit_post", post), ("mark_tip_useful", thread)):
        assert not policy.can(member, action, obj), action
    assert policy.can(make_user(), "report_post", post)
    with pytest.raises(PermissionDenied) as error:
        policy.require(member, "create_thread", thread.board)
    assert "suspendu jusqu'au" in error.value.message and "Propos injurieux répétés" in error.value.message


def test_suspension_ends_by_itself(app):
    member = make_user()
    member.suspended_until = utcnow() - timedelta(minutes=1)
    assert policy.can(member, "create_thread", make_board())


def test_only_global_moderators_suspend_and_never_a_moderator(app):
    member, board = make_user(), make_board()
    assert policy.can(make_user(role="moderator"), "suspend_user", member)
    assert not policy.can(scoped_moderator(board), "suspend_user", member)
    assert not policy.can(make_user(role="moderator"), "suspend_user", make_user(role="moderator"))
    assert not policy.can(make_user(), "suspend_user", member)


def test_cli_sets_and_clears_a_moderator_scope(app, runner):
    board = make_board(slug="chorus")
    moderator = make_user("modo@example.org", role="moderator")
    db.session.commit()
    result = runner.invoke(args=["set-moderator-scope", "modo@example.org", "chorus"])
    assert result.exit_code == 0 and "modo@example.org modère" in result.output
    assert db.session.get(ModeratorScope, (moderator.id, board.id)) is not None
    result = runner.invoke(args=["set-moderator-scope", "modo@example.org", "inconnu"])
    assert result.exit_code == 2 and "forum(s) inconnu(s) : inconnu" in result.output
    result = runner.invoke(args=["set-moderator-scope", "modo@example.org"])
    assert result.exit_code == 0 and "tous les forums" in result.output
    assert db.session.get(ModeratorScope, (moderator.id, board.id)) is None
