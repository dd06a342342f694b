"""Markdown export: the introduction (the federation's text with its formatting, as sanitised HTML), the évolution since the previous livrable, a summary table, then one section per request
with what it asks. Every piece of members' text is escaped, so a title holding Markdown or HTML shows
as text wherever the file is rendered."""
from __future__ import annotations

import re

from forum.export import evolution
from forum.export.columns import local
from forum.export.rows import ExportRow, counts_text, importance_text
from forum.markup import render_markdown

CONTENT_TYPE = "text/markdown; charset=utf-8"
EXTENSION = "md"
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!])")
# Between two top-level blocks of sanitised HTML (a blank line keeps each a raw HTML block).
_BLOCKS = re.compile(r"\n(?=<(?:p|ul|ol|blockquote|pre|h[1-6]|table|hr)\b)")


def escape(text: str | None) -> str:
    """One line of inert Markdown: specials backslash-escaped, line breaks turned into spaces."""
    return _SPECIAL.sub(r"\\\1", " ".join((text or "").split()))


def introduction(source: str, sanitised_html: str | None = None) -> str:
    """The introduction with its formatting (paragraphs, emphasis, lists, links) as the site shows
    it: its sanitised HTML (forum.markup), which every Markdown renderer passes through as is. The
    Markdown source itself is never copied: a renderer of the file would follow its links whatever
    their scheme (`javascript:`, `data:`), which the sanitiser removes."""
    html = str(sanitised_html) if sanitised_html else str(render_markdown(source))
    return "\n\n".join(block.strip() for block in _BLOCKS.split(html) if block.strip())


def _evolution(diff) -> list[str]:
    lines = ["## Évolution depuis le livrable précédent", "", escape(evolution.heading(diff)), ""]
    for label, changes, kind in evolution.sections(diff):
        lines += [f"### {label} ({len(changes)})", ""]
        lines += [f"- {escape(change.title)} (n° {change.thread_id or '–'}) — {escape(evolution.change_text(kind, change))}"
                  for change in changes]
        lines.append("")
    return lines


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
        lines += ["## Introduction", "", introduction(meta["introduction"], meta.get("introduction_html")), ""]
    if meta.get("evolution") is not None:
        lines += _evolution(meta["evolution"])
    lines += ["| Rang | N° | Titre | Statut | Score | Votes | Structures | Professions |",
              "|---:|---:|---|---|---:|---:|---:|---:|"]
    lines += [f"| {row.rank or ''} | {row.id or ''} | {escape(row.title)} | {escape(row.status_label)} | {row.score} "
              f"| {row.votes} | {row.structures} | {row.profession_count} |" for row in rows]
    lines += ["", "## Détail des demandes", ""]
    for row in rows:
        lines += _detail(row, with_notes)
    return "\n".join(lines).encode("utf-8")


def _detail(row: ExportRow, with_notes: bool) -> list[str]:
    lines = [f"### {row.rank or '–'}. {escape(row.title)} (n° {row.id or '–'})", ""]
    if row.summary:
        lines += [f"> {escape(row.summary)}", ""]
    lines += [f"- Statut : {escape(row.status_label)}",
             f"- Score : {row.score} ; votes : {row.votes} ({escape(importance_text(row.by_importance))})"
             + (f" ; {row.uncounted_votes} non comptés" if row.uncounted_votes else ""),
             f"- Structures distinctes : {row.structures}",
             f"- Professions ({row.profession_count}) : {escape(counts_text(row.professions)) or '—'}",
             f"- Régions : {escape(counts_text(row.regions)) or '—'}",
             f"- Créée le {_date(row.created_at)} ; dernière activité le {_date(row.last_activity_at)}"]
    if row.link:
        lines.append(f"- Lien : <{row.link}>")
    if row.latest_answer:
        lines.append(f"- Dernière réponse officielle ({row.latest_answer_origin}) : "
                     f"{escape(row.answer_text)}")
    if row.target_version:
        lines.append(f"- Version cible : {escape(row.target_version)}")
    if row.target_period:
        lines.append(f"- Échéance : {escape(row.target_text)}" + (" — **En retard**" if row.late else ""))
    if with_notes and row.note:
        lines.append(f"- Note de la fédération : {escape(row.note_plain)}")
    if row.evolution:
        lines.append(f"- Évolution : {escape(row.evolution)}")
    return [*lines, ""]
