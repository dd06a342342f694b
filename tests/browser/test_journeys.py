"""Whole journeys in a real browser: a newcomer's question answered by a peer and accepted; a
request supported, its duplicate merged into it, and a livrable frozen and downloaded as CSV."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from forum.extensions import db
from forum.models import User
from forum.services import boards, posting, votes
from tests.browser.conftest import PASSWORD, expect, log_in, log_out, screenshot, submit

pytestmark = pytest.mark.browser


def test_newcomer_asks_on_chorus_a_peer_answers_and_the_author_accepts(live_site, page):
    peer = live_site.member("Paul Kiné", boards=("chorus",))
    email = "claire.parcours@example.org"
    title = "Comment imprimer une ordonnance bizone depuis Chorus ?"

    page.goto("/inscription")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Nom affiché").fill("Claire Parcours")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_label("Profession").select_option(label="infirmier·e")
    page.get_by_label("Nom de votre structure").fill("MSP du Port")
    page.get_by_label("Type de structure").select_option(label="Maison de santé pluriprofessionnelle")
    page.get_by_label("Région").select_option(label="Bretagne")
    page.get_by_label("Chorus", exact=True).check()
    page.get_by_label("Version de Chorus (facultatif)").fill("5.2")
    submit(page, page.get_by_role("button", name="Créer mon compte"))
    expect(page.get_by_text("Bienvenue Claire Parcours")).to_be_visible()

    page.goto("/b/chorus/")
    submit(page, page.get_by_role("link", name="Nouveau sujet"))
    page.get_by_label("Question", exact=True).check()
    page.get_by_label("Titre", exact=True).fill(title)
    page.locator("textarea[name=body]").fill("Le bouton **Imprimer** reste grisé pour les bizones. Une idée ?")
    submit(page, page.get_by_role("button", name="Publier"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    thread_url = page.url
    log_out(page)

    log_in(page, peer["email"])
    page.goto(thread_url)
    page.get_by_label("Votre réponse (Markdown)").fill("Menu *Ordonnance* > *Modèle bizone*, puis **Imprimer**.")
    submit(page, page.get_by_role("button", name="Répondre"))
    expect(page.get_by_text("puis Imprimer")).to_be_visible()
    log_out(page)

    log_in(page, email)
    page.goto(thread_url)
    submit(page, page.get_by_role("button", name="Accepter comme solution"))
    expect(page.locator(".thread-head .badge-solved")).to_have_text("Résolue")
    accepted = page.locator("article.post.accepted")
    expect(accepted).to_contain_text("Solution acceptée")
    expect(accepted).to_contain_text("Paul Kiné")
    screenshot(page, "question-acceptee")


def test_request_vote_merge_then_livrable_frozen_and_exported_as_csv(live_site, page):
    author = live_site.member("Inès Demande", boards=("weda",))
    supporter = live_site.member("Hugo Soutien", boards=("weda",))
    moderator = live_site.member("Mona Modération", role="moderator")
    early_id = live_site.member("Éric Précoce", boards=("weda",))["id"]
    with live_site.app():
        board, early = boards.get_board("weda"), db.session.get(User, early_id)
        duplicate = posting.create_thread(early, board, "request", "Export DMP des comptes rendus",
                                          "Pouvoir verser les comptes rendus au DMP en un clic.")
        votes.cast_vote(early, duplicate, "utile")
        db.session.flush()
        duplicate_id = duplicate.id
    title = "Alimenter le DMP avec les comptes rendus de consultation"

    log_in(page, author["email"])
    page.goto("/b/weda/nouveau?type=request")
    page.get_by_label("Demande d'évolution", exact=True).check()
    page.get_by_label("Titre", exact=True).fill(title)
    page.locator("textarea[name=body]").fill("Verser automatiquement le compte rendu au DMP à la clôture.")
    submit(page, page.get_by_role("button", name="Publier"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    target_url, target_id = page.url, int(re.search(r"/t/(\d+)", page.url).group(1))
    log_out(page)

    log_in(page, supporter["email"])
    page.goto(target_url)
    page.get_by_role("button", name="Voter").click()  # one tap: « utile », then the importance
    page.get_by_label("Important (2 points)").check()
    page.get_by_role("button", name="Modifier mon vote").click()
    expect(page.locator("[data-vote-state]")).to_contain_text("Votre vote actuel : Important")
    log_out(page)

    log_in(page, moderator["email"])
    page.goto(f"/t/{duplicate_id}")
    submit(page, page.get_by_role("link", name="Fusionner cette demande dans une autre (doublon)"))
    page.get_by_label("Numéro de la demande d'origine (celle qui reste)").fill(str(target_id))
    submit(page, page.get_by_role("button", name="Fusionner"))
    expect(page.get_by_text("sera fermée comme doublon")).to_be_visible()  # the confirmation step
    submit(page, page.get_by_role("button", name=f"Fusionner dans la n° {target_id}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    # Inès's own vote (the author's, « utile »), Hugo's and Éric's, moved
    expect(page.locator("[data-vote-count]")).to_have_text("3")
    expect(page.locator("[data-vote-score]")).to_have_text("4")

    page.goto("/livrables/nouveau")
    page.get_by_label("Forum (logiciel)").select_option(label="WEDA")
    submit(page, page.get_by_role("button", name="Préparer le brouillon"))
    expect(page.locator("table.ranked-requests")).to_contain_text(title)
    page.get_by_label(f"Note sur la demande n° {target_id}").fill("Priorité des MSP de Bretagne.")
    submit(page, page.get_by_role("button", name="Figer et numéroter le livrable"))
    submit(page, page.get_by_role("button", name="Figer le livrable n° 1"))  # the confirmation step
    expect(page.get_by_role("heading", level=1)).to_contain_text("Livrable n° 1")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV (Excel, LibreOffice)").click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert title in text and "Priorité des MSP de Bretagne." in text
    assert "Export DMP des comptes rendus" not in text  # the merged duplicate is not a separate item
    screenshot(page, "livrable-fige-export-csv")
