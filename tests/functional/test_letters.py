"""The club's letter as members get it: one e-mail per subscriber with the letters of the boards
they declare and their « Pour vous » notifications, nothing when nothing is new, never twice, never
to suspended, deleted or unreachable accounts; the archive pages; the moderators' introduction
form; `flask digest send`.

Run on PostgreSQL too: scripts/with_postgres.sh .venv/bin/python -m pytest -q tests/functional/test_letters.py
"""
from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, BoardLetter, LetterIntroduction, Notification, OutgoingMessage, User
from forum.models._time import utcnow
from forum.services import moderation
from forum.services.notify.letters import issue_board_letters, letter_period, send_letters
from forum.services.patient_data import NIR_MESSAGE
from tests.factories import make_board, make_thread, make_tip, make_user

NIR = "1 85 12 75 123 456 78"


def next_week():
    """A run whose weekly period holds the present moment (the factories' rows)."""
    return utcnow() + timedelta(days=7)


def subscriber(*boards, period: str = "weekly", **fields) -> User:
    user = make_user(uses=list(boards), **fields)
    user.letter_period = period
    db.session.flush()
    return user


def readable(message: OutgoingMessage) -> tuple[str, str]:
    """The text part, and the HTML part as a reader sees it (tags removed, entities decoded)."""
    return message.body_text, html.unescape(re.sub(r"<[^>]+>", "", message.body_html))


def messages(user: User | None = None) -> list[OutgoingMessage]:
    query = select(OutgoingMessage).where(OutgoingMessage.kind == "letter").order_by(OutgoingMessage.id)
    if user is not None:
        query = query.where(OutgoingMessage.user_id == user.id)
    return list(db.session.scalars(query))


def notify(user: User, thread, kind: str, email_state: str = "digest", **fields) -> Notification:
    now = utcnow()
    row = Notification(user_id=user.id, kind=kind, board_id=thread.board_id, thread_id=thread.id,
                       email_state=email_state, created_at=now, updated_at=now, **fields)
    db.session.add(row)
    db.session.flush()
    return row


# --- members' letters -------------------------------------------------------------------------------

def test_member_gets_one_letter_with_only_the_boards_they_declare(app):
    chorus, weda = make_board(name="Chorus"), make_board(name="WEDA")
    make_tip(chorus, title="Astuce Chorus : dupliquer une ordonnance")
    make_tip(weda, title="Astuce WEDA : le raccourci F4")
    member = subscriber(chorus, display_name="Claire Martin")
    db.session.commit()

    report = send_letters("weekly", next_week())

    assert (report.board_letters, report.queued) == (2, 1)
    [message] = messages(member)
    assert message.to_address == member.email
    assert message.subject == f"La lettre du club — {report.period.label}"
    assert message.subject.startswith("La lettre du club — semaine du ")
    for body in readable(message):
        assert "Bonjour Claire Martin" in body
        assert "Astuce Chorus : dupliquer une ordonnance" in body
        assert "WEDA" not in body
    assert "http://localhost/t/" in message.body_text and 'href="http://localhost/t/' in message.body_html
    assert message.unsubscribe_url.startswith("http://localhost/") and message.unsubscribe_url in message.body_text
    db.session.expire_all()
    assert db.session.get(User, member.id).letter_sent_at is not None


def test_member_with_nothing_new_gets_no_message(app):
    chorus, weda = make_board(name="Chorus"), make_board(name="WEDA")
    make_tip(weda, title="Astuce WEDA : le raccourci F4")
    member = subscriber(chorus)
    db.session.commit()

    report = send_letters("weekly", next_week())

    assert (report.queued, report.nothing_new) == (0, 1)
    assert messages() == []
    db.session.expire_all()
    assert db.session.get(User, member.id).letter_sent_at is None


