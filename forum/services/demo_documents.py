"""The demo's document base: two documents made in code (no binary file in the repository) — a
one-page PDF protocol on a software board, public, and a CSV follow-up template in the general base,
members only, in two versions. Shared through forum.services.documents like a member would."""
from __future__ import annotations

from forum.models import Board, User
from forum.services import documents
from forum.services.uploads import Upload

PROTOCOL_TITLE = "Protocole pluri-professionnel : suivi des patients diabétiques (modèle)"
TRACKING_TITLE = "Modèle d'état de suivi des demandes"
TRACKING_V1 = "Demande;Forum;Date de dépôt;Statut;Votes\n"
TRACKING_V2 = "Demande;Forum;Date de dépôt;Statut;Votes;Transmise le;Réponse de l'éditeur\n"


def pdf_bytes(lines: list[str]) -> bytes:
    """A valid one-page PDF showing `lines` in Helvetica (Latin-1 text), with a correct xref table."""
    def escape(text: str) -> bytes:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1", "replace")

    stream = b"BT /F1 12 Tf 50 800 Td 16 TL " + b" ".join(b"(" + escape(line) + b") '" for line in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PROTOCOL_LINES = [
    "Protocole pluri-professionnel : suivi des patients diabétiques de type 2 (modèle)",
    "1. Médecin traitant : bilan initial, objectifs d'HbA1c, prescription.",
    "2. Infirmier(e) Asalée : éducation thérapeutique, suivi trimestriel.",
    "3. Pharmacien(ne) : bilan partagé de médication, observance.",
    "4. Podologue : examen des pieds annuel (gradation du risque).",
    "Tracer chaque consultation dans le dossier partagé du logiciel.",
]


def seed(users: dict[str, User], boards: dict[str, Board]) -> None:
    """Share the two demo documents (moderator for the first, so it can be made public). Flushes."""
    moderator = next((u for u in users.values() if u.role in ("moderator", "admin")), None)
    member = next((u for u in users.values() if u.role == "member"), None)
    board = boards.get("chorus") or next((b for b in boards.values() if not b.is_general), None)
    if moderator is None or member is None or board is None:
        return
    protocol = documents.share_document(moderator, board, documents.DocumentFields(
        title=PROTOCOL_TITLE, category="protocole",
        description="Un modèle à adapter à votre maison de santé : qui fait quoi, à quel rythme.\n"
                    "Relu par les coordinatrices de deux maisons de santé."),
        Upload("protocole-diabete.pdf", pdf_bytes(PROTOCOL_LINES)))
    documents.set_public(moderator, protocol, True)
    tracking = documents.share_document(member, None, documents.DocumentFields(
        title=TRACKING_TITLE, category="modele",
        description="Un tableau pour suivre les demandes d'évolution transmises aux éditeurs."),
        Upload("etat-de-suivi.csv", TRACKING_V1.encode()))
    documents.add_version(member, tracking, Upload("etat-de-suivi.csv", TRACKING_V2.encode()),
                          "Ajout des colonnes « Transmise le » et « Réponse de l'éditeur ».")
