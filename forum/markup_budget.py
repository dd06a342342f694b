"""The Markdown budget: before rendering, make literal the constructs on which Python-Markdown's
work grows faster than the text (issue 19), so that any body renders in bounded time.

Each rule measures what Python-Markdown would scan (its cost model is written next to it) and acts
only beyond a budget no ordinary post comes near: below every budget the source is returned as it
is, so ordinary posts render byte for byte as before. Beyond, the offending constructs are escaped
(backslash or HTML entity, shown as the same characters) or split (a blank line between headings):
a pathological body renders as readable text, never as a stuck worker. Fenced code blocks are left
alone. Block-level rules are here, inline ones (links, code spans, tags, emphasis) in
forum.markup_budget_inline.
"""
from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import markdown

from forum import markup_budget_inline as inline

# --- budgets (beyond them a construct is made literal; see each rule for what is counted) --------
NEST_MAX = 12  # quote and list markers on one line (deeper nesting recursed until RecursionError)
HEADINGS_MAX = 200  # headings per body ("toc" makes duplicate ids unique in quadratic time)
SPLIT_BUDGET = 2_000_000  # characters re-scanned by the block parser after each heading/rule split
FENCE_BUDGET = 20_000_000  # characters scanned by the fenced-code pattern for unclosed fences
FENCE_BLOCKS_MAX = 200  # fenced blocks (the preprocessor rescans the text after each one)
ROW_BUDGET = 100_000  # backtick runs x (runs + pipes) on a table row (pairing loops in tables.py)
CELLS_MAX = 20_000  # cells of one table (rows x columns: the output grows with their product)
TOC_MARKERS_MAX = 2  # "[TOC]" paragraphs, each replaced by the list of every heading
REFERENCE_BUDGET = 100_000  # characters copied by reference links ([text][id] repeats id's URL)
INLINE_BUDGET = 100_000_000  # characters copied by the inline patterns (text length per match)
PIECE = 1_000  # beyond it, a paragraph is cut in paragraphs of about this length

_HL_LINES = "hl_lines"
_FENCE_START = re.compile(r"(?:~{3,}|`{3,})")
# fenced_code's opening line (its FENCED_BLOCK_RE up to the newline), for one line.
_FENCE_OPEN = re.compile(
    r"(?P<fence>~{3,}|`{3,})[ ]*(?:\{[^\n]*\}|(?:\.?[\w#.+-]*[ ]*)?(?:hl_lines=(?P<q>[\"'])[^\n]*?(?P=q)[ ]*)?)")
# Container markers opening a line: quotes and list items, as the block processors read them.
_MARKER = re.compile(r"[ ]{0,3}(?:(>)[ ]?|([*+-])[ ]+|\d+(\.)[ ]+)")
_QUOTES = re.compile(rf"(?:[ ]{{0,3}}>[ ]?){{1,{NEST_MAX}}}")
_ALL_QUOTES = re.compile(r"(?:[ ]{0,3}>[ ]?)+")
_HEADING = re.compile(r"#")
_SETEXT_UNDERLINE = re.compile(r"(?:=+|-+)[ ]*$")
_RULE = re.compile(r"[ ]{0,3}(?:(?:-[ ]{0,2}){3,}|(?:_[ ]{0,2}){3,}|(?:\*[ ]{0,2}){3,})[ ]*$")
_REFERENCE = re.compile(r"[ ]{0,3}\[([^\[\]]*)\]:[ ]*(\S*)")
_SEPARATOR_CHARS, _SEPARATOR_MARKS = frozenset("|:- "), frozenset("|-")
_BACKTICKS = re.compile(r"`+")
_TOC_MARKER = "[TOC]"
_LINE_START_ESCAPES = "\\`*_{}[]()>#+-.!|"  # Python-Markdown's escapable characters
_ORDERED_MARKER = re.compile(r"\d+\.")
_INLINE_SPECIAL = re.compile(r"[\\`\[<>&*_]|  \n")
_local = threading.local()


