"""Templates: stored HTML comes as Markup from forum.markup (no |safe), French plurals from one filter."""
from pathlib import Path

from markupsafe import Markup

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import Post
from forum.web.filters import plural
from tests.factories import make_board, make_post, make_thread

TEMPLATES = Path(__file__).resolve().parents[2] / "forum" / "templates"


def test_no_template_marks_anything_safe():
    offenders = [f"{path.relative_to(TEMPLATES)}:{number}"
                 for path in sorted(TEMPLATES.rglob("*.html"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if "|safe" in line.replace(" ", "")]
    assert offenders == []


def test_stored_html_loads_as_markup_and_stays_sanitised(app, client):
    thread = make_thread(make_board())
    reply = make_post(thread, body="**gras** <script>alert(1)</script>")
    db.session.commit()
    reply_id = reply.id
    db.session.expire_all()
    stored = db.session.get(Post, reply_id).body_html
    assert isinstance(stored, Markup) and isinstance(render_markdown("*x*"), Markup)
    assert "<strong>gras</strong>" in stored and "<script>" not in stored
    response = client.get(f"/t/{thread.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>gras</strong>" in html and "<script>alert(1)" not in html


def test_plural_follows_french_rules():
    assert [plural(n, "vote") for n in (0, 1, 2)] == ["0 vote", "1 vote", "2 votes"]
    assert plural(3, "signalement ouvert", "signalements ouverts") == "3 signalements ouverts"
    assert plural(1, "membre a", "membres ont", number=False) == "membre a"


def test_home_page_says_zero_in_the_singular(app, client):
    make_board(name="Axisanté")
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "0 question" in html and "0 demande" in html
    assert "0 questions" not in html and "0 demandes" not in html
