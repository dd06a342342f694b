"""The versions a board knows: gathered from deliveries, tips, confirmations and declared software,
canonicalised, merged by moderators, ordered by number; a version's delivered requests and tips
to re-check."""
from __future__ import annotations

from datetime import datetime

import pytest

from forum.extensions import db
from forum.models import SoftwareUse, StatusChange, TipConfirmation
from forum.services import versions
from forum.services.errors import NotFound, PermissionDenied, ValidationError
from tests.factories import make_board, make_request, make_tip, make_user


def deliver(thread, version, at=datetime(2026, 3, 1)):
    db.session.add(StatusChange(thread_id=thread.id, from_status=thread.status, to_status="livree",
                                created_at=at, version=version))
    thread.status = "livree"
    db.session.flush()


def confirm(tip, version):
    db.session.add(TipConfirmation(thread_id=tip.id, user_id=None, version=version))
    db.session.flush()


def declare(board, version):
    user = make_user()
    db.session.add(SoftwareUse(user_id=user.id, board_id=board.id, version=version))
    db.session.flush()


def figures(board):
    return [(v.name, v.delivered, v.tips, v.members) for v in versions.known_versions(board)]


def test_versions_are_ordered_newest_first_by_their_numbers():
    assert versions.newest_first(["5.9", "5.10", "5.10.1", "4.12", "5.3 SP1", "5.3", "bêta"]) == [
        "5.10.1", "5.10", "5.9", "5.3 SP1", "5.3", "4.12", "bêta"]
    assert versions.version_sort_key("5.10") > versions.version_sort_key("5.9")


def test_spellings_are_canonicalised_or_kept_as_typed():
    assert versions.canonical("v5.3") == "5.3"
    assert versions.canonical(" V 5.3 ") == "5.3"
    assert versions.canonical("version de mars") == "version de mars"


def test_a_board_knows_versions_from_deliveries_tips_confirmations_and_members(app):
    board = make_board()
    deliver(make_request(board), "v5.3")
    deliver(make_request(board), "5.4")
    tip = make_tip(board, software_version="5.3")
    confirm(tip, "5.4")
    confirm(tip, "v5.4")
    declare(board, "5.4")
    declare(board, "5.4")
    declare(board, "5.10")
    make_request(make_board())  # another board's figures stay there
    deliver(make_request(make_board()), "9.9")

    assert figures(board) == [("5.10", 0, 0, 1), ("5.4", 1, 2, 2), ("5.3", 1, 1, 0)]


def test_a_merged_spelling_counts_with_its_version(app):
    board = make_board()
    moderator = make_user(role="moderator")
    deliver(make_request(board), "5.3.0")
    deliver(make_request(board), "5.3")
    declare(board, "5.3.0")

    versions.merge_spelling(moderator, board, "5.3.0", "5.3")

    assert figures(board) == [("5.3", 2, 0, 1)]
    assert versions.find_version(board, "5.3.0")[0].name == "5.3"


def test_an_earlier_merge_follows_its_target_when_that_is_merged_in_turn(app):
    board = make_board()
    moderator = make_user(role="moderator")
    for spelling in ("5.3.0", "5.3 GA", "5.3"):
        declare(board, spelling)
    versions.merge_spelling(moderator, board, "5.3.0", "5.3 GA")
    versions.merge_spelling(moderator, board, "5.3 GA", "5.3")

    assert figures(board) == [("5.3", 0, 0, 3)]


@pytest.mark.parametrize(("alias", "version", "field", "message"), [
    ("", "5.3", "alias", "Choisissez l'orthographe"),
    ("5.3", "", "version", "Choisissez la version"),
    ("v5.3", "5.3", "version", "deux versions différentes"),
    ("7.0", "5.3", "alias", "« 7.0 » n'est pas connue"),
    ("5.4", "8.1", "version", "« 8.1 » n'est pas connue"),
])
def test_merging_refuses_empty_same_and_unknown_versions(app, alias, version, field, message):
    board = make_board()
    declare(board, "5.3")
    declare(board, "5.4")

    with pytest.raises(ValidationError) as refused:
        versions.merge_spelling(make_user(role="moderator"), board, alias, version)

    assert refused.value.field == field
    assert message in refused.value.message
    assert versions.aliases(board) == {}


def test_a_member_cannot_merge_versions(app):
    board = make_board()
    declare(board, "5.3")
    declare(board, "5.3.0")

    with pytest.raises(PermissionDenied):
        versions.merge_spelling(make_user(uses=[board]), board, "5.3.0", "5.3")


def test_a_version_page_lists_its_deliveries_and_tips_checked_only_on_earlier_versions(app):
    board = make_board()
    delivered = make_request(board, title="Livrée en 5.4")
    deliver(delivered, "v5.4")
    deliver(make_request(board, title="Livrée en 5.3"), "5.3")
    old = make_tip(board, title="Vérifiée en 5.3 seulement", software_version="5.3")
    rechecked = make_tip(board, title="Revérifiée en 5.4", software_version="5.2")
    confirm(rechecked, "5.4")
    newer = make_tip(board, title="Vérifiée en 5.10", software_version="5.10")
    confirmed_old = make_tip(board, title="Confirmée en 5.2", software_version=None)
    confirm(confirmed_old, "5.2")
    make_tip(board, title="Sans version du tout")

    page = versions.version_page(board, "5.4")

    assert [thread.title for thread, _ in page.delivered] == ["Livrée en 5.4"]
    assert {tip.title for tip in page.recheck} == {old.title, confirmed_old.title}
    assert newer.title not in {tip.title for tip in versions.version_page(board, "5.10").recheck}


def test_an_unknown_version_is_not_found(app):
    board = make_board()
    declare(board, "5.3")

    with pytest.raises(NotFound):
        versions.version_page(board, "6.0")
