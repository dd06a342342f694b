"""The document base (« boîte à outils »): sharing a document on a board or in the general base, its
new versions (history kept), editing, publishing, soft deletion, and the listings and search.

Who may do what is decided by the policy (SHARE_DOCUMENT, MANAGE_DOCUMENT, PUBLISH_DOCUMENT,
READ_DOCUMENTS); a document is shown to members, and to everyone once a moderator marks it public.
Every listing is a constant number of statements whatever the number of documents.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from forum.extensions import db
from forum.models import Attachment, Board, Document, DocumentVersion, User
from forum.models._time import utcnow
from forum.models.documents import DOCUMENT_CATEGORIES
from forum.services import file_lifecycle, uploads, versions
from forum.services.boards import BOARD_ORDER
from forum.services.errors import NotFound, ValidationError
from forum.services.patient_data import check_no_patient_identifier
from forum.services.policy import Action, can, require
from forum.services.text_hygiene import clean_text

TITLE_MAX, DESCRIPTION_MAX, VERSION_MAX, NOTE_MAX = 150, 2000, 40, 300
LIST_LIMIT = 200  # documents shown on one listing (newest first)
NOT_FOUND = "Ce document n'existe pas ou a été supprimé."
FILE_FIELD = "file"


@dataclass
class DocumentFields:
    """What a member types about a document (the file comes separately)."""

    title: str | None = ""
    description: str | None = ""
    category: str | None = ""
    version: str | None = ""


@dataclass
class DocumentRow:
    """A document in a listing with its current file and its uploader's name."""

    document: Document
    attachment: Attachment
    uploader_name: str | None


@dataclass
class Listing:
    rows: list[DocumentRow]
    hidden_count: int = 0  # members-only documents an anonymous visitor does not see


@dataclass
class VersionRow:
    version: DocumentVersion
    attachment: Attachment
    uploader_name: str | None


@dataclass
class DocumentPage:
    document: Document
    board: Board | None
    uploader_name: str | None
    versions: list[VersionRow] = field(default_factory=list)  # newest first

    @property
    def current(self) -> VersionRow:
        return self.versions[0]


# --- writing -----------------------------------------------------------------------------------------

def share_document(user: User | None, board: Board | None, fields: DocumentFields,
                   upload: uploads.Upload | None) -> Document:
    """A new document with its first version. Raises PermissionDenied, ValidationError (field named:
    title, description, category, version, file), FileTooLarge (413), QuotaExceeded (429); nothing is
    stored when it raises. Flushes."""
    require(user, Action.SHARE_DOCUMENT, board)
    values = _clean_fields(fields, board)
    checked = _check_file(user, upload)
    now = utcnow()
    document = Document(board_id=board.id if board else None, uploader_id=user.id, version_count=1,
                        public=False, created_at=now, updated_at=now, **values)
    db.session.add(document)
    attachment = uploads.store(user, checked)
    db.session.flush()
    db.session.add(DocumentVersion(document_id=document.id, number=1, attachment_id=attachment.id,
                                   uploader_id=user.id, created_at=now))
    db.session.flush()
    return document


def add_version(user: User | None, document: Document, upload: uploads.Upload | None,
                note: str | None = None) -> DocumentVersion:
    """A new file for `document`: it becomes the current one, earlier versions stay in its history.
    Raises PermissionDenied, ValidationError("file" or "note"), FileTooLarge, QuotaExceeded. Flushes."""
    require(user, Action.MANAGE_DOCUMENT, document)
    note = clean_text(note, multiline=False)
    if len(note) > NOTE_MAX:
        raise ValidationError("note", f"La note doit faire au plus {NOTE_MAX} caractères.")
    check_no_patient_identifier("note", note)
    checked = _check_file(user, upload)
    attachment = uploads.store(user, checked)
    db.session.flush()
    now = utcnow()
    document.version_count += 1
    document.updated_at = now
    version = DocumentVersion(document_id=document.id, number=document.version_count,
                              attachment_id=attachment.id, note=note or None, uploader_id=user.id,
                              created_at=now)
    db.session.add(version)
    db.session.flush()
    return version


def edit_document(user: User | None, document: Document, fields: DocumentFields) -> None:
    """Title, description, category and version changed. Raises PermissionDenied, ValidationError."""
    require(user, Action.MANAGE_DOCUMENT, document)
    board = db.session.get(Board, document.board_id) if document.board_id else None
    for name, value in _clean_fields(fields, board).items():
        setattr(document, name, value)
    document.updated_at = utcnow()
    db.session.flush()


def set_public(user: User | None, document: Document, public: bool) -> None:
    """Public (readable by anonymous visitors) or members-only again. Raises PermissionDenied."""
    require(user, Action.PUBLISH_DOCUMENT, document)
    document.public = public
    db.session.flush()


def delete_document(user: User | None, document: Document) -> Board | None:
    """Soft deletion: the document leaves every listing and page, its files are no longer served
    (their objects are purged after the grace period). Returns its board (None: the general base).
    Raises PermissionDenied."""
    require(user, Action.MANAGE_DOCUMENT, document)
    document.deleted_at = utcnow()
    document.deleted_by_id = user.id
    attachment_ids = list(db.session.scalars(
        select(DocumentVersion.attachment_id).where(DocumentVersion.document_id == document.id)))
    file_lifecycle.mark_deleted(attachment_ids)
    db.session.flush()
    return db.session.get(Board, document.board_id) if document.board_id else None


