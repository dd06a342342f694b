"""The keyboard focus ring can be seen on the white page: WCAG 2.2 asks 3:1 against what surrounds it."""
import re
from pathlib import Path

import forum

CSS = Path(forum.__file__).parent / "static" / "forum.css"


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of #rrggbb or #rgb."""
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def page_focus_colour(css: str) -> str:
    """The outline colour of the last `:focus-visible { outline: … }` rule for the whole page (the
    one that wins), its var() resolved with the last definition of that custom property."""
    rules = re.findall(r"(?m)^:focus-visible\s*\{([^}]*)\}", css)
    assert rules, "no :focus-visible rule in forum.css"
    outline = re.search(r"outline:\s*([^;]+);", rules[-1]).group(1)
    colour = outline.split()[-1]
    if colour.startswith("var("):
        name = colour[4:-1]
        colour = re.findall(rf"{re.escape(name)}:\s*(#[0-9a-fA-F]{{3,6}})", css)[-1]
    return colour


def test_focus_ring_contrasts_three_to_one_with_white():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0  # the formula, on a known pair
    colour = page_focus_colour(CSS.read_text(encoding="utf-8"))
    assert contrast(colour, "#ffffff") >= 3, f"focus ring {colour} contrasts {contrast(colour, '#ffffff'):.2f}:1"

