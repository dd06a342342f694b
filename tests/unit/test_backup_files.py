"""`backup` / `restore` with uploaded files: the directory storage's objects go into the backup
(files/, in the manifest with sizes and SHA-256) and come back byte for byte; an S3 storage is named
as not included."""
from __future__ import annotations

import io
import json
import shutil

import pytest
from PIL import Image
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from forum.services import backup, uploads
from forum.services.file_store import EXTENSION_KEY, current_storage
from forum.storage.s3 import S3Storage
from tests.factories import make_thread

pytestmark = pytest.mark.sqlite_only  # the SQLite backup API and file copies

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def two_files():
    thread = make_thread()
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    buffer = io.BytesIO()
    Image.new("RGB", (50, 30), (10, 120, 200)).save(buffer, "PNG")
    checked = uploads.check_uploads([uploads.Upload("ecran.png", buffer.getvalue()),
                                     uploads.Upload("protocole.pdf", PDF)])
    attachments = [uploads.store(None, file, post_id=post.id, position=i) for i, file in enumerate(checked)]
    db.session.commit()
    return [f"/fichiers/{a.key}/{a.safe_name}" for a in attachments]


def key_of(url: str) -> str:
    return url.split("/")[2]


def served(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    return response.data


def test_backup_then_restore_brings_back_the_files_byte_for_byte(app, client, runner, tmp_path):
    image, pdf = two_files()
    before = {key_of(url): served(client, url) for url in (image, pdf)}
    result = runner.invoke(args=["backup", "--output", str(tmp_path / "sauvegarde")])
    assert result.exit_code == 0, result.output
    assert "Fichiers envoyés copiés : 2." in result.output
    manifest = json.loads((tmp_path / "sauvegarde" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stored_files"] == 2
    for key, data in before.items():
        entry = manifest["files"][f"files/{key[:2]}/{key[2:4]}/{key}"]
        assert entry["size"] == len(data)
        assert entry["sha256"] == backup.sha256(tmp_path / "sauvegarde" / "files" / key[:2] / key[2:4] / key)

    shutil.rmtree(current_storage().root)  # the disk is lost
    assert client.get(image).status_code == 404
    db.session.remove()
    result = runner.invoke(args=["restore", str(tmp_path / "sauvegarde"), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Fichiers envoyés restaurés : 2." in result.output
    assert {key_of(url): served(client, url) for url in (image, pdf)} == before
    assert runner.invoke(args=["files", "check"]).exit_code == 0


def test_an_altered_file_in_the_backup_is_refused(app, runner, tmp_path):
    image, _ = two_files()
    assert runner.invoke(args=["backup", "--output", str(tmp_path / "sauvegarde")]).exit_code == 0
    key = key_of(image)
    (tmp_path / "sauvegarde" / "files" / key[:2] / key[2:4] / key).write_bytes(b"autre contenu")
    result = runner.invoke(args=["restore", str(tmp_path / "sauvegarde"), "--yes"])
    assert result.exit_code == 2
    assert "Sauvegarde altérée" in result.output


def test_with_s3_storage_the_backup_says_the_bucket_is_not_included(app, runner, tmp_path):
    app.extensions[EXTENSION_KEY] = S3Storage("forum-fichiers", endpoint_url="http://127.0.0.1:9")
    result = runner.invoke(args=["backup", "--output", str(tmp_path / "sauvegarde")])
    assert result.exit_code == 0, result.output
    assert "stockage S3 : ils ne sont pas dans cette sauvegarde" in result.output
    assert not (tmp_path / "sauvegarde" / "files").exists()
