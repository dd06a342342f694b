"""Jinja filters and globals: French dates, labels, permissions in templates."""
from __future__ import annotations

from datetime import UTC, datetime

from babel.dates import format_date, format_datetime, format_timedelta
from flask import Flask, request, url_for

from forum.models._time import utcnow

PARIS = "Europe/Paris"


def french_date(value: datetime | None) -> str:
    """"22 nov. 2026"."""
    if value is None:
        return ""
    return format_date(value.astimezone(UTC), "medium", locale="fr_FR")


def french_datetime(value: datetime | None) -> str:
    """"22 nov. 2026 à 14:05", in Paris time."""
    if value is None:
        return ""
    return format_datetime(value, "d MMM y 'à' HH:mm", tzinfo=PARIS, locale="fr_FR")


def time_ago(value: datetime | None) -> str:
    """"il y a 3 h" for the last week, then the date."""
    if value is None:
        return ""
    delta = value - utcnow()
    if -delta.total_seconds() < 60:
        return "à l'instant"
    if -delta.days >= 7:
        return "le " + french_date(value)
    return format_timedelta(delta, add_direction=True, format="short", threshold=1.1, locale="fr_FR")


def iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value else ""


def page_url(page: int) -> str:
    """The current URL with another ?page=, keeping the other query arguments."""
    view_args = request.view_args or {}
    args = {k: v for k, v in request.args.items() if k not in view_args and not k.startswith("_")}
    args["page"] = str(page)
    return url_for(request.endpoint, **view_args, **args)


def register_filters(app: Flask) -> None:
    from forum.models import KINDS, STATUSES
    from forum.services.policy import can, can_set_status

    app.jinja_env.filters.update(
        french_date=french_date, french_datetime=french_datetime, time_ago=time_ago, iso=iso,
    )
    app.jinja_env.globals.update(can=can, can_set_status=can_set_status, page_url=page_url,
                                 KINDS=KINDS, STATUSES=STATUSES)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
