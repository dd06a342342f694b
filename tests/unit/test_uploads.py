"""forum.services.uploads: every file of a form checked before anything is stored, the daily quota,
and no object left in storage when the transaction that stored it does not commit."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Attachment
from forum.services import uploads
from forum.services.errors import ValidationError
from forum.services.file_store import current_storage
from tests.factories import make_user


def _png(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _stored_keys() -> set[str]:
    return set(current_storage().keys())


def _store_one(user, name: str = "capture.png") -> Attachment:
    checked = uploads.check_uploads([uploads.Upload(name, _png())])
    return uploads.store(user, checked[0], alt="Écran d'accueil")


def test_committed_file_is_kept_with_its_row(app):
    user = make_user()
    db.session.commit()
    attachment = _store_one(user)
    db.session.commit()
    key = attachment.key
    db.session.remove()

    assert current_storage().get(key)[:8] == b"\x89PNG\r\n\x1a\n"
    row = db.session.scalar(select(Attachment).where(Attachment.key == key))
    assert (row.kind, row.mime, row.safe_name, row.alt) == ("image", "image/png", "capture.png", "Écran d'accueil")


def test_rolled_back_transaction_leaves_no_object(app):
    user = make_user()
    db.session.commit()
    _store_one(user)
    db.session.flush()
    assert len(_stored_keys()) == 1

    db.session.rollback()

    assert _stored_keys() == set()
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_session_closed_without_commit_leaves_no_object(app):
    user = make_user()
    db.session.commit()
    _store_one(user)

    db.session.remove()  # the end of a request whose view raised before committing

    assert _stored_keys() == set()


def test_large_image_gets_a_separate_preview_object(app):
    user = make_user()
    db.session.commit()
    checked = uploads.check_uploads([uploads.Upload("grand.png", _png(2400, 1200))])
    attachment = uploads.store(user, checked[0])
    db.session.commit()

    assert attachment.preview_key is not None
    assert _stored_keys() == {attachment.key, attachment.preview_key}
    with Image.open(io.BytesIO(current_storage().get(attachment.preview_key))) as preview:
        assert preview.width == 1024


def test_too_many_files_are_refused_before_any_check(app):
    files = [uploads.Upload(f"f{n}.png", _png()) for n in range(6)]

    with pytest.raises(ValidationError) as refused:
        uploads.check_uploads(files)

    assert refused.value.message == "Vous pouvez joindre 5 fichiers au plus ; vous en avez choisi 6."


def test_oversized_file_is_a_413_naming_the_file(app):
    app.config["MAX_UPLOAD_BYTES"] = 1000
    data = _png(400, 400)
    assert len(data) > 1000

    with pytest.raises(uploads.FileTooLarge) as refused:
        uploads.check_uploads([uploads.Upload("scan.png", data)])

    assert refused.value.status_code == 413
    assert refused.value.message.startswith("« scan.png » : Ce fichier dépasse la taille maximale de 1000 octets")


def test_a_refused_file_is_named_in_the_message(app):
    with pytest.raises(ValidationError) as refused:
        uploads.check_uploads([uploads.Upload("photo.png", b"<html><script>alert(1)</script></html>")])

    assert refused.value.status_code == 422
    assert refused.value.message.startswith("« photo.png » : ")


def test_daily_quota_counts_files_of_the_last_24_hours(app):
    app.config["UPLOAD_QUOTA_FILES_PER_DAY"] = 2
    user, other = make_user(), make_user()
    db.session.commit()
    _store_one(user)
    _store_one(user)
    db.session.commit()
    checked = uploads.check_uploads([uploads.Upload("trois.png", _png())])

    with pytest.raises(uploads.QuotaExceeded) as refused:
        uploads.check_quota(user, checked)

    assert refused.value.status_code == 429
    assert "limite d'envoi de fichiers pour 24 heures (2 fichiers" in refused.value.message
    uploads.check_quota(other, checked)  # another member's quota is untouched


def test_daily_quota_counts_bytes_too(app):
    app.config["UPLOAD_QUOTA_BYTES_PER_DAY"] = 100
    user = make_user()
    db.session.commit()
    checked = uploads.check_uploads([uploads.Upload("un.png", _png(200, 200))])

    with pytest.raises(uploads.QuotaExceeded):
        uploads.check_quota(user, checked)
