"""Query-time expansion of the acronym glossary (forum/data/synonyms.py).

Expanding at query time rather than at indexing keeps the index small and lets the glossary
change without a rebuild.
"""
from __future__ import annotations

from collections.abc import Sequence

from forum.data.synonyms import CASE_SENSITIVE, EQUIVALENTS, NARROWER
from forum.search.analysis import WORD_RE, fold


def _key(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(fold(w.lower()) for w in words)


def _build() -> tuple[dict[tuple[str, ...], tuple[str, ...]], dict[tuple[str, ...], list[str]]]:
    expansions: dict[tuple[str, ...], list[str]] = {}

    def add(expression: str, alternatives: Sequence[str]) -> None:
        found = expansions.setdefault(_key(WORD_RE.findall(expression)), [])
        found.extend(a for a in alternatives if a not in found)

    for group in EQUIVALENTS:
        for expression in group:
            add(expression, group)
    for broad, narrower in NARROWER.items():
        add(broad, (broad, *narrower))
    exact = {_key(WORD_RE.findall(e)): WORD_RE.findall(e) for e in CASE_SENSITIVE}
    return {k: tuple(v) for k, v in expansions.items()}, exact


EXPANSIONS, EXACT_CASE = _build()
LONGEST = max(len(k) for k in EXPANSIONS)


def expand(words: Sequence[str]) -> list[tuple[int, int, tuple[str, ...]]]:
    """Spans (start, end, alternative expressions) of `words` (as typed) that are glossary
    entries, longest match first, left to right, without overlaps."""
    spans = []
    i = 0
    while i < len(words):
        for length in range(min(LONGEST, len(words) - i), 0, -1):
            key = _key(words[i:i + length])
            alternatives = EXPANSIONS.get(key)
            if alternatives and (key not in EXACT_CASE or list(words[i:i + length]) == EXACT_CASE[key]):
                spans.append((i, i + length, alternatives))
                i += length
                break
        else:
            i += 1
    return spans
