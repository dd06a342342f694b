"""Downloading stored files (/fichiers/<key>/<name>): the headers of each kind of file (images inline,
everything else as attachment, sandbox CSP, nosniff, cache, ETag and 304), who gets a 404 (malformed
or unknown key, members-only document, deleted or removed file, purged file), the canonical name,
the reverse-proxy modes (X-Accel-Redirect, X-Sendfile), a storage that is down, and the S3 backend."""
from __future__ import annotations

import html
import io
import random
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import delete, select

from forum.extensions import db
from forum.models import Attachment, Document, DocumentVersion, Post
from forum.models._time import utcnow
from forum.services import moderation, uploads
from forum.services.file_access import FILE_CSP
from forum.services.file_store import EXTENSION_KEY, current_storage
from forum.storage import StorageError, new_key, storage_for
from tests.factories import make_post, make_thread, make_user
from tests.live_server import free_port
from tests.s3_server import s3_server  # noqa: F401  (the session fixture)

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
NOT_FOUND = "Ce fichier n'existe pas."


def picture(width: int = 60, height: int = 40, fmt: str = "PNG") -> bytes:
    rng = random.Random(width * height)
    image = Image.new("RGB", (width, height))
    image.putdata([(rng.randrange(256), x % 256, 90) for x in range(width * height)])
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def store(name: str, data: bytes, *, post=None, uploader=None) -> Attachment:
    """A file through the real upload path (checked, re-encoded, stored), attached to `post`."""
    checked = uploads.check_uploads([uploads.Upload(name, data)])
    attachment = uploads.store(uploader, checked[0], post_id=post.id if post else None)
    db.session.flush()
    return attachment


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def url(attachment: Attachment, *, preview: bool = False, name: str | None = None) -> str:
    middle = "apercu/" if preview else ""
    return f"/fichiers/{attachment.key}/{middle}{name or attachment.safe_name}"


@pytest.fixture
def thread(app):
    return make_thread()


def first_post(thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first.is_(True)))


def test_an_image_is_served_inline_with_its_stored_type_and_a_sandbox(client, thread):
    attachment = store("Capture écran.png", picture(), post=first_post(thread))
    db.session.commit()
    response = client.get(url(attachment))
    assert response.status_code == 200
    assert response.data == current_storage().get(attachment.key)
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert attachment.safe_name == "Capture écran.png"
    assert response.headers["Content-Disposition"] == "inline; filename*=UTF-8''Capture%20%C3%A9cran.png"
    assert response.headers["Content-Security-Policy"] == FILE_CSP
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert response.headers["Cache-Control"] == "public, max-age=600"
    assert response.headers["ETag"] == f'"{attachment.key}"'
    assert "Set-Cookie" not in response.headers


def test_a_pdf_is_always_an_attachment_never_inline(client, thread):
    attachment = store("protocole.pdf", PDF, post=first_post(thread))
    db.session.commit()
    response = client.get(url(attachment))
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename*=UTF-8''protocole.pdf"
    assert response.headers["Content-Security-Policy"] == FILE_CSP


@pytest.mark.parametrize("name, data, mime", [
    ("notes.txt", "Bonjour, voici la procédure.\n".encode(), "text/plain; charset=utf-8"),
    ("export.csv", b"nom;valeur\nA;1\n", "text/csv; charset=utf-8"),
])
def test_text_files_are_attachments_with_their_stored_type(client, thread, name, data, mime):
    attachment = store(name, data, post=first_post(thread))
    db.session.commit()
    response = client.get(url(attachment))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == mime
    assert response.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_preview_of_a_wide_image_is_the_smaller_copy(client, thread):
    attachment = store("large.png", picture(1600, 50), post=first_post(thread))
    db.session.commit()
    assert attachment.preview_key is not None
    response = client.get(url(attachment, preview=True))
    assert response.status_code == 200
    assert response.data == current_storage().get(attachment.preview_key)
    assert Image.open(io.BytesIO(response.data)).width <= 1024
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["ETag"] == f'"{attachment.preview_key}"'


def test_the_preview_of_a_small_image_is_the_image_and_a_pdf_has_none(client, thread):
    image = store("petite.png", picture(), post=first_post(thread))
    pdf = store("doc.pdf", PDF, post=first_post(thread))
    db.session.commit()
    response = client.get(url(image, preview=True))
    assert response.status_code == 200
    assert response.data == current_storage().get(image.key)
    assert client.get(url(pdf, preview=True)).status_code == 404


def test_if_none_match_gives_a_304_without_a_body(client, thread):
    attachment = store("photo.png", picture(), post=first_post(thread))
    db.session.commit()
    response = client.get(url(attachment), headers={"If-None-Match": f'"{attachment.key}"'})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == f'"{attachment.key}"'


def test_a_wrong_name_redirects_to_the_canonical_address(client, thread):
    attachment = store("rapport.pdf", PDF, post=first_post(thread))
    db.session.commit()
    response = client.get(url(attachment, name="autre-nom.exe"))
    assert response.status_code == 301
    assert response.headers["Location"].endswith(url(attachment))


def test_a_malformed_key_is_a_404_without_any_query(client, count_queries):
    with count_queries() as counter:
        response = client.get("/fichiers/..%2F..%2Fetc/passwd")
        other = client.get("/fichiers/abc.def/x.png")
    assert response.status_code == 404
    assert other.status_code == 404
    assert NOT_FOUND in text(other)
    assert counter.count == 0


def test_an_unknown_key_is_a_404(client):
    response = client.get(f"/fichiers/{new_key()}/x.png")
    assert response.status_code == 404
    assert NOT_FOUND in text(response)


