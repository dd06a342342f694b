"""French text analysis shared by indexing, querying and highlighting, so the three (and both
backends) always agree.

A word becomes a term in four steps: lower-case, stop-word check (on the accent-folded form),
French Snowball stem of the word *as written*, then accent folding of the stem. Stemming before
folding matters: Snowball reads the accents ("infirmière" and "infirmier" share the stem
"infirmi", which folding first would break). Because users also type without accents, a query
word is expanded into the stems of its spelling variants (as typed, folded, with the usual final
accents restored: "planifiee" -> "planifiée"), so accents are ignored both ways.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Filter, RegexTokenizer
from whoosh.lang.snowball.french import FrenchStemmer
from whoosh.lang.stopwords import stoplists

# A word: letters and digits (apostrophes, hyphens and punctuation separate words).
WORD_PATTERN = r"\w+"
WORD_RE = re.compile(WORD_PATTERN)


def _fold_table() -> dict[int, str]:
    """Accented Latin letters -> their base letters (ligatures spelt out)."""
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if base and base != char and base.isascii():
            table[code] = base
    table.update({ord("œ"): "oe", ord("Œ"): "OE", ord("æ"): "ae", ord("Æ"): "AE", ord("ß"): "ss"})
    return table


FOLD_TABLE = _fold_table()


def fold(text: str) -> str:
    """Remove accents: "Médecin à l'ÉTUDE" -> "Medecin a l'ETUDE" (C speed, no per-char loop)."""
    return text.translate(FOLD_TABLE)


# Whoosh's French list, plus "les" (missing there), elisions, and question words that carry no
# meaning in a search ("comment", "quel"…). Stored folded, compared with folded words.
_EXTRA_STOP_WORDS = (
    "les aux cet cette ceux celle celles cela ca ci comment quel quelle quels quelles quoi dont ou "
    "si tres aussi donc car ni or sans sous chez vers qu l d j n s c m t y".split()
)
STOP_WORDS: frozenset[str] = frozenset(fold(w) for w in stoplists["fr"]) | frozenset(_EXTRA_STOP_WORDS)

_stem = FrenchStemmer().stem


@lru_cache(maxsize=200_000)
def term_of(word: str) -> str | None:
    """The index term of one lower-cased word, or None for a stop word."""
    if fold(word) in STOP_WORDS:
        return None
    return fold(_stem(word))


# Final letters that lose their accent when users type fast, and how to restore them.
ACCENT_RESTORES = (("eres", "ères"), ("ere", "ère"), ("ees", "ées"), ("ee", "ée"), ("es", "és"),
                   ("es", "ès"), ("e", "é"), ("a", "à"))


def spelling_variants(word: str) -> frozenset[str]:
    """The spellings a query word may stand for: as typed, folded, and with final accents
    restored ("planifiee" -> "planifiée"). Empty for a stop word."""
    word = word.lower()
    folded = fold(word)
    if folded in STOP_WORDS:
        return frozenset()
    variants = {word, folded}
    for plain, accented in ACCENT_RESTORES:
        if folded.endswith(plain) and len(folded) > len(plain) + 2:
            variants.add(folded[: -len(plain)] + accented)
    return frozenset(variants)


def query_terms(word: str) -> frozenset[str]:
    """All index terms a query word may stand for (the terms of its spelling variants).

    Empty for a stop word.
    """
    return frozenset(t for t in map(term_of, spelling_variants(word)) if t)


def words(text: str) -> list[str]:
    """The lower-cased words of a text, stop words included (used to parse queries)."""
    return WORD_RE.findall(text.lower())


# Whoosh pickles this class's module path into every index's schema: moving it elsewhere makes
# existing indexes (and those in backups) unreadable until `flask search reindex`. It stays here.
class FrenchFilter(Filter):
    """Whoosh filter applying term_of() to each token; stop words are dropped and positions
    renumbered, so the phrase "alimenter le DMP" matches "alimenter DMP" on both sides."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(self, tokens: Iterator) -> Iterator:
        pos = 0
        for token in tokens:
            term = term_of(token.text.lower())
            if term is None:
                if not token.removestops:
                    token.stopped = True
                    yield token
                continue
            token.text = term
            token.stopped = False
            if token.positions:
                token.pos = pos
            pos += 1
            yield token


def french_analyzer():
    """The analyzer of the title, body and author fields."""
    return RegexTokenizer(WORD_PATTERN) | FrenchFilter()
