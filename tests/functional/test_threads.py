"""Thread page: reading, replying, editing, deleting and restoring posts, revision history."""

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, PostRevision, Structure, Thread
from forum.services import posting
from tests.confirm import confirm
from tests.factories import make_board, make_post, make_structure, make_thread, make_user
from tests.pages import page

NIR = "1 85 12 75 123 456 78"


def first_post(thread: Thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first.is_(True)))


def post_count() -> int:
    return db.session.scalar(select(func.count(Post.id)))


# Reading


def test_thread_page_shows_breadcrumb_title_and_posts(client):
    board = make_board(name="Hellodoc")
    author = make_user(display_name="Julie Bernard", profession="infirmier",
                       structure=make_structure(name="MSP du Vieux Port"))
    thread = make_thread(board, author, title="Comment exporter le DMP ?", body="Je cherche **l'option**.")
    make_post(thread, body="Menu Outils puis Export.")
    db.session.commit()
    response = client.get(f"/t/{thread.id}/{thread.slug}")
    assert response.status_code == 200
    html = page(response)
    assert 'aria-label="Fil d\'Ariane"' in html and "Accueil" in html and "Hellodoc" in html
    assert "<h1><bdi>Comment exporter le DMP ?</bdi></h1>" in html
    assert "Julie Bernard" in html and "infirmier·e" in html and "MSP du Vieux Port" in html
    assert "<strong>l'option</strong>" in html and "Menu Outils puis Export." in html
    assert "Question" in html


def test_thread_url_without_or_with_a_wrong_slug_still_works(client):
    thread = make_thread(title="Un sujet au titre précis")
    db.session.commit()
    assert client.get(f"/t/{thread.id}").status_code == 200
    response = client.get(f"/t/{thread.id}/mauvais-titre?page=1")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/t/{thread.id}/un-sujet-au-titre-precis?page=1")


def test_unknown_thread_is_a_french_404(client):
    response = client.get("/t/999999")
    assert response.status_code == 404
    assert "Ce sujet n'existe pas" in page(response, 404)


def test_request_and_tip_show_status_and_version(client):
    board = make_board()
    request_thread = make_thread(board, kind="request", title="Pouvoir exporter en CSV")
    tip = make_thread(board, kind="tip", title="Raccourci pour les ordonnances", software_version="7.1")
    db.session.commit()
    html = page(client.get(f"/t/{request_thread.id}"))
    assert "Demande d'évolution" in html and "Nouvelle" in html
    html = page(client.get(f"/t/{tip.id}"))
    assert "Astuce vérifiée sur la version 7.1" in html


def test_replies_are_paginated_20_per_page(client):
    thread = make_thread(body="Message d'ouverture du sujet")
    author = make_user()
    for n in range(22):
        make_post(thread, author, body=f"Réponse numéro {n:02d}")
    db.session.commit()
    first = page(client.get(f"/t/{thread.id}"))
    assert "Réponse numéro 00" in first and "Réponse numéro 19" in first and "Réponse numéro 20" not in first
    assert "Page 1 sur 2" in first
    second = page(client.get(f"/t/{thread.id}?page=2"))
    assert "Réponse numéro 21" in second and "Réponse numéro 19" not in second
    assert "Message d'ouverture du sujet" in second
    past = client.get(f"/t/{thread.id}?page=7")
    assert past.status_code == 200 and "Cette page n'existe pas" in page(past)


def test_accepted_answer_is_highlighted(client):
    thread = make_thread()
    answer = make_post(thread, body="La bonne réponse")
    thread.accepted_post_id = answer.id
    db.session.commit()
    html = page(client.get(f"/t/{thread.id}"))
    assert f'class="post accepted" id="p{answer.id}"' in html
    assert "Solution acceptée" in html


def test_locked_thread_shows_the_message_instead_of_the_form(client, login):
    thread = make_thread()
    thread.locked = True
    member = make_user()
    db.session.commit()
    login(member)
    html = page(client.get(f"/t/{thread.id}"))
    assert "Ce sujet est verrouillé : il n'accepte plus de réponses." in html
    assert f'action="/t/{thread.id}/repondre"' not in html


def test_logged_out_visitor_gets_a_login_link_back_to_the_thread(client):
    thread = make_thread(title="Sujet public à lire")
    db.session.commit()
    html = page(client.get(f"/t/{thread.id}"))
    assert "/connexion?next=" in html and f"/t/{thread.id}/sujet-public-a-lire" in html
    assert "<textarea" not in html


# Replying


def test_member_replies_and_lands_on_the_last_page(client, login):
    thread = make_thread()
    author = make_user()
    for _ in range(20):
        make_post(thread, author)
    member = login(make_user())
    db.session.commit()
    response = client.post(f"/t/{thread.id}/repondre", data={"body": "Ma réponse **utile**"})
    assert response.status_code == 302
    post = db.session.scalar(select(Post).where(Post.author_id == member.id))
    assert response.headers["Location"].endswith(f"?page=2#p{post.id}")
    html = page(client.get(response.headers["Location"]))
    assert "<strong>utile</strong>" in html


