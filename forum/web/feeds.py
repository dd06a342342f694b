"""Atom 1.0 feeds of a board: its new threads, and its requests' status changes and official
answers. Written with xml.etree, so every title and text is escaped; entries name no member
(the feed's author is the forum)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime

from flask import Blueprint, Response
from markupsafe import Markup

from forum.models import KINDS, STATUSES, Board, StatusChange, Thread
from forum.models._time import utcnow
from forum.services import boards as board_service
from forum.services import feeds as feed_service
from forum.web.urls import external_url

bp = Blueprint("feeds", __name__)
ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50
SITE = "Clubs utilisateurs des logiciels labellisés"
# Characters XML 1.0 forbids: a title holding one must not break the whole feed.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ET.register_namespace("", ATOM)


def _text(value: str | None) -> str:
    return _INVALID_XML.sub("", value or "")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = _text(text)
    return element


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _feed(board: Board, title: str, self_url: str, alternate: str,
          entries: list[tuple[str, str, str, datetime, str]]) -> Response:
    """entries: (id, title, link, updated, html content)."""
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "fr"})
    _add(feed, "id", self_url)
    _add(feed, "title", title, type="text")
    _add(feed, "updated", _stamp(max([e[3] for e in entries], default=board.created_at or utcnow())))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=alternate)
    _add(_add(feed, "author"), "name", SITE)
    _add(feed, "generator", "forum")
    for entry_id, entry_title, link, updated, content in entries:
        entry = _add(feed, "entry")
        _add(entry, "id", entry_id)
        _add(entry, "title", entry_title, type="text")
        _add(entry, "link", rel="alternate", type="text/html", href=link)
        _add(entry, "updated", _stamp(updated))
        _add(entry, "content", content, type="html")
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    response = Response(body, content_type="application/atom+xml; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _thread_url(thread: Thread) -> str:
    return external_url("threads.show", thread_id=thread.id, slug=thread.slug)


@bp.get("/b/<slug>/feed.atom")
def board_feed(slug: str):
    board = board_service.get_board(slug)
    entries = [(_thread_url(t), f"[{KINDS[t.kind]}] {t.title}", _thread_url(t), t.created_at, body)
               for t, body in feed_service.new_threads(board, ENTRIES)]
    return _feed(board, f"{board.name} : nouveaux sujets", external_url("feeds.board_feed", slug=slug),
                 external_url("boards.show", slug=slug), entries)


def _change_entry(change: StatusChange, thread: Thread) -> tuple[str, str, str, datetime, str]:
    status = STATUSES.get(change.to_status, change.to_status)
    if change.answer_by:
        who = "l'éditeur" if change.answer_by == "editor" else "la fédération"
        title = f"Réponse officielle de {who} : {thread.title} ({status})"
    else:
        title = f"{status} : {thread.title}"
    before = STATUSES.get(change.from_status or "", change.from_status or "—")
    html = (Markup("<p>Statut inchangé : {}</p>").format(status) if change.from_status == change.to_status
            else Markup("<p>Statut : {} → {}</p>").format(before, status))
    if change.version:
        html += Markup("<p>Version : {}</p>").format(change.version)
    html += Markup(change.note_html or "")  # sanitised by render_markdown when stored
    url = _thread_url(thread)
    return f"{url}#statut-{change.id}", title, f"{url}#statut", change.created_at, str(html)


@bp.get("/b/<slug>/demandes/feed.atom")
def requests_feed(slug: str):
    board = board_service.get_board(slug)
    changes = feed_service.status_changes(board, ENTRIES)
    return _feed(board, f"{board.name} : statuts et réponses officielles des demandes",
                 external_url("feeds.requests_feed", slug=slug),
                 external_url("requests.ranked", slug=slug), [_change_entry(c, t) for c, t in changes])
