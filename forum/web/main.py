"""Home page (the boards) and the health check."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

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


# The answer of a healthy check, built once: load balancers ask for it several times a second.
_HEALTHY = b'{"status":"ok"}\n'


@bp.get("/healthz")
def healthz():
    """200 once the database answers a round trip, else the 503 page (forum.web.errors handles the
    driver's own errors too). A cursor of a pooled connection (engine.raw_connection): neither the
    ORM session nor SQLAlchemy's execution machinery, which made most of this page's cost."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        cursor.fetchone()
        cursor.close()
    finally:
        connection.close()  # back to the pool
    return current_app.response_class(_HEALTHY, mimetype="application/json")
