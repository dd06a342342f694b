"""Profile pages: what a member shows of themself, and editing one's own profile and software."""
import re

from sqlalchemy import select

from forum.extensions import db
from forum.models import SoftwareUse, User
from forum.models._time import utcnow
from tests.factories import make_board, make_post, make_structure, make_thread, make_user
from tests.pages import page


def field_error(text: str, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', text)
    return match.group(1) if match else None


def _member_with_activity():
    chorus = make_board("Chorus", slug="chorus")
    weda = make_board("WEDA", slug="weda")
    structure = make_structure("MSP des Tilleuls", region="Bretagne", kind="msp")
    user = make_user(display_name="Claire Martin", profession="infirmier", structure=structure)
    db.session.add(SoftwareUse(user_id=user.id, board_id=chorus.id, version="5.2"))
    db.session.flush()
    make_thread(chorus, user, kind="tip", title="Astuce pour les ordonnances bizones")
    make_thread(weda, user, kind="request", title="Demande : export du DMP en un clic")
    gone = make_thread(chorus, user, title="Sujet supprimé par son auteur")
    gone.deleted_at = utcnow()
    other = make_thread(chorus, title="Question d'un autre membre sur la télétransmission")
    make_post(other, user, "Il faut **relancer** le module SESAM-Vitale.")
    hidden = make_post(other, user, "Réponse retirée ensuite")
    hidden.deleted_at = utcnow()
    db.session.commit()
    return user


def test_profile_shows_identity_software_threads_and_replies(client):
    user = _member_with_activity()
    response = client.get(f"/u/{user.id}")
    text = page(response)
    assert response.status_code == 200
    assert "<h1><bdi>Claire Martin</bdi></h1>" in text
    assert "infirmier·e" in text
    assert "<bdi>MSP des Tilleuls</bdi> (Maison de santé pluriprofessionnelle, Bretagne)" in text
    assert "Chorus" in text and "version 5.2" in text
    assert "Astuce pour les ordonnances bizones" in text and "Astuce</span>" in text
    assert "Demande : export du DMP en un clic" in text and "Demande d'évolution</span>" in text
    assert "Question d'un autre membre sur la télétransmission" in text
    assert "Il faut relancer le module SESAM-Vitale." in text
    assert "Sujet supprimé par son auteur" not in text
    assert "Réponse retirée ensuite" not in text
    assert "Modifier mon profil" not in text  # only on one's own profile


def test_own_profile_offers_edit_links(client, login):
    user = login(_member_with_activity())
    response = client.get(f"/u/{user.id}")
    assert response.status_code == 200
    text = page(response)
    assert 'href="/profil/modifier"' in text and 'href="/profil/logiciels"' in text


def test_profile_links_to_the_threads_and_their_boards(client):
    user = _member_with_activity()
    response = client.get(f"/u/{user.id}")
    assert response.status_code == 200
    text = page(response)
    thread = user_thread(user, "Astuce pour les ordonnances bizones")
    assert f'href="/t/{thread.id}/astuce-pour-les-ordonnances-bizones"' in text
    assert client.get(f"/t/{thread.id}/astuce-pour-les-ordonnances-bizones").status_code == 200
    assert 'href="/b/chorus/"' in text and 'href="/b/weda/"' in text


def user_thread(user, title):
    from forum.models import Thread
    return db.session.scalar(select(Thread).where(Thread.author_id == user.id, Thread.title == title))


def test_deleted_account_shows_former_member_without_personal_details(client):
    user = _member_with_activity()
    user.deleted_at = utcnow()
    db.session.commit()
    response = client.get(f"/u/{user.id}")
    assert response.status_code == 200
    text = page(response)
    assert "Ancien membre" in text
    assert "Claire Martin" not in text and "MSP des Tilleuls" not in text


def test_unknown_profile_is_a_french_404(client):
    response = client.get("/u/424242")
    assert response.status_code == 404
    assert "Ce membre n'existe pas." in page(response, 404)


def test_profile_runs_the_same_number_of_queries_for_3_or_15_threads(client, count_queries):
    board = make_board("Chorus")
    small, big = make_user(uses=[board]), make_user(uses=[board])
    for author, n in ((small, 3), (big, 15)):
        for i in range(n):
            thread = make_thread(board, author, title=f"Sujet numéro {i} de {author.display_name}")
            make_post(thread, author, f"Réponse {i}")
    db.session.commit()
    small_url, big_url = f"/u/{small.id}", f"/u/{big.id}"
    client.get(small_url)  # warm-up: applies the search updates queued while building the data
    db.session.expire_all()
    with count_queries() as few:
        assert client.get(small_url).status_code == 200
    db.session.expire_all()
    with count_queries() as many:
        assert client.get(big_url).status_code == 200
    assert few.count == many.count
    assert many.count <= 4  # user + structure, software, threads, replies


def test_edit_routes_require_login(client):
    for url in ("/profil/modifier", "/profil/logiciels"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/connexion?next=")
        assert client.post(url, data={"display_name": "Pirate"}).status_code == 302
    assert db.session.scalar(select(User).where(User.display_name == "Pirate")) is None


def test_edit_profile_is_prefilled_and_persists(client, login):
    user = login(make_user(display_name="Claire Martin", profession="infirmier",
                           structure=make_structure("MSP des Tilleuls", region="Bretagne")))
    db.session.commit()
    form = page(client.get("/profil/modifier"))
    assert 'value="Claire Martin"' in form and 'value="MSP des Tilleuls"' in form
    assert '<option selected value="infirmier">' in form
    response = client.post("/profil/modifier", data={
        "display_name": "Claire M.", "profession": "coordinateur", "structure_name": "CPTS du Littoral",
        "structure_kind": "cpts", "region": "Normandie", "bio": "Coordinatrice depuis 2019.",
    })
    assert response.status_code == 302 and response.headers["Location"] == f"/u/{user.id}"
    db.session.expire_all()
    saved = db.session.get(User, user.id)
    assert (saved.display_name, saved.profession, saved.region, saved.bio) == (
        "Claire M.", "coordinateur", "Normandie", "Coordinatrice depuis 2019.")
    assert (saved.structure.name, saved.structure.kind) == ("CPTS du Littoral", "cpts")
    profile = page(client.get(f"/u/{user.id}"))
    assert "Votre profil a été enregistré." in profile
    assert "Claire M." in profile and "coordinateur·trice" in profile and "Coordinatrice depuis 2019." in profile


def test_edit_profile_invalid_input_is_kept_and_nothing_saved(client, login):
    user = login(make_user(display_name="Claire Martin"))
    db.session.commit()
    response = client.post("/profil/modifier", data={
        "display_name": "Claire M.", "profession": "infirmier", "structure_name": "CPTS du Littoral",
        "structure_kind": "cpts", "region": "Normandie", "bio": "x" * 501,
    })
    text = page(response, 422)
    assert response.status_code == 422
    assert field_error(text, "bio") == "La présentation ne doit pas dépasser 500 caractères."
    assert 'value="Claire M."' in text and 'value="CPTS du Littoral"' in text
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "Claire Martin"


def test_edit_software_is_prefilled_and_replaces_declared_software(client, login):
    chorus, weda = make_board("Chorus"), make_board("WEDA")
    make_board("Inter-logiciels", is_general=True)
    user = make_user(uses=[chorus])
    user.software[0].version = "5.1"
    db.session.commit()
    login(user)
    form = page(client.get("/profil/logiciels"))
    assert re.search(rf'<input checked id="uses_{chorus.id}"', form)
    assert re.search(rf'id="version_{chorus.id}"[^>]*value="5.1"', form)
    assert not re.search(rf'<input checked id="uses_{weda.id}"', form)
    assert "Inter-logiciels" not in form
    response = client.post("/profil/logiciels", data={
        f"version_{chorus.id}": "5.1", f"uses_{weda.id}": "y", f"version_{weda.id}": "2024.2",
    })
    assert response.status_code == 302 and response.headers["Location"] == f"/u/{user.id}"
    rows = db.session.execute(select(SoftwareUse.board_id, SoftwareUse.version)
                              .where(SoftwareUse.user_id == user.id)).all()
    assert [tuple(r) for r in rows] == [(weda.id, "2024.2")]
    profile = page(client.get(f"/u/{user.id}"))
    assert "Vos logiciels ont été enregistrés." in profile and "version 2024.2" in profile
    again = page(client.get("/profil/logiciels"))
    assert re.search(rf'<input checked id="uses_{weda.id}"', again)
    assert not re.search(rf'<input checked id="uses_{chorus.id}"', again)


def test_member_can_only_edit_their_own_profile(client, login):
    other = make_user(display_name="Autre membre")
    me = login(make_user(display_name="Moi"))
    db.session.commit()
    response = client.post(f"/profil/modifier?user_id={other.id}", data={
        "user_id": other.id, "display_name": "Nom changé", "profession": "infirmier",
        "structure_name": "MSP", "structure_kind": "msp", "region": "Corse",
    })
    assert response.status_code == 302 and response.headers["Location"] == f"/u/{me.id}"
    db.session.expire_all()
    assert db.session.get(User, other.id).display_name == "Autre membre"
    assert db.session.get(User, me.id).display_name == "Nom changé"


def test_edit_software_refuses_too_long_version_and_keeps_input(client, login):
    chorus = make_board("Chorus")
    user = login(make_user())
    db.session.commit()
    response = client.post("/profil/logiciels", data={f"uses_{chorus.id}": "y", f"version_{chorus.id}": "9" * 41})
    text = page(response, 422)
    assert response.status_code == 422
    assert field_error(text, f"version_{chorus.id}") == "La version ne doit pas dépasser 40 caractères."
    assert 'value="' + "9" * 41 + '"' in text
    assert db.session.scalars(select(SoftwareUse).where(SoftwareUse.user_id == user.id)).all() == []
