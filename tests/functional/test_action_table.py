"""The action table against the roles: `policy.can` and the route of every action agree with it.

MATRIX is the specification, written out by hand (never computed from the policy): for each action
and target, which roles may act. The first test checks `can` says the same for every role. The
second performs each action through its route as each role: allowed, the page succeeds and the
change is made; refused, the page answers with the policy's French refusal and its status (403,
404, 409 or 422) and nothing changes, or an anonymous visitor is sent to /connexion.
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import render_template_string
from sqlalchemy import func, select

import forum
from forum.extensions import db
from forum.models import (
    Attachment,
    Board,
    Document,
    Editor,
    FaqEntry,
    FaqEntrySource,
    LetterIntroduction,
    Livrable,
    Post,
    Report,
    Thread,
    ThreadFollow,
    TipConfirmation,
    User,
    Vote,
)
from forum.services import policy
from forum.services.policy import Action
from tests.action_scene import ROLES, TARGETS, Scene, build_scene, png_upload
from tests.confirm import confirm
from tests.factories import make_request, make_tip, make_user

# Columns: mem = member, mod = moderator of every board, sc- = moderator limited to another board,
# sc+ = moderator limited to this board, ed+ = representative of this board's editor, ed- = of
# another editor, sus = suspended member, ano = anonymous visitor, adm = administrator.
# Targets are on "this board" and written by another member.
MATRIX = """
action                target           mem mod sc- sc+ ed+ ed- sus ano adm
create_thread         board             Y   Y   Y   Y   Y   Y   .   .   Y
reply                 open_thread       Y   Y   Y   Y   Y   Y   .   .   Y
reply                 locked_thread     .   Y   .   Y   .   .   .   .   Y
edit_post             others_post       .   Y   .   Y   .   .   .   .   Y
delete_post           others_post       .   Y   .   Y   .   .   .   .   Y
restore_post          deleted_post      .   Y   .   Y   .   .   .   .   Y
view_revisions        edited_post       .   Y   .   Y   .   .   .   .   Y
read_hidden           hidden_thread     .   Y   .   Y   .   .   .   .   Y
moderate              thread            .   Y   .   Y   .   .   .   .   Y
vote                  request           Y   Y   Y   Y   .   Y   .   .   Y
set_status            request           .   Y   .   Y   Y   .   .   .   Y
set_target            planned_request   .   Y   .   Y   Y   .   .   .   Y
accept_answer         question          .   Y   .   Y   Y   .   .   .   Y
merge_requests        request           .   Y   .   Y   .   .   .   .   Y
mark_tip_useful       tip               Y   Y   Y   Y   Y   Y   .   .   Y
confirm_tip           tip               Y   Y   Y   Y   Y   Y   .   .   Y
report_post           others_post       Y   Y   Y   Y   Y   Y   .   .   Y
suspend_user          member_account    .   Y   .   .   .   .   .   .   Y
view_moderation       nothing           .   Y   Y   Y   .   .   .   .   Y
export_requests       board             .   Y   .   Y   Y   .   .   .   Y
manage_livrables      board             .   Y   .   Y   .   .   .   .   Y
list_livrables        nothing           .   Y   Y   Y   Y   Y   .   .   Y
read_livrable         frozen_livrable   .   Y   .   Y   Y   .   .   .   Y
read_livrable         draft_livrable    .   Y   .   Y   .   .   .   .   Y
acknowledge_livrable  frozen_livrable   .   .   .   .   Y   .   .   .   .
view_editor_space     nothing           .   .   .   .   Y   Y   .   .   .
use_team_name         team_word         .   Y   Y   Y   Y   Y   .   .   Y
follow                open_thread       Y   Y   Y   Y   Y   Y   Y   .   Y
follow                hidden_thread     .   Y   .   Y   .   .   .   .   Y
write_letter_intro    board             .   Y   .   Y   .   .   .   .   Y
read_board_livrables  board             Y   Y   Y   Y   Y   Y   Y   .   Y
set_editor_contacts   editor            .   .   .   .   Y   .   .   .   .
edit_board_label      board             .   .   .   .   .   .   .   .   Y
attach_files          board             Y   Y   Y   Y   Y   Y   .   .   Y
curate_faq            board             .   Y   .   Y   Y   .   .   .   Y
propose_faq           tip               Y   Y   Y   Y   Y   Y   .   .   Y
read_documents        members_document  Y   Y   Y   Y   Y   Y   Y   .   Y
share_document        board             Y   Y   Y   Y   Y   Y   .   .   Y
manage_document       members_document  .   Y   .   Y   .   .   .   .   Y
publish_document      members_document  .   Y   .   Y   .   .   .   .   Y
"""


def _rows() -> list[tuple[str, str, frozenset[str]]]:
    lines = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    return [(action, target, frozenset(role for role, mark in zip(ROLES, marks, strict=True) if mark == "Y"))
            for action, target, *marks in lines]


ROWS = _rows()


# The suspension notice every page shows a suspended member: not an answer to the action.
SUSPENSION_NOTICE = re.compile(r'<p class="notice" role="status">.*?</p>', re.S)


def _answer(response) -> str:
    return unescape(SUSPENSION_NOTICE.sub("", response.get_data(as_text=True)))


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _first_reply(thread: Thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first.is_(False)))


@dataclass
class Route:
    """How a user performs an action: method, URL and form built from the target (the scene
    may be needed to build the form), what it changes (None: a page that only reads), the
    actions checked before it on the way (their refusal comes first), and whether an anonymous
    visitor reaches the policy instead of the log-in page."""

    method: str
    url: Callable[[Any], str]
    data: Callable[[Scene, Any], dict] = lambda scene, target: {}
    effect: Callable[[Any, User | None], Any] | None = None
    before: tuple[Action, ...] = ()
    public: bool = False
    confirmed: bool = False  # an irreversible action: allowed users go through its confirmation step


# One route per action.
ROUTES: dict[Action, Route] = {
    Action.CREATE_THREAD: Route(
        "post", lambda board: f"/b/{board.slug}/nouveau",
        lambda s, board: {"kind": "question", "title": "Une question du tableau", "body": "Comment faire ?"},
        lambda board, user: _count(Thread, Thread.board_id == board.id)),
    Action.REPLY: Route(
        "post", lambda thread: f"/t/{thread.id}/repondre", lambda s, thread: {"body": "Une réponse du tableau."},
        lambda thread, user: _count(Post, Post.thread_id == thread.id)),
    Action.EDIT_POST: Route(
        "post", lambda post: f"/p/{post.id}/modifier", lambda s, post: {"body": "Texte revu par le tableau."},
        lambda post, user: db.session.get(Post, post.id).body_source),
    Action.DELETE_POST: Route(
        "post", lambda post: f"/p/{post.id}/supprimer", effect=lambda post, user: db.session.get(Post, post.id).deleted_at,
        confirmed=True),
    Action.RESTORE_POST: Route(
        "post", lambda post: f"/p/{post.id}/restaurer", effect=lambda post, user: db.session.get(Post, post.id).deleted_at),
    Action.VIEW_REVISIONS: Route("get", lambda post: f"/p/{post.id}/historique"),
    Action.READ_HIDDEN: Route("get", lambda thread: f"/t/{thread.id}", public=True),
    Action.MODERATE: Route(
        "post", lambda thread: f"/t/{thread.id}/moderation/epingler", lambda s, thread: {"reason": ""},
        lambda thread, user: db.session.get(Thread, thread.id).pinned),
    Action.VOTE: Route(
        "post", lambda thread: f"/t/{thread.id}/vote", lambda s, thread: {"importance": "utile"},
        lambda thread, user: _count(Vote, Vote.thread_id == thread.id)),
    Action.SET_STATUS: Route(
        "post", lambda thread: f"/t/{thread.id}/statut",
        lambda s, thread: {"status": "planifiee", "version": "6.2", "note": "Prévu pour la 6.2."},
        lambda thread, user: db.session.get(Thread, thread.id).status),
    Action.SET_TARGET: Route(
        "post", lambda thread: f"/t/{thread.id}/echeance", lambda s, thread: {"version": "6.2", "period": "T4 2030"},
        lambda thread, user: db.session.get(Thread, thread.id).target_version),
    Action.ACCEPT_ANSWER: Route(
        "post", lambda question: f"/p/{_first_reply(question).id}/accepter",
        effect=lambda question, user: db.session.get(Thread, question.id).accepted_post_id),
    Action.MERGE_REQUESTS: Route(
        "post", lambda thread: f"/t/{thread.id}/fusionner",
        lambda s, thread: {"target_id": make_request(s.board, s.author).id},
        lambda thread, user: db.session.get(Thread, thread.id).status, confirmed=True),
    Action.MARK_TIP_USEFUL: Route(
        "post", lambda tip: f"/t/{tip.id}/utile", effect=lambda tip, user: db.session.get(Thread, tip.id).useful_count),
    Action.CONFIRM_TIP: Route(
        "post", lambda tip: f"/t/{tip.id}/confirmer", lambda s, tip: {"version": "5.4"},
        lambda tip, user: _count(TipConfirmation, TipConfirmation.thread_id == tip.id)),
    Action.REPORT_POST: Route(
        "post", lambda post: f"/p/{post.id}/signaler", lambda s, post: {"reason": "autre"},
        lambda post, user: _count(Report, Report.post_id == post.id)),
    Action.SUSPEND_USER: Route(
        "post", lambda member: f"/u/{member.id}/suspendre", lambda s, member: {"days": 7, "reason": "Spam"},
        lambda member, user: db.session.get(User, member.id).suspended_until, confirmed=True),
    Action.VIEW_MODERATION: Route("get", lambda nothing: "/moderation"),
    Action.EXPORT_REQUESTS: Route("get", lambda board: f"/b/{board.slug}/demandes/export"),
    Action.MANAGE_LIVRABLES: Route(
        "post", lambda board: "/livrables/nouveau", lambda s, board: {"board": board.slug, "statut": ["nouvelle"]},
        lambda board, user: _count(Livrable, Livrable.board_id == board.id)),
    Action.LIST_LIVRABLES: Route("get", lambda nothing: "/livrables"),
    Action.READ_LIVRABLE: Route("get", lambda livrable: f"/livrables/{livrable.id}"),
    Action.ACKNOWLEDGE_LIVRABLE: Route(
        "post", lambda livrable: f"/livrables/{livrable.id}/accuse-reception",
        effect=lambda livrable, user: db.session.get(Livrable, livrable.id).acknowledged_at,
        before=(Action.READ_LIVRABLE,)),
    Action.VIEW_EDITOR_SPACE: Route("get", lambda nothing: "/editeur"),
    Action.USE_TEAM_NAME: Route(
        "post", lambda word: "/profil/modifier",
        lambda s, word: {"display_name": f"Claire Martin, {word}", "profession": "medecin_generaliste",
                         "structure_name": "MSP des Tilleuls", "structure_kind": "msp",
                         "region": "Hauts-de-France", "bio": ""},
        lambda word, user: db.session.get(User, user.id).display_name if user else None),
    Action.FOLLOW: Route(
        "post", lambda thread: f"/t/{thread.id}/suivi", lambda s, thread: {"level": "muted"},
        lambda thread, user: db.session.get(ThreadFollow, (user.id, thread.id)) is not None if user else None),
    Action.WRITE_LETTER_INTRO: Route(
        "post", lambda board: f"/b/{board.slug}/lettre/introduction", lambda s, board: {"introduction": "Rencontre du club."},
        lambda board, user: getattr(db.session.get(LetterIntroduction, board.id), "updated_at", None)),
    Action.READ_BOARD_LIVRABLES: Route("get", lambda board: f"/b/{board.slug}/livrables"),
    Action.SET_EDITOR_CONTACTS: Route(
        "post", lambda editor: f"/editeur/{editor.slug}/contacts", lambda s, editor: {"contact_note": "support@ict.example"},
        lambda editor, user: db.session.get(Editor, editor.id).contact_note),
    Action.EDIT_BOARD_LABEL: Route(
        "post", lambda board: f"/admin/forums/{board.slug}/label",
        lambda s, board: {"label_level": "avance", "label_version": "V2", "label_note": ""},
        lambda board, user: db.session.get(Board, board.id).label_level),
    Action.ATTACH_FILES: Route(
        "post", lambda board: f"/b/{board.slug}/nouveau",
        lambda s, board: {"kind": "question", "title": "Une capture du tableau", "body": "Voici l'écran.",
                          "files": png_upload()},
        lambda board, user: _count(Attachment), before=(Action.CREATE_THREAD,)),
    Action.CURATE_FAQ: Route(
        "post", lambda board: f"/b/{board.slug}/faq/nouvelle",
        lambda s, board: {"question": "Comment imprimer ?", "answer": "Par le menu Fichier.", "version": "",
                          "section_id": "", "sources": ""},
        lambda board, user: _count(FaqEntry, FaqEntry.board_id == board.id)),
    Action.PROPOSE_FAQ: Route(
        "post", lambda tip: f"/t/{tip.id}/proposer-faq",
        lambda s, tip: {"question": "Un raccourci utile", "answer": "Ctrl+P imprime.", "version": ""},
        lambda tip, user: _count(FaqEntrySource, FaqEntrySource.thread_id == tip.id)),
    Action.READ_DOCUMENTS: Route("get", lambda document: f"/documents/{document.id}"),
    Action.SHARE_DOCUMENT: Route(
        "post", lambda board: f"/b/{board.slug}/documents/partager",
        lambda s, board: {"title": "Modèle du tableau", "description": "", "category": "modele", "version": "",
                          "file": (io.BytesIO(b"Un modele\n"), "modele.txt")},
        lambda board, user: _count(Document, Document.board_id == board.id)),
    Action.MANAGE_DOCUMENT: Route(
        "post", lambda document: f"/documents/{document.id}/modifier",
        lambda s, document: {"title": "Protocole revu", "description": "", "category": "protocole", "version": ""},
        lambda document, user: db.session.get(Document, document.id).title),
    Action.PUBLISH_DOCUMENT: Route(
        "post", lambda document: f"/documents/{document.id}/public", lambda s, document: {"public": "1"},
        lambda document, user: db.session.get(Document, document.id).public),
}


def test_the_matrix_and_the_routes_cover_every_action():
    assert {Action(action) for action, _, _ in ROWS} == set(Action)
    assert set(ROUTES) == set(Action)


@pytest.mark.parametrize(("action", "target", "allowed"), ROWS, ids=[f"{a}-{t}" for a, t, _ in ROWS])
def test_can_agrees_with_the_table(app, action, target, allowed):
    scene = build_scene()
    subject = TARGETS[target](scene)
    answers = {role: policy.can(user, action, subject) for role, user in scene.users.items()}
    assert {role for role, yes in answers.items() if yes} == allowed


@pytest.mark.slow
@pytest.mark.parametrize(("action", "target", "allowed"), ROWS, ids=[f"{a}-{t}" for a, t, _ in ROWS])
def test_each_route_agrees_with_the_table(app, client, login, action, target, allowed):
    scene = build_scene()
    route = ROUTES[Action(action)]
    for role in ROLES:
        user = scene.users[role]
        subject = TARGETS[target](scene)
        data = route.data(scene, subject)
        error = next(filter(None, (policy.refusal(user, a, subject) for a in (*route.before, action))), None)
        db.session.commit()
        with client.session_transaction() as session:
            session.clear()
        if user is not None:
            login(user)
        before = route.effect(subject, user) if route.effect else None
        if route.confirmed and role in allowed:
            response = confirm(client, route.url(subject), data)
        else:
            response = getattr(client, route.method)(route.url(subject), data=data)
        db.session.expire_all()
        after = route.effect(subject, user) if route.effect else None
        where = f"{action} on {target} as {role}"
        if role in allowed:
            assert response.status_code == (200 if route.method == "get" else 302), where
            assert "/connexion" not in response.headers.get("Location", ""), where
            assert route.effect is None or after != before, where
            continue
        assert error is not None, where
        if user is None and not route.public:
            assert response.status_code == 302 and "/connexion" in response.headers["Location"], where
        else:
            assert response.status_code == error.status_code, where
            assert error.message in _answer(response), where
        assert after == before, where


def test_suspended_member_marking_a_tip_useful_is_told_why(client, login):
    scene = build_scene()
    tip = make_tip(scene.board, scene.author)
    db.session.commit()
    login(scene.users["suspended"])
    response = client.post(f"/t/{tip.id}/utile")
    assert response.status_code == 403
    answer = _answer(response)
    assert "Votre compte est suspendu jusqu'au" in answer and "Propos hors charte" in answer
    assert "Connectez-vous" not in answer
    db.session.expire_all()
    assert db.session.get(Thread, tip.id).useful_count == 0


def test_every_action_a_template_names_exists():
    """Templates name actions by their value; one not rendered by any test is still checked here."""
    templates = Path(forum.__file__).parent / "templates"
    names = {name for path in templates.rglob("*.html")
             for name in re.findall(r"\bcan\(\s*[\w.]+\s*,\s*['\"](\w+)['\"]", path.read_text(encoding="utf-8"))}
    assert {"reply", "view_moderation", "list_livrables"} <= names
    assert names <= {action.value for action in Action}


def test_a_mistyped_action_fails_loudly(app):
    member = make_user()
    with pytest.raises(ValueError):
        policy.can(member, "rpely", None)
    with pytest.raises(ValueError):
        policy.require(member, "moderer", None)
    with app.test_request_context():
        assert render_template_string("{{ can(None, 'list_livrables') }}") == "False"
        with pytest.raises(ValueError):
            render_template_string("{{ can(None, 'liste_livrables') }}")
