"""The relevance threshold of the duplicate hint: how close a request's title is to a typed title.

Every backend (Whoosh, PostgreSQL, the database fallback) only finds candidates sharing a word
with the text; their raw scores are not comparable (BM25F, ts_rank, none), so the engine scores
every candidate here, the same way whatever the backend:

- the meaningful words of each side: the index terms (French stems, accents folded) of their
  words, without stop words nor the very common words of any request (COMMON_WORDS);
- score = Dice coefficient of the two sets, 2·|shared| / (|query| + |title|), from 0 to 1, where
  a query word counts as shared when any of its spellings' terms is in the title;
- HINT_THRESHOLD (0.4) to be offered while typing; CONFIRM_THRESHOLD (0.75) to ask « Publier
  quand même » (a title nearly the same as an open request's).

« Mode sombre pour l'écran d'accueil » vs « Affichage en mode sombre »: 2 shared of 4 and 3,
score 0.57, offered; vs « Facturation infirmière »: nothing shared, score 0, never offered even
when a body mentions « accueil ».
"""
from __future__ import annotations

from forum.search.analysis import fold, term_of, words
from forum.search.plan import Word

HINT_THRESHOLD = 0.4
CONFIRM_THRESHOLD = 0.75

# Words of almost every request: they say it is a request, not what it asks. Folded.
COMMON_WORDS = frozenset(
    "ajout ajouter ajoute ajoutee pouvoir possibilite permettre option nouveau nouvelle nouvel "
    "fonction fonctionnalite demande demander amelioration ameliorer logiciel meilleur meilleure "
    "plus faire avoir etre mettre besoin svp merci".split())


def meaningful(word: Word) -> bool:
    """A word that counts: not a stop word (no terms) nor a common request word."""
    return bool(word.terms) and fold(word.text) not in COMMON_WORDS


def title_terms(title: str) -> frozenset[str]:
    """The meaningful index terms of a title."""
    return frozenset(t for w in words(title or "") if fold(w) not in COMMON_WORDS
                     for t in [term_of(w)] if t)


def score(query: tuple[Word, ...], title: str) -> float:
    """Dice coefficient of the query's meaningful words and the title's (0: unrelated, 1: same)."""
    wanted = {w.text: w.terms for w in query if meaningful(w)}
    terms = title_terms(title)
    if not wanted or not terms:
        return 0.0
    shared = sum(1 for w in wanted.values() if w & terms)
    return round(2 * shared / (len(wanted) + len(terms)), 2)
