"""Every state-changing route of the URL map, found at test time (routes added later are included),
refuses a request without login and a request without CSRF token, and changes nothing.

For each rule accepting POST/PUT/PATCH/DELETE (static excluded), URL arguments are filled from real
rows (a request, a question and a tip, a reply, a member, a board, a report, a livrable…), trying
several thread kinds so that a route cannot look safe only because the row did not fit. The posted
form holds plausible values for the usual field names, so that a route which forgot its checks would
really change something — and the database snapshot taken before and after would show it.
"""
from __future__ import annotations

import html
import itertools
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from forum.extensions import csrf, db
from forum.models import Livrable, Post, Report
from forum.services import accounts
from tests.conftest import log_in
from tests.factories import make_board, make_post, make_request, make_thread, make_tip, make_user

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
# Public by design: usable without an account, so they must refuse a request without CSRF token.
PUBLIC = {"auth.login", "auth.register", "auth.logout", "auth.request_password_reset", "auth.reset_password"}
# What a route may answer an anonymous request (a redirect must go to the log-in page).
ANONYMOUS_REFUSALS = {302, 303, 400, 401, 403, 404, 405}
CSRF_MESSAGE = "Le formulaire a expiré ou n'est pas valide."
NEW_PASSWORD = "nouveau-mot-de-passe-1"


class World:
    """Real rows to fill URL arguments and forms with."""

    def __init__(self) -> None:
        self.board, self.other_board = make_board(), make_board()
        self.author = make_user(uses=[self.board])
        self.member = make_user(uses=[self.board])
        self.admin = make_user(role="admin")
        self.request = make_request(self.board, self.author, title="Exporter les rendez-vous en CSV")
        self.other_request = make_request(self.board, self.author, title="Exporter les ordonnances en PDF")
        self.question = make_thread(self.board, self.author, title="Comment imprimer une ordonnance ?")
        self.other_question = make_thread(self.board, self.author, title="Comment scanner un courrier ?")
        self.tip = make_tip(self.board, self.author, title="Astuce : raccourci clavier")
        self.reply = make_post(self.question, self.member, body="Par le menu Fichier.")
        self.opening_post_id = db.session.scalar(
            select(Post.id).where(Post.thread_id == self.request.id, Post.is_first.is_(True)))
        self.report = Report(post_id=self.reply.id, reporter_id=self.author.id, reason="hors_sujet")
        db.session.add(self.report)
        self.livrable = Livrable(board_id=self.board.id, title="Livrable de test", filters={})
        db.session.add(self.livrable)
        db.session.flush()
        self.reset_token = accounts.password_reset_token(self.member)
        db.session.commit()

    def candidates(self, name: str, converter: str) -> list[object]:
        """Values to try for the URL argument `name` (several when the kind of row matters)."""
        ints = {
            "thread_id": [self.request.id, self.question.id, self.tip.id],
            "post_id": [self.reply.id, self.opening_post_id],
            "user_id": [self.member.id],
            "board_id": [self.board.id],
            "report_id": [self.report.id],
            "livrable_id": [self.livrable.id],
        }
        strings = {"slug": [self.board.slug], "token": [self.reset_token],
                   "action": ["lock", "pin", "hide", "delete"]}
        if converter in ("IntegerConverter", "IdConverter"):  # IdConverter: `<int:…>` (forum.web.paging)
            return ints.get(name, [self.request.id])  # unknown names: an id that exists
        return strings.get(name, ["essai"])

    def form(self) -> dict[str, str]:
        """Plausible values for the field names the forms of the site use."""
        return {
            "title": "Un titre de test assez long", "body": "Un texte de test assez long pour passer.",
            "kind": "request", "importance": "bloquant", "reason": "hors_sujet", "comment": "Pour voir",
            "status": "refusee", "note": "Motif de test", "target_version": "9.9",
            "target_id": str(self.other_request.id), "target": str(self.other_question.id),
            "board_id": str(self.other_board.id), "board": self.other_board.slug, "days": "7",
            "duration": "7", "resolution": "Traité", "confirm": "y", "email": "nouveau@example.org",
            "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD, "display_name": "Nom de test",
            "profession": "infirmier", "structure_name": "MSP de test", "structure_kind": "msp",
            "region": "Bretagne", "version": "1.0", "software_version": "1.0", "bio": "Bio",
        }


def state_changing_rules(app: Flask):
    for rule in app.url_map.iter_rules():
        methods = sorted(set(rule.methods or ()) & set(STATE_CHANGING))
        if methods and rule.endpoint != "static":
            yield rule, methods


