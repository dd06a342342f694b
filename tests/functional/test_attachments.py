"""Files in posts through the forms: each accepted type shown in the thread (images inline, documents
listed), each bad file refused with a French message next to the field and nothing stored (no row,
no object), the quota, the permissions, the edit history, and the thread page's query count."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from forum.extensions import db
from forum.files.types import DOCX, XLSX
from forum.models import Attachment, Post, PostRevisionAttachment, Thread
from forum.services import posting
from forum.services.file_store import current_storage
from tests.factories import make_board, make_thread, make_user
from tests.pages import page
from tests.sessions import log_in

# --- real files, made here ---------------------------------------------------------------------

def image_bytes(fmt: str = "PNG", size=(120, 80), exif=None, **kwargs) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (30, 120, 200))
    if exif is not None:
        kwargs["exif"] = exif
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
IMAGES = {"capture.png": "PNG", "photo.jpg": "JPEG", "ecran.webp": "WEBP", "anim.gif": "GIF"}
DOCUMENTS = {
    "manuel.pdf": (lambda: PDF, "Document PDF"),
    "protocole.odt": (lambda: zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text",
                                         "content.xml": b"<x/>"}), "Texte OpenDocument (ODT)"),
    "suivi.ods": (lambda: zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                     "content.xml": b"<x/>"}), "Tableur OpenDocument (ODS)"),
    "modele.docx": (lambda: zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), DOCX.label),
    "tableau.xlsx": (lambda: zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"}), XLSX.label),
    "notes.txt": (lambda: "Étapes à suivre pour la télétransmission.\n".encode(), "Texte (TXT)"),
    "liste.csv": (lambda: b"nom;valeur\nA;1\n", "Tableau CSV"),
}


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares width × height pixels (a decompression bomb): header and a tiny IDAT."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def count_rows() -> int:
    return db.session.scalar(select(func.count(Attachment.id)))


def stored_objects() -> list:
    return list(current_storage().keys())


def objects_dir(app) -> Path:
    return Path(app.config["STORAGE_URL"].removeprefix("file://"))


@pytest.fixture
def setting(client, login):
    board = make_board()
    thread = make_thread(board, title="Impossible d'imprimer la FSE")
    member = make_user(uses=[board])
    login(member)
    return board, thread, member


def reply(client, thread, files, body="Voici l'écran que je vois.", **extra):
    data = {"body": body, "files": [(io.BytesIO(data), name) for name, data in files], **extra}
    return client.post(f"/t/{thread.id}/repondre", data=data, content_type="multipart/form-data")


# --- accepted ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(IMAGES))
def test_each_image_type_is_shown_inline_with_its_alt(client, setting, name):
    _, thread, _ = setting
    response = reply(client, thread, [(name, image_bytes(IMAGES[name]))], alt_0="Fenêtre d'erreur du logiciel")
    assert response.status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.kind == "image" and attachment.post_id is not None
    html = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f'<a href="/fichiers/{attachment.key}/{attachment.safe_name}"><img src="/fichiers/{attachment.key}/apercu/{attachment.safe_name}"' in html
    assert 'alt="Fenêtre d&#39;erreur du logiciel"' in html
    assert 'width="120" height="80" loading="lazy"' in html


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_document_type_is_listed_with_name_type_and_size(client, setting, name):
    _, thread, _ = setting
    make, label = DOCUMENTS[name]
    data = make()
    assert reply(client, thread, [(name, data)], alt_0="ignoré").status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.kind == "document" and attachment.alt is None
    html = page(client.get(f"/t/{thread.id}"))
    assert f'<a href="/fichiers/{attachment.key}/{attachment.safe_name}">{name}</a> — {label} — {len(data)} octets' in html


def test_a_large_image_is_sized_as_its_preview(client, setting):
    _, thread, _ = setting
    assert reply(client, thread, [("large.png", image_bytes("PNG", size=(2048, 1000)))]).status_code == 302
    html = page(client.get(f"/t/{thread.id}"))
    assert 'width="1024" height="500"' in html


def test_new_question_with_a_screenshot(client, setting):
    board, _, _ = setting
    response = client.post(f"/b/{board.slug}/nouveau", content_type="multipart/form-data", data={
        "kind": "question", "title": "Écran bleu à l'ouverture", "body": "Voici ce que je vois.",
        "files": [(io.BytesIO(image_bytes()), "ecran.png")], "alt_0": "Message d'erreur au démarrage"})
    assert response.status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    post = db.session.get(Post, attachment.post_id)
    assert post.is_first and attachment.alt == "Message d'erreur au démarrage"
    assert f"/fichiers/{attachment.key}/apercu/" in page(client.get(response.headers["Location"]))


def test_gps_position_is_gone_from_a_stored_jpeg(client, setting):
    _, thread, _ = setting
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 24.0)  # GPSLatitude
    original = image_bytes("JPEG", exif=exif)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test file has GPS
    assert reply(client, thread, [("photo.jpg", original)]).status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    stored = Image.open(io.BytesIO(current_storage().get(attachment.key)))
    exif_back = stored.getexif()
    assert not exif_back.get_ifd(0x8825) and 0x010F not in exif_back


def test_a_dangerous_name_is_stored_safe(client, setting):
    _, thread, _ = setting
    name = "../../etc/" + "a" * 500 + "\x00.png"
    assert reply(client, thread, [(name, image_bytes())]).status_code == 302  # forum.files makes it safe
    safe = db.session.scalars(select(Attachment.safe_name)).one()
    assert "/" not in safe and "\x00" not in safe and ".." not in safe and len(safe) <= 120
    assert safe.endswith(".png") and safe in page(client.get(f"/t/{thread.id}"))


# --- refused -----------------------------------------------------------------------------------

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
REFUSED = {
    "html renamed png": [("image.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>")],
    "svg with script": [("dessin.svg", SVG)],
    "zero byte": [("vide.png", b"")],
    "truncated png": [("coupe.png", image_bytes("PNG", size=(400, 300))[:200])],
    "decompression bomb": [("bombe.png", png_header(30000, 30000))],
    "six files": [(f"capture{n}.png", image_bytes()) for n in range(6)],
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_files_are_refused_and_nothing_is_stored(app, client, setting, case):
    _, thread, _ = setting
    posts = db.session.scalar(select(func.count(Post.id)))
    response = reply(client, thread, REFUSED[case], body="Mon texte reste là")
    html = page(response, 422)
    assert 'id="files-error"' in html and "Choisissez à nouveau vos fichiers." in html
    assert "Mon texte reste là" in html
    assert count_rows() == 0 and stored_objects() == [] and not any(objects_dir(app).rglob("*.*"))
    assert db.session.scalar(select(func.count(Post.id))) == posts


def test_a_file_over_5_mb_gets_a_french_413(app, client, setting):
    _, thread, _ = setting
    big = b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024)
    response = reply(client, thread, [("gros.pdf", big)], body="Mon texte reste là")
    html = page(response, 413)
    assert "dépasse la taille maximale de 5 Mo" in html and "Mon texte reste là" in html
    assert count_rows() == 0 and stored_objects() == []


def test_a_body_over_the_file_forms_limit_gets_the_413_page(client, setting):
    _, thread, _ = setting
    files = [(f"gros{n}.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)) for n in range(6)]
    response = reply(client, thread, files)
    assert "dépasse la taille autorisée" in page(response, 413)
    assert count_rows() == 0 and stored_objects() == []


def test_a_3_mb_file_passes_where_ordinary_forms_keep_the_2_mb_limit(client, setting):
    _, thread, _ = setting
    notes = ("Ligne de journal du logiciel\n" * 110_000).encode()  # about 3 Mo
    assert reply(client, thread, [("journal.txt", notes)]).status_code == 302
    assert db.session.scalars(select(Attachment.size)).one() == len(notes)
    assert client.post("/apercu", data={"body": "x" * (3 * 1024 * 1024)}).status_code == 413


def test_the_daily_quota_answers_429(app, client, setting):
    _, thread, _ = setting
    app.config["UPLOAD_QUOTA_FILES_PER_DAY"] = 2
    assert reply(client, thread, [("a.png", image_bytes()), ("b.png", image_bytes())]).status_code == 302
    response = reply(client, thread, [("c.png", image_bytes())], body="Encore une")
    html = page(response, 429)
    assert "limite d'envoi de fichiers" in html and "Encore une" in html
    assert count_rows() == 2 and len(stored_objects()) == 2


def test_a_suspended_member_cannot_attach(app, client, login):
    from datetime import timedelta

    from forum.models._time import utcnow
    board = make_board()
    thread = make_thread(board)
    member = make_user(uses=[board])
    member.suspended_until = utcnow() + timedelta(days=1)
    member.suspension_reason = "Hors charte"
    login(member)
    assert reply(client, thread, [("a.png", image_bytes())]).status_code == 403
    assert count_rows() == 0 and stored_objects() == []


def test_an_anonymous_visitor_cannot_attach(client):
    thread = make_thread()
    db.session.commit()
    response = reply(client, thread, [("a.png", image_bytes())])
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert count_rows() == 0 and stored_objects() == []


def test_files_of_a_deleted_post_are_hidden_from_members(client, setting, login):
    _, thread, member = setting
    assert reply(client, thread, [("a.png", image_bytes())]).status_code == 302
    key = db.session.scalars(select(Attachment.key)).one()
    post = db.session.scalars(select(Post).where(Post.thread_id == thread.id, Post.is_first.is_(False))).one()
    posting.delete_post(member, post)
    db.session.commit()
    login(make_user(uses=[thread.board]))
    html = page(client.get(f"/t/{thread.id}"))
    assert "Message supprimé" in html and key not in html


# --- edits and history ---------------------------------------------------------------------------

def test_editing_removes_one_file_adds_one_and_history_lists_the_earlier(client, setting, login):
    _, thread, member = setting
    assert reply(client, thread, [("premier.png", image_bytes()), ("notes.txt", b"Premier texte\n")],
                 alt_0="Premier écran").status_code == 302
    post_id = db.session.scalars(select(Attachment.post_id)).first()
    first, notes = db.session.scalars(select(Attachment).order_by(Attachment.position)).all()
    edit = client.get(f"/p/{post_id}/modifier")
    assert "premier.png" in page(edit) and f'name="alt_file_{first.id}"' in page(edit)
    response = client.post(f"/p/{post_id}/modifier", content_type="multipart/form-data", data={
        "body": "Voici l'écran que je vois.", "remove_file": str(notes.id),
        f"alt_file_{first.id}": "Écran corrigé", "files": [(io.BytesIO(PDF), "guide.pdf")]})
    assert response.status_code == 302
    rows = {a.safe_name: a for a in db.session.scalars(select(Attachment)).all()}
    assert rows["notes.txt"].removed_at is not None and rows["guide.pdf"].removed_at is None
    assert rows["premier.png"].alt == "Écran corrigé"
    html = page(client.get(f"/t/{thread.id}"))
    assert "guide.pdf" in html and "notes.txt" not in html
    login(make_user(role="moderator"))  # the history is the moderators'
    history = page(client.get(f"/p/{post_id}/historique"))
    assert "Fichiers joints à cette version" in history and "notes.txt" in history
    assert db.session.scalar(select(func.count()).select_from(PostRevisionAttachment)) == 2


def test_an_edit_cannot_go_past_five_files(client, setting):
    _, thread, _ = setting
    assert reply(client, thread, [(f"c{n}.png", image_bytes()) for n in range(4)]).status_code == 302
    post_id = db.session.scalars(select(Attachment.post_id)).first()
    response = client.post(f"/p/{post_id}/modifier", content_type="multipart/form-data", data={
        "body": "Texte modifié", "files": [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(PDF), "b.pdf")]})
    html = page(response, 422)
    assert "5 fichiers au plus" in html and "Texte modifié" in html
    assert count_rows() == 4 and db.session.get(Post, post_id).body_source == "Voici l'écran que je vois."


# --- query count -------------------------------------------------------------------------------

def test_thread_page_costs_the_same_with_one_or_five_images(client, count_queries):
    def thread_with_images(n: int) -> Thread:
        board = make_board()
        thread = make_thread(board)
        for i in range(n):
            author = make_user(uses=[board])
            log_in(client, author)
            assert reply(client, thread, [(f"i{i}.png", image_bytes())]).status_code == 302
        return thread

    one, five = thread_with_images(1), thread_with_images(5)
    log_in(client, make_user())
    client.get(f"/t/{one.id}"), client.get(f"/t/{five.id}")  # first visits record the reading
    with count_queries() as counter_one:
        assert client.get(f"/t/{one.id}").status_code == 200
    with count_queries() as counter_five:
        assert client.get(f"/t/{five.id}").status_code == 200
    assert db.session.scalar(select(func.count(Attachment.id))) == 6
    assert counter_one.count == counter_five.count


def test_thread_page_reads_files_only_when_its_posts_have_some(client, setting, count_queries):
    """Whether each post has files comes with the posts (an EXISTS): a page without files runs no
    statement for them; a page with some runs one, for those posts only."""
    _, thread, _ = setting
    assert reply(client, thread, [], body="Sans fichier.").status_code == 302
    with count_queries() as counter:
        assert client.get(f"/t/{thread.id}").status_code == 200
    assert not [s for s in counter.statements if s.lstrip().startswith("SELECT attachments.")]
    assert reply(client, thread, [("ecran.png", image_bytes()), ("notes.txt", b"Texte\n")]).status_code == 302
    with count_queries() as counter:
        html = page(client.get(f"/t/{thread.id}"))
    reads = [s for s in counter.statements if s.lstrip().startswith("SELECT attachments.")]
    assert len(reads) == 1, reads
    assert "ecran.png" in html and "notes.txt" in html


def test_the_demo_question_shows_its_screenshot(app, client):
    from forum.services import demo, demo_attachments
    demo.seed()
    db.session.commit()
    attachment = db.session.scalars(select(Attachment).where(Attachment.safe_name == demo_attachments.FILE_NAME)).one()
    assert (attachment.width, attachment.height, attachment.kind) == (800, 500, "image")
    thread = db.session.get(Post, attachment.post_id).thread
    html = page(client.get(f"/t/{thread.id}"))
    assert f'alt="{demo_attachments.ALT}"' in html and attachment.key in html
    assert Image.open(io.BytesIO(current_storage().get(attachment.key))).size == (800, 500)
