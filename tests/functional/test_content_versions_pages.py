"""Content versions through the pages: a reply or a vote posted by a member raises the versions of
the thread and its board once the request has committed (any worker reading them next builds a new
key); a preview or a page read (which records the member's unread marker) raises nothing."""
from sqlalchemy import text

from forum.extensions import db
from tests.factories import make_board, make_request, make_thread, make_user


def stored_versions(thread) -> tuple[int, int, int]:
    row = db.session.execute(text(
        "SELECT t.content_version, b.content_version, COALESCE((SELECT global_version FROM site_versions"
        " WHERE id = 1), 0) FROM threads t JOIN boards b ON b.id = t.board_id WHERE t.id = :id"), {"id": thread.id}).one()
    db.session.commit()
    return tuple(row)


def test_a_reply_through_the_page_raises_the_thread_and_its_board(client, login):
    thread = make_thread()
    login(make_user())
    db.session.commit()
    before = stored_versions(thread)
    assert client.post(f"/t/{thread.id}/repondre", data={"body": "Ma réponse"}).status_code == 302
    after = stored_versions(thread)
    assert after[0] > before[0] and after[1] > before[1] and after[2] == before[2]


def test_a_vote_through_the_page_raises_the_request_and_its_board(client, login):
    board = make_board()
    wanted = make_request(board)
    login(make_user(uses=[board]))
    db.session.commit()
    before = stored_versions(wanted)
    assert client.post(f"/t/{wanted.id}/vote", data={"importance": "utile"}).status_code in (302, 303)
    after = stored_versions(wanted)
    assert after[0] > before[0] and after[1] > before[1]


def test_reading_a_thread_and_previewing_a_reply_raise_nothing(client, login):
    thread = make_thread()
    login(make_user())
    db.session.commit()
    before = stored_versions(thread)
    assert client.get(f"/t/{thread.id}").status_code == 200
    client.post(f"/t/{thread.id}/repondre", data={"body": "Texte en _aperçu_", "preview": "Aperçu"})
    assert stored_versions(thread) == before
