"""The neutral search plan: the search box parsed once into words, groups and clauses that
every backend compiles its own way (forum.search.whoosh.queries, forum.search.postgres.queries).

What the plan decides for both backends, so they cannot drift apart: which words are stop
words, the spellings and index terms of each word (forum.search.analysis), which words must be
adjacent (typed together, quoted, or one expression of the glossary), where a glossary entry
replaces words by its alternatives (forum.search.synonyms), what is excluded, the filters, the
sort, the page, and which terms the excerpts mark.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

from forum.models import CLOSED_STATUSES, STATUSES
from forum.search import synonyms
from forum.search.analysis import WORD_RE, spelling_variants, term_of, words
from forum.search.parsing import ParsedQuery
from forum.search.results import PER_PAGE

OPEN_STATUSES = tuple(s for s in STATUSES if s not in CLOSED_STATUSES)


@dataclass(frozen=True, slots=True)
class Word:
    """One query word: `text` lower-cased as typed, the spellings it may stand for and their
    index terms (both empty for a stop word, which still counts as a gap inside a phrase)."""

    text: str
    variants: frozenset[str]
    terms: frozenset[str]


@lru_cache(maxsize=4096)
def word(text: str) -> Word:
    text = text.lower()
    variants = spelling_variants(text)
    return Word(text, variants, frozenset(t for t in map(term_of, variants) if t))


@dataclass(frozen=True, slots=True)
class Group:
    """Words that must be adjacent ("SESAM-Vitale", a quoted phrase, a glossary expression);
    one significant word alone matches anywhere."""

    words: tuple[Word, ...]

    @property
    def significant(self) -> tuple[Word, ...]:
        return tuple(w for w in self.words if w.variants)

    @property
    def terms(self) -> frozenset[str]:
        return frozenset(t for w in self.words for t in w.terms)


def group(texts: list[str]) -> Group:
    return Group(tuple(word(t) for t in texts))


@dataclass(frozen=True, slots=True)
class Clause:
    """One part of the query: a document matches it when it matches any of its groups (several
    for a glossary entry and its alternatives)."""

    groups: tuple[Group, ...]


@dataclass(frozen=True)
class SearchPlan:
    """A search as every backend reads it. `strict`: every clause required (else any clause,
    the second try when nothing has every word). `filters`: "board", "kind" or "status" -> the
    value every matching document has (a board id, a kind code, a status code)."""

    parsed: ParsedQuery = field(default_factory=ParsedQuery)
    clauses: tuple[Clause, ...] = ()
    exclusions: tuple[Group, ...] = ()
    filters: dict[str, int | str] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE
    strict: bool = True
    # The index terms the titles and excerpts mark.
    terms: frozenset[str] = frozenset()

    @property
    def by_date(self) -> bool:
        """Latest activity first: asked for, or nothing to rank by (filters or exclusions only)."""
        return self.sort == "date" or not self.clauses

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def relaxed(self) -> SearchPlan:
        """The same search where any clause matches."""
        return replace(self, strict=False)


@dataclass(frozen=True)
class SimilarPlan:
    """Documents of one board, of one kind and in one of the statuses, sharing words with a
    text (the duplicate hint): `words` are its significant words, in order."""

    words: tuple[Word, ...]
    board_id: int
    kind: str = "request"
    statuses: tuple[str, ...] = OPEN_STATUSES
    limit: int = 5


def build(parsed: ParsedQuery, filters: dict[str, int | str], sort: str = "relevance", page: int = 1,
          per_page: int = PER_PAGE) -> SearchPlan:
    """The plan of a parsed search box, its filters already resolved to stored values."""
    clauses: list[Clause] = []
    flat = [(w, index) for index, item in enumerate(parsed.items)
            if not item.negative and not item.phrase for w in WORD_RE.findall(item.text)]
    consumed: set[int] = set()
    for start, end, alternatives in synonyms.expand([w for w, _ in flat]):
        options = tuple(g for g in (group(words(a)) for a in alternatives) if g.significant)
        if options:
            clauses.append(Clause(options))
            consumed.update(range(start, end))
    typed: dict[int, list[str]] = {}
    for position, (text, index) in enumerate(flat):
        if position not in consumed:
            typed.setdefault(index, []).append(text)
    phrases = [words(i.text) for i in parsed.items if i.phrase and not i.negative]
    clauses += [Clause((g,)) for g in map(group, [*typed.values(), *phrases]) if g.significant]
    exclusions = tuple(g for g in (group(words(i.text)) for i in parsed.negatives) if g.significant)
    terms = frozenset(t for c in clauses for g in c.groups for t in g.terms)
    return SearchPlan(parsed=parsed, clauses=tuple(clauses), exclusions=exclusions, filters=filters,
                      sort=sort, page=page, per_page=per_page, terms=terms)


def similar(board_id: int, text: str, limit: int = 5) -> SimilarPlan:
    """The plan of the duplicate hint for `text` (no significant word: an empty plan)."""
    return SimilarPlan(tuple(w for w in map(word, words(text or "")) if w.variants), board_id, limit=limit)
