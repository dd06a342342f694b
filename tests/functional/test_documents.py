"""The document base: sharing, versions, editing, publishing, deleting, who sees what, search."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Attachment, Document, DocumentVersion
from forum.services import documents, file_store
from forum.services.demo_documents import pdf_bytes
from forum.services.uploads import Upload
from tests.confirm import confirm
from tests.factories import make_board, make_user
from tests.pages import page

PDF = pdf_bytes(["Protocole de test"])


def share_form(title="Protocole diabète", description="Qui fait quoi.\nÀ quel rythme.", category="protocole",
               data=PDF, filename="protocole.pdf", version=""):
    return {"title": title, "description": description, "category": category, "version": version,
            "file": (io.BytesIO(data), filename)}


def a_document(user, board=None, title="Modèle de courrier", description="Pour l'éditeur", category="modele",
               public=False, data=PDF):
    document = documents.share_document(user, board, documents.DocumentFields(title, description, category, ""),
                                        Upload("modele.pdf", data))
    document.public = public
    db.session.flush()
    return document


def stored_objects(app) -> int:
    return len(list(file_store.current_storage().keys()))


def file_url(document) -> str:
    attachment = db.session.scalar(select(Attachment).join(DocumentVersion, DocumentVersion.attachment_id == Attachment.id)
                                   .where(DocumentVersion.document_id == document.id)
                                   .order_by(DocumentVersion.number.desc()).limit(1))
    return f"/fichiers/{attachment.key}/{attachment.safe_name}"


def test_member_shares_a_document_on_a_board_then_downloads_it(app, client, login):
    board = make_board(name="Chorus", slug="chorus")
    login(make_user(display_name="Inès Infirmière"))
    response = client.post("/b/chorus/documents/partager", data=share_form(version="v5.3"),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    document = db.session.scalar(select(Document))
    assert (document.board_id, document.version) == (board.id, "5.3")
    text = page(client.get(response.headers["Location"]))
    assert "Protocole diabète" in text and "Inès Infirmière" in text and "Document PDF" in text
    assert "Qui fait quoi.<br>À quel rythme." in text
    assert "Protocole diabète" in page(client.get("/b/chorus/documents"))
    download = client.get(file_url(document))
    assert download.status_code == 200 and download.data == PDF


def test_share_without_title_or_category_keeps_the_text_and_stores_nothing(app, client, login):
    login(make_user())
    response = client.post("/documents/partager", data=share_form(title="", category="inconnue",
                           description="Ma description soignée"), content_type="multipart/form-data")
    text = page(response, 422)
    assert "Donnez un titre au document." in text and "Ma description soignée" in text
    assert db.session.scalar(select(func.count(Document.id))) == 0 and stored_objects(app) == 0
    response = client.post("/documents/partager", data=share_form(category="inconnue"),
                           content_type="multipart/form-data")
    assert "Choisissez une catégorie dans la liste." in page(response, 422)


def test_html_page_named_pdf_is_refused_next_to_the_file_field(app, client, login):
    login(make_user())
    response = client.post("/documents/partager", data=share_form(
        title="Mon protocole", data=b"<!doctype html><html><script>alert(1)</script></html>", filename="piege.pdf"),
        content_type="multipart/form-data")
    text = page(response, 422)
    assert "Type de fichier non accepté" in text and 'value="Mon protocole"' in text
    assert 'id="file-error"' in text
    assert db.session.scalar(select(func.count(Document.id))) == 0
    assert db.session.scalar(select(func.count(Attachment.id))) == 0 and stored_objects(app) == 0


def test_anonymous_visitor_sees_public_documents_only_and_members_only_files_are_404(app, client):
    author = make_user()
    public = a_document(author, title="Guide public", public=True)
    private = a_document(author, title="Modèle réservé")
    a_document(author, title="Autre réservé")
    db.session.commit()
    text = page(client.get("/documents"))
    assert "Guide public" in text and "Modèle réservé" not in text
    assert "2 autres documents sont réservés aux membres" in text
    response = client.get(f"/documents/{private.id}")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert "Guide public" in page(client.get(f"/documents/{public.id}"))
    assert client.get(file_url(private)).status_code == 404
    assert client.get(file_url(public)).status_code == 200


def test_new_version_keeps_the_history_downloadable(app, client, login):
    author = login(make_user())
    document = a_document(author)
    first_url = file_url(document)
    second = pdf_bytes(["Version 2"])
    response = client.post(f"/documents/{document.id}/nouvelle-version", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(second), "v2.pdf"), "note": "Mise à jour 2027"})
    assert response.status_code == 302
    text = page(client.get(f"/documents/{document.id}"))
    assert "Version 2 (actuelle)" in text and "Version 1" in text and "Mise à jour 2027" in text
    assert client.get(first_url).data == PDF and client.get(file_url(document)).data == second


def test_uploader_edits_but_another_member_gets_403_and_nothing_changes(app, client, login):
    author, other = make_user(), make_user()
    document = a_document(author, title="Titre d'origine")
    login(other)
    edit = {"title": "Titre piraté", "description": "", "category": "autre", "version": ""}
    assert client.post(f"/documents/{document.id}/modifier", data=edit).status_code == 403
    db.session.expire_all()
    assert db.session.get(Document, document.id).title == "Titre d'origine"
    login(author)
    assert client.post(f"/documents/{document.id}/modifier", data={**edit, "title": "Nouveau titre"}).status_code == 302
    assert "Nouveau titre" in page(client.get(f"/documents/{document.id}"))


def test_only_a_moderator_makes_a_document_public(app, client, login):
    author = make_user()
    document = a_document(author)
    login(author)
    assert client.post(f"/documents/{document.id}/public", data={"public": "1"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Document, document.id).public is False
    login(make_user(role="moderator"))
    assert client.post(f"/documents/{document.id}/public", data={"public": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Document, document.id).public is True


def test_deleted_document_is_gone_for_members_and_its_files_marked_deleted(app, client, login):
    author = login(make_user())
    document = a_document(author, title="À supprimer")
    step = client.post(f"/documents/{document.id}/supprimer")
    assert step.status_code == 200
    assert "Le document « À supprimer » ne sera plus proposé ni téléchargeable" in page(step)
    db.session.expire_all()
    assert db.session.get(Document, document.id).deleted_at is None  # asking deletes nothing
    assert confirm(client, f"/documents/{document.id}/supprimer").status_code == 302
    login(make_user())
    assert client.get(f"/documents/{document.id}").status_code == 404
    assert "À supprimer" not in page(client.get("/documents"))
    assert db.session.scalar(select(func.count(Attachment.id)).where(Attachment.deleted_at.is_(None))) == 0
    assert client.get(file_url(document)).status_code == 404


def test_search_by_title_and_description_and_filter_by_category(app, client, login):
    author = login(make_user())
    a_document(author, title="Protocole plaies chroniques", description="Pansements", category="protocole")
    a_document(author, title="Manuel de facturation", description="Télétransmission des feuilles", category="manuel")
    db.session.commit()
    text = page(client.get("/documents?q=plaies+protocole"))
    assert "Protocole plaies chroniques" in text and "Manuel de facturation" not in text
    text = page(client.get("/documents?q=télétransmission"))
    assert "Manuel de facturation" in text and "Protocole plaies chroniques" not in text
    text = page(client.get("/documents?categorie=protocole"))
    assert "Protocole plaies chroniques" in text and "Manuel de facturation" not in text


def test_listing_query_count_does_not_grow_with_documents(app, client, login, count_queries):
    author = login(make_user())
    board = make_board(slug="weda")
    counts = []
    for total in (3, 12):
        while db.session.scalar(select(func.count(Document.id))) < total:
            a_document(author, board=board)
        db.session.commit()
        with count_queries() as counter:
            page(client.get("/b/weda/documents"))
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_board_page_and_navigation_link_to_the_document_bases(app, client):
    make_board(slug="hellodoc")
    db.session.commit()
    text = page(client.get("/b/hellodoc/"))
    assert 'href="/b/hellodoc/documents"' in text and 'href="/documents"' in text


def test_seed_demo_shares_a_public_pdf_protocol_and_a_members_only_template_in_two_versions(app, client):
    from forum.services import demo
    demo.seed()
    db.session.commit()
    protocol = db.session.scalar(select(Document).where(Document.title.like("Protocole pluri-professionnel%")))
    template = db.session.scalar(select(Document).where(Document.title == "Modèle d'état de suivi des demandes"))
    assert protocol.public and protocol.board_id is not None
    assert not template.public and template.board_id is None and template.version_count == 2
    assert client.get(file_url(protocol)).data.startswith(b"%PDF-")
    text = page(client.get("/documents"))
    assert "1 autre document est réservé aux membres" in text
