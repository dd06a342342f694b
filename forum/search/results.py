"""What a search answers: a backend's Matches (ids and texts), and the SearchResults page built
from them with the threads' rows, highlighted titles and excerpts."""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

from forum.models import Thread
from forum.search.excerpts import excerpt, highlight
from forum.search.hits import HitThread, load_hit_threads

PER_PAGE = 20


@dataclass
class Matches:
    """A backend's answer to a plan: the page's document ids, best first, and the total.
    `texts`: id -> (title as indexed, or None for the thread's own; the text to excerpt)."""

    ids: list[int] = field(default_factory=list)
    total: int = 0
    texts: dict[int, tuple[str | None, str]] = field(default_factory=dict)


@dataclass
class SearchHit:
    thread: HitThread | Thread  # a Thread from the database fallback
    title_html: Markup
    excerpt_html: Markup


@dataclass
class SearchResults:
    query: str = ""
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0
    per_page: int = PER_PAGE
    sort: str = "relevance"
    # What the filters resolved to, for display: e.g. {"board": "Chorus", "kind": "Astuce"}.
    filter_labels: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    # Why there is nothing to show (empty query, only stop words, unknown filter…).
    message: str | None = None
    degraded: bool = False


def hits_of(matches: Matches, terms: frozenset[str]) -> list[SearchHit]:
    """The page's hits in the backend's order, a thread deleted since indexing left out."""
    threads = load_hit_threads(matches.ids)
    hits = []
    for tid in matches.ids:
        thread = threads.get(tid)
        if thread is None:
            continue
        if tid not in matches.texts:  # the document vanished between two statements
            hits.append(SearchHit(thread, escape(thread.title), Markup("")))
            continue
        title, body = matches.texts[tid]
        hits.append(SearchHit(thread, highlight(thread.title if title is None else title, terms),
                              excerpt(body, terms)))
    return hits
