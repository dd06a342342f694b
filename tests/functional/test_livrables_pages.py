"""The livrable journey through the pages: a moderator prepares, annotates and freezes; the editor
reads its livrables, downloads them and acknowledges receipt; everyone else gets 404 (as for a
livrable that does not exist: tests/functional/test_livrable_access.py)."""
import csv
import io
import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Livrable
from tests.confirm import confirm
from tests.factories import make_board, make_editor, make_user, make_vote
from tests.pages import page
from tests.scenarios import SECRET_EMAIL, SECRET_NAME


def prepare(client, **filters):
    response = client.post("/livrables/nouveau", data={"board": "chorus", "statut": ["nouvelle", "planifiee"], **filters})
    assert response.status_code == 302
    return int(re.search(r"/livrables/(\d+)", response.headers["Location"]).group(1))


def livrable_count():
    return db.session.scalar(select(func.count()).select_from(Livrable))


def test_moderator_prepares_annotates_and_freezes_a_livrable(client, login, chorus):
    login(chorus["moderator"])
    form = page(client.get("/livrables/nouveau"))
    assert "Préparer un livrable" in form and '<option value="chorus">Chorus</option>' in form
    livrable_id = prepare(client)
    draft = page(client.get(f"/livrables/{livrable_id}"))
    assert "Importer les résultats de biologie" in draft and 'name="garder"' in draft
    response = confirm(client, f"/livrables/{livrable_id}", {
        "introduction": "Synthèse du club Chorus, novembre.", "garder": [str(chorus["biology"].id), str(chorus["bizone"].id)],
        f"note-{chorus['biology'].id}": "Demandée par trois MSP.", "move_to_transmise": "y", "freeze": "Figer"})
    assert response.status_code == 302
    frozen = page(client.get(f"/livrables/{livrable_id}"))
    assert re.search(r"Livrable n° 1 – Chorus – \w+ \d{4}", frozen)
    assert "Demandée par trois MSP." in frozen and "Synthèse du club Chorus" in frozen
    assert "premier livrable de ce forum" in frozen
    assert chorus["injection"].title not in frozen
    db.session.expire_all()
    assert chorus["biology"].status == "transmise"


def test_freezing_an_empty_selection_is_refused_with_a_french_message(client, login, chorus):
    login(chorus["moderator"])
    livrable_id = prepare(client)
    note_field = f"note-{chorus['biology'].id}"
    response = client.post(f"/livrables/{livrable_id}", data={"introduction": "Mon introduction", note_field: "Ma note",
                                                               "freeze": "Figer"})
    shown = page(response, 422)
    assert "Impossible de figer un livrable vide : cochez au moins une demande." in shown
    assert "Mon introduction" in shown and "Ma note" in shown  # what was typed is kept
    db.session.expire_all()
    assert db.session.get(Livrable, livrable_id).number is None


def test_saving_a_draft_keeps_it_a_draft(client, login, chorus):
    login(chorus["moderator"])
    livrable_id = prepare(client)
    response = client.post(f"/livrables/{livrable_id}", data={"garder": [str(chorus["biology"].id)], "save": "1"})
    assert response.status_code == 302
    livrable = db.session.get(Livrable, livrable_id)
    db.session.refresh(livrable)
    assert livrable.number is None and [i.included for i in livrable.items] == [True, False, False]


def test_a_draft_can_be_deleted(client, login, chorus):
    login(chorus["moderator"])
    livrable_id = prepare(client)
    assert client.post(f"/livrables/{livrable_id}/supprimer").status_code == 302
    assert livrable_count() == 0


def frozen_by_moderator(client, login, chorus) -> int:
    login(chorus["moderator"])
    livrable_id = prepare(client)
    confirm(client, f"/livrables/{livrable_id}", {
        "garder": [str(chorus["biology"].id), str(chorus["bizone"].id), str(chorus["injection"].id)],
        f"note-{chorus['bizone'].id}": "Attendue par les MSP bretonnes.", "freeze": "1"})
    return livrable_id


