"""Every state-changing route of the URL map, found at test time, answers a request without login and
a request without CSRF token with the refusal written for it in EXPECTED, and changes nothing.

For each rule accepting POST/PUT/PATCH/DELETE (static excluded), URL arguments are filled from real
rows (a request, a question and a tip, a reply and an opening post, a member, a report, a livrable,
a reset token, the moderation words the site uses), every value at least once, and the URL is built
by the URL map itself. No 404 is accepted: a URL that missed its route or its row fails the walk
instead of passing it, and the moderators' confirmation pages of these rules must answer 200. The
posted form holds plausible values for the usual field names, so that a route which forgot its
checks would really change something — and the database snapshot taken before and after would show it.
"""
from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from forum.extensions import csrf, db
from forum.models import Livrable, Notification, Post, Report
from forum.services import accounts, documents, faq
from forum.services.notify import unsubscribe
from forum.services.uploads import Upload
from tests.factories import make_board, make_post, make_request, make_thread, make_tip, make_user
from tests.sessions import log_in

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
# The refusals: a redirect to the log-in form (coming back to the URL afterwards), or the French
# CSRF page with status 400. No state-changing route answers these requests with 403 or 404 today:
# a route meant to would say so here, and a 404 from a URL that missed its route would never pass.
LOGIN = "redirect to /connexion?next=<url>"
CSRF = "400, French CSRF message"
# The one-click unsubscribe (RFC 8058) needs neither log-in nor CSRF token: its signed token is the
# credential. The walk's genuine token stops a letter the member never took (nothing changes, 200);
# a forged one gets the French « lien non valide » page (400). tests/functional/test_unsubscribe.py
# checks the rest.
TOKEN = "200 for a genuine unsubscribe token that changes nothing, 400 French page for a forged one"
# Rule -> (refusal of an anonymous request, refusal of a logged-in request without CSRF token). The
# anonymous walk runs with CSRF on for the routes meant for visitors (log-in, registration, password
# reset), and off for the others, so that it is the log-in check that answers.
EXPECTED = {
    "/connexion": (CSRF, CSRF),
    "/deconnexion": (CSRF, CSRF),
    "/inscription": (CSRF, CSRF),
    "/mot-de-passe/oublie": (CSRF, CSRF),
    "/mot-de-passe/nouveau/<token>": (CSRF, CSRF),
    "/apercu": (LOGIN, CSRF),
    "/b/<slug>/nouveau": (LOGIN, CSRF),
    "/t/<int:thread_id>/repondre": (LOGIN, CSRF),
    "/t/<int:thread_id>/vote": (LOGIN, CSRF),
    "/t/<int:thread_id>/vote/retirer": (LOGIN, CSRF),
    "/t/<int:thread_id>/statut": (LOGIN, CSRF),
    "/t/<int:thread_id>/echeance": (LOGIN, CSRF),
    "/b/<slug>/versions/fusionner": (LOGIN, CSRF),
    "/t/<int:thread_id>/reponse-officielle": (LOGIN, CSRF),
    "/t/<int:thread_id>/fusionner": (LOGIN, CSRF),
    "/t/<int:thread_id>/utile": (LOGIN, CSRF),
    "/t/<int:thread_id>/utile/retirer": (LOGIN, CSRF),
    "/t/<int:thread_id>/confirmer": (LOGIN, CSRF),
    "/t/<int:thread_id>/solution/retirer": (LOGIN, CSRF),
    "/t/<int:thread_id>/moderation/<action>": (LOGIN, CSRF),
    "/t/<int:thread_id>/deplacer": (LOGIN, CSRF),
    "/t/<int:thread_id>/changer-type": (LOGIN, CSRF),
    "/t/<int:thread_id>/fusionner-sujet": (LOGIN, CSRF),
    "/p/<int:post_id>/accepter": (LOGIN, CSRF),
    "/p/<int:post_id>/modifier": (LOGIN, CSRF),
    "/p/<int:post_id>/supprimer": (LOGIN, CSRF),
    "/p/<int:post_id>/restaurer": (LOGIN, CSRF),
    "/p/<int:post_id>/signaler": (LOGIN, CSRF),
    "/p/<int:post_id>/moderer": (LOGIN, CSRF),
    "/p/<int:post_id>/moderation/<action>": (LOGIN, CSRF),
    "/moderation/signalements/<int:report_id>": (LOGIN, CSRF),
    "/u/<int:user_id>/suspendre": (LOGIN, CSRF),
    "/u/<int:user_id>/lever-suspension": (LOGIN, CSRF),
    "/livrables/nouveau": (LOGIN, CSRF),
    "/livrables/<int:livrable_id>": (LOGIN, CSRF),
    "/livrables/<int:livrable_id>/supprimer": (LOGIN, CSRF),
    "/livrables/<int:livrable_id>/accuse-reception": (LOGIN, CSRF),
    "/profil/modifier": (LOGIN, CSRF),
    "/profil/logiciels": (LOGIN, CSRF),
    "/profil/supprimer": (LOGIN, CSRF),
    "/profil/notifications": (LOGIN, CSRF),
    "/desabonnement/<token>": (TOKEN, TOKEN),
    "/notifications/<int:notification_id>/lu": (LOGIN, CSRF),
    "/notifications/tout-lu": (LOGIN, CSRF),
    "/t/<int:thread_id>/suivi": (LOGIN, CSRF),
    "/b/<slug>/suivi": (LOGIN, CSRF),
    "/b/<slug>/lettre/introduction": (LOGIN, CSRF),
    "/brouillon/sujet/<int:thread_id>": (LOGIN, CSRF),
    "/brouillon/forum/<slug>": (LOGIN, CSRF),
    "/brouillon/sujet/<int:thread_id>/supprimer": (LOGIN, CSRF),
    "/brouillon/forum/<slug>/supprimer": (LOGIN, CSRF),
    "/editeur/<slug>/contacts": (LOGIN, CSRF),
    "/admin/forums/<slug>/label": (LOGIN, CSRF),
    "/documents/partager": (LOGIN, CSRF),  # issue 17: the document base
    "/b/<slug>/documents/partager": (LOGIN, CSRF),
    "/documents/<int:document_id>/nouvelle-version": (LOGIN, CSRF),
    "/documents/<int:document_id>/modifier": (LOGIN, CSRF),
    "/documents/<int:document_id>/public": (LOGIN, CSRF),
    "/documents/<int:document_id>/supprimer": (LOGIN, CSRF),
    "/b/<slug>/faq/nouvelle": (LOGIN, CSRF),  # issue 17: the FAQ
    "/b/<slug>/faq/<int:entry_id>/modifier": (LOGIN, CSRF),
    "/b/<slug>/faq/<int:entry_id>/deplacer": (LOGIN, CSRF),
    "/b/<slug>/faq/<int:entry_id>/supprimer": (LOGIN, CSRF),
    "/b/<slug>/faq/<int:entry_id>/publier": (LOGIN, CSRF),
    "/b/<slug>/faq/sections": (LOGIN, CSRF),
    "/b/<slug>/faq/sections/<int:section_id>": (LOGIN, CSRF),
    "/b/<slug>/faq/sections/<int:section_id>/supprimer": (LOGIN, CSRF),
    "/t/<int:thread_id>/proposer-faq": (LOGIN, CSRF),
}
# The words of the moderation URLs (forum/web/moderation.py); each one's confirmation page must
# answer 200 to a moderator, so a word the site does not use fails instead of walking into a 404.
THREAD_ACTION_WORDS = ["epingler", "desepingler", "verrouiller", "deverrouiller", "masquer", "restaurer"]
POST_ACTION_WORDS = ["masquer", "restaurer"]
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
        self.notification = Notification(user_id=self.member.id, kind="reply", thread_id=self.question.id)
        db.session.add(self.notification)
        db.session.flush()
        self.reset_token = accounts.password_reset_token(self.member)
        self.document = documents.share_document(self.member, self.board, documents.DocumentFields(
            "Modèle de test", "", "modele", ""), Upload("modele.txt", b"Un modele de test\n"))
        self.faq_section = faq.create_section(self.admin, self.board, "Impression")
        self.faq_entry = faq.save_entry(self.admin, self.board, None, question="Comment imprimer ?",
                                        answer="Par le menu Fichier.", version="", section_id=self.faq_section.id,
                                        sources="")
        db.session.commit()

    def candidates(self, rule, name: str) -> list[object]:
        """Values to try for the URL argument `name` of `rule`: several when the kind of row matters.
        An argument nobody wrote values for fails the test rather than getting a made-up one."""
        values = {
            "thread_id": [self.request.id, self.question.id, self.tip.id],
            "post_id": [self.reply.id, self.opening_post_id],
            "user_id": [self.member.id],
            "report_id": [self.report.id],
            "livrable_id": [self.livrable.id],
            "notification_id": [self.notification.id],
            "document_id": [self.document.id],
            "entry_id": [self.faq_entry.id],
            "section_id": [self.faq_section.id],
            "slug": [self.board.slug],
            "token": ([unsubscribe.make_token(self.member.id, "letter"),  # not subscribed: nothing to stop
                       unsubscribe.make_token(self.member.id, "notifications")[:-4] + "AAAA"]
                      if rule.rule.startswith("/desabonnement/") else [self.reset_token]),
            "action": THREAD_ACTION_WORDS if rule.rule.startswith("/t/") else POST_ACTION_WORDS,
        }
        assert name in values, f"{rule.rule}: no real value for <{name}> (add one to World.candidates)"
        return values[name]

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


