"""Relevance suite: French queries on fixed content (drawn from the seeds) with expected results.

The corpus is built once for the module through the posting services, then indexed with
apply_pending(); every test only reads it.
"""
from __future__ import annotations

import shutil
from datetime import timedelta

import pytest

from forum import create_app, search
from forum.extensions import db
from forum.models import Thread
from forum.models._time import utcnow
from forum.services import posting, statuses
from forum.services.indexing import enqueue_thread
from tests.conftest import POSTGRES_URL, _config_dict, empty_postgres, on_postgres
from tests.factories import make_board, make_post, make_thread, make_user

CORPUS = [
    # key, board, kind, title, body
    ("pocket", "chorus", "question", "Chorus Pocket ne marche plus sur iPhone",
     "Depuis la dernière mise à jour iOS, Chorus Pocket plante à l'ouverture. Une solution ?"),
    ("facturation", "chorus", "request", "Facturation infirmière (AMI/AIS) dans Chorus",
     "Nos IDE ne peuvent pas facturer avec Chorus et gardent leur propre logiciel, d'où une double saisie."),
    ("tournees", "chorus", "request", "Gestion des tournées infirmières",
     "Planifier les tournées dans le logiciel partagé éviterait un second logiciel infirmier."),
    ("version", "chorus", "tip", "Vérifier sa version avant de poster",
     "Astuce : indiquez le numéro de version exact de votre poste dans vos messages."),
    ("dmp_option", "general", "question", "Où est l'option « alimenter le DMP » ?",
     "On nous dit qu'il suffit d'activer l'option, mais nous ne la trouvons pas. Faut-il la carte CPS "
     "dans le lecteur ?"),
    ("dossier_partage", "general", "question", "Consulter le dossier d'un patient suivi à l'hôpital",
     "Le dossier médical partagé du patient est-il consultable depuis notre logiciel ?"),
    ("mssante", "general", "question", "Importer une pièce jointe reçue par MSSanté",
     "Le courrier de sortie de l'hôpital arrive. Comment l'intégrer au dossier sans l'imprimer ?"),
    ("aci", "weda", "question", "Requête « dossiers renseignés » pour l'ACI",
     "Comment sortir le pourcentage de dossiers patients renseignés demandé pour l'ACI ?"),
    ("rosp", "general", "request", "Tableau de bord de la rémunération sur objectifs de santé publique",
     "Des indicateurs prêts à l'emploi, exportables pour la CPAM."),
    ("lap", "general", "question", "Alertes d'interaction trop fréquentes",
     "Le logiciel d'aide à la prescription affiche des alertes à chaque ordonnance. Peut-on régler "
     "les niveaux ?"),
    ("sesam", "general", "question", "FSE en erreur depuis la mise à jour",
     "Depuis la mise à jour, la télétransmission échoue chaque matin. Avez-vous le même souci ?"),
    ("teleconsult", "general", "tip", "Organiser une téléconsultation avec l'EHPAD",
     "Réservez un créneau fixe et vérifiez la caméra la veille."),
    ("agenda_titre", "hellodoc", "question", "Agenda partagé entre professions",
     "L'outil ne gère pas bien les salles et les paramédicaux. Quelqu'un a-t-il tout centralisé ?"),
    ("agenda_corps", "hellodoc", "tip", "Centraliser les rendez-vous des paramédicaux",
     "Nous avons créé une vue par profession ; un agenda en ligne reste utile pour les sites distants."),
    ("ordonnances", "general", "request", "Modèles d'ordonnances de biologie",
     "Il faudrait pouvoir prescrire une prise de sang depuis le dossier partagé."),
    ("medecin_sans_accent", "general", "question", "Courrier au medecin traitant",
     "Comment envoyer le courrier au medecin traitant directement depuis la consultation ?"),
    ("carte_vitale", "general", "question", "Calcul de l'INS depuis la carte Vitale",
     "Pour certains enfants, le calcul échoue à la lecture de la carte Vitale."),
    ("carte_separee", "general", "tip", "Lecteur de carte et poste Vitale partagé",
     "Un seul lecteur de carte suffit ; la Vitale se lit ensuite sur le poste d'accueil."),
    ("habilitations", "general", "question", "Paramétrer les droits d'accès des paramédicaux",
     "Le paramétrage des habilitations est compliqué et nos kinés ne voient pas leurs bilans."),
    ("planifiee", "chorus", "request", "Export des statistiques en CSV",
     "Exporter les requêtes en CSV pour les graphiques dans un tableur."),
    ("supprime", "general", "question", "Double sauvegarde du serveur sur place",
     "Faites deux sauvegardes dont une hors site."),
]