def test_running_again_sends_no_second_letter(app):
    chorus = make_board(name="Chorus")
    make_tip(chorus, title="Astuce de la semaine")
    member = subscriber(chorus)
    db.session.commit()
    end = letter_period("weekly", next_week()).end

    first = send_letters("weekly", end + timedelta(hours=7))
    again = send_letters("weekly", end + timedelta(days=2))
    forced = send_letters("weekly", end + timedelta(hours=8), force=True)  # --now, the same day

    assert (first.queued, again.queued, forced.queued) == (1, 0, 0)
    assert (again.board_letters, forced.already_sent) == (0, 1)
    assert len(messages(member)) == 1


def test_suspended_deleted_unreachable_and_unsubscribed_members_get_nothing(app):
    chorus = make_board(name="Chorus")
    make_tip(chorus, title="Astuce de la semaine")
    active = subscriber(chorus)
    suspended = subscriber(chorus)
    suspended.suspended_until = utcnow() + timedelta(days=30)
    deleted = subscriber(chorus)
    deleted.deleted_at = utcnow()
    refused = subscriber(chorus)
    refused.email_refused_at = utcnow()
    not_subscribed = subscriber(chorus, period=None)
    biweekly = subscriber(chorus, period="biweekly")
    db.session.commit()

    report = send_letters("weekly", next_week())

    assert report.queued == 1
    assert [m.user_id for m in messages()] == [active.id]
    for user in (suspended, deleted, refused, not_subscribed, biweekly):
        assert messages(user) == []


def test_for_you_lists_digest_notifications_and_marks_them_sent(app):
    chorus = make_board(name="Chorus")
    author = make_user(uses=[chorus])
    tip = make_tip(chorus, author, title="Astuce : exporter le carnet")
    backdate_all = utcnow() - timedelta(days=30)
    tip.created_at = backdate_all  # old: the board itself has nothing new
    question = make_thread(chorus, title="Comment imprimer un bilan ?")
    question.created_at = backdate_all
    member = subscriber()  # declares no software: only « Pour vous »
    useful = notify(member, tip, "tip_useful", count=3)
    reply = notify(member, question, "reply", actor_id=author.id)
    immediate = notify(member, question, "mention", email_state="pending")
    read = notify(member, question, "accepted", read_at=utcnow())
    db.session.commit()

    report = send_letters("weekly", next_week())

    assert (report.board_letters, report.queued) == (0, 1)
    [message] = messages(member)
    for body in readable(message):
        assert "Pour vous" in body
        assert "3 membres ont trouvé votre astuce utile : « Astuce : exporter le carnet »" in body
        assert f"{author.display_name} a répondu dans « Comment imprimer un bilan ? »" in body
        assert "mentionné" not in body and "solution" not in body
    db.session.expire_all()
    states = {row.id: (row.email_state, row.message_id) for row in db.session.scalars(select(Notification))}
    assert states[useful.id] == states[reply.id] == ("sent", message.id)
    assert states[immediate.id] == ("pending", None)
    assert states[read.id][0] == "skipped"

    assert send_letters("weekly", next_week() + timedelta(days=7)).queued == 0  # sent once only


# --- the archive ------------------------------------------------------------------------------------

def test_archive_lists_the_board_letters_and_shows_one_as_a_page(app, client):
    chorus = make_board(name="Chorus", slug="chorus")
    kept = make_tip(chorus, title="Astuce : dupliquer une ordonnance")
    hidden = make_tip(chorus, title="Astuce bientôt masquée")
    db.session.commit()
    letter = issue_board_letters("weekly", next_week()).letters[chorus.id]
    moderation.hide_thread(make_user(role="moderator"), hidden, reason="Hors charte")
    db.session.commit()

    listing = client.get("/b/chorus/lettre/")
    page = client.get(f"/b/chorus/lettre/{letter.id}")

    assert listing.status_code == 200
    assert f"/b/chorus/lettre/{letter.id}" in listing.get_data(as_text=True)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Astuce : dupliquer une ordonnance" in text and f"/t/{kept.id}/" in text
    assert "Astuce bientôt masquée" not in text


