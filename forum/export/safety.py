"""Formula-injection neutraliser for spreadsheet cells (CSV and XLSX), the one place it is decided.

Excel and LibreOffice evaluate a cell whose text starts with ``= + - @`` (and, through a leading
tab or carriage return, the same once trimmed) as a formula: a request titled
``=HYPERLINK("http://evil","clic")`` would become a live link in the editor's spreadsheet. A
leading apostrophe is the spreadsheet convention for "this is text", so the title still reads
naturally ("'=HYPERLINK(…)"), nothing is dropped, and the cell stays inert.
"""
from __future__ import annotations

from typing import Any

# First characters that make a spreadsheet read a cell as a formula (LF too: some readers trim it).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def is_dangerous(text: str) -> bool:
    return bool(text) and text.startswith(FORMULA_PREFIXES)


def neutralise(value: Any) -> Any:
    """The cell value, with text that a spreadsheet would run as a formula prefixed by "'".

    Numbers, dates and None are returned unchanged (a negative score is a number, not a formula).
    """
    if isinstance(value, str) and is_dangerous(value):
        return "'" + value
    return value
