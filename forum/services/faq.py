"""A board's FAQ: the published entries grouped by section (« à revérifier » when checked on a version
older than the board's), the curators' writing, ordering, sections and publishing of proposals, the
members' proposals from an accepted answer or a tip, and the few entries shown by the new-question
form and the search page. Services flush, never commit; every listing is a constant number of statements.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import Board, Post, Thread, User
from forum.models._time import utcnow
from forum.models.faq import FaqEntry, FaqEntrySource, FaqSection
from forum.services.errors import Conflict, NotFound, ValidationError
from forum.services.patient_data import check_no_patient_identifier
from forum.services.policy import Action, can, require
from forum.services.posting import clean_version
from forum.services.text_hygiene import clean_text, has_visible_text
from forum.services.versions import canonical, known_versions, version_sort_key

OTHER_QUESTIONS = "Autres questions"
QUESTION_MAX, ANSWER_MAX, SECTION_MAX, SOURCES_MAX = 300, 20_000, 120, 10
ENTRY_NOT_FOUND = "Cette entrée de la FAQ n'existe pas."
_THREAD_REF = re.compile(r"/t/(\d+)|^(\d+)$")


@dataclass
class Source:
    thread_id: int
    title: str
    post_id: int | None = None


@dataclass
class Item:
    entry: FaqEntry
    sources: list[Source] = field(default_factory=list)
    needs_recheck: bool = False


@dataclass
class Group:
    title: str
    section: FaqSection | None
    items: list[Item] = field(default_factory=list)


@dataclass
class FaqPage:
    board: Board
    groups: list[Group]
    current_version: str | None
    can_curate: bool = False
    pending_count: int = 0
    sections: list[FaqSection] = field(default_factory=list)


# Reading ---------------------------------------------------------------------------------------

def current_version(board: Board) -> str | None:
    """The software's newest version the forum knows (deliveries, tips, members' declared versions).
    Not Board.label_version: that is the e-santé label's grid (« V2 »), not a software version."""
    known = known_versions(board)
    return known[0].name if known else None


def needs_recheck(version: str | None, current: str | None) -> bool:
    """True when `version` reads as a version older than `current` (both canonicalised)."""
    if not version or not current:
        return False
    mine, theirs = version_sort_key(canonical(version)), version_sort_key(canonical(current))
    return bool(mine[0] and theirs[0]) and mine < theirs


def sections(board: Board) -> list[FaqSection]:
    return list(db.session.scalars(select(FaqSection).where(FaqSection.board_id == board.id)
                                   .order_by(FaqSection.position, FaqSection.id)))


def _sources(entry_ids: list[int]) -> dict[int, list[Source]]:
    """The source threads of entries (titles of live threads only), in one statement."""
    found: dict[int, list[Source]] = {}
    if not entry_ids:
        return found
    rows = db.session.execute(
        select(FaqEntrySource.entry_id, Thread.id, Thread.title, FaqEntrySource.post_id)
        .join(Thread, Thread.id == FaqEntrySource.thread_id)
        .where(FaqEntrySource.entry_id.in_(entry_ids), Thread.deleted_at.is_(None))
        .order_by(FaqEntrySource.entry_id, Thread.id))
    for entry_id, thread_id, title, post_id in rows:
        found.setdefault(entry_id, []).append(Source(thread_id, title, post_id))
    return found


def _entries(board: Board, status: str) -> list[FaqEntry]:
    return list(db.session.scalars(select(FaqEntry).where(
        FaqEntry.board_id == board.id, FaqEntry.status == status, FaqEntry.deleted_at.is_(None))
        .order_by(FaqEntry.position, FaqEntry.id)))


def faq_page(board: Board, user: User | None) -> FaqPage:
    """The published FAQ of a board, grouped by section (entries without one last, under « Autres
    questions »), with the number of pending proposals for its curators."""
    current = current_version(board)
    listed, entries = sections(board), _entries(board, "published")
    sources = _sources([entry.id for entry in entries])
    groups = {section.id: Group(section.title, section) for section in listed}
    other = Group(OTHER_QUESTIONS, None)
    for entry in entries:
        item = Item(entry, sources.get(entry.id, []), needs_recheck(entry.version, current))
        groups.get(entry.section_id, other).items.append(item)
    shown = [group for group in groups.values() if group.items] + ([other] if other.items else [])
    page = FaqPage(board, shown, current, can_curate=can(user, Action.CURATE_FAQ, board), sections=listed)
    if page.can_curate:
        page.pending_count = db.session.scalar(select(func.count()).select_from(FaqEntry).where(
            FaqEntry.board_id == board.id, FaqEntry.status == "proposed", FaqEntry.deleted_at.is_(None))) or 0
    return page


