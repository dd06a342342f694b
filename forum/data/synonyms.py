"""Acronym glossary for search: health acronyms of the seed documents and their expansions.

Drawn from ../shared/docs/seeds-digest.md section 4 and issue 5. Search expands them at query time
(forum.search.plan): a query word or phrase that matches one expression of a group also finds
the other expressions of the group, in both directions ("DMP" finds "dossier médical partagé" and
the reverse). Matching ignores case and accents, except for the expressions listed in
CASE_SENSITIVE, which are ordinary French words in lower case ("si", "has", "ans"…).

NARROWER lists one-way expansions: a broad term also finds its narrower terms, not the reverse
("télémédecine" finds "téléconsultation", but "téléconsultation" does not find "télésurveillance").
"""
from __future__ import annotations

EQUIVALENTS: tuple[tuple[str, ...], ...] = (
    # Records, messaging and identity
    ("DMP", "dossier médical partagé", "dossier médical personnel"),
    ("MSSanté", "MSS", "messagerie sécurisée", "messagerie sécurisée de santé"),
    ("INS", "identifiant national de santé"),
    ("NIR", "numéro d'inscription au répertoire", "numéro de sécurité sociale", "numéro de sécu"),
    ("CPS", "carte de professionnel de santé", "carte professionnelle de santé"),
    ("SESAM-Vitale", "télétransmission"),
    ("FSE", "feuille de soins électronique", "feuilles de soins électroniques"),
    ("HDS", "hébergeur de données de santé", "hébergement de données de santé"),
    ("LAP", "logiciel d'aide à la prescription", "aide à la prescription"),
    ("DLU", "dossier de liaison d'urgence"),
    ("PPS", "plan personnalisé de santé"),
    ("CI-SIS", "cadre d'interopérabilité"),
    # Remuneration and contracts
    ("ROSP", "rémunération sur objectifs de santé publique"),
    ("ACI", "accord conventionnel interprofessionnel"),
    ("NMR", "ENMR", "nouveaux modes de rémunération"),
    ("SISA", "société interprofessionnelle de soins ambulatoires"),
    ("CPOM", "contrat pluriannuel d'objectifs et de moyens"),
    ("DPC", "développement professionnel continu"),
    ("FIR", "fonds d'intervention régional"),
    # Structures and institutions
    ("MSP", "maison de santé pluriprofessionnelle", "maison de santé pluridisciplinaire", "maison de santé"),
    ("CDS", "centre de santé"),
    ("CMS", "centre municipal de santé"),
    ("CPTS", "communauté professionnelle territoriale de santé"),
    ("ESP", "équipe de soins primaires"),
    ("SEC", "structure d'exercice coordonné"),
    ("ARS", "agence régionale de santé"),
    ("CPAM", "caisse primaire d'assurance maladie"),
    ("CNAM", "caisse nationale d'assurance maladie", "assurance maladie"),
    ("MSA", "mutualité sociale agricole"),
    ("HAS", "haute autorité de santé"),
    ("ASIP", "ASIP Santé", "ANS", "agence du numérique en santé"),
    ("URPS", "union régionale des professionnels de santé"),
    ("GCS", "groupement de coopération sanitaire"),
    ("HAD", "hospitalisation à domicile"),
    ("EHPAD", "maison de retraite"),
    ("SI", "système d'information", "systèmes d'information"),
    # Care and professions
    ("ETP", "éducation thérapeutique", "éducation thérapeutique du patient"),
    ("AVK", "antivitamine K", "anti-vitamine K"),
    ("RCP", "réunion de concertation pluriprofessionnelle", "réunion de concertation"),
    ("CR", "compte rendu", "comptes rendus", "compte-rendu"),
    ("IDE", "infirmier diplômé d'État", "infirmière", "infirmier"),
    ("MK", "kiné", "kinésithérapeute", "masseur-kinésithérapeute"),
    ("MG", "médecin généraliste"),
    ("DIM", "délégué à l'information médicale", "département d'information médicale"),
    ("téléconsultation", "consultation à distance", "consultation vidéo"),
    ("télé-expertise", "téléexpertise"),
)

NARROWER: dict[str, tuple[str, ...]] = {
    "télémédecine": ("téléconsultation", "télé-expertise", "téléexpertise", "télésurveillance",
                     "téléassistance"),
    "messagerie": ("MSSanté", "Apicrypt"),
    "label": ("labellisé", "labellisation"),
}

# Acronyms that are also common lower-case French or English words: expanded only when typed in
# capitals ("SI" is an acronym, "si" a conjunction).
CASE_SENSITIVE: frozenset[str] = frozenset({"SI", "HAS", "CR", "MG", "SEC", "ANS", "FIR", "DIM"})
