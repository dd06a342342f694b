"""Markdown export: a summary table then one section per request. Every piece of user text is
escaped, so a title holding Markdown or HTML shows as text wherever the file is rendered."""
from __future__ import annotations

import re

from forum.export.columns import local
from forum.export.rows import ExportRow, counts_text, importance_text

CONTENT_TYPE = "text/markdown; charset=utf-8"
EXTENSION = "md"
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!])")


def escape(text: str | None) -> str:
    """One line of inert Markdown: specials backslash-escaped, line breaks turned into spaces."""
    return _SPECIAL.sub(r"\\\1", " ".join((text or "").split()))


def _date(row_value, fmt: str = "%d/%m/%Y") -> str:
    value = local(row_value)
    return value.strftime(fmt) if value else ""


def write(rows: list[ExportRow], **meta) -> bytes:
    with_notes = bool(meta.get("with_notes"))
    lines = [f"# {escape(meta.get('title') or 'Demandes d’évolution')}", ""]
    if meta.get("generated_at"):
        lines.append(f"Généré le {_date(meta['generated_at'], '%d/%m/%Y à %H:%M')}  ")
    if meta.get("filters"):
        lines.append(f"Sélection : {escape(meta['filters'])}  ")
    lines += [f"{len(rows)} demande(s). Score : somme par structure des points de ses votants (utile 1, "
              "important 2, bloquant 3), plafonnée à 10 par structure. Données agrégées uniquement.", ""]
    if meta.get("introduction"):
        lines += ["## Introduction", "", *[escape(p) for p in meta["introduction"].split("\n\n")], ""]
    lines += ["| Rang | N° | Titre | Statut | Score | Votes | Structures | Professions |",
              "|---:|---:|---|---|---:|---:|---:|---:|"]
    lines += [f"| {row.rank or ''} | {row.id or ''} | {escape(row.title)} | {escape(row.status_label)} | {row.score} "
              f"| {row.votes} | {row.structures} | {row.profession_count} |" for row in rows]
    lines += ["", "## Détail des demandes", ""]
    for row in rows:
        lines += _detail(row, with_notes)
    return "\n".join(lines).encode("utf-8")


def _detail(row: ExportRow, with_notes: bool) -> list[str]:
    lines = [f"### {row.rank or '–'}. {escape(row.title)} (n° {row.id or '–'})", "",
             f"- Statut : {escape(row.status_label)}",
             f"- Score : {row.score} ; votes : {row.votes} ({escape(importance_text(row.by_importance))})"
             + (f" ; {row.uncounted_votes} non comptés" if row.uncounted_votes else ""),
             f"- Structures distinctes : {row.structures}",
             f"- Professions ({row.profession_count}) : {escape(counts_text(row.professions)) or '—'}",
             f"- Régions : {escape(counts_text(row.regions)) or '—'}",
             f"- Créée le {_date(row.created_at)} ; dernière activité le {_date(row.last_activity_at)}"]
    if row.link:
        lines.append(f"- Lien : <{row.link}>")
    if row.latest_answer:
        lines.append(f"- Dernière réponse officielle ({row.latest_answer_origin}) : {escape(row.latest_answer)}")
    if row.target_version:
        lines.append(f"- Version cible : {escape(row.target_version)}")
    if with_notes and row.note:
        lines.append(f"- Note de la fédération : {escape(row.note)}")
    return [*lines, ""]