@pytest.fixture(scope="module", params=["whoosh", "postgres"])
def corpus(request, tmp_path_factory):
    """{key: thread id} of the corpus, in an app whose index holds it: every test runs on both
    search backends (Whoosh on SQLite, or on PostgreSQL under `make test-pg`; the PostgreSQL
    backend only under `make test-pg`)."""
    tmp = tmp_path_factory.mktemp("relevance")
    if on_postgres():
        url = POSTGRES_URL
    elif request.param == "postgres":
        pytest.skip("the PostgreSQL search backend runs under `make test-pg`")
    else:
        shutil.copy(request.getfixturevalue("template_db"), tmp / "forum.sqlite3")
        url = f"sqlite:///{tmp / 'forum.sqlite3'}"
    app = create_app({**_config_dict(), "DATABASE_URL": url, "SEARCH_BACKEND": request.param,
                      "SEARCH_INDEX_DIR": str(tmp / "index")})
    with app.app_context():
        if on_postgres():
            empty_postgres(app, request.getfixturevalue("postgres_schema"))
        search.reindex()
        boards = {slug: make_board(name=name, slug=slug, **({"is_general": True} if slug == "general" else {}))
                  for slug, name in [("chorus", "Chorus"), ("weda", "WEDA"), ("hellodoc", "Hellodoc"),
                                     ("general", "Inter-logiciels")]}
        author = make_user(display_name="Claire Martin", uses=list(boards.values()))
        moderator = make_user(role="moderator")
        ids = {}
        for key, board, kind, title, body in CORPUS:
            ids[key] = make_thread(boards[board], author, kind=kind, title=title, body=body).id
        threads = {key: db.session.get(Thread, tid) for key, tid in ids.items()}
        make_post(threads["pocket"], author, body="Même souci ici, la version 12 de Chorus Pocket plante aussi.")
        make_post(threads["pocket"], author, body="Réinstaller Chorus Pocket a suffi chez nous.")
        hidden = make_post(threads["habilitations"], author, body="Mot secret : zygomatique.")
        posting.delete_post(moderator, hidden)
        posting.delete_post(moderator, _first_post(threads["supprime"]))
        threads["tournees"].last_activity_at = utcnow() + timedelta(hours=1)
        enqueue_thread(threads["tournees"].id)
        statuses.set_status(moderator, threads["planifiee"], "planifiee", note="Prévu.", version="5.0")
        db.session.commit()
        search.apply_pending()
        yield ids
        db.session.remove()
        db.engine.dispose()


def _first_post(thread):
    from sqlalchemy import select

    from forum.models import Post
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first))


def keys(corpus, q, **filters):
    by_id = {tid: key for key, tid in corpus.items()}
    results = search.query(q, **filters)
    assert results.message is None, results.message
    return [by_id[hit.thread.id] for hit in results.hits]


@pytest.mark.parametrize("q, expected", [
    # Accents ignored both ways
    ("medecin", "medecin_sans_accent"),
    ("médecin traitant", "medecin_sans_accent"),
    ("infirmiere", "facturation"),
    ("téléconsultation", "teleconsult"),
    ("teleconsultation", "teleconsult"),
    ("MSSante", "mssante"),
    # Plurals and verb forms
    ("ordonnance", "ordonnances"),
    ("ordonnances", "lap"),
    ("facturer", "facturation"),
    ("facturation", "facturation"),
    ("paramétrer", "habilitations"),
    ("plantait", "pocket"),
    # Acronyms and their expansions, both ways
    ("DMP", "dossier_partage"),
    ("dossier médical partagé", "dmp_option"),
    ("messagerie sécurisée", "mssante"),
    ("ROSP", "rosp"),
    ("accord conventionnel interprofessionnel", "aci"),
    ("LAP", "lap"),
    ("SESAM-Vitale", "sesam"),
    ("carte de professionnel de santé", "dmp_option"),
    ("télémédecine", "teleconsult"),
    ("infirmier diplômé d'État", "facturation"),
    # Apostrophes and case
    ("l'option", "dmp_option"),
    ("CHORUS POCKET", "pocket"),
])
def test_query_finds_expected_thread(corpus, q, expected):
    assert expected in keys(corpus, q)


