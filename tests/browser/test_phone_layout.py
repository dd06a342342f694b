"""Pages that fit a phone: every page of the site map, as each role, at 390×844, without the page
scrolling sideways; the header folds into a « Menu » (no script) that shows every link of a moderator,
and stays a row of links on a computer."""
from __future__ import annotations

import re

import pytest

from forum.export.rows import ExportFilters
from forum.extensions import db
from forum.models import User
from forum.services import boards, commitments, livrables, moderation, posting, reports, statuses, votes
from forum.services.commitment_rules import today
from tests.browser.conftest import expect, log_in, screenshot, submit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
BOARD = "medistory"
LONG_TITLES = (
    "Pouvoir renouveler une ordonnance de longue durée en un clic depuis le dossier du patient",
    "Afficher les résultats de biologie sous forme de courbe avec les valeurs de référence",
    "Importer automatiquement les comptes rendus reçus par messagerie sécurisée MSSanté",
    "Consultation de téléexpertise : rémunération et traçabilité directement dans le dossier",
)

# Where a page scrolls sideways: the widest element that sticks out of the viewport and is not
# inside a box that scrolls or clips on its own (that box is the culprit then, not its content).
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  let worst = null, right = width;
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > right + 0.5 && !clipped(el)) { worst = el; right = box.right; }
  }
  const name = worst ? worst.tagName.toLowerCase() + (worst.id ? '#' + worst.id : '')
    + (worst.className && typeof worst.className === 'string' ? '.' + worst.className.trim().split(/\\s+/).join('.') : '')
    + ' « ' + (worst.textContent || '').trim().slice(0, 40) + ' »' : '?';
  return {scrollWidth: document.documentElement.scrollWidth, widest: name, right: Math.round(right)};
}"""


@pytest.fixture(scope="module")
def site_map(live_site) -> dict:
    """Accounts of every role and the content that makes each page full (long titles, a frozen
    livrable, a report, a journal entry); returns the paths to visit for each role."""
    people = {
        "membre": live_site.member("Paul Téléphone", boards=(BOARD,)),
        "modérateur": live_site.member("Mona Mobile", boards=(BOARD,), role="moderator"),
        "éditeur": live_site.member("Éric Durand Mobile"),  # made the board's representative below
        "admin": live_site.member("Adèle Admin Mobile", boards=(BOARD,), role="admin"),
    }
    voters = [live_site.member(f"Votant Mobile {n}", boards=(BOARD,))["id"] for n in range(3)]
    with live_site.app():
        board = boards.get_board(BOARD)
        editor = db.session.get(User, people["éditeur"]["id"])
        editor.role, editor.editor_id = "editor", board.editor_id
        member = db.session.get(User, people["membre"]["id"])
        moderator = db.session.get(User, people["modérateur"]["id"])
        requests = [posting.create_thread(member, board, "request", title,
                                          "Aujourd'hui il faut **six clics** pour y arriver.\n\nExemple : `ordonnance`.")
                    for title in LONG_TITLES]
        question = posting.create_thread(member, board, "question", "Où trouver l'historique des vaccinations ?",
                                         "Je ne le trouve pas dans le menu Patients.")
        tip = posting.create_thread(member, board, "tip", "Astuce : dupliquer une ordonnance type",
                                    "Menu *Ordonnances* > *Modèles*.")
        db.session.flush()
        for voter_id in voters:
            for thread, importance in zip(requests, ("bloquant", "important", "utile", "utile"), strict=True):
                votes.cast_vote(db.session.get(User, voter_id), thread, importance)
        reply = posting.reply(db.session.get(User, voters[0]), question, "Menu *Patients* > *Vaccins*.")
        statuses.set_status(moderator, requests[1], "a_l_etude", note="Nous en parlons avec l'éditeur.", official=True)
        statuses.set_status(moderator, requests[2], "planifiee")  # a commitment that slipped once (issue 16)
        commitments.set_target(moderator, requests[2], "5.4", f"T4 {today().year + 1}")
        commitments.set_target(moderator, requests[2], "5.4", f"T1 {today().year + 2}", reason="Norme reportée.")
        moderation.switch_thread(moderator, tip, "pin", reason="Astuce utile à tous")
        db.session.flush()
        reports.report_post(member, reply, "hors_sujet", "Cette réponse ne répond pas à la question posée.")
        draft = livrables.create_draft(moderator, board, ExportFilters())
        livrables.freeze(moderator, draft)
        next_draft = livrables.create_draft(moderator, board, ExportFilters())
        db.session.flush()
        ids = {"request": requests[0].id, "planned": requests[2].id, "question": question.id, "tip": tip.id, "reply": reply.id,
               "frozen": draft.id, "draft": next_draft.id, "editor": board.editor.slug}
    people_pages = [f"/u/{people['membre']['id']}"]
    public = ["/", "/connexion", "/inscription", "/mot-de-passe/oublie", f"/b/{BOARD}/", f"/b/{BOARD}/demandes",
              f"/b/{BOARD}/demandes?tri=recentes", f"/b/{BOARD}/lettre/", f"/t/{ids['request']}",
              f"/t/{ids['question']}", f"/t/{ids['tip']}", "/search?q=ordonnance", f"/p/{ids['reply']}/historique",
              "/editeurs/", "/editeurs/?tri=reponse30&ordre=desc", f"/editeurs/{ids['editor']}",
              f"/b/{BOARD}/feuille-de-route", f"/b/{BOARD}/versions/", "/documents", f"/b/{BOARD}/documents", f"/b/{BOARD}/faq", *people_pages]
    member = ["/", f"/b/{BOARD}/", f"/b/{BOARD}/demandes", f"/t/{ids['request']}", f"/t/{ids['question']}",
              f"/b/{BOARD}/nouveau", "/search?q=ordonnance", "/notifications", "/profil/suivis",
              "/profil/notifications", "/profil/modifier", "/profil/logiciels", "/profil/donnees",
              f"/p/{ids['reply']}/signaler", f"/b/{BOARD}/livrables", f"/b/{BOARD}/livrables/1",
              "/documents", f"/b/{BOARD}/documents/partager", *people_pages]
    staff = ["/", f"/b/{BOARD}/", f"/b/{BOARD}/demandes", f"/t/{ids['request']}", f"/t/{ids['question']}",
             f"/t/{ids['tip']}", f"/b/{BOARD}/feuille-de-route", f"/b/{BOARD}/versions/", "/moderation", "/moderation/journal", "/livrables", "/livrables/nouveau",
             f"/livrables/{ids['frozen']}", f"/livrables/{ids['draft']}", f"/t/{ids['request']}/statut",
             f"/t/{ids['request']}/fusionner", f"/t/{ids['question']}/changer-type",
             f"/t/{ids['question']}/deplacer", f"/t/{ids['question']}/fusionner-sujet",
             f"/p/{ids['reply']}/moderer", f"/t/{ids['question']}/moderation/lock",
             f"/p/{ids['reply']}/moderation/hide", f"/u/{people['membre']['id']}/suspendre",
             f"/b/{BOARD}/lettre/introduction", "/notifications", f"/t/{ids['planned']}",
             f"/t/{ids['planned']}/echeance", f"/b/{BOARD}/faq", f"/b/{BOARD}/faq/nouvelle", f"/b/{BOARD}/faq/propositions",
             f"/b/{BOARD}/faq/sections", f"/t/{ids['tip']}/proposer-faq", *people_pages]
    editor_pages = ["/", "/editeur", f"/b/{BOARD}/demandes", f"/t/{ids['request']}", f"/t/{ids['request']}/statut",
                    f"/t/{ids['planned']}/echeance",
                    "/livrables", f"/livrables/{ids['frozen']}", "/notifications", *people_pages]
    return {"people": people, "ids": ids,
            "paths": {"anonyme": public, "membre": member, "modérateur": staff, "admin": [*staff, f"/admin/forums/{BOARD}/label"],
                      "éditeur": editor_pages}}


def _phone_page(new_page, site_map, role: str):
    """A page at 390×844, logged in as `role` (the log-in itself is done at desktop width)."""
    page = new_page()
    if role != "anonyme":
        log_in(page, site_map["people"][role]["email"])
    page.set_viewport_size(PHONE)
    return page


@pytest.mark.parametrize("role", ["anonyme", "membre", "modérateur", "éditeur", "admin"])
def test_no_page_scrolls_sideways_on_a_phone(new_page, site_map, role):
    page = _phone_page(new_page, site_map, role)
    overflows = []
    for path in site_map["paths"][role]:
        response = page.goto(path)
        assert response is not None and response.status < 500, f"{path} ({role}) : {response and response.status}"
        found = page.evaluate(OVERFLOW_JS)
        if found:
            overflows.append(f"{path} en tant que {role} : page large de {found['scrollWidth']} px pour 390 px, "
                             f"élément le plus large : {found['widest']} (bord droit à {found['right']} px)")
            screenshot(page, f"debordement-{role}-{re.sub(r'[^a-z0-9]+', '_', path.strip('/')) or 'accueil'}")
    page.goto(f"/b/{BOARD}/demandes")
    screenshot(page, f"telephone-demandes-{role}")
    assert not overflows, "\n".join(overflows)


def test_moderator_menu_on_a_phone_shows_every_link_uncut(new_page, site_map):
    page = _phone_page(new_page, site_map, "modérateur")
    page.goto(f"/t/{site_map['ids']['request']}")
    menu = page.locator(".site-header summary", has_text="Menu")
    expect(menu).to_be_visible()
    menu.click()
    header = page.locator(".site-header")
    links = [header.get_by_role("link", name="Modération"), header.get_by_role("link", name="Livrables"),
             header.get_by_role("link", name="Notifications"), header.get_by_role("link", name="Mona Mobile"),
             header.get_by_role("button", name="Se déconnecter")]
    for link in links:
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (link, box)
    screenshot(page, "menu-moderateur-telephone")
    submit(page, header.get_by_role("link", name="Livrables"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Livrables")
    page.set_viewport_size({"width": 1366, "height": 900})  # on a computer: a row of links, no « Menu »
    expect(menu).to_be_hidden()
    for link in links:
        expect(link).to_be_visible()