def document_file(*, public: bool) -> Attachment:
    uploader = make_user()
    attachment = store("modele.pdf", PDF, uploader=uploader)
    document = Document(title="Modèle de protocole", category="modele", public=public, uploader_id=uploader.id)
    db.session.add(document)
    db.session.flush()
    db.session.add(DocumentVersion(document_id=document.id, number=1, attachment_id=attachment.id,
                                   uploader_id=uploader.id))
    db.session.commit()
    return attachment


def test_a_members_only_document_file_is_a_404_to_visitors_and_private_to_members(client, login):
    attachment = document_file(public=False)
    response = client.get(url(attachment))
    assert response.status_code == 404
    assert NOT_FOUND in text(response)
    login(make_user())
    response = client.get(url(attachment))
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Cache-Control"].startswith("private")
    assert client.get(url(attachment, preview=True)).status_code == 404


def test_a_public_document_file_is_served_to_visitors_and_cached_publicly(client):
    attachment = document_file(public=True)
    response = client.get(url(attachment))
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public")


def test_a_hidden_posts_file_is_a_404_to_members_and_served_to_its_moderator(client, login, thread):
    post = make_post(thread)
    attachment = store("ecran.png", picture(), post=post)
    moderator = make_user(role="moderator")
    moderation.hide_post(moderator, post, "Données de patient visibles.")
    db.session.commit()
    login(make_user())
    response = client.get(url(attachment))
    assert response.status_code == 404
    assert NOT_FOUND in text(response)
    login(moderator)
    response = client.get(url(attachment))
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")


def test_a_file_taken_out_of_its_post_is_a_404_to_members(client, login, thread):
    attachment = store("ancien.png", picture(), post=first_post(thread))
    attachment.removed_at = utcnow()
    db.session.commit()
    login(make_user())
    assert client.get(url(attachment)).status_code == 404
    login(make_user(role="moderator"))
    assert client.get(url(attachment)).status_code == 200


def test_a_purged_file_is_a_404(client, thread):
    attachment = store("purge.png", picture(), post=first_post(thread))
    db.session.commit()
    target = url(attachment)
    current_storage().delete(attachment.key)
    db.session.execute(delete(Attachment).where(Attachment.id == attachment.id))
    db.session.commit()
    response = client.get(target)
    assert response.status_code == 404
    assert NOT_FOUND in text(response)


def test_a_row_whose_object_is_gone_is_a_404(client, thread):
    attachment = store("perdu.png", picture(), post=first_post(thread))
    db.session.commit()
    current_storage().delete(attachment.key)
    assert client.get(url(attachment)).status_code == 404


def test_x_accel_redirect_hands_the_file_to_the_reverse_proxy(app, client, thread):
    attachment = store("proxy.png", picture(), post=first_post(thread))
    db.session.commit()
    app.config["FILE_SERVE_ACCEL"] = "x-accel-redirect:/fichiers-internes/"
    response = client.get(url(attachment))
    assert response.status_code == 200
    assert response.data == b""
    key = attachment.key
    assert response.headers["X-Accel-Redirect"] == f"/fichiers-internes/{key[:2]}/{key[2:4]}/{key}"
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Security-Policy"] == FILE_CSP
    assert response.headers["Content-Disposition"].startswith("inline;")


def test_x_sendfile_names_the_absolute_path(app, client, thread):
    attachment = store("envoi.pdf", PDF, post=first_post(thread))
    db.session.commit()
    app.config["FILE_SERVE_ACCEL"] = "x-sendfile"
    response = client.get(url(attachment))
    assert response.status_code == 200
    assert response.data == b""
    path = Path(response.headers["X-Sendfile"])
    assert path.is_absolute()
    assert path.read_bytes() == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")


class DownStorage:
    """A storage whose server does not answer."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise StorageError()
        return fail


def test_storage_down_is_a_french_503_and_pages_without_files_still_work(app, client, thread):
    attachment = store("panne.png", picture(), post=first_post(thread))
    db.session.commit()
    app.extensions[EXTENSION_KEY] = DownStorage()
    response = client.get(url(attachment))
    assert response.status_code == 503
    assert "Le stockage des fichiers est indisponible" in text(response)
    assert client.get("/").status_code == 200
    assert client.get(f"/b/{thread.board.slug}/").status_code == 200


def test_a_members_file_answer_sets_no_session_cookie(client, auth):
    attachment = document_file(public=False)
    assert auth.login(make_user()).status_code == 302
    response = client.get(url(attachment))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


@pytest.mark.slow
def test_a_file_stored_in_s3_is_served_and_s3_down_is_a_503(app, client, thread, s3_server):  # noqa: F811
    app.extensions[EXTENSION_KEY] = storage_for(f"s3://{s3_server.bucket}/serve-{new_key()}",
                                                environ=s3_server.environ())
    app.config["FILE_SERVE_ACCEL"] = "x-accel-redirect:/interne/"  # directory backend only: ignored here
    data = picture()
    attachment = store("s3.png", data, post=first_post(thread))
    db.session.commit()
    response = client.get(url(attachment))
    assert response.status_code == 200
    assert response.data == current_storage().get(attachment.key)
    assert "X-Accel-Redirect" not in response.headers
    assert response.headers["Content-Type"] == "image/png"
    port = free_port(range(5450, 5500))  # nothing listens there
    app.extensions[EXTENSION_KEY] = storage_for(f"s3://{s3_server.bucket}",
                                                environ={**s3_server.environ(),
                                                         "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}"})
    response = client.get(url(attachment))
    assert response.status_code == 503
    assert "Le stockage des fichiers est indisponible" in text(response)
    assert client.get("/").status_code == 200