def test_title_match_ranks_above_body_match(corpus):
    found = keys(corpus, "agenda")
    assert found[:2] == ["agenda_titre", "agenda_corps"]


def test_phrase_query_requires_adjacent_words(corpus):
    assert keys(corpus, '"carte Vitale"') == ["carte_vitale"]
    assert set(keys(corpus, "carte Vitale")) >= {"carte_vitale", "carte_separee"}


def test_phrase_ignores_stop_words_inside(corpus):
    assert keys(corpus, '"alimenter le DMP"') == ["dmp_option"]


def test_exclusion_removes_threads(corpus):
    assert "agenda_titre" in keys(corpus, "paramédicaux")
    assert "agenda_titre" not in keys(corpus, "paramédicaux -salles")
    assert "habilitations" in keys(corpus, "paramédicaux -salles")


def test_form_filters_board_kind_status(corpus):
    assert set(keys(corpus, "logiciel", board="chorus")) == {"facturation", "tournees"}
    assert keys(corpus, "agenda", kind="tip") == ["agenda_corps"]
    assert keys(corpus, "csv", status="planifiee") == ["planifiee"]
    assert keys(corpus, "csv", status="nouvelle") == []


def test_inline_filters(corpus):
    assert set(keys(corpus, "logiciel logiciel:chorus")) == {"facturation", "tournees"}
    assert keys(corpus, "agenda type:astuce") == ["agenda_corps"]
    assert keys(corpus, "statut:planifiee") == ["planifiee"]
    assert set(keys(corpus, "logiciel:Chorus type:demande")) == {"facturation", "tournees", "planifiee"}


def test_filters_are_counted_inside_the_query(corpus):
    results = search.query("", board="chorus", per_page=2)
    assert (results.total, results.pages, len(results.hits)) == (5, 3, 2)
    pages = [results] + [search.query("", board="chorus", per_page=2, page=n) for n in (2, 3)]
    seen = [h.thread.id for page in pages for h in page.hits]
    assert len(seen) == len(set(seen)) == 5


def test_deleted_thread_and_deleted_reply_never_show(corpus):
    assert keys(corpus, "sauvegarde") == []
    assert keys(corpus, "zygomatique") == []
    assert "habilitations" in keys(corpus, "habilitations")


def test_several_matching_posts_make_one_result(corpus):
    results = search.query("Chorus Pocket")
    ids = [h.thread.id for h in results.hits]
    assert ids.count(corpus["pocket"]) == 1


def test_excerpt_marks_the_matching_words(corpus):
    hit = search.query("réinstaller").hits[0]
    assert "<mark>Réinstaller</mark>" in hit.excerpt_html


def test_sort_by_date_puts_latest_activity_first(corpus):
    hits = search.query("logiciel", sort="date").hits
    assert len(hits) >= 4 and hits[0].thread.id == corpus["tournees"]
    dates = [h.thread.last_activity_at for h in hits]
    assert dates == sorted(dates, reverse=True)


def test_no_word_matches_all_falls_back_to_any_word(corpus):
    results = search.query("agenda zyxwvu")
    assert results.hits and any("une partie" in n for n in results.notices)


def test_similar_requests_are_open_requests_of_the_board(corpus):
    from sqlalchemy import select

    from forum.models import Board

    chorus = db.session.scalar(select(Board).where(Board.slug == "chorus"))
    found = search.similar_requests(chorus.id, "Facturation des infirmières à domicile")
    assert [t.id for t in found][:1] == [corpus["facturation"]]
    assert all(t.kind == "request" and t.board_id == chorus.id for t in found)
    assert found[0].slug and found[0].status_label == "Nouvelle"
