"""Irreversible actions (freeze a livrable, merge requests or threads, delete a post or a thread,
suspend a member) ask first: the first POST shows what will happen and changes nothing; only the
step's signed confirmation acts, and posting straight to the action without it does nothing."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from forum.extensions import db
from forum.models import Livrable, Post, Thread, User
from forum.web import confirmation
from tests.confirm import confirm, step_fields
from tests.factories import make_board, make_post, make_thread, make_user
from tests.pages import page
from tests.scenarios import build_board


@dataclass
class Case:
    url: str
    data: dict
    sentence: str  # part of the sentence saying what will happen
    done: Callable[[], object]  # truthy once the action happened
    cancel: str  # where « Annuler » leads
    other_url: str  # the same action on another object


def _fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def _freeze(client, login) -> Case:
    chorus = build_board()
    db.session.commit()
    login(chorus["moderator"])
    ids = []
    for _ in range(2):
        response = client.post("/livrables/nouveau", data={"board": "chorus", "statut": ["nouvelle", "planifiee"]})
        ids.append(int(re.search(r"/livrables/(\d+)", response.headers["Location"]).group(1)))
    kept = [str(chorus["biology"].id), str(chorus["bizone"].id)]
    return Case(f"/livrables/{ids[0]}", {"garder": kept, "introduction": "Synthèse.", "freeze": "Figer"},
                "Le livrable n° 1 de Chorus sera figé avec 2 demandes et transmis à l'éditeur ; "
                "il ne pourra plus être modifié.",
                lambda: _fresh(Livrable, ids[0]).number, f"/livrables/{ids[0]}", f"/livrables/{ids[1]}")


def _merge_requests(client, login) -> Case:
    chorus = build_board()
    source, target = chorus["biology"], chorus["injection"]
    db.session.commit()
    login(chorus["moderator"])
    return Case(f"/t/{source.id}/fusionner", {"target_id": target.id},
                f"Les 3 votes de la demande n° {source.id} seront reportés sur la n° {target.id}",
                lambda: _fresh(Thread, source.id).status == "doublon", f"/t/{source.id}/",
                f"/t/{chorus['bizone'].id}/fusionner")


def _merge_threads(client, login) -> Case:
    board = make_board()
    source, target, other = make_thread(board, title="Imprimer une FSE"), make_thread(board), make_thread(board)
    make_post(source)
    make_post(source)
    moderator = make_user(role="moderator")
    db.session.commit()
    login(moderator)
    return Case(f"/t/{source.id}/fusionner-sujet", {"target_id": target.id, "reason": "Doublon"},
                f"Les 3 messages du sujet n° {source.id} « Imprimer une FSE » rejoindront le sujet n° {target.id}",
                lambda: _fresh(Thread, source.id).merged_into_id, f"/t/{source.id}/",
                f"/t/{other.id}/fusionner-sujet")


def _delete_reply(client, login) -> Case:
    thread = make_thread(title="Export des ordonnances")
    author = make_user()
    post, other = make_post(thread, author, body="Message regretté"), make_post(thread, author)
    db.session.commit()
    login(author)
    return Case(f"/p/{post.id}/supprimer", {}, "Votre message du ",
                lambda: _fresh(Post, post.id).deleted_at, f"/p/{post.id}", f"/p/{other.id}/supprimer")


def _delete_thread(client, login) -> Case:
    author = make_user()
    thread, other = make_thread(author=author, title="Sujet sans réponse"), make_thread(author=author)
    db.session.commit()
    first = db.session.scalar(db.select(Post).where(Post.thread_id == thread.id))
    other_first = db.session.scalar(db.select(Post).where(Post.thread_id == other.id))
    login(author)
    return Case(f"/p/{first.id}/supprimer", {}, "Le sujet « Sujet sans réponse » sera supprimé",
                lambda: _fresh(Thread, thread.id).deleted_at, f"/p/{first.id}", f"/p/{other_first.id}/supprimer")


def _suspend(client, login) -> Case:
    member, other = make_user(display_name="Marc Dupont"), make_user()
    db.session.commit()
    login(make_user(role="moderator"))
    return Case(f"/u/{member.id}/suspendre", {"days": "7", "reason": "Insultes répétées"},
                "Marc Dupont ne pourra plus écrire, répondre, voter ni signaler jusqu'au ",
                lambda: _fresh(User, member.id).suspended_until, f"/u/{member.id}", f"/u/{other.id}/suspendre")


CASES = {"figer": _freeze, "fusionner des demandes": _merge_requests, "fusionner des sujets": _merge_threads,
         "supprimer un message": _delete_reply, "supprimer un sujet": _delete_thread, "suspendre": _suspend}


@pytest.fixture(params=list(CASES))
def case(request, client, login) -> Case:
    return CASES[request.param](client, login)


def _form(fields: list[tuple[str, str]], **changes) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for name, value in fields:
        form.setdefault(name, []).append(value)
    form.update(changes)
    return form


def test_first_post_says_what_will_happen_and_changes_nothing(client, case):
    shown = page(client.post(case.url, data=case.data))
    assert case.sentence in shown and "Cette action est définitive." in shown
    assert f'href="{case.cancel}' in shown and ">Annuler</a>" in shown
    assert not case.done()


def test_confirming_the_step_acts(client, case):
    response = confirm(client, case.url, case.data)
    assert response.status_code == 302
    assert case.done()


def test_posting_straight_to_the_action_without_its_token_changes_nothing(client, case):
    shown = page(client.post(case.url, data={**case.data, confirmation.TOKEN_FIELD: "forged.token"}), 400)
    assert "Cette confirmation n'est plus valable" in shown and case.sentence in shown
    assert not case.done()


def test_a_token_for_other_values_or_another_object_changes_nothing(client, case):
    fields = step_fields(page(client.post(case.url, data=case.data)))
    response = client.post(case.other_url, data=_form(fields))
    assert response.status_code in (400, 422)
    response = client.post(case.url, data=_form(fields, tampered=["1"]))
    assert response.status_code == 400
    assert not case.done()


def test_an_expired_confirmation_changes_nothing(client, case, monkeypatch):
    fields = step_fields(page(client.post(case.url, data=case.data)))
    monkeypatch.setattr(confirmation, "MAX_AGE", -1)
    assert page(client.post(case.url, data=_form(fields)), 400)
    assert not case.done()


def test_the_confirmation_still_needs_its_csrf_token(app, client, case):
    fields = step_fields(page(client.post(case.url, data=case.data)))
    assert "csrf_token" in dict(fields)
    app.config["WTF_CSRF_ENABLED"] = True
    without = [(name, value) for name, value in fields if name != "csrf_token"]
    assert client.post(case.url, data=_form(without)).status_code == 400
    assert not case.done()
    assert client.post(case.url, data=_form(fields)).status_code == 302
    assert case.done()


def test_another_moderator_cannot_use_the_step_of_the_first(client, login):
    case = _suspend(client, login)
    fields = step_fields(page(client.post(case.url, data=case.data)))
    login(make_user(role="moderator"))
    assert client.post(case.url, data=_form(fields)).status_code == 400
    assert not case.done()


def test_cancelling_a_freeze_leaves_the_draft_editable(client, login):
    case = _freeze(client, login)
    page(client.post(case.url, data=case.data))
    draft = page(client.get(case.cancel))
    assert "Figer et transmettre" in draft and 'id="draft-form"' in draft
    assert "Synthèse.</textarea>" in draft  # what was typed before « Figer » is kept as the draft
    assert not case.done()
