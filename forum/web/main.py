"""Home page (the boards) and the health check."""
from __future__ import annotations

from flask import Blueprint, render_template

from forum.extensions import db
from forum.services import boards as board_service
from forum.services import home as home_service
from forum.web.submit import current_member

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    member = current_member()
    home = home_service.member_home(member) if member else None
    return render_template("main/index.html", boards=board_service.list_boards(), home=home)


@bp.get("/healthz")
def healthz():
    """200 once the database answers a round trip, else the 503 page (forum.web.errors). A pooled
    connection of the engine, not the ORM session: no session to build for the check, nor to close."""
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    return {"status": "ok"}
