"""The lines of a PDF page written right to left (Arabic, Hebrew, Persian, Urdu...) in reading order.

A PDF draws glyphs; it need not store them in the order they are read. Many producers (a browser's "print to
PDF", generators that shape text with HarfBuzz or take pre-shaped text) store a right-to-left line as it is
drawn, left to right. pypdf's plain extraction reverses such runs itself, but around a number or a Latin word
it puts the phrases of a line in another order and glues the number to a word (an Arabic line "A B 25 C D."
comes out as ". C D25 A B"), and it scrambles a few Arabic words in an English line. pypdf's layout mode lays
each line out left to right as it is drawn, whatever order the file stores it in; the Unicode Bidirectional
Algorithm (UAX #9, python-bidi) puts such a line back into the order it is read in."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypdf import PageObject

log = logging.getLogger(__name__)

# Letters of the right-to-left scripts: Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic and Arabic's
# supplements and presentation forms (U+0590-U+08FF, U+FB1D-U+FDFF, U+FE70-U+FEFC).
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def _letter_counts(text: str) -> tuple[int, int]:
    """(right-to-left letters, other letters) in `text`."""
    right_to_left = sum(1 for char in text if char.isalpha() and _RIGHT_TO_LEFT.match(char))
    return right_to_left, sum(1 for char in text if char.isalpha()) - right_to_left


def reading_order_text(page: PageObject, plain: str) -> str:
    """`plain` (pypdf's plain extraction of `page`) with each line that holds right-to-left letters in reading
    order: the page's layout line of the same characters, put into reading order (right to left when it holds
    more right-to-left letters than others). A line with no layout line of its characters stays as it is: two
    columns, which layout mode lays side by side, keep the plain reading. `plain` as it is when it holds no
    right-to-left letter, or when layout mode fails on the page.
    """
    if _RIGHT_TO_LEFT.search(plain) is None:
        return plain
    from bidi import get_display

    try:
        layout = page.extract_text(extraction_mode="layout")
    except Exception as exc:  # noqa: BLE001 - layout mode fails in several ways on fonts it cannot measure
        log.info("layout mode failed on a right-to-left page, its lines stay as read: %s", exc)
        return plain
    drawn = {_characters(line): " ".join(line.split()) for line in layout.splitlines() if line.strip()}
    spelled = _spellings(plain)
    lines = []
    for line in plain.split("\n"):
        if _RIGHT_TO_LEFT.search(line) and (as_drawn := drawn.get(_characters(line))):
            right_to_left, others = _letter_counts(as_drawn)
            in_order = get_display(as_drawn, base_dir="R" if right_to_left > others else "L")
            line = " ".join(spelled(word) for word in in_order.split(" "))
        lines.append(line)
    return "\n".join(lines)


def _characters(line: str) -> str:
    """A line's characters but spaces, sorted: the same for a line in any order."""
    return "".join(sorted(line.replace(" ", "")))


def _spellings(plain: str) -> Callable[[str], str]:
    """A function from a word as the layout reading may misspell it to the word as `plain` spells it.

    A glyph can stand for several letters: a font draws lam and alef as one ligature, whose text is the two
    letters in reading order. Reordered letter by letter, those letters come out reversed (U+0627 U+0625 U+0644
    for U+0627 U+0644 U+0625, the article before a hamza: "al-i..." misspelt).
    pypdf's plain reading reverses a glyph's text as a whole, so it spells every word right (only its phrase
    order is wrong): a right-to-left word the plain reading lacks becomes the plain word of the same letters,
    when one word of the page has them.
    """
    words = set(plain.split())
    by_letters: dict[str, str | None] = {}
    for word in words:
        key = "".join(sorted(word))
        by_letters[key] = None if key in by_letters else word  # two words of the same letters: unsure

    def spelled(word: str) -> str:
        if word in words or not _RIGHT_TO_LEFT.search(word):
            return word
        return by_letters.get("".join(sorted(word))) or word

    return spelled
