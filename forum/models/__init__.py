"""All models, imported here so Alembic and the app see every table."""
from forum.models.accounts import PROFESSIONS, REGIONS, ROLES, SoftwareUse, Structure, User
from forum.models.boards import LABEL_LEVELS, Board, Editor
from forum.models.commitments import BoardLabelChange, RequestTarget, VersionAlias
from forum.models.documents import DOCUMENT_CATEGORIES, Document, DocumentVersion
from forum.models.drafts import Draft
from forum.models.faq import FAQ_STATUSES, FaqEntry, FaqEntrySource, FaqSection
from forum.models.files import FILE_KINDS, Attachment, PostRevisionAttachment
from forum.models.imports import DatasetImport
from forum.models.indexing import IndexTask
from forum.models.livrables import Livrable, LivrableItem
from forum.models.moderation import REPORT_REASONS, AuditEntry, ModeratorScope, Report
from forum.models.notifications import (
    BoardFollow,
    BoardLetter,
    LetterIntroduction,
    Notification,
    NotificationEvent,
    NotificationPreference,
    OutgoingMessage,
    ThreadFollow,
    ThreadRead,
)
from forum.models.requests import IMPORTANCES, RequestMerge, StatusChange, Vote
from forum.models.site import SiteVersion
from forum.models.submissions import FormSubmission
from forum.models.threads import CLOSED_STATUSES, KINDS, STATUSES, Post, PostRevision, Thread
from forum.models.tips import TipConfirmation, TipUseful

__all__ = [
    "AuditEntry", "FormSubmission", "Livrable", "LivrableItem", "ModeratorScope", "REPORT_REASONS", "Report",
    "Board", "CLOSED_STATUSES", "DatasetImport", "Draft", "Editor", "IMPORTANCES", "IndexTask", "KINDS", "LABEL_LEVELS",
    "PROFESSIONS", "Post", "PostRevision", "REGIONS", "ROLES", "RequestMerge", "STATUSES",
    "SoftwareUse", "StatusChange", "Structure", "Thread", "TipConfirmation", "TipUseful", "User",
    "Vote", "BoardFollow", "BoardLetter", "LetterIntroduction", "Notification", "NotificationEvent",
    "NotificationPreference",
    "OutgoingMessage", "ThreadFollow", "ThreadRead", "BoardLabelChange", "RequestTarget", "VersionAlias",
    "Attachment", "PostRevisionAttachment", "FILE_KINDS", "FaqEntry", "FaqEntrySource", "FaqSection",
    "FAQ_STATUSES", "Document", "DocumentVersion", "DOCUMENT_CATEGORIES", "SiteVersion",
]