def test_reply_preview_renders_without_writing(client, login):
    thread = make_thread()
    login(make_user())
    db.session.commit()
    before = post_count()
    response = client.post(f"/t/{thread.id}/repondre", data={"body": "Texte en _aperçu_", "preview": "Aperçu"})
    assert response.status_code == 200
    html = page(response)
    assert "<em>aperçu</em>" in html and "Texte en _aperçu_</textarea>" in html
    assert post_count() == before


def test_empty_reply_is_refused_and_nothing_written(client, login):
    thread = make_thread()
    login(make_user())
    db.session.commit()
    before = post_count()
    response = client.post(f"/t/{thread.id}/repondre", data={"body": "   "})
    assert response.status_code == 422
    assert "Le message ne peut pas être vide." in page(response, 422)
    assert post_count() == before


def test_reply_with_a_nir_is_refused_and_text_kept(client, login):
    thread = make_thread()
    login(make_user())
    db.session.commit()
    before = post_count()
    response = client.post(f"/t/{thread.id}/repondre", data={"body": f"Le patient {NIR} a un souci"})
    assert response.status_code == 422
    html = page(response, 422)
    assert "numéro de sécurité sociale" in html and f"Le patient {NIR} a un souci" in html
    assert post_count() == before


def test_oversized_reply_is_refused_and_text_kept(client, login):
    thread = make_thread()
    login(make_user())
    db.session.commit()
    body = "a" * 50_001
    response = client.post(f"/t/{thread.id}/repondre", data={"body": body})
    assert response.status_code == 422
    html = page(response, 422)
    assert "Le message ne doit pas dépasser" in html and body in html


def test_reply_to_a_locked_thread_is_a_409_and_nothing_written(client, login):
    thread = make_thread()
    thread.locked = True
    login(make_user())
    db.session.commit()
    before = post_count()
    response = client.post(f"/t/{thread.id}/repondre", data={"body": "Je réponds quand même"})
    assert response.status_code == 409
    assert "Ce sujet est verrouillé : il n'accepte plus de réponses." in page(response, 409)
    assert post_count() == before


def test_anonymous_reply_redirects_to_login_and_writes_nothing(client):
    thread = make_thread()
    db.session.commit()
    before = post_count()
    response = client.post(f"/t/{thread.id}/repondre", data={"body": "Réponse anonyme"})
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]
    assert post_count() == before


def test_reply_to_unknown_thread_is_a_404(client, login):
    login(make_user())
    db.session.commit()
    assert client.post("/t/424242/repondre", data={"body": "Bonjour"}).status_code == 404


# Editing


def test_author_edits_own_reply_and_the_page_says_modified(client, login):
    thread = make_thread()
    author = make_user()
    post = make_post(thread, author, body="Première version")
    db.session.commit()
    login(author)
    form = page(client.get(f"/p/{post.id}/modifier"))
    assert "Première version</textarea>" in form and 'name="title"' not in form
    response = client.post(f"/p/{post.id}/modifier", data={"body": "Version corrigée"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#p{post.id}")
    html = page(client.get(response.headers["Location"]))
    assert "Version corrigée" in html and "modifié le" in html
    assert f"/p/{post.id}/historique" not in html  # members do not see the history link
    assert db.session.scalar(select(PostRevision.body_source).where(PostRevision.post_id == post.id)) == "Première version"


def test_editing_the_opening_post_can_change_the_title(client, login):
    thread = make_thread(title="Titre avec une faute")
    db.session.commit()
    login(thread.author)
    form = page(client.get(f"/p/{first_post(thread).id}/modifier"))
    assert 'value="Titre avec une faute"' in form
    client.post(f"/p/{first_post(thread).id}/modifier", data={"title": "Titre corrigé", "body": "Texte"})
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).title == "Titre corrigé"


def test_edit_with_an_oversized_title_is_refused_and_input_kept(client, login):
    thread = make_thread(title="Titre d'origine")
    db.session.commit()
    login(thread.author)
    title = "T" * 151
    response = client.post(f"/p/{first_post(thread).id}/modifier", data={"title": title, "body": "Texte modifié"})
    assert response.status_code == 422
    html = page(response, 422)
    assert "Le titre ne doit pas dépasser 150 caractères" in html and title in html and "Texte modifié" in html
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).title == "Titre d'origine"