def proposals(actor: User | None, board: Board) -> list[Item]:
    """Pending proposals, oldest first, for the board's curators (PermissionDenied otherwise)."""
    require(actor, Action.CURATE_FAQ, board)
    entries = _entries(board, "proposed")
    sources = _sources([entry.id for entry in entries])
    return [Item(entry, sources.get(entry.id, [])) for entry in entries]


def get_entry(board: Board, entry_id: int) -> FaqEntry:
    entry = db.session.get(FaqEntry, entry_id)
    if entry is None or entry.board_id != board.id or entry.deleted_at is not None:
        raise NotFound(ENTRY_NOT_FOUND)
    return entry


def entry_sources_text(entry: FaqEntry) -> str:
    """The sources of an entry as the edit form shows them: one thread number a line."""
    return "\n".join(str(source.thread_id) for source in _sources([entry.id]).get(entry.id, []))


def recent_entries(board: Board, limit: int = 5) -> list[FaqEntry]:
    """The board's most recently published entries (the new-question hint): one statement."""
    return list(db.session.scalars(select(FaqEntry).where(
        FaqEntry.board_id == board.id, FaqEntry.status == "published", FaqEntry.deleted_at.is_(None))
        .order_by(FaqEntry.validated_at.desc(), FaqEntry.id.desc()).limit(limit)))


_STOP_WORDS = frozenset("les des une pour dans avec sur par est pas que qui quoi comment faire fait peut plus mon mes "
                        "son ses aux ces cette elle ils nous vous".split())


def search_words(text: str | None) -> list[str]:
    """The meaningful words of a search (3 letters or more, not a stop word), without the search
    syntax's exclusions (-mot) and filters (logiciel:chorus)."""
    tokens = [token for token in (text or "").split() if ":" not in token and not token.startswith("-")]
    words = [word for word in re.findall(r"\w+", " ".join(tokens)) if len(word) >= 3]
    return [word for word in words if word.lower() not in _STOP_WORDS][:8]


def search_entries(text: str | None, board_slug: str | None = None, limit: int = 3) -> list[FaqEntry]:
    """Published entries whose question or answer holds every meaningful word of `text`, in the
    board when given: one statement (boards loaded with them)."""
    words = search_words(text)
    if not words:
        return []
    query = select(FaqEntry, Board).join(Board, Board.id == FaqEntry.board_id).where(
        FaqEntry.status == "published", FaqEntry.deleted_at.is_(None),
        *(or_(FaqEntry.question.ilike(f"%{_escape(word)}%", escape="\\"),
              FaqEntry.answer_source.ilike(f"%{_escape(word)}%", escape="\\")) for word in words))
    if board_slug:
        query = query.where(Board.slug == board_slug)
    found = []
    for entry, board in db.session.execute(query.order_by(FaqEntry.validated_at.desc(), FaqEntry.id).limit(limit)):
        entry.shown_board = board
        found.append(entry)
    return found


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Writing ---------------------------------------------------------------------------------------

def _required_text(field: str, value: str | None, *, multiline: bool, maximum: int, missing: str,
                   what: str) -> str:
    """`value` cleaned, or ValidationError(field): empty (`missing`), longer than `maximum` (« <what>
    ne doit pas dépasser … caractères »), or holding a NIR/INS."""
    text = clean_text(value, multiline=multiline)
    if not has_visible_text(text):
        raise ValidationError(field, missing)
    if len(text) > maximum:
        raise ValidationError(field, f"{what} ne doit pas dépasser {maximum} caractères.")
    check_no_patient_identifier(field, text)
    return text


def _clean(question: str | None, answer: str | None, version: str | None) -> tuple[str, str, str | None]:
    question = _required_text("question", question, multiline=False, maximum=QUESTION_MAX,
                              missing="Écrivez la question.", what="La question")
    answer = _required_text("answer", answer, multiline=True, maximum=ANSWER_MAX,
                            missing="Écrivez la réponse.", what="La réponse")
    return question, answer, clean_version(version, field="version")


