"""The search box syntax, parsed without Whoosh's query parser (whose fields, wildcards and
boolean keywords users would trigger by accident): words, "phrases", -exclusions, and the
filters logiciel:…, type:… and statut:…. Any input parses: unbalanced quotes count as words,
unknown prefixes as words, over-long queries are cut with a notice.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from forum.models.threads import STATUSES, slugify
from forum.search.analysis import WORD_RE, fold

MAX_QUERY_CHARS = 300
MAX_ITEMS = 24

# Inline filter names (French first; English accepted) -> the filter they set.
FILTER_KEYS = {"logiciel": "board", "forum": "board", "board": "board",
               "type": "kind", "kind": "kind", "statut": "status", "status": "status"}

KIND_ALIASES = {
    "question": "question", "questions": "question",
    "astuce": "tip", "astuces": "tip", "tip": "tip", "tips": "tip",
    "demande": "request", "demandes": "request", "request": "request", "requests": "request",
    "evolution": "request", "evolutions": "request", "demande-d-evolution": "request",
}


def _status_aliases() -> dict[str, str]:
    aliases = {}
    for code, label in STATUSES.items():
        for name in (code, slugify(label).replace("-", "_"), slugify(label).split("-")[-1]):
            aliases[name] = code
    return aliases


STATUS_ALIASES = _status_aliases()


@dataclass
class Item:
    """One piece of the query: `text` is a word group (several words typed together, such as
    "SESAM-Vitale") or a quoted phrase."""

    text: str
    phrase: bool = False
    negative: bool = False


@dataclass
class ParsedQuery:
    items: list[Item] = field(default_factory=list)
    # Filter name ("board", "kind", "status") -> the raw value typed inline.
    filters: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    @property
    def positives(self) -> list[Item]:
        return [i for i in self.items if not i.negative]

    @property
    def negatives(self) -> list[Item]:
        return [i for i in self.items if i.negative]


def parse(text: str | None) -> ParsedQuery:
    parsed = ParsedQuery()
    text = " ".join((text or "").split())
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        parsed.notices.append(f"Votre recherche était trop longue : seuls ses {MAX_QUERY_CHARS} premiers "
                              "caractères ont été pris en compte.")
    i, n = 0, len(text)
    while i < n:
        if text[i] == " ":
            i += 1
            continue
        negative = text[i] in "-−" and i + 1 < n and text[i + 1] != " "
        if negative:
            i += 1
        if text[i] == '"':
            close = text.find('"', i + 1)
            if close == -1:  # unbalanced quote: the rest counts as plain words
                _add_words(parsed, text[i + 1:], negative)
                parsed.notices.append("Un guillemet n'était pas fermé : la fin de la recherche a été "
                                      "lue comme des mots séparés.")
                break
            _add_item(parsed, Item(text[i + 1:close], phrase=True, negative=negative))
            i = close + 1
            continue
        end = _chunk_end(text, i)
        chunk = text[i:end]
        i = end
        key, sep, value = chunk.partition(":")
        if sep and fold(key.lower()) in FILTER_KEYS and value and not negative:
            parsed.filters[FILTER_KEYS[fold(key.lower())]] = value.strip('"')
        else:
            _add_item(parsed, Item(chunk.replace('"', " "), negative=negative))
    if len(parsed.items) > MAX_ITEMS:
        parsed.items = parsed.items[:MAX_ITEMS]
        parsed.notices.append(f"Seuls les {MAX_ITEMS} premiers mots de la recherche ont été pris en compte.")
    return parsed


def _chunk_end(text: str, start: int) -> int:
    """End of a word or of key:value, where a value may be quoted (logiciel:"Mon logiciel")."""
    space = text.find(" ", start)
    end = len(text) if space == -1 else space
    colon = text.find(':"', start, end)
    if colon != -1:
        close = text.find('"', colon + 2)
        if close != -1:
            return close + 1
    return end


def _add_words(parsed: ParsedQuery, text: str, negative: bool) -> None:
    for word in text.replace('"', " ").split():
        _add_item(parsed, Item(word, negative=negative))


def _add_item(parsed: ParsedQuery, item: Item) -> None:
    if WORD_RE.search(item.text):  # punctuation alone means nothing
        parsed.items.append(item)


def kind_code(value: str) -> str | None:
    return KIND_ALIASES.get(slugify(value))


def status_code(value: str) -> str | None:
    return STATUS_ALIASES.get(slugify(value).replace("-", "_"))
