"""What the club's letter says: the sections of a board's letter gathered from the forum (public
data only: titles, ids, figures), their rendering (web page and e-mail, links built from ids), the
moderators' introduction of a board's next letters, and the archive of a board's letters.

Issuing and sending: forum.services.notify.letters. The « Pour vous » sentences of a member's
notifications are those of the notification e-mails (forum.services.notify.compose)."""
from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import render_template
from markupsafe import Markup
from sqlalchemy import func, select

from forum.extensions import db
from forum.markup import plain_text, render_markdown
from forum.models import (
    STATUSES,
    Board,
    BoardLetter,
    LetterIntroduction,
    Livrable,
    LivrableItem,
    StatusChange,
    Thread,
    User,
)
from forum.models._time import utcnow
from forum.models.threads import slugify
from forum.services import audit
from forum.services.errors import NotFound, ValidationError
from forum.services.notify.compose import excerpt
from forum.services.patient_data import check_no_patient_identifier
from forum.services.policy import Action, require
from forum.services.reading import public_threads
from forum.services.text_hygiene import clean_text, has_visible_text

# Items per section of a board's letter; the rest is counted (« et 3 autres »).
TIPS_SHOWN = 5
REQUESTS_SHOWN = 10
QUESTIONS_SHOWN = 5
# Characters of an official answer quoted in a letter.
ANSWER_EXCERPT = 280
CONTENT_VERSION = 1
INTRODUCTION_MAX_LENGTH = 5_000
PARIS = ZoneInfo("Europe/Paris")
SECTIONS = ("tips", "requests", "livrables", "questions")

# A link from an endpoint and its values: url_for on the web, external_url in e-mails.
Link = Callable[..., str]


# --- gathering: one query per section for every board at once ---------------------------------------

def gather_sections(start: datetime, end: datetime) -> dict[int, dict[str, Any]]:
    """The sections of each board that has something new in [start, end), keyed by board id:
    new tips (most marked « utile » first), requests whose status changed (with the official
    answer), livrables frozen, new questions still without a reply. Hidden threads never appear."""
    sections: dict[int, dict[str, Any]] = defaultdict(empty_content)
    _add_tips(sections, start, end)
    _add_requests(sections, start, end)
    _add_livrables(sections, start, end)
    _add_questions(sections, start, end)
    return {board_id: content for board_id, content in sections.items() if has_news(content)}


def empty_content() -> dict[str, Any]:
    return {"version": CONTENT_VERSION, **{name: [] for name in SECTIONS},
            **{f"more_{name}": 0 for name in ("tips", "requests", "questions")}}


def has_news(content: dict[str, Any]) -> bool:
    return any(content.get(name) for name in SECTIONS)


def _in(column, start: datetime, end: datetime):
    return (column >= start) & (column < end)


def _keep_first(sections: dict, board_id: int, name: str, item: dict, shown: int) -> None:
    items = sections[board_id][name]
    if len(items) < shown:
        items.append(item)
    else:
        sections[board_id][f"more_{name}"] += 1


def _add_tips(sections: dict, start: datetime, end: datetime) -> None:
    rows = db.session.execute(
        select(Thread.id, Thread.board_id, Thread.title, Thread.useful_count, Thread.software_version)
        .where(Thread.kind == "tip", public_threads(), _in(Thread.created_at, start, end))
        .order_by(Thread.board_id, Thread.useful_count.desc(), Thread.created_at.desc(), Thread.id.desc()))
    for thread_id, board_id, title, useful, version in rows:
        _keep_first(sections, board_id, "tips",
                    {"id": thread_id, "title": title, "useful": useful, "version": version}, TIPS_SHOWN)


def _add_requests(sections: dict, start: datetime, end: datetime) -> None:
    """One item per request whose status changed (or got an official answer) in the period: its
    status after the period's last change, the last version given, the last official answer."""
    rows = db.session.execute(
        select(StatusChange.thread_id, StatusChange.to_status, StatusChange.version, StatusChange.answer_by,
               StatusChange.note_html, Thread.board_id, Thread.title, Thread.vote_count)
        .join(Thread, Thread.id == StatusChange.thread_id)
        .where(Thread.kind == "request", public_threads(), _in(StatusChange.created_at, start, end))
        .order_by(StatusChange.id))
    requests: dict[int, dict[str, Any]] = {}
    for thread_id, to_status, version, answer_by, note_html, board_id, title, votes in rows:
        item = requests.setdefault(thread_id, {"id": thread_id, "title": title, "board_id": board_id,
                                               "votes": votes, "version": None, "answer": None, "answer_by": None})
        item["status"] = to_status
        item["version"] = version or item["version"]
        if answer_by is not None:
            item["answer"], item["answer_by"] = excerpt(note_html, ANSWER_EXCERPT), answer_by
    # A request merged as a duplicate is the merge's news (its voters are told), not the letter's.
    ranked = sorted((item for item in requests.values() if item["status"] != "doublon"),
                    key=lambda item: (item["answer"] is None, -item["votes"], item["id"]))
    for item in ranked:
        _keep_first(sections, item.pop("board_id"), "requests", item, REQUESTS_SHOWN)