def _section(board: Board, section_id: int | str | None) -> int | None:
    if section_id in (None, "", 0, "0"):
        return None
    section = db.session.get(FaqSection, int(section_id)) if str(section_id).isdigit() else None
    if section is None or section.board_id != board.id:
        raise ValidationError("section_id", "Choisissez une section de cette FAQ.")
    return section.id


def parse_sources(raw: str | None) -> list[int]:
    """Thread numbers from « 12 », « /t/12 » or a whole URL, one a line or separated by spaces."""
    ids: list[int] = []
    for token in re.split(r"[\s,;]+", raw or ""):
        if not token:
            continue
        match = _THREAD_REF.search(token)
        if match is None:
            raise ValidationError("sources", f"« {token[:60]} » n'est ni un numéro de sujet ni l'adresse d'un sujet.")
        number = int(match[1] or match[2])
        if number not in ids:
            ids.append(number)
    if len(ids) > SOURCES_MAX:
        raise ValidationError("sources", f"Indiquez {SOURCES_MAX} sujets au plus.")
    return ids


def _check_sources(ids: list[int]) -> None:
    live = set(db.session.scalars(select(Thread.id).where(Thread.id.in_(ids), Thread.deleted_at.is_(None)))) \
        if ids else set()
    for number in ids:
        if number not in live:
            raise ValidationError("sources", f"Le sujet n° {number} n'existe pas.")


def _next_position(board: Board) -> int:
    last = db.session.scalar(select(func.max(FaqEntry.position)).where(FaqEntry.board_id == board.id))
    return (last or 0) + 1


def save_entry(actor: User | None, board: Board, entry: FaqEntry | None, *, question: str | None,
               answer: str | None, version: str | None, section_id: int | str | None = None,
               sources: str | None = None) -> FaqEntry:
    """Write (entry None: a new published entry) or edit an entry of the board. PermissionDenied
    unless the actor curates the board's FAQ; ValidationError("question"/"answer"/"version"/
    "section_id"/"sources") before anything is written."""
    require(actor, Action.CURATE_FAQ, board)
    question, answer, version = _clean(question, answer, version)
    section = _section(board, section_id)
    ids = parse_sources(sources)
    _check_sources(ids)
    now = utcnow()
    if entry is None:
        entry = FaqEntry(board_id=board.id, status="published", position=_next_position(board),
                         proposed_by_id=actor.id, validated_by_id=actor.id, validated_at=now, created_at=now)
        db.session.add(entry)
    entry.question, entry.answer_source, entry.answer_html = question, answer, render_markdown(answer)
    entry.version, entry.section_id, entry.updated_at = version, section, now
    db.session.flush()
    kept = {row.thread_id: row for row in db.session.scalars(
        select(FaqEntrySource).where(FaqEntrySource.entry_id == entry.id))}
    for thread_id, row in kept.items():
        if thread_id not in ids:
            db.session.delete(row)
    for thread_id in ids:
        if thread_id not in kept:
            db.session.add(FaqEntrySource(entry_id=entry.id, thread_id=thread_id))
    db.session.flush()
    return entry


def source_post(actor: User | None, thread: Thread) -> Post:
    """The post a thread proposes to the FAQ: a question's accepted answer, a tip's first post.
    PermissionDenied/Conflict from the policy; Conflict for a question without an accepted answer
    or a thread already proposed or published (« déjà dans la FAQ »)."""
    require(actor, Action.PROPOSE_FAQ, thread)
    if thread.kind == "question":
        post = db.session.get(Post, thread.accepted_post_id) if thread.accepted_post_id else None
    else:
        post = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first.is_(True)))
    if post is None or post.deleted_at is not None:
        raise Conflict("Seule une question dont une réponse est acceptée peut être proposée pour la FAQ.")
    existing = already_in_faq(thread)
    if existing is not None:
        raise Conflict("Ce sujet figure déjà dans la FAQ." if existing.status == "published"
                       else "Ce sujet a déjà été proposé pour la FAQ : sa proposition attend la validation d'un modérateur.")
    return post


def already_in_faq(thread: Thread) -> FaqEntry | None:
    return db.session.scalar(select(FaqEntry).join(FaqEntrySource, FaqEntrySource.entry_id == FaqEntry.id)
                             .where(FaqEntrySource.thread_id == thread.id, FaqEntry.deleted_at.is_(None)).limit(1))