def state_changing_rules(app: Flask, endpoint: str | None = None):
    for rule in app.url_map.iter_rules():
        methods = sorted(set(rule.methods or ()) & set(STATE_CHANGING))
        if methods and rule.endpoint != "static" and endpoint in (None, rule.endpoint):
            yield rule, methods


def urls(app: Flask, rule, world: World) -> Iterator[tuple[str, dict]]:
    """(URL, arguments) of the rule, built by the URL map, using every candidate value at least once
    (the n-th URL takes the n-th value of each argument, cycling through the shorter lists)."""
    names = sorted(rule.arguments)
    choices = {name: world.candidates(rule, name) for name in names}
    with app.test_request_context():
        for n in range(max((len(values) for values in choices.values()), default=1)):
            values = {name: choices[name][n % len(choices[name])] for name in names}
            url = rule.build(values, append_unknown=False)[1]
            assert app.url_map.bind("localhost").match(url, method=rule_method(rule))[0] == rule.endpoint, url
            yield url, values


def rule_method(rule) -> str:
    return sorted(set(rule.methods) & set(STATE_CHANGING))[0]


def snapshot() -> dict[str, list[str]]:
    """Every row of every table: what "changes nothing" is checked against."""
    db.session.rollback()
    return {table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
            for table in db.metadata.sorted_tables}