def _add_livrables(sections: dict, start: datetime, end: datetime) -> None:
    rows = db.session.execute(
        select(Livrable.board_id, Livrable.number, Livrable.title, func.count(LivrableItem.id))
        .outerjoin(LivrableItem, LivrableItem.livrable_id == Livrable.id)
        .where(Livrable.frozen_at.is_not(None), _in(Livrable.frozen_at, start, end))
        .group_by(Livrable.id, Livrable.board_id, Livrable.number, Livrable.title)
        .order_by(Livrable.board_id, Livrable.number))
    for board_id, number, title, items in rows:
        sections[board_id]["livrables"].append({"number": number, "title": title, "requests": items})


def _add_questions(sections: dict, start: datetime, end: datetime) -> None:
    """« Sans réponse »: questions of the period with no visible reply, not locked, newest first."""
    rows = db.session.execute(
        select(Thread.id, Thread.board_id, Thread.title, Thread.created_at)
        .where(Thread.kind == "question", public_threads(), Thread.reply_count == 0, Thread.locked.is_(False),
               _in(Thread.created_at, start, end))
        .order_by(Thread.board_id, Thread.created_at.desc(), Thread.id.desc()))
    for thread_id, board_id, title, created_at in rows:
        _keep_first(sections, board_id, "questions",
                    {"id": thread_id, "title": title, "created_at": created_at.isoformat()}, QUESTIONS_SHOWN)


# --- rendering ----------------------------------------------------------------------------------------

def french_day(day: date, year: bool = True) -> str:
    """« 1er décembre 2026 », « 23 novembre »."""
    text = format_date(day, "d MMMM y" if year else "d MMMM", locale="fr_FR")
    return "1er" + text[1:] if text.startswith("1 ") else text


def day_range(first_day: date, last_day: date) -> str:
    """« du 9 au 22 novembre 2026 », « du 26 octobre au 8 novembre 2026 »."""
    if (first_day.year, first_day.month) == (last_day.year, last_day.month):
        first = "1er" if first_day.day == 1 else str(first_day.day)
    else:
        first = french_day(first_day, year=first_day.year != last_day.year)
    return f"du {first} au {french_day(last_day)}"


def period_label(period: str, first_day: date, last_day: date) -> str:
    """« semaine du 23 novembre 2026 », « quinzaine du 9 au 22 novembre 2026 »."""
    if period == "weekly":
        return f"semaine du {french_day(first_day)}"
    return f"quinzaine {day_range(first_day, last_day)}"


def visible_content(letters: Iterable[BoardLetter]) -> dict[int, dict[str, Any]]:
    """Each letter's content (by letter id) without the threads hidden since it was issued (one
    query for all of them): an archived letter never shows a title the forum no longer shows."""
    letters = list(letters)
    ids = {item["id"] for letter in letters for name in ("tips", "requests", "questions")
           for item in (letter.content or {}).get(name, [])}
    public = set(db.session.scalars(select(Thread.id).where(Thread.id.in_(ids), public_threads()))) if ids else set()
    shown = {}
    for letter in letters:
        content = dict(letter.content or {})
        for name in ("tips", "requests", "questions"):
            content[name] = [item for item in content.get(name, []) if item["id"] in public]
        shown[letter.id] = content
    return shown


def thread_link(link: Link, item: dict[str, Any]) -> str:
    return link("threads.show", thread_id=item["id"], slug=slugify(item["title"]))