def test_editing_someone_elses_post_is_forbidden_and_unchanged(client, login):
    thread = make_thread(body="Texte de l'auteur")
    login(make_user())
    db.session.commit()
    post = first_post(thread)
    assert client.get(f"/p/{post.id}/modifier").status_code == 403
    response = client.post(f"/p/{post.id}/modifier", data={"body": "Vandalisme"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Post, post.id).body_source == "Texte de l'auteur"


def test_edit_preview_renders_without_saving(client, login):
    thread = make_thread(body="Texte d'origine")
    db.session.commit()
    login(thread.author)
    post = first_post(thread)
    response = client.post(f"/p/{post.id}/modifier",
                           data={"title": thread.title, "body": "Nouveau **texte**", "preview": "Aperçu"})
    assert response.status_code == 200 and "<strong>texte</strong>" in page(response)
    db.session.expire_all()
    assert db.session.get(Post, post.id).body_source == "Texte d'origine"


def test_edit_unknown_post_is_a_404(client, login):
    login(make_user())
    db.session.commit()
    assert client.get("/p/31337/modifier").status_code == 404


# Deleting and restoring


def test_author_deletes_own_reply_which_shows_as_deleted(client, login):
    thread = make_thread()
    author = make_user()
    post = make_post(thread, author, body="Message regretté")
    db.session.commit()
    login(author)
    response = confirm(client, f"/p/{post.id}/supprimer")
    assert response.status_code == 302
    html = page(client.get(f"/t/{thread.id}"))
    assert "Message supprimé" in html and "Message regretté" not in html


def test_deleting_someone_elses_post_is_forbidden_and_unchanged(client, login):
    thread = make_thread()
    post = make_post(thread)
    login(make_user())
    db.session.commit()
    assert client.post(f"/p/{post.id}/supprimer").status_code == 403
    db.session.expire_all()
    assert db.session.get(Post, post.id).deleted_at is None


def test_deleting_the_opening_post_of_an_unanswered_thread_removes_it(client, login):
    board = make_board()
    thread = make_thread(board)
    db.session.commit()
    login(thread.author)
    response = confirm(client, f"/p/{first_post(thread).id}/supprimer")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/b/{board.slug}/")
    assert client.get(f"/t/{thread.id}").status_code == 404


def test_moderator_sees_deleted_content_and_restores_it(client, login):
    thread = make_thread()
    post = make_post(thread, body="Contenu retiré par erreur")
    posting.delete_post(post.author, post)
    db.session.commit()
    login(make_user(role="moderator"))
    html = page(client.get(f"/t/{thread.id}"))
    assert "Message supprimé" in html and "Contenu retiré par erreur" in html and "Restaurer" in html
    response = client.post(f"/p/{post.id}/restaurer")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, post.id).deleted_at is None
    assert db.session.get(Thread, thread.id).reply_count == 1


def test_member_cannot_restore_a_post(client, login):
    thread = make_thread()
    post = make_post(thread)
    posting.delete_post(post.author, post)
    db.session.commit()
    login(post.author)
    assert client.post(f"/p/{post.id}/restaurer").status_code == 403
    db.session.expire_all()
    assert db.session.get(Post, post.id).deleted_at is not None


def test_deleted_thread_is_a_404_for_members_but_visible_to_moderators(client, login):
    thread = make_thread(title="Sujet supprimé à vérifier")
    posting.delete_post(thread.author, first_post(thread))
    member, moderator = make_user(), make_user(role="moderator")
    db.session.commit()
    assert client.get(f"/t/{thread.id}").status_code == 404
    login(member)
    assert client.get(f"/t/{thread.id}").status_code == 404
    login(moderator)
    response = client.get(f"/t/{thread.id}")
    assert response.status_code == 200 and "Ce sujet a été supprimé" in page(response)


# History


def test_moderator_reads_the_revision_history(client, login):
    thread = make_thread(title="Titre initial du sujet", body="Version <b>initiale</b>")
    moderator = make_user(role="moderator", display_name="Modératrice Anne")
    posting.edit_post(moderator, first_post(thread), "Version corrigée", title="Titre corrigé du sujet")
    db.session.commit()
    login(moderator)
    html = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f"/p/{first_post(thread).id}/historique" in html
    response = client.get(f"/p/{first_post(thread).id}/historique")
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    assert "<pre>Version &lt;b&gt;initiale&lt;/b&gt;</pre>" in raw
    text = page(response)
    assert "Modératrice Anne" in text and "par un modérateur" in text and "Titre initial du sujet" in text


def test_members_cannot_read_the_history(client, login):
    thread = make_thread()
    posting.edit_post(thread.author, first_post(thread), "Nouveau texte")
    db.session.commit()
    login(thread.author)
    response = client.get(f"/p/{first_post(thread).id}/historique")
    assert response.status_code == 403


def test_goto_post_redirects_to_its_page(client):
    thread = make_thread()
    author = make_user()
    posts = [make_post(thread, author) for _ in range(21)]
    db.session.commit()
    response = client.get(f"/p/{posts[-1].id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"?page=2#p{posts[-1].id}")


def test_structure_of_each_author_is_shown(client):
    thread = make_thread()
    make_post(thread, make_user(structure=make_structure(name="Centre de santé Jean Jaurès")))
    db.session.commit()
    assert "Centre de santé Jean Jaurès" in page(client.get(f"/t/{thread.id}"))
    assert db.session.scalar(select(func.count(Structure.id))) >= 2



def test_wrong_slug_redirect_ignores_odd_query_arguments(client):
    thread = make_thread(title="Un sujet au titre précis")
    db.session.commit()
    response = client.get(f"/t/{thread.id}/autre?slug=x&thread_id=3&_anchor=y")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/t/{thread.id}/un-sujet-au-titre-precis")