def refused_as(expected: str, url: str, response) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and response.headers.get("Location", "").startswith(
            f"/connexion?next={url.replace('/', '%2F')}")
    if expected == TOKEN:
        text = html.unescape(response.get_data(as_text=True))
        if url.endswith("AAAA"):  # the forged token
            return response.status_code == 400 and "n'est pas valide" in text
        return response.status_code == 200 and "Désinscription enregistrée" in text
    if response.status_code != 400:
        return False
    if response.is_json:
        return "formulaire" in response.json["error"]["message"]
    return CSRF_MESSAGE in html.unescape(response.get_data(as_text=True))


def logged_in_as(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def answer(response) -> str:
    return f"{response.status_code} {response.headers.get('Location', '')}".strip()


def problems_without_login(app: Flask, client, world: World, endpoint: str | None = None) -> list[str]:
    """Anonymous requests: the refusal of EXPECTED (CSRF on for the routes meant for visitors, off
    for the others) and nothing stored. Every route, or only the one of `endpoint`."""
    problems = []
    for rule, methods in state_changing_rules(app, endpoint):
        expected = EXPECTED.get(rule.rule, (LOGIN, CSRF))[0]
        app.config["WTF_CSRF_ENABLED"] = expected == CSRF
        for url, method in ((url, method) for url, _ in urls(app, rule, world) for method in methods):
            before = snapshot()
            response = client.open(url, method=method, data=world.form())
            if not refused_as(expected, url, response):
                problems.append(f"{method} {url} ({rule.endpoint}) without login answered {answer(response)}, "
                                f"expected {expected}")
            if snapshot() != before:
                problems.append(f"{method} {url} ({rule.endpoint}) without login changed the database")
            if logged_in_as(client):
                problems.append(f"{method} {url} ({rule.endpoint}) logged the visitor in")
                client.post("/deconnexion")
    return problems


def problems_without_csrf(app: Flask, client, world: World, user, endpoint: str | None = None) -> list[str]:
    """Logged-in requests without token: the refusal of EXPECTED, nothing stored, still logged in."""
    app.config["WTF_CSRF_ENABLED"] = True
    problems = []
    for rule, methods in state_changing_rules(app, endpoint):
        expected = EXPECTED.get(rule.rule, (LOGIN, CSRF))[1]
        for url, method in ((url, method) for url, _ in urls(app, rule, world) for method in methods):
            log_in(client, user)
            before = snapshot()
            response = client.open(url, method=method, data=world.form())
            if not refused_as(expected, url, response):
                problems.append(f"{method} {url} ({rule.endpoint}) without CSRF token answered "
                                f"{answer(response)}, expected {expected}")
            if snapshot() != before:
                problems.append(f"{method} {url} ({rule.endpoint}) without CSRF token changed the database")
            if logged_in_as(client) != user.get_id():
                problems.append(f"{method} {url} ({rule.endpoint}) without CSRF token logged the user out")
    return problems


@pytest.fixture
def world(app) -> World:
    return World()


def test_every_state_changing_route_has_its_expected_refusal_written_down(app):
    rules = {rule.rule for rule, _ in state_changing_rules(app)}
    assert {"/connexion", "/t/<int:thread_id>/repondre", "/t/<int:thread_id>/vote", "/profil/supprimer"} <= rules
    assert sorted(rules - set(EXPECTED)) == []  # a new route: write its refusals in EXPECTED
    assert sorted(set(EXPECTED) - rules) == []  # a route gone or renamed: update EXPECTED


def test_the_walks_reach_every_route_with_real_rows(app, client, world):
    """The URLs the walks use reach their views: each confirmation page (the GET of a state-changing
    rule) answers 200 to a moderator (to a visitor for the visitors' forms) for at least one row,
    and for every moderation word."""
    visitor = app.test_client()
    log_in(client, world.admin)
    for rule, _ in state_changing_rules(app):
        if "GET" not in rule.methods:
            continue
        browser = visitor if EXPECTED.get(rule.rule, (LOGIN, CSRF))[0] == CSRF else client
        tried = [(values, browser.get(url).status_code) for url, values in urls(app, rule, world)]
        assert 200 in [status for _, status in tried], (rule.rule, tried)
        if "action" in rule.arguments:
            reached = {values["action"] for values, status in tried if status == 200}
            assert reached == set(world.candidates(rule, "action")), (rule.rule, tried)


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
    anonymous = problems_without_login(app, client, world, "forgetful")
    assert any("answered 200" in p for p in anonymous) and any("changed the database" in p for p in anonymous)
    without_csrf = problems_without_csrf(app, client, world, world.admin, "forgetful")
    assert any("answered 200" in p for p in without_csrf)


def test_the_walk_refuses_a_404_from_a_url_that_missed_its_row(app, client):
    """A route answering 404 to the visitor (as a URL pointing at nothing would) is reported: a 404
    is never taken for a refusal."""
    @app.post("/essai/<int:thread_id>/introuvable")
    @csrf.exempt
    def not_found(thread_id: int):
        return "introuvable", 404

    problems = problems_without_login(app, client, World(), "not_found")
    assert len(problems) == 3 and all("answered 404" in p for p in problems)  # one per thread kind
