"""Reporting a post: member reports → the post is in the moderators' queue → a moderator resolves
it → it leaves the queue. One open report per member and post; bad input is refused."""

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, ModeratorScope, Post, Report
from tests.factories import make_board, make_post, make_thread, make_user
from tests.pages import page


def report_count() -> int:
    return db.session.scalar(select(func.count(Report.id)))


def test_report_flow_from_member_to_resolution(client, login):
    thread = make_thread(title="Paramétrer la télétransmission")
    post = make_post(thread, body="Venez sur mon site pour des formations payantes")
    reporter, moderator = make_user(display_name="Paul Signaleur"), make_user(role="moderator")
    login(reporter)
    assert "Signaler" in page(client.get(f"/t/{thread.id}"))
    form = page(client.get(f"/p/{post.id}/signaler"))
    assert "Publicité ou démarchage" in form and "Données de patient" in form
    response = client.post(f"/p/{post.id}/signaler", data={"reason": "publicite", "comment": "Démarchage"})
    assert response.status_code == 302
    login(moderator)
    queue = page(client.get("/moderation"))
    assert "Publicité ou démarchage" in queue and "Paul Signaleur" in queue and "Démarchage" in queue
    assert "Venez sur mon site pour des formations payantes" in queue and "Paramétrer la télétransmission" in queue
    report = db.session.scalars(select(Report)).one()
    response = client.post(f"/moderation/signalements/{report.id}", data={"resolution": "Lien retiré", "hide_post": "y"})
    assert response.status_code == 302
    assert "Aucun signalement en attente" in page(client.get("/moderation"))
    db.session.expire_all()
    assert db.session.get(Post, post.id).deleted_at is not None
    assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
        "hide_post", "resolve_report"]
    journal = page(client.get("/moderation/journal"))
    assert "Signalement traité" in journal and "Lien retiré" in journal


def test_resolution_without_a_note_is_refused_and_the_report_stays_open(client, login):
    post = make_post(make_thread())
    from forum.services.reports import report_post
    report = report_post(make_user(), post, "hors_sujet")
    login(make_user(role="moderator"))
    response = client.post(f"/moderation/signalements/{report.id}", data={"resolution": " "})
    assert response.status_code == 422 and "Indiquez ce qui a été décidé" in page(response, 422)
    db.session.expire_all()
    assert db.session.get(Report, report.id).resolved_at is None


def test_duplicate_open_report_is_refused_with_a_message(client, login):
    post = make_post(make_thread())
    login(make_user())
    assert client.post(f"/p/{post.id}/signaler", data={"reason": "hors_sujet"}).status_code == 302
    response = client.post(f"/p/{post.id}/signaler", data={"reason": "doublon"})
    assert response.status_code == 409 and "Vous avez déjà signalé ce message" in page(response, 409)
    assert report_count() == 1


def test_bad_reason_or_long_comment_is_422_and_nothing_is_written(client, login):
    post = make_post(make_thread())
    login(make_user())
    response = client.post(f"/p/{post.id}/signaler", data={"reason": "je-ne-sais-pas", "comment": "Mon texte"})
    assert response.status_code == 422 and "Choisissez le motif" in page(response, 422) and "Mon texte" in page(response, 422)
    response = client.post(f"/p/{post.id}/signaler", data={"reason": "autre", "comment": "x" * 1001})
    assert response.status_code == 422 and "1000 caractères" in page(response, 422)
    assert report_count() == 0


def test_member_cannot_report_own_post(client, login):
    post = make_post(make_thread())
    login(post.author)
    html = page(client.get(f"/t/{post.thread_id}"))
    assert f"/p/{post.id}/signaler" not in html and "Signaler</a>" in html  # others' posts only
    assert client.post(f"/p/{post.id}/signaler", data={"reason": "autre"}).status_code == 403
    assert report_count() == 0


def test_scoped_moderator_sees_only_its_boards_reports(client, login):
    from forum.services.reports import report_post
    mine, other = make_board(), make_board()
    report_post(make_user(), make_post(make_thread(mine), body="Message du forum suivi"), "autre")
    foreign = report_post(make_user(), make_post(make_thread(other), body="Message d'un autre forum"), "autre")
    scoped = make_user(role="moderator")
    db.session.add(ModeratorScope(user_id=scoped.id, board_id=mine.id))
    login(scoped)
    queue = page(client.get("/moderation"))
    assert "Message du forum suivi" in queue and "Message d'un autre forum" not in queue
    assert client.post(f"/moderation/signalements/{foreign.id}", data={"resolution": "Vu"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Report, foreign.id).resolved_at is None


def test_resolving_one_report_closes_all_open_reports_of_the_post(client, login):
    from forum.services.reports import report_post
    post = make_post(make_thread())
    first = report_post(make_user(), post, "autre")
    report_post(make_user(), post, "irrespectueux")
    login(make_user(role="moderator"))
    assert client.post(f"/moderation/signalements/{first.id}", data={"resolution": "Sans suite"}).status_code == 302
    assert db.session.scalar(select(func.count(Report.id)).where(Report.resolved_at.is_(None))) == 0
    assert client.post(f"/moderation/signalements/{first.id}", data={"resolution": "Encore"}).status_code == 409
