"""Highlighted titles and excerpts, built from escaped fragments and <mark> (never |safe on user text).

A thread's body holds all its posts; re-analysing every post of every hit would cost tens of
milliseconds per page, so the best post is picked by cheap substring tests of the query terms
on the accent-folded text (most French stems are prefixes of their words), and only a short
window of it goes through the analyser, which decides what is marked.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

from markupsafe import Markup, escape

from forum.search.analysis import WORD_RE, term_of
from forum.search.documents import POST_SEPARATOR

EXCERPT_CHARS = 240
LEAD_CHARS = 70
# Only this much of a long thread is scanned for the best post.
SCAN_CHARS = 30_000
_ACCENTED = {"a": "aàâä", "e": "eéèêë", "i": "iîï", "o": "oôö", "u": "uùûü", "c": "cç", "y": "yÿ"}


@lru_cache(maxsize=4096)
def _pattern(term: str) -> re.Pattern:
    """A folded stem as an accent-insensitive pattern on lower-case text ("medecin" finds
    "médecins"): the regex engine scans in C, where folding every post would cost milliseconds."""
    return re.compile("".join(f"[{_ACCENTED[c]}]" if c in _ACCENTED else re.escape(c) for c in term))


def highlight(text: str, terms: Collection[str]) -> Markup:
    """`text` escaped, with the words whose term is in `terms` wrapped in <mark>."""
    out: list[str] = []
    last = 0
    for match in WORD_RE.finditer(text):
        word = match.group()
        if term_of(word.lower()) in terms:
            out.append(escape(text[last:match.start()]))
            out.append(Markup("<mark>%s</mark>") % word)
            last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def excerpt(body: str, terms: Collection[str]) -> Markup:
    """The best short passage of a thread body, highlighted."""
    posts = [p for p in body[:SCAN_CHARS].split(POST_SEPARATOR) if p.strip()] or [""]
    patterns = [_pattern(t) for t in terms]
    best, best_score, best_pos = posts[0], 0, 0
    for post in posts:
        lowered = post.lower()
        found = [m.start() for m in (p.search(lowered) for p in patterns) if m]
        if len(found) > best_score:
            best, best_score, best_pos = post, len(found), min(found)
    return highlight_window(best, best_pos, terms)


def highlight_window(text: str, position: int, terms: Collection[str]) -> Markup:
    start = max(0, position - LEAD_CHARS)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < position else start
    end = start + EXCERPT_CHARS
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > position else end
    else:
        end = len(text)
    parts = [Markup("… ") if start > 0 else Markup(""), highlight(text[start:end], terms),
             Markup(" …") if end < len(text) else Markup("")]
    return Markup("").join(parts)