def render_board_section(letter: BoardLetter, content: dict[str, Any], link: Link, fmt: str,
                         styles: dict[str, str] | None = None) -> str:
    """One board's letter as an HTML fragment (fmt "html": the web page, and e-mails with their
    inline `styles`) or plain text (fmt "txt"), its links built by `link` (url_for, external_url)."""
    return render_template(f"letters/_board.{fmt}", letter=letter, board=letter.board, content=content,
                           link=link, thread_link=thread_link, statuses=STATUSES, styles=styles or {},
                           introduction_text=_introduction_text(letter) if fmt == "txt" else None)


def _introduction_text(letter: BoardLetter) -> str | None:
    if not letter.introduction_html:
        return None
    blocks = plain_text(str(letter.introduction_html).replace("</p>", "</p>\n\n").replace("<br>", "\n"))
    return re.sub(r"\n\s*\n\s*", "\n\n", html.unescape(blocks)).strip() or None


# --- the moderators' introduction ---------------------------------------------------------------------

def clean_introduction(text: str | None) -> str:
    """The Markdown source of an introduction. Raises ValidationError("introduction", …): empty,
    too long, or holding a patient identifier."""
    text = clean_text(text, multiline=True)
    if not has_visible_text(text):
        raise ValidationError("introduction", "Écrivez le texte de l'introduction.")
    if len(text) > INTRODUCTION_MAX_LENGTH:
        raise ValidationError("introduction", f"L'introduction ne doit pas dépasser {INTRODUCTION_MAX_LENGTH:,} "
                              f"caractères (elle en a {len(text):,}).".replace(",", "\u202f"))
    check_no_patient_identifier("introduction", text)
    return text


def preview_introduction(actor: User | None, board: Board, text: str | None) -> Markup:
    """The introduction as it would read, saved nowhere. Raises PermissionDenied, ValidationError."""
    require(actor, Action.WRITE_LETTER_INTRO, board)
    return render_markdown(clean_introduction(text))


def save_introduction(actor: User | None, board: Board, text: str | None) -> LetterIntroduction:
    """Write the introduction of the board's next letters (the next weekly and the next two-weekly
    one take it), recorded in the moderation journal. Raises PermissionDenied (not a moderator of
    this board, or suspended), ValidationError (see clean_introduction)."""
    require(actor, Action.WRITE_LETTER_INTRO, board)
    text = clean_introduction(text)
    introduction = db.session.get(LetterIntroduction, board.id)
    if introduction is None:
        introduction = LetterIntroduction(board_id=board.id)
        db.session.add(introduction)
    introduction.body_source, introduction.body_html = text, render_markdown(text)
    introduction.author_id, introduction.updated_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "letter_intro", board=board)
    return introduction


def current_introduction(board: Board) -> LetterIntroduction | None:
    return db.session.get(LetterIntroduction, board.id)


def introduction_taken(introduction: LetterIntroduction) -> dict[str, BoardLetter]:
    """The letters (by period) that opened with this version of the introduction."""
    letters = db.session.scalars(
        select(BoardLetter).where(BoardLetter.board_id == introduction.board_id,
                                  BoardLetter.issued_at >= introduction.updated_at,
                                  BoardLetter.introduction_html.is_not(None))
        .order_by(BoardLetter.issued_at.desc()))
    return {letter.period: letter for letter in letters}


# --- the archive ------------------------------------------------------------------------------------

def board_letters(board: Board, page: int, per_page: int) -> tuple[list[BoardLetter], int]:
    """One page of the board's issued letters, newest first, and the number of pages."""
    total = db.session.scalar(select(func.count()).select_from(BoardLetter).where(BoardLetter.board_id == board.id))
    letters = list(db.session.scalars(
        select(BoardLetter).where(BoardLetter.board_id == board.id)
        .order_by(BoardLetter.period_end.desc(), BoardLetter.id.desc()).limit(per_page).offset((page - 1) * per_page)))
    return letters, max(1, -(-total // per_page))


def get_letter(board: Board, letter_id: int) -> BoardLetter:
    """A letter of this board. Raises NotFound."""
    letter = db.session.get(BoardLetter, letter_id)
    if letter is None or letter.board_id != board.id:
        raise NotFound("Cette lettre n'existe pas.")
    return letter


def letter_title(letter: BoardLetter) -> str:
    """« Lettre de la semaine du 23 novembre 2026 », « Lettre de la quinzaine du 9 au 22 novembre 2026 »."""
    first = letter.period_start.astimezone(PARIS).date()
    last = letter.period_end.astimezone(PARIS).date() - timedelta(days=1)
    return f"Lettre de la {period_label(letter.period, first, last)}"
