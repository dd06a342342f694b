"""Jinja filters and globals: French dates, labels, permissions, isolated user text in templates."""
from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_month_names
from flask import Flask, request, url_for
from markupsafe import Markup

from forum.models._time import utcnow
from forum.services.text_hygiene import strip_bidi_controls

PARIS = ZoneInfo("Europe/Paris")
# Units of "il y a …", largest first (abbreviations as in Babel's short French format).
_AGO_UNITS = ((86_400, "j"), (3_600, "h"), (60, "min"))


@lru_cache(maxsize=2048)
def _format_day(day: date) -> str:
    return format_date(day, "medium", locale="fr_FR")


def french_date(value: datetime | None) -> str:
    """"22 nov. 2026", the day in Paris. Cached per day: lists show many dates."""
    if value is None:
        return ""
    return _format_day(value.astimezone(PARIS).date())


# Babel's French abbreviated month names (« janv. », « févr. »…), read once: french_datetime writes
# Babel's "d MMM y 'à' HH:mm" itself (a thread page shows one date per post; Babel parsed and applied
# the pattern each time). tests/unit/test_filters_dates.py checks it against Babel on both DST sides.
_MONTHS = dict(get_month_names("abbreviated", locale="fr_FR").items())


def french_datetime(value: datetime | None) -> str:
    """"22 nov. 2026 à 14:05", in Paris time (a naive datetime is taken as UTC, as Babel does)."""
    if value is None:
        return ""
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(PARIS)
    return f"{local.day} {_MONTHS[local.month]} {local.year} à {local.hour:02d}:{local.minute:02d}"


def time_ago(value: datetime | None) -> str:
    """"il y a 3 h" for the last week, then "le 22 nov. 2026"."""
    if value is None:
        return ""
    seconds = (utcnow() - value).total_seconds()
    if seconds < 60:
        return "à l'instant"
    if seconds >= 7 * 86_400:
        return "le " + french_date(value)
    size, unit = next((size, unit) for size, unit in _AGO_UNITS if seconds >= size)  # the minute always fits
    return f"il y a {int(seconds // size)} {unit}"


def iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value else ""


def page_url(page: int) -> str:
    """The current URL with another ?page=, keeping the other query arguments."""
    view_args = request.view_args or {}
    args = {k: v for k, v in request.args.items() if k not in view_args and not k.startswith("_")}
    args["page"] = str(page)
    return url_for(request.endpoint, **view_args, **args)


def isolate(value: object) -> Markup:
    """`{{ thread.title|bdi }}`: a member's name or title in <bdi>, without bidi controls, so that it
    cannot reorder the text around it (« Facture \u202egnp.exe » shown as « Facture exe.png », a
    right-to-left name swallowing the date after it). Plain text is escaped; Markup is kept."""
    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return Markup("<bdi>") + Markup(strip_bidi_controls(value)) + Markup("</bdi>")
    return Markup("<bdi>%s</bdi>") % strip_bidi_controls(str(value))


def plural(count: int, singular: str, plural_form: str | None = None, number: bool = True) -> str:
    """`{{ n|plural('vote') }}`: « 0 vote », « 1 vote », « 2 votes » (in French 0 and 1 take the
    singular). plural_form for any other plural ('signalements ouverts'); number=False: the words alone."""
    words = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{count} {words}" if number else words


def importance_counts(by_importance: dict[str, int]) -> str:
    """« 3 utiles, 1 important, 0 bloquant »: a request's votes by importance (a ranked row, the panel)."""
    return (f"{plural(by_importance.get('utile', 0), 'utile')}, {plural(by_importance.get('important', 0), 'important')}, "
            f"{plural(by_importance.get('bloquant', 0), 'bloquant')}")


def professions_list(professions: list[tuple[str, int]]) -> str:
    """« infirmier·e : 3; pharmacien·ne : 1 », or « — » without votes (escaped where it is shown)."""
    return "; ".join(f"{label} : {count}" for label, count in professions) if professions else "—"


def status_form(thread, choices: list[str]):
    """The status form of a request's panel: `choices` offered, the current status selected, never
    bound to the request's own POST data (the page may be re-rendered after another form)."""
    from forum.web.request_forms import StatusForm
    return StatusForm(formdata=None, status=thread.status).limit_to(list(choices))


def register_filters(app: Flask) -> None:
    from forum.models import KINDS, STATUSES
    from forum.services.policy import can, is_board_editor
    from forum.web.paths import register_paths

    app.jinja_env.filters.update(
        french_date=french_date, french_datetime=french_datetime, time_ago=time_ago, iso=iso, bdi=isolate,
        plural=plural,
    )
    # can(current_user, 'reply', thread): an action named by its value; an unknown name raises.
    from forum.services.notify.sentences import html as notification_sentence

    app.jinja_env.globals.update(can=can, is_board_editor=is_board_editor, page_url=page_url,
                                 notification_sentence=notification_sentence,
                                 status_form=status_form, KINDS=KINDS, STATUSES=STATUSES,
                                 importance_counts_text=importance_counts, professions_text=professions_list)
    register_paths(app)
    from forum.web.fragments import ago_hole, hole
    app.jinja_env.globals.update(hole=hole, ago_hole=ago_hole)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
