"""Who gets a stored file, and how it is sent: the Attachment found by its key (a malformed key is
refused before any query), its owner (a post with its thread, or a document through its version),
forum.services.policy.may_see_file, and the headers of the answer (type, disposition, sandbox CSP,
cache, ETag). A file the visitor may not see is « not found » (never 403: a guessed URL learns
nothing). Bytes come from the storage, or are handed to the reverse proxy (FILE_SERVE_ACCEL:
X-Accel-Redirect or X-Sendfile, the directory backend only)."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Attachment, Document, DocumentVersion, Post, User
from forum.services import policy
from forum.services.errors import NotFound
from forum.services.file_store import current_storage
from forum.storage import check_key
from forum.storage.local import LocalStorage

NOT_FOUND = "Ce fichier n'existe pas."
# File answers replace the site's CSP: a file opened directly can run nothing and load nothing.
FILE_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
# A key never changes content, but who may see it does: a file deleted by a moderator (a screenshot
# showing a patient's name) must stop being served within minutes, by shared caches too. After that,
# the browser revalidates with the ETag (a 304 without the bytes).
PUBLIC_CACHE = "public, max-age=600"
PRIVATE_CACHE = "private, max-age=600"  # members-only or hidden: never kept by a shared cache


@dataclass(frozen=True)
class ServedFile:
    """What to send: the row, the object's key (the file or its preview), whether anyone may see it,
    and, when the name in the URL is not the stored one, where it lives (`canonical_name`)."""

    attachment: Attachment
    object_key: str
    public: bool
    preview: bool
    name_matches: bool

    @property
    def etag(self) -> str:
        return self.object_key


def find_file(user: User | None, key: str, name: str, *, preview: bool = False) -> ServedFile:
    """The file under `key` if `user` may see it; raises NotFound (404) otherwise — unknown key,
    malformed key, file of a deleted or members-only content, preview of a document or of a file
    without one."""
    check_key(key)  # InvalidKey (404) before any query
    attachment = db.session.scalar(select(Attachment).where(Attachment.key == key))
    if attachment is None:
        raise NotFound(NOT_FOUND)
    post, document = _owner(attachment)
    if not policy.may_see_file(user, attachment, post=post, document=document):
        raise NotFound(NOT_FOUND)
    if preview and (document is not None or not attachment.is_image):
        raise NotFound(NOT_FOUND)
    object_key = (attachment.preview_key or attachment.key) if preview else attachment.key
    public = policy.may_see_file(None, attachment, post=post, document=document)
    return ServedFile(attachment, object_key, public, preview, name == attachment.safe_name)


def _owner(attachment: Attachment) -> tuple[Post | None, Document | None]:
    if attachment.post_id is not None:
        post = db.session.scalar(select(Post).options(joinedload(Post.thread))
                                 .where(Post.id == attachment.post_id))
        return post, None
    document = db.session.scalar(select(Document).join(DocumentVersion, DocumentVersion.document_id == Document.id)
                                 .where(DocumentVersion.attachment_id == attachment.id).limit(1))
    return None, document


def headers(served: ServedFile) -> dict[str, str]:
    """The answer's headers, whatever carries the bytes (this process or the reverse proxy)."""
    attachment = served.attachment
    disposition = "inline" if attachment.is_image else "attachment"
    return {
        "Content-Type": attachment.mime,
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(attachment.safe_name, safe='')}",
        "Content-Security-Policy": FILE_CSP,
        "Cache-Control": PUBLIC_CACHE if served.public else PRIVATE_CACHE,
        "ETag": f'"{served.etag}"',
    }


def accel_headers(served: ServedFile) -> dict[str, str] | None:
    """The header handing the file to the reverse proxy (FILE_SERVE_ACCEL), or None when this process
    sends the bytes itself (no acceleration configured, or a backend other than the directory)."""
    mode = (current_app.config.get("FILE_SERVE_ACCEL") or "").strip()
    storage = current_storage()
    if not mode or not isinstance(storage, LocalStorage):
        return None
    path = storage.path(served.object_key)
    if mode.lower().startswith("x-accel-redirect:"):
        prefix = mode.split(":", 1)[1].rstrip("/")
        relative = path.relative_to(storage.root).as_posix()
        return {"X-Accel-Redirect": f"{prefix}/{relative}"}
    if mode.lower() == "x-sendfile":
        return {"X-Sendfile": str(path.resolve())}
    return None


def read(served: ServedFile) -> bytes:
    """The object's bytes; raises ObjectNotFound (404) once purged, StorageError (503) when down."""
    return current_storage().get(served.object_key)
