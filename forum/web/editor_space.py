"""The editor representative's space page: its boards' open requests, those awaiting an official answer, delays."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from forum.services import editor_space as editor_space_service
from forum.web.submit import current_member

bp = Blueprint("editor_space", __name__)


@bp.get("/editeur")
@login_required
def show():
    overview = editor_space_service.overview(current_member())
    return render_template("editor_space/show.html", overview=overview,
                           median=editor_space_service.format_delay(overview.median_first_answer))