def proposal_prefill(actor: User | None, thread: Thread) -> dict[str, str]:
    """The proposal form's initial values: the thread's title, the answer or tip, its version."""
    post = source_post(actor, thread)
    return {"question": thread.title, "answer": post.body_source, "version": thread.software_version or ""}


def propose(actor: User | None, thread: Thread, *, question: str | None, answer: str | None,
            version: str | None) -> FaqEntry:
    """A member's proposal (status « proposed ») from a thread, linked to it and its post. Errors
    of source_post(), then ValidationError("question"/"answer"/"version")."""
    post = source_post(actor, thread)
    question, answer, version = _clean(question, answer, version)
    now = utcnow()
    entry = FaqEntry(board_id=thread.board_id, status="proposed", question=question, answer_source=answer,
                     answer_html=render_markdown(answer), version=version, position=_next_position(thread.board),
                     proposed_by_id=actor.id, created_at=now, updated_at=now)
    db.session.add(entry)
    db.session.flush()
    db.session.add(FaqEntrySource(entry_id=entry.id, thread_id=thread.id, post_id=post.id))
    db.session.flush()
    return entry


def publish(actor: User | None, entry: FaqEntry) -> None:
    """Publish a proposal (PermissionDenied for a non-curator; Conflict when already published)."""
    require(actor, Action.CURATE_FAQ, entry_board(entry))
    if entry.status == "published":
        raise Conflict("Cette entrée est déjà publiée.")
    entry.status, entry.validated_by_id, entry.validated_at = "published", actor.id, utcnow()
    db.session.flush()


def delete_entry(actor: User | None, entry: FaqEntry) -> None:
    """Take an entry or a refused proposal out of the FAQ (soft: the row stays)."""
    require(actor, Action.CURATE_FAQ, entry_board(entry))
    entry.deleted_at = utcnow()
    db.session.flush()


def move(actor: User | None, entry: FaqEntry, direction: str) -> None:
    """Move a published entry up or down within its section (positions renumbered)."""
    board = entry_board(entry)
    require(actor, Action.CURATE_FAQ, board)
    if direction not in ("up", "down"):
        raise ValidationError(None, "Choisissez de monter ou de descendre l'entrée.")
    group = [other for other in _entries(board, "published") if other.section_id == entry.section_id]
    index = group.index(entry) if entry in group else -1
    target = index - 1 if direction == "up" else index + 1
    if index >= 0 and 0 <= target < len(group):
        group[index], group[target] = group[target], group[index]
    for position, other in enumerate(group, start=1):
        other.position = position
    db.session.flush()


def entry_board(entry: FaqEntry) -> Board:
    return db.session.get(Board, entry.board_id)


def _section_title(board: Board, title: str | None, section: FaqSection | None = None) -> str:
    title = _required_text("title", title, multiline=False, maximum=SECTION_MAX,
                           missing="Donnez un titre à la section.", what="Le titre")
    taken = db.session.scalar(select(FaqSection.id).where(FaqSection.board_id == board.id, FaqSection.title == title))
    if taken is not None and (section is None or taken != section.id):
        raise ValidationError("title", "Une section porte déjà ce titre.")
    return title


def create_section(actor: User | None, board: Board, title: str | None) -> FaqSection:
    """A new section, last (ValidationError("title") for an empty or taken title)."""
    require(actor, Action.CURATE_FAQ, board)
    title = _section_title(board, title)
    last = db.session.scalar(select(func.max(FaqSection.position)).where(FaqSection.board_id == board.id))
    section = FaqSection(board_id=board.id, title=title, position=(last or 0) + 1)
    db.session.add(section)
    db.session.flush()
    return section


def get_section(board: Board, section_id: int) -> FaqSection:
    section = db.session.get(FaqSection, section_id)
    if section is None or section.board_id != board.id:
        raise NotFound("Cette section de la FAQ n'existe pas.")
    return section


def rename_section(actor: User | None, board: Board, section: FaqSection, title: str | None) -> None:
    require(actor, Action.CURATE_FAQ, board)
    section.title = _section_title(board, title, section)
    db.session.flush()


def delete_section(actor: User | None, board: Board, section: FaqSection) -> None:
    """Delete a section: its entries move to « Autres questions »."""
    require(actor, Action.CURATE_FAQ, board)
    for entry in db.session.scalars(select(FaqEntry).where(FaqEntry.section_id == section.id)):
        entry.section_id = None
    db.session.delete(section)
    db.session.flush()
