"""The demo's FAQ (issue 17): two sections and four published entries on Chorus and WEDA — one from a
solved demo question with its source link, one checked on an old version (« à revérifier ») — and one
member's proposal waiting for validation. Written through forum.services.faq like a curator would."""
from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Board, Thread, User
from forum.services import faq

VERSIONS_QUESTION = ("chorus", "Plusieurs versions de Chorus selon les postes")
ACI_QUESTION = ("weda", "Requête « dossiers renseignés » pour l'ACI")
CSV_TIP = ("weda", "Exporter les statistiques en CSV")


def _thread(boards: dict[str, Board], board_slug: str, title: str) -> Thread | None:
    board = boards.get(board_slug)
    return db.session.scalar(select(Thread).where(Thread.board_id == board.id, Thread.title == title)
                             .limit(1)) if board else None


def seed(users: dict[str, User], boards: dict[str, Board]) -> None:
    """Write the demo FAQ entries (skipped when a board or a thread of the demo is missing). Flushes."""
    moderator = next((u for u in users.values() if u.role == "moderator"), None)
    chorus, weda = boards.get("chorus"), boards.get("weda")
    if moderator is None or chorus is None or weda is None:
        return
    install = faq.create_section(moderator, chorus, "Installation et versions")
    daily = faq.create_section(moderator, chorus, "Au quotidien")
    source = _thread(boards, *VERSIONS_QUESTION)
    post = faq.source_post(moderator, source) if source is not None and source.accepted_post_id else None
    if post is not None:
        faq.save_entry(moderator, chorus, None, question="Pourquoi tous les postes n'ont-ils pas la même version de Chorus ?",
                       answer=post.body_source, version=source.software_version, section_id=install.id,
                       sources=str(source.id))
    faq.save_entry(moderator, chorus, None, question="Où voir la version de Chorus installée sur mon poste ?",
                   answer="Menu **Aide** > **À propos** : le numéro de version est en haut de la fenêtre.\n\n"
                          "Indiquez-le dans vos messages sur le forum : les réponses en dépendent.",
                   version="1.0", section_id=install.id)  # an old version: shown « à revérifier »
    faq.save_entry(moderator, chorus, None, question="Comment laisser une note à un collègue sur un dossier ?",
                   answer="Ouvrez le dossier, puis **Alertes** > **Nouvelle note** ; choisissez le destinataire.\n"
                          "La note apparaît à l'ouverture du dossier jusqu'à ce qu'il la marque comme lue.",
                   version=None, section_id=daily.id)
    aci = _thread(boards, *ACI_QUESTION)
    if aci is not None and aci.accepted_post_id:
        answer = faq.proposal_prefill(moderator, aci)["answer"]
        faq.save_entry(moderator, weda, None, question="Comment compter les dossiers renseignés pour l'ACI ?",
                       answer=answer, version=aci.software_version, sources=str(aci.id))
    tip = _thread(boards, *CSV_TIP)
    member = next((u for u in users.values() if u.role == "member" and u.id != (tip.author_id if tip else None)), None)
    if tip is not None and member is not None:
        prefill = faq.proposal_prefill(member, tip)
        faq.propose(member, tip, question="Comment exporter les statistiques de WEDA en CSV ?",
                    answer=prefill["answer"], version=prefill["version"])