def test_a_letter_is_found_only_under_its_own_board(app, client):
    chorus, weda = make_board(slug="chorus"), make_board(slug="weda")
    make_tip(chorus, title="Astuce de la semaine")
    db.session.commit()
    letter = issue_board_letters("weekly", next_week()).letters[chorus.id]
    db.session.commit()

    assert client.get(f"/b/weda/lettre/{letter.id}").status_code == 404
    assert client.get(f"/b/{weda.slug}/lettre/").status_code == 200


def test_board_page_links_to_its_letters(app, client):
    make_board(slug="chorus")
    db.session.commit()
    response = client.get("/b/chorus/")
    assert response.status_code == 200
    assert 'href="/b/chorus/lettre/"' in response.get_data(as_text=True)


# --- the introduction -------------------------------------------------------------------------------

def test_moderator_writes_the_introduction_of_the_next_letter(app, client, login):
    chorus = make_board(name="Chorus", slug="chorus")
    moderator = login(make_user(role="moderator"))
    url = "/b/chorus/lettre/introduction"
    assert client.get(url).status_code == 200

    response = client.post(url, data={"introduction": "Rencontre du club le **12 décembre**."})

    assert response.status_code == 302
    page = client.get(url)
    assert page.status_code == 200 and "<strong>12 décembre</strong>" in page.get_data(as_text=True)
    letter = issue_board_letters("weekly", next_week()).letters[chorus.id]
    assert "<strong>12 décembre</strong>" in letter.introduction_html
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "letter_intro"))
    assert (entry.actor_id, entry.board_id) == (moderator.id, chorus.id)


def test_member_cannot_write_the_introduction(app, client, login):
    make_board(slug="chorus")
    login(make_user())

    assert client.get("/b/chorus/lettre/introduction").status_code == 403
    response = client.post("/b/chorus/lettre/introduction", data={"introduction": "Texte d'un membre."})

    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(LetterIntroduction)) == 0


def test_bad_introduction_is_refused_in_french_and_the_text_kept(app, client, login):
    make_board(slug="chorus")
    login(make_user(role="moderator"))
    url = "/b/chorus/lettre/introduction"
    assert client.get(url).status_code == 200

    with_nir = client.post(url, data={"introduction": f"Patient {NIR} à rappeler."})
    empty = client.post(url, data={"introduction": " \u200b "})

    assert with_nir.status_code == 422
    text = html.unescape(with_nir.get_data(as_text=True))
    assert NIR_MESSAGE in text and f"Patient {NIR} à rappeler." in text
    assert empty.status_code == 422
    assert "Écrivez le texte de l'introduction." in html.unescape(empty.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(LetterIntroduction)) == 0


def test_preview_shows_the_introduction_without_saving_it(app, client, login):
    make_board(slug="chorus")
    login(make_user(role="moderator"))
    url = "/b/chorus/lettre/introduction"
    assert client.get(url).status_code == 200

    response = client.post(url, data={"introduction": "Un *aperçu*.", "preview": "Aperçu"})

    assert response.status_code == 200
    assert "<em>aperçu</em>" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LetterIntroduction)) == 0


# --- the command ------------------------------------------------------------------------------------

def test_digest_send_prints_the_counts(app, runner):
    chorus, weda = make_board(name="Chorus"), make_board(name="WEDA")
    yesterday = utcnow() - timedelta(days=1)
    for board in (chorus, weda):
        make_tip(board, title=f"Astuce {board.name}").created_at = yesterday
    subscriber(chorus)
    subscriber(chorus)
    subscriber(make_board(name="Hellodoc"))
    db.session.commit()

    result = runner.invoke(args=["digest", "send", "--period", "weekly", "--now"])

    assert result.exit_code == 0, result.output
    assert "2 lettres de forum, 2 lettres envoyées à la file, 1 membre sans nouveauté" in result.output
    assert db.session.scalar(select(func.count()).select_from(BoardLetter)) == 2


def test_digest_send_refuses_an_unknown_period(app, runner):
    result = runner.invoke(args=["digest", "send", "--period", "monthly"])
    assert result.exit_code == 2