def test_editor_lists_downloads_and_acknowledges(client, login, chorus):
    livrable_id = frozen_by_moderator(client, login, chorus)
    login(chorus["rep"])
    listing = page(client.get("/livrables"))
    assert "Livrable n° 1 – Chorus" in listing and "En attente" in listing
    response = client.get(f"/livrables/{livrable_id}/export.csv")
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][-1] == "Note de la fédération"
    assert "Attendue par les MSP bretonnes." in [line[-1] for line in lines[1:]]
    assert SECRET_EMAIL.encode() not in response.data and SECRET_NAME.encode() not in response.data
    for fmt in ("xlsx", "json", "md", "html"):
        assert client.get(f"/livrables/{livrable_id}/export.{fmt}").status_code == 200
    assert client.post(f"/livrables/{livrable_id}/accuse-reception").status_code == 302
    livrable = db.session.get(Livrable, livrable_id)
    db.session.refresh(livrable)
    assert livrable.acknowledged_at is not None and livrable.acknowledged_by_id == chorus["rep"].id
    login(chorus["moderator"])
    assert "Reçu le" in page(client.get("/livrables"))
    assert "Reçu par l'éditeur le" in page(client.get(f"/livrables/{livrable_id}"))


def test_downloads_of_a_frozen_livrable_ignore_later_votes(client, login, chorus):
    livrable_id = frozen_by_moderator(client, login, chorus)
    before = client.get(f"/livrables/{livrable_id}/export.json").data
    for _ in range(3):
        make_vote(chorus["bizone"], make_user(uses=[chorus["board"]]), "bloquant")
    db.session.commit()
    assert client.get(f"/livrables/{livrable_id}/export.json").data == before


@pytest.mark.parametrize("who", ["member", "other_editor"])
def test_others_get_404_on_a_livrable(client, login, chorus, who):
    livrable_id = frozen_by_moderator(client, login, chorus)
    login(make_user() if who == "member" else make_user(role="editor", editor=make_editor()))
    db.session.commit()
    for url in (f"/livrables/{livrable_id}", f"/livrables/{livrable_id}/export.csv"):
        response = client.get(url)
        assert response.status_code == 404 and b"Importer les r" not in response.data
    assert client.post(f"/livrables/{livrable_id}/accuse-reception").status_code == 404
    assert db.session.get(Livrable, livrable_id).acknowledged_at is None


def test_members_cannot_prepare_or_list_livrables(client, login, chorus):
    login(make_user())
    db.session.commit()
    assert client.get("/livrables").status_code == 403
    assert client.get("/livrables/nouveau").status_code == 403
    assert client.post("/livrables/nouveau", data={"board": "chorus"}).status_code == 403
    assert livrable_count() == 0


def test_editor_cannot_see_drafts_nor_prepare(client, login, chorus):
    login(chorus["moderator"])
    livrable_id = prepare(client)
    login(chorus["rep"])
    assert client.get(f"/livrables/{livrable_id}").status_code == 404
    assert client.get("/livrables/nouveau").status_code == 403
    assert client.post(f"/livrables/{livrable_id}", data={"freeze": "1"}).status_code == 404


def test_second_livrable_shows_its_diff(client, login, chorus):
    first = frozen_by_moderator(client, login, chorus)
    for _ in range(3):
        make_vote(chorus["bizone"], make_user(uses=[chorus["board"]]), "bloquant")
    db.session.commit()
    second = frozen_by_moderator(client, login, chorus)
    shown = page(client.get(f"/livrables/{second}"))
    assert "Livrable n° 2 – Chorus" in shown and f'href="/livrables/{first}"' in shown
    assert "En hausse (1)" in shown and "Ordonnances bizones en un clic</bdi></a> — rang 3 → 1" in shown


def test_unknown_livrable_and_format_are_404(client, login, chorus):
    livrable_id = frozen_by_moderator(client, login, chorus)
    assert client.get("/livrables/999").status_code == 404
    assert client.get(f"/livrables/{livrable_id}/export.pdf").status_code == 404


def test_livrable_pages_run_a_bounded_number_of_queries(client, login, chorus, count_queries):
    livrable_id = frozen_by_moderator(client, login, chorus)
    board = make_board(name="Autre", editor=chorus["editor"])
    db.session.commit()
    assert board.id
    with count_queries() as counter:
        assert client.get(f"/livrables/{livrable_id}").status_code == 200
    assert counter.count <= 12


def test_bad_builder_input_rerenders_in_french(client, login, chorus):
    login(chorus["moderator"])
    response = client.post("/livrables/nouveau", data={"board": "chorus", "score_min": "dix"})
    assert response.status_code == 422 and "Indiquez un nombre entier." in response.get_data(as_text=True)
    general = make_board(name="Inter-logiciels", slug="inter", is_general=True)
    db.session.commit()
    response = client.post("/livrables/nouveau", data={"board": general.slug})
    assert response.status_code == 422 and "choisissez le forum d&#39;un logiciel" in response.get_data(as_text=True)
    assert livrable_count() == 0