def _clean_fields(fields: DocumentFields, board: Board | None) -> dict:
    title = clean_text(fields.title, multiline=False)
    description = clean_text(fields.description, multiline=True)
    category = (fields.category or "").strip()
    version = clean_text(fields.version, multiline=False)
    if not title:
        raise ValidationError("title", "Donnez un titre au document.")
    if len(title) > TITLE_MAX:
        raise ValidationError("title", f"Le titre doit faire au plus {TITLE_MAX} caractères.")
    check_no_patient_identifier("title", title)
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError("description", f"La description doit faire au plus {DESCRIPTION_MAX} caractères.")
    check_no_patient_identifier("description", description)
    if category not in DOCUMENT_CATEGORIES:
        raise ValidationError("category", "Choisissez une catégorie dans la liste.")
    if version and board is not None:
        version = versions.canonical(version)
    if len(version) > VERSION_MAX:
        raise ValidationError("version", f"La version doit faire au plus {VERSION_MAX} caractères.")
    return {"title": title, "description": description, "category": category, "version": version or None}


def _check_file(user: User, upload: uploads.Upload | None):
    if upload is None or (not upload.filename and not upload.data):
        raise ValidationError(FILE_FIELD, "Choisissez le fichier à partager.")
    checked = uploads.check_uploads([upload], field=FILE_FIELD, max_files=1)
    uploads.check_quota(user, checked, field=FILE_FIELD)
    return checked[0]


# --- reading -----------------------------------------------------------------------------------------

def get_document(document_id: int) -> Document:
    """A live document, whoever asks (the service functions check the permissions). Raises NotFound."""
    document = db.session.get(Document, document_id)
    if document is None or document.deleted_at is not None:
        raise NotFound(NOT_FOUND)
    return document


def document_page(user: User | None, document_id: int) -> DocumentPage:
    """The document with its versions (newest first). Raises NotFound for a deleted one, the
    policy's log-in invitation (PermissionDenied) for a members-only one read anonymously."""
    document = get_document(document_id)
    if not document.public:
        require(user, Action.READ_DOCUMENTS)
    rows = db.session.execute(
        select(DocumentVersion, Attachment, User.display_name)
        .join(Attachment, Attachment.id == DocumentVersion.attachment_id)
        .outerjoin(User, User.id == DocumentVersion.uploader_id)
        .where(DocumentVersion.document_id == document.id)
        .order_by(DocumentVersion.number.desc())).all()
    board = db.session.get(Board, document.board_id) if document.board_id else None
    uploader = db.session.get(User, document.uploader_id) if document.uploader_id else None
    return DocumentPage(document, board, uploader.display_name if uploader else None,
                        [VersionRow(v, a, name) for v, a, name in rows])


def list_documents(user: User | None, board: Board | None, *, q: str | None = None,
                   category: str | None = None) -> Listing:
    """The live documents of `board` (None: the general base), newest first, matching every word
    of `q` in the title or description, and `category` when it is one. Anonymous visitors get the
    public ones and the number of the others. Two statements at most."""
    conditions = [Document.board_id == board.id if board else Document.board_id.is_(None),
                  Document.deleted_at.is_(None)]
    for word in (q or "").split()[:10]:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(Document.title.ilike(pattern, escape="\\"),
                              Document.description.ilike(pattern, escape="\\")))
    if category in DOCUMENT_CATEGORIES:
        conditions.append(Document.category == category)
    members = can(user, Action.READ_DOCUMENTS)
    shown = conditions if members else [*conditions, Document.public.is_(True)]
    current = aliased(DocumentVersion)
    rows = db.session.execute(
        select(Document, Attachment, User.display_name)
        .join(current, and_(current.document_id == Document.id, current.number == Document.version_count))
        .join(Attachment, Attachment.id == current.attachment_id)
        .outerjoin(User, User.id == Document.uploader_id)
        .where(*shown).order_by(Document.updated_at.desc(), Document.id.desc()).limit(LIST_LIMIT)).all()
    hidden = 0 if members else db.session.scalar(
        select(func.count(Document.id)).where(*conditions, Document.public.is_(False)))
    return Listing([DocumentRow(d, a, name) for d, a, name in rows], hidden)


def board_document_counts(user: User | None) -> list[tuple[Board, int]]:
    """Every board with the number of documents `user` may see in its base (one statement)."""
    visible = [Document.deleted_at.is_(None)]
    if not can(user, Action.READ_DOCUMENTS):
        visible.append(Document.public.is_(True))
    counts = (select(Document.board_id, func.count(Document.id).label("n")).where(*visible)
              .group_by(Document.board_id).subquery())
    rows = db.session.execute(select(Board, func.coalesce(counts.c.n, 0))
                              .outerjoin(counts, counts.c.board_id == Board.id).order_by(*BOARD_ORDER)).all()
    return [(board, count) for board, count in rows]

