"""The club's letter (digest): per board and period, a BoardLetter issued once (the archive and
the e-mails show it); per subscribed member, one e-mail joining the board letters of the software
they declare and their « Pour vous » notifications (those whose delivery is « dans le résumé »).

Periods end at midnight, Paris time, on a Monday: every Monday for `weekly`, every other Monday
(counted from Monday 8 January 2024) for `biweekly`. A run ends the period at the latest such
Monday, so the command (or the worker's schedule) may run as often as one likes: the same Monday
gives the same board letters (unique board, period, period_end) and the same message keys
("letter:<period>:<Monday>:<member>"), so nothing is issued or queued twice. `immediate` (the
CLI's --now) ends the period at midnight this morning instead, whatever the day.

A member receives a letter when subscribed to the period, active (not deleted, not suspended,
address not refused) and not sent one since the period ended; nothing new for them (no board
letter for their software, no « Pour vous » notification) means no e-mail and letter_sent_at
unchanged. Content: forum.services.notify.letter_content.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import render_template
from markupsafe import Markup
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload

from forum.extensions import db
from forum.models import (
    BoardLetter,
    LetterIntroduction,
    Notification,
    OutgoingMessage,
    Post,
    SoftwareUse,
    Thread,
    User,
)
from forum.models._time import utcnow
from forum.models.notifications import LETTER_PERIODS
from forum.services.errors import ValidationError
from forum.services.notify import compose, letter_content, outbox, sentences
from forum.services.notify.unsubscribe import unsubscribe_url
from forum.web.urls import external_url

PARIS = letter_content.PARIS
PERIOD_DAYS: dict[str, int] = {"weekly": 7, "biweekly": 14}
# A Monday: two-weekly letters end on the Mondays an even number of weeks after it (the Mondays of
# even ISO weeks until 2026 has its week 53; a fixed count of days never shifts like ISO weeks do).
BIWEEKLY_EPOCH = date(2024, 1, 8)
# Members per transaction: memory stays flat, a crash loses at most one batch (rerun: no duplicate).
BATCH_SIZE = 200
# « Pour vous » lists a member's newest notifications, then says how many more there are.
FOR_YOU_SHOWN = 20
PERIOD_MESSAGE = "Choisissez la période de la lettre : weekly (chaque semaine) ou biweekly (toutes les deux semaines)."
# Inline styles of the board sections in e-mails (mail clients ignore style sheets).
MAIL_STYLES = {
    "h2": "margin:24px 0 8px;font-size:19px;line-height:1.3;",
    "h3": "margin:16px 0 6px;font-size:16px;color:#333b44;",
    "ul": "margin:0 0 8px;padding:0 0 0 20px;",
    "li": "margin:0 0 6px;",
    "a": "color:#0b5cad;",
    "meta": "color:#4a5560;font-size:14px;",
    "quote": "margin:4px 0 0;padding:6px 10px;border-left:3px solid #d5d9de;color:#333b44;font-size:14px;",
    "intro": "margin:0 0 12px;padding:10px 14px;background:#f4f5f7;border-radius:4px;",
}


@dataclass(frozen=True)
class LetterPeriod:
    """The span a run's letters cover: [start, end), both at midnight in Paris, stored in UTC."""

    name: str
    start: datetime
    end: datetime

    @property
    def first_day(self) -> date:
        return self.start.astimezone(PARIS).date()

    @property
    def last_day(self) -> date:
        return self.end.astimezone(PARIS).date() - timedelta(days=1)

    @property
    def end_day(self) -> date:
        return self.end.astimezone(PARIS).date()

    @property
    def label(self) -> str:
        """« semaine du 23 novembre 2026 »."""
        return letter_content.period_label(self.name, self.first_day, self.last_day)

    def message_key(self, user_id: int) -> str:
        return f"letter:{self.name}:{self.end_day:%Y-%m-%d}:{user_id}"


def _paris_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)


