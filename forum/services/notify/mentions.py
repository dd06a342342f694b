"""@mentions: « @Claire Martin » in a post names a member, links to their profile and tells them.

A mention is an `@` at the start of a word followed by a member's public name (up to four words,
as names are shown: « Claire Martin », « Dr Jean-Paul Roux »), the longest one that names exactly
one active account. Unknown or ambiguous names stay plain text; names inside code (fenced,
indented, `inline`) are not mentions; at most MENTIONS_PER_POST members a post. A mention on a
quoted line (`> …`) is a quotation of that member.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from markupsafe import Markup
from sqlalchemy import func, or_, select

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import User

MAX_WORDS = 4
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})[^\n]*\n.*?(?:^\1?\2[`~]*[ \t]*$|\Z)", re.M | re.S)
_INDENTED = re.compile(r"(?:^(?: {4}|\t)[^\n]*\n?)+", re.M)
_INLINE = re.compile(r"(`+)[^`]*?\1")
_AT = re.compile(r"(?<![\w@.+\-\[])@(?=\w)")
_WORD = re.compile(r"[^\s@]+")
_TRAILING = ".,;:!?…»\"')]}*_"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


@dataclass(frozen=True)
class Mention:
    user_id: int
    name: str        # the name as the member's account spells it
    start: int       # offsets of « @name » in the source
    end: int
    quote: bool      # on a quoted line


def _masked(source: str) -> str:
    """The source with code blanked out (same length), so offsets still match."""
    def blank(match: re.Match) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))
    return _INLINE.sub(blank, _INDENTED.sub(blank, _FENCE.sub(blank, source)))


def _candidates(masked: str) -> list[tuple[int, list[tuple[str, int]]]]:
    """For each `@`: its offset and the candidate names after it, longest first, with their end."""
    found = []
    for at in _AT.finditer(masked):
        words, position = [], at.end()
        while len(words) < MAX_WORDS:
            word = _WORD.match(masked, position)
            if word is None:
                break
            words.append((word.group(0), word.end()))
            gap = re.match(r"[ \u00a0]", masked[word.end():word.end() + 1])
            if gap is None:
                break
            position = word.end() + 1
        names = []
        for count in range(len(words), 0, -1):
            text = " ".join(w for w, _ in words[:count])
            end = words[count - 1][1]
            stripped = text.rstrip(_TRAILING)
            end -= len(text) - len(stripped)
            if stripped:
                names.append((stripped, end))
        if names:
            found.append((at.start(), names))
    return found


def find_mentions(source: str) -> list[Mention]:
    """The members a Markdown source mentions, in order, each once, at most MENTIONS_PER_POST."""
    if "@" not in source:
        return []
    masked = _masked(source)
    candidates = _candidates(masked)
    if not candidates:
        return []
    names = {name for _, options in candidates for name, _ in options}
    rows = db.session.execute(select(User.id, User.display_name).where(
        User.deleted_at.is_(None),
        or_(User.display_name.in_(names), func.lower(User.display_name).in_({n.lower() for n in names})))).all()
    by_name: dict[str, set[int]] = {}
    spelling: dict[int, str] = {}
    for user_id, display_name in rows:
        by_name.setdefault(display_name.lower(), set()).add(user_id)
        spelling[user_id] = display_name
    limit = current_app.config.get("MENTIONS_PER_POST", 10)
    mentions: list[Mention] = []
    seen: set[int] = set()
    for start, options in candidates:
        for name, end in options:
            users = by_name.get(name.lower(), set())
            if len(users) == 1:
                user_id = next(iter(users))
                if user_id not in seen and len(seen) < limit:
                    seen.add(user_id)
                    line_start = source.rfind("\n", 0, start) + 1
                    mentions.append(Mention(user_id, spelling[user_id], start, end,
                                            source[line_start:start].lstrip().startswith(">")))
                break
    return mentions


def _profile_url(user_id: int) -> str:
    """The profile's path under PUBLIC_BASE_URL (the same HTML whether written by a request or not)."""
    from forum.web.urls import external_url

    return urlsplit(external_url("users.profile", user_id=user_id)).path


def link_mentions(source: str, mentions: list[Mention]) -> str:
    """The source with each mention made a link to the member's profile."""
    parts, position = [], 0
    for mention in mentions:
        text = _MARKDOWN_SPECIAL.sub(r"\\\1", source[mention.start:mention.end])
        parts += [source[position:mention.start], f"[{text}]({_profile_url(mention.user_id)})"]
        position = mention.end
    parts.append(source[position:])
    return "".join(parts)


def render_with_mentions(source: str) -> tuple[Markup, list[Mention]]:
    """Sanitised HTML of a post with its mentions linked, and the mentions."""
    mentions = find_mentions(source)
    return render_markdown(link_mentions(source, mentions) if mentions else source), mentions