def normalise(source: str) -> str:
    """What Python-Markdown's NormalizeWhitespace makes of the source (it is idempotent)."""
    text = source.replace("\x02", "").replace("\x03", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
    return re.sub(r"(?<=\n) +\n", "\n", text.expandtabs(4))


@dataclass
class Edits:
    """Changes collected by the rules, applied in one pass: a new text for one character, or text
    inserted before a position."""

    replace: dict[int, str] = field(default_factory=dict)
    insert: dict[int, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.replace or self.insert)

    def escape(self, pos: int, char: str) -> None:
        self.replace[pos] = "\\" + char

    def add(self, pos: int, text: str) -> None:
        self.insert[pos] = self.insert.get(pos, "") + text

    def apply(self, text: str) -> str:
        out, last = [], 0
        for pos in sorted(self.replace.keys() | self.insert.keys()):
            out += [text[last:pos], self.insert.get(pos, "")]
            last = pos
            if pos in self.replace:
                out.append(self.replace[pos])
                last = pos + 1
        out.append(text[last:])
        return "".join(out)


@dataclass
class Document:
    """The normalised text cut in lines, with the prose chunks (runs of non-blank lines outside
    fenced code) that the block parser and the inline patterns work on."""

    text: str
    lines: list[str]
    starts: list[int]  # offset of each line in `text`
    in_fence: list[bool]
    chunks: list[tuple[int, int]] = field(default_factory=list)  # [first line, last line + 1)
    partners: dict[int, int] = field(default_factory=dict)  # "[" offset -> its "]" (inline rules)
    _contents: dict[int, tuple[int, str]] = field(default_factory=dict, repr=False)

    @classmethod
    def parse(cls, text: str) -> Document:
        lines = text.split("\n")
        starts, offset = [], 0
        for line in lines:
            starts.append(offset)
            offset += len(line) + 1
        return cls(text, lines, starts, [False] * len(lines))

    def span(self, first: int, end: int) -> tuple[int, int]:
        """Offsets of the text of lines [first, end), without the last newline."""
        return self.starts[first], self.starts[end - 1] + len(self.lines[end - 1])

    def content(self, index: int) -> tuple[int, str]:
        """Column where line `index` starts once its quote and list markers are taken off, and the rest."""
        if index not in self._contents:
            line, column = self.lines[index], 0
            while m := _MARKER.match(line, column):
                column = m.end()
            while column < len(line) and line[column] == " ":
                column += 1
            self._contents[index] = column, line[column:]
        return self._contents[index]

    def unquoted(self, index: int) -> str:
        """Line `index` without its quote markers."""
        line = self.lines[index]
        return line[len(m.group()):] if (m := _ALL_QUOTES.match(line)) else line


def neutralise(source: str) -> str:
    """`source` with every construct beyond its budget made literal; `source` itself if none is."""
    doc = Document.parse(normalise(source))
    edits = Edits()
    _fences(doc, edits)
    _chunks(doc)
    _nesting(doc, edits)
    _headings_and_splits(doc, edits)
    _tables(doc, edits)
    _toc_markers(doc, edits)
    inline.apply(doc, edits)
    _references(doc, edits)
    _paragraph_lengths(doc, edits)
    return edits.apply(doc.text) if edits else source


def _fences(doc: Document, edits: Edits) -> None:
    """fenced_code's pattern, tried at each fence line, scans to the end of the text for a closing
    line when there is none (and again after each block it replaces): an unclosed fence costs the
    rest of the text, and an "hl_lines" quote left open lets it retry at every later quote. Unclosed
    openers beyond the budget, open hl_lines and blocks beyond the maximum get a leading space (no
    longer fences); other fenced blocks are kept and skipped by every other rule."""
    lines = doc.lines
    closers: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        m = _FENCE_START.match(line)
        if m and line.rstrip(" ") == m.group():
            closers.setdefault(m.group(), []).append(index)
    blocks, unclosed, cost, index = [], [], 0, 0
    while index < len(lines):
        line = lines[index]
        opener = _FENCE_OPEN.fullmatch(line) if _FENCE_START.match(line) else None
        if opener:
            after = closers.get(opener.group("fence"), [])
            k = bisect_right(after, index)
            if k < len(after):
                blocks.append((index, after[k]))
                index = after[k] + 1
                continue
        if opener or (_FENCE_START.match(line) and _HL_LINES in line):
            unclosed.append(index)
            cost += len(doc.text) - doc.starts[index]
        index += 1
    if cost * (1 + len(blocks)) > FENCE_BUDGET:
        for index in unclosed:
            edits.add(doc.starts[index], " ")
    else:
        for index in unclosed:
            if _HL_LINES in lines[index]:
                edits.add(doc.starts[index], " ")
    if len(blocks) > FENCE_BLOCKS_MAX:
        first = blocks[FENCE_BLOCKS_MAX][0]
        for index in range(first, len(lines)):
            if _FENCE_START.match(lines[index]) and doc.starts[index] not in edits.insert:
                edits.add(doc.starts[index], " ")
        blocks = blocks[:FENCE_BLOCKS_MAX]
    for first, last in blocks:
        for index in range(first, last + 1):
            doc.in_fence[index] = True


def _chunks(doc: Document) -> None:
    first = None
    for index, line in enumerate(doc.lines + [""]):
        prose = index < len(doc.lines) and line != "" and not doc.in_fence[index]
        if prose and first is None:
            first = index
        elif not prose and first is not None:
            doc.chunks.append((first, index))
            first = None


def _nesting(doc: Document, edits: Edits) -> None:
    """Each quote or list marker opening a line nests one level; Python-Markdown recurses per level
    (RecursionError for "- - - - …") and rescans the rest at each. Markers beyond NEST_MAX are
    escaped, always (no ordinary post nests twelve levels deep)."""
    for first, end in doc.chunks:
        for index in range(first, end):
            line, column = doc.lines[index], 0
            for _ in range(NEST_MAX):
                m = _MARKER.match(line, column)
                if not m:
                    break
                column = m.end()
            else:
                m = _MARKER.match(line, column)
                if m:
                    group = next(g for g in (1, 2, 3) if m.group(g))
                    edits.escape(doc.starts[index] + m.start(group), m.group(group))


def _headings_and_splits(doc: Document, edits: Edits) -> None:
    """A heading, rule or reference line splits its block, and the block parser then tests the
    whole rest of the block again: splits x block length. Beyond SPLIT_BUDGET a blank line (inside
    the same quotes) follows each such line. Beyond HEADINGS_MAX headings, the next ones are made
    literal ("toc" loops over the ids already taken to make each duplicate unique)."""
    cost, splitters, headings = 0, [], 0
    for first, end in doc.chunks:
        start, stop = doc.span(first, end)
        found = []
        for index in range(first, end):
            column, rest = doc.content(index)
            heading = _HEADING.match(rest) or (index > first and _SETEXT_UNDERLINE.match(rest))
            if heading or _RULE.match(doc.unquoted(index)) or _REFERENCE.match(rest):
                found.append(index)
            if heading:
                headings += 1
                if headings > HEADINGS_MAX:  # indented, a "#" or "===" line is text
                    edits.add(doc.starts[index] + column, " ")
        cost += len(found) * (stop - start)
        splitters += [index for index in found if index < end - 1]
    if cost > SPLIT_BUDGET:
        for index in splitters:
            line = doc.lines[index]
            quotes = _QUOTES.match(line)
            edits.add(doc.starts[index] + len(line), "\n" + (quotes.group().rstrip() if quotes else ""))


def _tables(doc: Document, edits: Edits) -> None:
    """A table is a header line, a separator line ("|", ":", "-", spaces) and the rest of its
    block as rows. It makes rows x header cells elements, and tables.py pairs the backtick runs of
    each row in runs x (runs + pipes) steps. Beyond CELLS_MAX cells or ROW_BUDGET steps on one row,
    the separator is escaped: the table stays text."""
    for first, end in doc.chunks:
        steps = [0] * (end - first + 1)  # steps[i]: the costliest row from line first + i on
        for index in range(end - 1, first - 1, -1):
            line = doc.lines[index]
            runs = len(_BACKTICKS.findall(line)) if "|" in line else 0
            steps[index - first] = max(runs * (runs + line.count("|")), steps[index - first + 1])
        for index in range(first + 1, end):
            line, rest = doc.lines[index], doc.unquoted(index).lstrip(" ")
            header = doc.lines[index - 1]  # a header has a pipe, even a one-column one ("|a|")
            if "|" not in header or not rest or not set(rest) <= _SEPARATOR_CHARS or not set(rest) & _SEPARATOR_MARKS:
                continue
            column = len(line) - len(rest)
            cells = (max(rest.count("|"), header.count("|")) + 1) * (end - index + 1)
            if cells > CELLS_MAX or steps[index - 1 - first] > ROW_BUDGET:
                mark = min(rest.find(c) for c in _SEPARATOR_MARKS if c in rest)
                edits.escape(doc.starts[index] + column + mark, rest[mark])


def _toc_markers(doc: Document, edits: Edits) -> None:
    """"toc" replaces each "[TOC]" paragraph with the list of all headings: markers x headings."""
    seen = 0
    for first, end in doc.chunks:
        for index in range(first, end):
            column, rest = doc.content(index)
            if rest.strip() == _TOC_MARKER:
                seen += 1
                if seen > TOC_MARKERS_MAX:
                    edits.escape(doc.starts[index] + column + rest.index("["), "[")


def _references(doc: Document, edits: Edits) -> None:
    """[text][id] and [id] copy the URL and title of definition id into the output: a long URL
    used thousands of times makes megabytes. Beyond REFERENCE_BUDGET copied characters the
    definitions are escaped (shown as written, their links as plain text)."""
    definitions: dict[str, int] = {}
    lines_with_definitions = []
    for first, end in doc.chunks:
        for index in range(first, end):
            column, rest = doc.content(index)
            m = _REFERENCE.match(rest)
            if m:
                key = " ".join(m.group(1).split()).lower()
                size = len(rest) + (len(doc.lines[index + 1]) if index + 1 < end else 0)
                definitions[key] = max(definitions.get(key, 0), size)
                lines_with_definitions.append((index, column + rest.index("[")))
    if not definitions:
        return
    if inline.reference_copies(doc, definitions) > REFERENCE_BUDGET:
        for index, column in lines_with_definitions:
            edits.escape(doc.starts[index] + column, "[")


def _is_table(block: str) -> bool:
    """Python-Markdown's own test (tables.py) of whether a block is a table; one parser per thread."""
    if not hasattr(_local, "table"):
        _local.table = markdown.Markdown(extensions=["tables"]).parser.blockprocessors["table"]
    return _local.table.test(None, block)


def _paragraph_lengths(doc: Document, edits: Edits) -> None:
    """Each inline match (escape, code span, link, tag, entity, emphasis) rebuilds the text of its
    paragraph with a placeholder ten characters long: matches x (length + 10 x matches) copied
    characters (and html5lib appends each entity, such as the &gt; of a ">", to the text so far). Beyond INLINE_BUDGET the paragraph (the table row, in a table) is cut into
    paragraphs of about PIECE characters, at a line end or a space when there is one."""
    edited = sorted(edits.replace.keys() | edits.insert.keys())
    for first, end in doc.chunks:
        start, stop = doc.span(first, end)
        units = [doc.span(index, index + 1) for index in range(first, end)] if end - first > 1 and \
            _is_table(doc.text[start:stop]) else [(start, stop)]
        for low, high in units:
            matches = len(_INLINE_SPECIAL.findall(doc.text, low, high))
            matches += bisect_left(edited, high) - bisect_left(edited, low)
            if matches * (high - low + 10 * matches) > INLINE_BUDGET:
                _cut(doc, edits, low, high)


def _cut(doc: Document, edits: Edits, low: int, high: int) -> None:
    text, position = doc.text, low
    while high - position > PIECE:
        limit = position + PIECE
        cut = text.rfind("\n", position + PIECE // 2, limit)
        if cut >= 0:  # a blank line (within the same quotes) before this line break
            edits.add(cut, "\n" + _quotes(doc, cut))
        else:  # within a line: after a space if there is one, never inside a backslash escape
            space = text.rfind(" ", position + PIECE // 2, limit)
            if space >= 0:
                cut = space + 1
                while cut < high and text[cut] == " ":
                    cut += 1
            else:
                cut = limit - (limit - len(text[:limit].rstrip("\\"))) % 2
            quotes = _quotes(doc, cut)
            edits.add(cut, f"\n{quotes}\n{quotes}{' ' if quotes else ''}")
            _inert_line_start(text, cut, edits)
        position = cut + 1


def _quotes(doc: Document, position: int) -> str:
    """The quote markers (at most NEST_MAX) opening the line that holds `position`."""
    quotes = _QUOTES.match(doc.lines[bisect_right(doc.starts, position) - 1])
    return quotes.group().rstrip() if quotes else ""


def _inert_line_start(text: str, position: int, edits: Edits) -> None:
    """Text cut at `position` goes on at the start of a line: it must not open a quote, list,
    heading, fence or HTML block there."""
    char = text[position]
    if position in edits.replace:  # escaped already
        return
    if char in _LINE_START_ESCAPES:
        edits.escape(position, char)
    elif char == "<":
        edits.replace[position] = "&lt;"
    elif char in "=~":
        edits.add(position, " ")
    elif m := _ORDERED_MARKER.match(text, position):
        edits.escape(m.end() - 1, ".")