def is_period_end(period: str, day: date) -> bool:
    """Whether a `period` letter ends on `day` (a Paris date): every Monday for weekly, every
    other Monday for biweekly. The worker's schedule asks it."""
    return day.weekday() == 0 and (period == "weekly" or ((day - BIWEEKLY_EPOCH).days // 7) % 2 == 0)


def letter_period(period: str, now: datetime | None = None, immediate: bool = False) -> LetterPeriod:
    """The period a run at `now` covers (see the module docstring). ValidationError("period") for
    a period other than weekly or biweekly."""
    if period not in LETTER_PERIODS:
        raise ValidationError("period", PERIOD_MESSAGE)
    today = (now or utcnow()).astimezone(PARIS).date()
    end_day = today
    if not immediate:
        end_day = today - timedelta(days=today.weekday())
        if not is_period_end(period, end_day):
            end_day -= timedelta(days=7)
    return LetterPeriod(period, _paris_midnight(end_day - timedelta(days=PERIOD_DAYS[period])),
                        _paris_midnight(end_day))


# --- board letters ----------------------------------------------------------------------------------

@dataclass
class IssuedLetters:
    period: LetterPeriod
    letters: dict[int, BoardLetter]  # board id -> its letter of this period (issued now or before)
    issued: int  # how many of them this run issued


def issue_board_letters(period: str, now: datetime | None = None, immediate: bool = False) -> IssuedLetters:
    """Issue the letter of each board with something new in the period, or a new introduction
    (flushed; the caller commits). A board's letter of the same period end is never issued twice:
    the existing one is returned instead."""
    span = letter_period(period, now, immediate)
    letters = {letter.board_id: letter for letter in db.session.scalars(
        select(BoardLetter).where(BoardLetter.period == span.name, BoardLetter.period_end == span.end))}
    sections = letter_content.gather_sections(span.start, span.end)
    introductions = _new_introductions(span)
    issued = 0
    for board_id in sorted((sections.keys() | introductions.keys()) - letters.keys()):
        introduction = introductions.get(board_id)
        letter = BoardLetter(board_id=board_id, period=span.name, period_start=span.start, period_end=span.end,
                             issued_at=utcnow(), content=sections.get(board_id) or letter_content.empty_content(),
                             introduction_html=introduction.body_html if introduction else None)
        try:
            with db.session.begin_nested():
                db.session.add(letter)
        except IntegrityError:  # a concurrent run issued it first: use that one
            letter = db.session.scalars(select(BoardLetter).where(
                BoardLetter.board_id == board_id, BoardLetter.period == span.name,
                BoardLetter.period_end == span.end)).one()
        else:
            issued += 1
        letters[board_id] = letter
    return IssuedLetters(span, letters, issued)


def _new_introductions(span: LetterPeriod) -> dict[int, LetterIntroduction]:
    """Introductions written or changed since the board's previous letter of this period (every
    introduction of a board that never had one): each is taken once per period."""
    previous = (select(func.max(BoardLetter.issued_at)).where(
        BoardLetter.board_id == LetterIntroduction.board_id, BoardLetter.period == span.name,
        BoardLetter.period_end < span.end).scalar_subquery())
    rows = db.session.scalars(select(LetterIntroduction).where(
        or_(previous.is_(None), LetterIntroduction.updated_at > previous)))
    return {intro.board_id: intro for intro in rows}


# --- members' letters -------------------------------------------------------------------------------

@dataclass
class LetterReport:
    period: LetterPeriod
    board_letters: int = 0    # board letters issued by this run
    queued: int = 0           # members' letters written to the outbox
    nothing_new: int = 0      # members due with nothing new for them
    already_sent: int = 0     # members whose letter of this period was already queued (--now rerun)


@dataclass(frozen=True)
class _Section:
    board_id: int
    position: int
    text: str
    html: Markup


@dataclass
class _ForYou:
    items: list[compose.Item] = field(default_factory=list)
    total: int = 0
    max_id: int = 0


def send_letters(period: str, now: datetime | None = None, force: bool = False,
                 commit: Callable[[], None] | None = None) -> LetterReport:
    """Issue the period's board letters, then queue the letter of every member due (see the
    module docstring). force=True (--now): the period ends this morning and members are due
    whatever their letter_sent_at (their message key still prevents a second letter that day).

    A batch job, unlike the other services: it commits (through `commit`, the session's by
    default) after the board letters and after every BATCH_SIZE members. Raises ValidationError
    for an unknown period."""
    commit = commit or db.session.commit
    now = now or utcnow()
    issued = issue_board_letters(period, now, immediate=force)
    commit()
    span = issued.period
    report = LetterReport(span, board_letters=issued.issued)
    sections = _render_sections(list(issued.letters.values()))
    due = select(User.id).where(
        User.letter_period == span.name, User.deleted_at.is_(None), User.email_refused_at.is_(None),
        or_(User.suspended_until.is_(None), User.suspended_until <= now)).order_by(User.id).limit(BATCH_SIZE)
    if not force:
        due = due.where(or_(User.letter_sent_at.is_(None), User.letter_sent_at < span.end))
    last_id = 0
    while ids := list(db.session.scalars(due.where(User.id > last_id))):
        last_id = ids[-1]
        _send_batch(ids, span, sections, now, report)
        commit()
    return report


def _render_sections(letters: list[BoardLetter]) -> dict[int, _Section]:
    """Each board letter as an e-mail section (text and HTML), rendered once for every member."""
    shown = letter_content.visible_content(letters)
    sections = {}
    for letter in letters:
        content = shown[letter.id]
        if not letter_content.has_news(content) and not letter.introduction_html:
            continue
        text = letter_content.render_board_section(letter, content, external_url, "txt")
        html = letter_content.render_board_section(letter, content, external_url, "html", styles=MAIL_STYLES)
        sections[letter.board_id] = _Section(letter.board_id, letter.board.position, text, Markup(html))
    return sections


def _send_batch(ids: list[int], span: LetterPeriod, sections: dict[int, _Section], now: datetime,
                report: LetterReport) -> None:
    users = list(db.session.scalars(select(User).where(User.id.in_(ids)).options(lazyload(User.structure))
                                    .order_by(User.id)))
    boards_of: dict[int, list[int]] = defaultdict(list)
    for user_id, board_id in db.session.execute(select(SoftwareUse.user_id, SoftwareUse.board_id)
                                                .where(SoftwareUse.user_id.in_(ids))):
        boards_of[user_id].append(board_id)
    for_you = _load_for_you(ids)
    sent: list[int] = []
    for user in users:
        chosen = sorted((sections[b] for b in boards_of[user.id] if b in sections), key=lambda s: (s.position, s.board_id))
        mine = for_you.get(user.id, _ForYou())
        if not chosen and not mine.items:
            report.nothing_new += 1
            continue
        if _queue_letter(user, span, chosen, mine):
            report.queued += 1
            sent.append(user.id)
        else:
            report.already_sent += 1
    if not sent:
        return
    messages = {user_id: message_id for user_id, message_id in db.session.execute(
        select(OutgoingMessage.user_id, OutgoingMessage.id)
        .where(OutgoingMessage.idempotency_key.in_([span.message_key(user_id) for user_id in sent])))}
    for user_id in sent:
        if for_you.get(user_id) and for_you[user_id].items:
            db.session.execute(update(Notification).where(
                Notification.user_id == user_id, Notification.email_state == "digest", Notification.read_at.is_(None),
                Notification.id <= for_you[user_id].max_id).values(email_state="sent", message_id=messages.get(user_id))
                .execution_options(synchronize_session=False))
    db.session.execute(update(User).where(User.id.in_(sent)).values(letter_sent_at=now)
                       .execution_options(synchronize_session=False))


def _load_for_you(ids: list[int]) -> dict[int, _ForYou]:
    """The members' unread « dans le résumé » notifications, newest first (FOR_YOU_SHOWN each, with
    their total). Rows read meanwhile, or about content hidden since, will never be sent: skipped."""
    digest = (Notification.user_id.in_(ids), Notification.email_state == "digest")
    hidden_threads = select(Thread.id).where(Thread.deleted_at.is_not(None))
    db.session.execute(update(Notification).where(
        *digest, or_(Notification.read_at.is_not(None),
                     Notification.kind.not_in(("report",)) & Notification.thread_id.in_(hidden_threads)))
        .values(email_state="skipped").execution_options(synchronize_session=False))
    ranked = (select(Notification.id,
                     func.row_number().over(partition_by=Notification.user_id,
                                            order_by=(Notification.updated_at.desc(), Notification.id.desc())).label("rank"),
                     func.count().over(partition_by=Notification.user_id).label("total"),
                     func.max(Notification.id).over(partition_by=Notification.user_id).label("max_id"))
              .where(*digest, Notification.read_at.is_(None)).subquery())
    rows = db.session.execute(
        select(Notification, ranked.c.total, ranked.c.max_id).join(ranked, ranked.c.id == Notification.id)
        .where(ranked.c.rank <= FOR_YOU_SHOWN)
        .options(selectinload(Notification.thread).lazyload(Thread.author),
                 selectinload(Notification.post).selectinload(Post.thread).lazyload(Thread.author),
                 selectinload(Notification.board))
        .order_by(Notification.user_id, ranked.c.rank))
    found: dict[int, _ForYou] = {}
    for notification, total, max_id in rows:
        mine = found.setdefault(notification.user_id, _ForYou(total=total, max_id=max_id))
        if notification.kind == "report" or not compose.is_hidden(notification):
            mine.items.append(compose.Item(sentences.plain(notification),
                                           notification.board.name if notification.board else None, None,
                                           compose.target_url(notification)))
    return found


def subject_of(span: LetterPeriod) -> str:
    """« La lettre du club — semaine du 23 novembre 2026 »."""
    return f"La lettre du club — {span.label}"


def _queue_letter(user: User, span: LetterPeriod, chosen: list[_Section], mine: _ForYou) -> bool:
    subject = subject_of(span)
    context = {"user": user, "subject": subject, "days": letter_content.day_range(span.first_day, span.last_day),
               "sections": chosen, "for_you": mine.items,
               "for_you_more": max(0, mine.total - len(mine.items)), "period_name": LETTER_PERIODS[span.name].lower(),
               "unsubscribe_url": unsubscribe_url(user.id, "letter"),
               "preferences_url": external_url("mail_settings.preferences"),
               "notifications_url": external_url("notifications.index"), "site_url": external_url("main.index")}
    return outbox.queue_message(user, "letter", span.message_key(user.id), subject,
                                render_template("email/letter.txt", **context),
                                render_template("email/letter.html", **context), "letter")