def urls(app: Flask, rule, world: World) -> Iterator[str]:
    """The rule's URL filled with each combination of candidate arguments (at most 8)."""
    names = sorted(rule.arguments)
    choices = [world.candidates(name, type(rule._converters[name]).__name__) if name in rule._converters
               else ["essai"] for name in names]
    with app.test_request_context():
        for values in itertools.islice(itertools.product(*choices), 8):
            yield rule.build(dict(zip(names, values, strict=True)), append_unknown=False)[1]


def snapshot() -> dict[str, list[str]]:
    """Every row of every table: what "changes nothing" is checked against."""
    db.session.rollback()
    return {table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
            for table in db.metadata.sorted_tables}


def french_csrf_refusal(response) -> bool:
    if response.is_json:
        return "formulaire" in response.json["error"]["message"]
    return CSRF_MESSAGE in html.unescape(response.get_data(as_text=True))


def logged_in_as(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def problems_without_login(app: Flask, client, world: World) -> list[str]:
    """Anonymous requests: refused (log-in redirect or 4xx) and nothing stored. Public routes are
    checked with CSRF on, since they are meant to work without an account."""
    problems = []
    for rule, methods in state_changing_rules(app):
        public = rule.endpoint in PUBLIC
        app.config["WTF_CSRF_ENABLED"] = public
        for url, method in itertools.product(urls(app, rule, world), methods):
            before = snapshot()
            response = client.open(url, method=method, data=world.form())
            status, location = response.status_code, response.headers.get("Location", "")
            if public and status != 400:
                problems.append(f"{method} {url} ({rule.endpoint}) without CSRF token answered {status}")
            elif not public and (status not in ANONYMOUS_REFUSALS
                                 or (status in (302, 303) and not location.startswith("/connexion"))):
                problems.append(f"{method} {url} ({rule.endpoint}) without login answered {status} {location}")
            if snapshot() != before:
                problems.append(f"{method} {url} ({rule.endpoint}) without login changed the database")
            if logged_in_as(client):
                problems.append(f"{method} {url} ({rule.endpoint}) logged the visitor in")
                client.post("/deconnexion")
    return problems


def problems_without_csrf(app: Flask, client, world: World, user) -> list[str]:
    """Logged-in requests without token: 400 with the French message, nothing stored, still logged in."""
    app.config["WTF_CSRF_ENABLED"] = True
    problems = []
    for rule, methods in state_changing_rules(app):
        for url, method in itertools.product(urls(app, rule, world), methods):
            log_in(client, user)
            before = snapshot()
            response = client.open(url, method=method, data=world.form())
            if response.status_code != 400 or not french_csrf_refusal(response):
                problems.append(f"{method} {url} ({rule.endpoint}) without CSRF token answered "
                                f"{response.status_code}")
            if snapshot() != before:
                problems.append(f"{method} {url} ({rule.endpoint}) without CSRF token changed the database")
            if logged_in_as(client) != user.get_id():
                problems.append(f"{method} {url} ({rule.endpoint}) without CSRF token logged the user out")
    return problems


@pytest.fixture
def world(app) -> World:
    return World()


def test_the_url_map_has_state_changing_routes_to_check(app):
    endpoints = {rule.endpoint for rule, _ in state_changing_rules(app)}
    assert {"auth.login", "threads.reply", "requests.vote", "users.delete_account"} <= endpoints


def test_every_state_changing_route_refuses_a_visitor_and_changes_nothing(app, client, world):
    assert problems_without_login(app, client, world) == []


@pytest.mark.parametrize("role", ["member", "admin"])
def test_every_state_changing_route_refuses_a_post_without_csrf_token(app, client, world, role):
    user = world.member if role == "member" else world.admin
    assert problems_without_csrf(app, client, world, user) == []


def test_the_walk_catches_a_route_without_login_or_csrf(app, client):
    """The checks above would fail loudly on a route that forgot both protections."""
    @app.post("/essai/<int:thread_id>/oubli")
    @csrf.exempt
    def forgetful(thread_id: int):
        make_user(display_name=f"Intrus {thread_id}")
        db.session.commit()
        return "fait"

    world = World()
    anonymous = problems_without_login(app, client, world)
    assert any("forgetful" in p and "answered 200" in p for p in anonymous)
    assert any("forgetful" in p and "changed the database" in p for p in anonymous)
    without_csrf = problems_without_csrf(app, client, world, world.admin)
    assert any("forgetful" in p and "answered 200" in p for p in without_csrf)
