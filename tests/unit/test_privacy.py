"""Personal data (RGPD): what a member's export holds, and what deleting an account erases or keeps."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from forum import search
from forum.extensions import db
from forum.models import (
    IndexTask,
    Livrable,
    LivrableItem,
    Post,
    Report,
    SoftwareUse,
    Thread,
    TipUseful,
    User,
    Vote,
)
from forum.models._time import utcnow
from forum.services import posting, privacy, ranking, tips
from forum.services.errors import ValidationError
from tests.factories import (
    PASSWORD,
    make_board,
    make_post,
    make_request,
    make_structure,
    make_thread,
    make_tip,
    make_user,
    make_vote,
)


def _active_member():
    """A member who wrote, edited, voted, marked a tip and reported a post, among other people."""
    board = make_board("Chorus", slug="chorus")
    structure = make_structure("MSP des Tilleuls", region="Bretagne")
    member = make_user("claire@example.org", display_name="Claire Martin", profession="infirmier",
                       structure=structure, uses=[board])
    other = make_user("paul@example.org", display_name="Paul Durand", uses=[board])
    own = make_thread(board, member, title="Ordonnances bizones : où est l'option ?", body="Premier jet")
    posting.edit_post(member, db.session.scalar(select(Post).where(Post.thread_id == own.id)), "Version corrigée")
    make_post(own, other, "Réponse de Paul avec son secret")
    foreign = make_thread(board, other, title="Télétransmission en panne")
    reply = make_post(foreign, member, "Relancez le module **SESAM-Vitale**.")
    request = make_request(board, other, title="Export du DMP en un clic")
    make_vote(request, member, "bloquant")
    make_vote(request, other, "utile")
    tip = make_tip(board, other, title="Raccourci pour les feuilles de soins")
    tips.mark_useful(member, tip)
    db.session.add(Report(post_id=reply.id, reporter_id=member.id, reason="hors_sujet", comment="Mauvais forum"))
    db.session.flush()
    return member, other, board


def test_export_holds_profile_structure_software_posts_with_revisions_votes_marks_and_reports(app):
    member, _, _ = _active_member()
    data = privacy.export_user_data(member)
    assert data["profile"]["email"] == "claire@example.org"
    assert data["profile"]["display_name"] == "Claire Martin"
    assert data["profile"]["profession_label"] == "infirmier·e"
    assert data["structure"] == {"name": "MSP des Tilleuls", "kind": "msp",
                                 "kind_label": "Maison de santé pluriprofessionnelle", "region": "Bretagne"}
    assert [use["board"] for use in data["software"]] == ["chorus"]
    assert [t["title"] for t in data["threads"]] == ["Ordonnances bizones : où est l'option ?"]
    bodies = {post["body_markdown"]: post for post in data["posts"]}
    assert set(bodies) == {"Version corrigée", "Relancez le module **SESAM-Vitale**."}
    assert bodies["Version corrigée"]["revisions"][0]["body_markdown"] == "Premier jet"
    assert bodies["Relancez le module **SESAM-Vitale**."]["thread_title"] == "Télétransmission en panne"
    assert [(v["request_title"], v["importance"]) for v in data["votes"]] == [("Export du DMP en un clic", "bloquant")]
    assert [m["tip_title"] for m in data["tip_marks"]] == ["Raccourci pour les feuilles de soins"]
    assert [(r["reason"], r["comment"]) for r in data["reports"]] == [("hors_sujet", "Mauvais forum")]
    assert data["posts"][0]["created_at"].startswith(str(utcnow().year))


def test_export_is_json_and_says_nothing_about_other_people(app):
    member, other, _ = _active_member()
    text = json.dumps(privacy.export_user_data(member), ensure_ascii=False)
    assert "Paul" not in text and "paul@example.org" not in text
    assert "Réponse de Paul avec son secret" not in text
    assert "password" not in text and member.password_hash not in text


def test_wrong_password_deletes_nothing(app):
    member, _, _ = _active_member()
    db.session.commit()
    with pytest.raises(ValidationError) as error:
        privacy.delete_account(member, "pas-le-bon-mot-de-passe")
    assert error.value.field == "password"
    assert "Mot de passe incorrect" in error.value.message
    db.session.rollback()
    member = db.session.get(User, member.id)
    assert member.deleted_at is None and member.email == "claire@example.org"
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.user_id == member.id)) == 1


def test_deleted_member_is_anonymised_but_their_posts_stay_signed_ancien_membre(app):
    member, _, _ = _active_member()
    posts_before = db.session.scalar(select(func.count()).where(Post.author_id == member.id))
    privacy.delete_account(member, PASSWORD)
    db.session.commit()
    member = db.session.get(User, member.id)
    assert member.deleted_at is not None
    assert member.public_name == member.display_name == "Ancien membre"
    assert member.email == f"supprime-{member.id}@invalid.invalid"
    assert member.password_hash is None and not member.check_password(PASSWORD)
    assert (member.bio, member.region, member.structure_id) == (None, None, None)
    assert db.session.scalar(select(func.count()).where(SoftwareUse.user_id == member.id)) == 0
    assert db.session.scalar(select(func.count()).where(Post.author_id == member.id)) == posts_before
    assert not member.is_active


def test_email_of_a_deleted_account_can_register_again(app):
    member, _, _ = _active_member()
    privacy.delete_account(member, PASSWORD)
    db.session.flush()
    again = make_user("claire@example.org", display_name="Claire revenue")
    assert again.id != member.id


def test_votes_leave_open_requests_but_stay_on_closed_ones(app):
    member, other, board = _active_member()
    open_request = db.session.scalar(select(Thread).where(Thread.title == "Export du DMP en un clic"))
    closed = make_request(board, other, title="Agenda partagé livré")
    make_vote(closed, member, "important")
    closed.status = "livree"
    db.session.flush()
    privacy.delete_account(member, PASSWORD)
    db.session.commit()
    assert db.session.scalar(select(Vote).where(Vote.thread_id == open_request.id,
                                                Vote.user_id == member.id)) is None
    assert db.session.scalar(select(Vote).where(Vote.thread_id == closed.id,
                                                Vote.user_id == member.id)) is not None
    db.session.refresh(open_request)
    assert (open_request.vote_count, open_request.score) == (1, 1)
    assert ranking.stored_figures_mismatches() == []


def test_tip_marks_are_removed_and_recounted(app):
    member, _, _ = _active_member()
    tip = db.session.scalar(select(Thread).where(Thread.kind == "tip"))
    assert tip.useful_count == 1
    privacy.delete_account(member, PASSWORD)
    db.session.commit()
    db.session.refresh(tip)
    assert tip.useful_count == 0
    assert db.session.scalar(select(func.count()).select_from(TipUseful)) == 0


def test_frozen_livrable_is_unchanged_by_a_deletion(app):
    member, _, board = _active_member()
    request = db.session.scalar(select(Thread).where(Thread.title == "Export du DMP en un clic"))
    livrable = Livrable(board_id=board.id, number=1, title="Livrable n° 1 – Chorus", frozen_at=utcnow())
    livrable.items.append(LivrableItem(thread_id=request.id, position=1, rank=1, title=request.title,
                                       status=request.status, score=request.score, vote_count=request.vote_count,
                                       votes_by_importance={"utile": 1, "important": 0, "bloquant": 1},
                                       structure_count=2, professions=[["infirmier·e", 1]]))
    db.session.add(livrable)
    db.session.commit()
    snapshot = {c.key: getattr(livrable.items[0], c.key) for c in LivrableItem.__table__.columns}
    assert snapshot["score"] == 4
    privacy.delete_account(member, PASSWORD)
    db.session.commit()
    db.session.expire_all()
    item = db.session.scalar(select(LivrableItem))
    assert {c.key: getattr(item, c.key) for c in LivrableItem.__table__.columns} == snapshot
    assert db.session.get(Thread, request.id).score == 1  # the live request did change


def test_search_forgets_the_author_name_of_a_deleted_account(app):
    search.reindex()
    board = make_board()
    member = make_user(display_name="Zéphyrine Quillard", uses=[board])
    thread = make_thread(board, member, title="Paramétrer la messagerie sécurisée")
    db.session.commit()
    search.apply_pending()
    assert [hit.thread.id for hit in search.query("Quillard").hits] == [thread.id]
    privacy.delete_account(member, PASSWORD)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(IndexTask)) == 1
    assert search.apply_pending() == 1
    assert search.query("Quillard").hits == []
    assert [hit.thread.id for hit in search.query("messagerie").hits] == [thread.id]


def test_export_lists_the_files_the_member_uploaded(app):
    from forum.services import uploads

    member, other = make_user(), make_user()
    db.session.commit()
    text = b"Colonne A;Colonne B\n1;2\n"
    for owner, name in ((member, "suivi.csv"), (other, "autre.csv")):
        uploads.store(owner, uploads.check_uploads([uploads.Upload(name, text)])[0])
    db.session.commit()

    files = privacy.export_user_data(member)["files"]

    assert [(f["name"], f["type"], f["size"], f["removed"]) for f in files] == [
        ("suivi.csv", "text/csv; charset=utf-8", len(text), False)]
    assert files[0]["path"].startswith("/fichiers/") and files[0]["path"].endswith("/suivi.csv")
