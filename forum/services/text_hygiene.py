"""Text hygiene: the one place that cleans what people type before it is stored (Unicode form, control
characters, newlines, bidi controls), counts what a reader will actually see, and gives the normalised
form that the patient-data and reserved-word checks read.

Four functions, four purposes:

- `clean_text(value, multiline=…)` is what gets stored: NFC, no C0/C1/DEL control character (PostgreSQL
  refuses NUL, SQLite would store and send them out raw), "\\n" newlines; single-line fields (titles,
  names, versions) also lose bidi controls and have their whitespace collapsed.
- `visible_length(value)` counts the characters that draw something: zero-width and format characters,
  Hangul fillers, the braille blank, whitespace and lone combining marks count for nothing, so a title
  made of them is as empty as it looks.
- `normalise_for_checks(value)` is never stored: HTML entities decoded, tags dropped, NFKC (full-width
  digits, narrow no-break spaces…), digits of every script made ASCII, every invisible or combining
  character removed, so a number or a word split by them is seen whole (services.patient_data reads it).
- `reserved_role_word(name)` finds the words of the forum's team (« éditeur », « modérateur »…) in a
  display name, whatever the case, accents, look-alike letters or invisible characters.

All of it is linear in the length of the text: character classes and C-level normalisation, no regex
that can backtrack.
"""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

# C0 controls except tab, newline and carriage return, DEL, C1 controls, lone surrogates (which UTF-8
# cannot encode: the database driver would fail on them). Also the web edge's filter (web.input_filter).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# Embeddings, overrides, isolates and marks: « Facture \u202egnp.exe » would show as « Facture exe.png ».
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
# Letters and symbols that draw nothing although Unicode files them as letters or symbols.
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_ASCII_INVISIBLE = re.compile(r"[\x00-\x20\x7f]")
_TAG = re.compile(r"<[^<>]*>")


def clean_text(value: str | None, *, multiline: bool) -> str:
    """`value` as it should be stored: NFC, without control characters, trimmed.

    Multi-line text (bodies, notes, reasons, presentations) keeps tabs and newlines, with "\\r\\n", "\\r"
    and the Unicode line separators made "\\n". Single-line text (titles, names, versions) loses bidi
    controls too and every run of whitespace, newlines included, becomes one space.
    """
    text = value or ""
    if multiline:
        text = CONTROL_CHARACTERS.sub("", _LINE_BREAKS.sub("\n", text))
    else:
        text = CONTROL_CHARACTERS.sub("", " ".join(_BIDI.sub("", text).split()))
    return unicodedata.normalize("NFC", text).strip()


def strip_bidi_controls(value: str | None) -> str:
    """`value` without bidi embedding, override, isolate or mark characters (for display of old rows)."""
    return _BIDI.sub("", value or "")


def _is_visible(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNPS" and char not in BLANK_CHARACTERS


def visible_length(value: str | None, stop_at: int | None = None) -> int:
    """How many characters of `value` draw something; counting stops at `stop_at` when given (a
    minimum-length check needs no more, so a long body costs nothing).

    Letters, digits, punctuation and symbols count; whitespace, control and format characters
    (zero-width space, bidi controls, soft hyphen…), combining marks on their own, variation
    selectors, Hangul fillers and the braille blank do not.
    """
    text = value or ""
    if text.isascii():
        count = len(text) - len(_ASCII_INVISIBLE.findall(text))
        return count if stop_at is None else min(count, stop_at)
    count = 0
    for char in text:
        if _is_visible(char):
            count += 1
            if stop_at is not None and count >= stop_at:
                break
    return count


def has_visible_text(value: str | None) -> bool:
    return visible_length(value, stop_at=1) > 0


@lru_cache(maxsize=1)
def _unicode_tables() -> tuple[re.Pattern[str], dict[int, str]]:
    """Format characters (Cf), combining marks (Mn, Me) and blank letters as one character class, and
    the digits of every script (Arabic-Indic, Devanagari…) mapped to ASCII ones.

    Built from the running Python's Unicode tables, once (about 50 ms): planes 0 and 1 and the
    supplementary special-purpose plane hold all of them.
    """
    ranges: list[list[int]] = []
    digits: dict[int, str] = {}
    for code in (*range(0x80, 0x20000), *range(0xE0000, 0xE1000)):
        char = chr(code)
        if unicodedata.category(char) in ("Cf", "Mn", "Me") or char in BLANK_CHARACTERS:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
        elif char.isdecimal():
            digits[code] = str(unicodedata.decimal(char))
    parts = "".join(f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}" for low, high in ranges)
    return re.compile(f"[{parts}]"), digits


def normalise_for_checks(value: str | None) -> str:
    """The text as a reader sees it once rendered, for the checks only (never stored).

    HTML entities are decoded (`&#49;` is a « 1 », `&nbsp;` a space) and tags replaced by a space, then
    NFKC folds compatibility forms (full-width digits, ligatures, U+202F and U+2009 to a plain space),
    digits of other scripts become ASCII ones, and format characters, combining marks, blank letters
    and control characters are removed. Tabs and newlines stay: they separate words.
    """
    text = value or ""
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    if not text.isascii():
        invisible, digits = _unicode_tables()
        text = invisible.sub("", unicodedata.normalize("NFKC", text)).translate(digits)
    return CONTROL_CHARACTERS.sub("", text)


# --- reserved words in display names --------------------------------------------------------------

# Letters of other scripts drawn like Latin ones, and digits or signs used for letters (« m0dérateur »).
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ԛ": "q",
    "ԝ": "w", "ɑ": "a", "ɡ": "g", "ɩ": "i", "ı": "i", "ȷ": "j", "α": "a", "β": "b", "ε": "e", "η": "n",
    "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "€": "e",
})
# Words that name a role of the forum's team, as whole words (plural allowed)…
_ROLE_WORDS = re.compile(
    r"(?<![a-z])(editeur|editrice|editor|moderat(?:eur|rice|ion|or)|modo|administrat(?:eur|rice|ion|or)|admin"
    r"|referente?|representante?|support|equipe|officiel(?:le)?|official|staff|webmaster|federation)s?(?![a-z])")
# … and the long ones inside a word (« ChorusÉditeur ») or spelt letter by letter (« É.d.i.t.e.u.r »).
_GLUED_ROLE_WORDS = re.compile(r"editeur|editrice|moderateur|moderatrice|administrateur|administratrice|webmaster")
_LETTERS = re.compile(r"[a-z]+")


def fold_for_matching(value: str | None) -> str:
    """Lower-case Latin letters without accents, look-alike letters and digits mapped to them."""
    text = unicodedata.normalize("NFKD", normalise_for_checks(value))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return text.casefold().translate(_LOOKALIKES)


def reserved_role_word(value: str | None) -> str | None:
    """The reserved word `value` holds (« editeur », « moderatrice », « admin », « support »…), else None.

    Case, accents, invisible characters, look-alike letters and separators between single letters do
    not hide it; two ordinary words that happen to join into one (« Fred Iteur ») are not taken for it.
    """
    folded = fold_for_matching(value)
    found = _ROLE_WORDS.search(folded)
    if found:
        return found.group(1)
    words = _LETTERS.findall(folded)
    spelt, letters = [], []
    for word in [*words, ""]:
        if len(word) == 1:
            letters.append(word)
            continue
        if len(letters) > 1:
            spelt.append("".join(letters))
        letters = []
    for candidate in (*words, *spelt):
        glued = _GLUED_ROLE_WORDS.search(candidate)
        if glued:
            return glued.group()
    return None
