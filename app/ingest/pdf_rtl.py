"""The lines of a PDF page written right to left (Arabic, Hebrew, Persian, Urdu...) in reading order.

A PDF draws glyphs; it need not store them in the order they are read. Many producers (a browser's "print to
PDF", generators that shape text with HarfBuzz or take pre-shaped text) store a right-to-left line as it is
drawn, left to right. pypdf's plain extraction reverses such runs itself, but around a number or a Latin word
it puts the phrases of a line in another order and glues the number to a word (an Arabic line "A B 25 C D."
comes out as ". C D25 A B"), and it scrambles a few Arabic words in an English line.

Two readings of each line are combined. pypdf's layout mode lays the line out left to right as it is drawn,
whatever order the file stores it in, and the Unicode Bidirectional Algorithm (UAX #9, python-bidi) puts it
back into the order it is read in: the order of the line's words and numbers is taken from there, with
mirrored brackets turned back and the gaps layout mode leaves inside brackets closed. The plain reading
spells each right-to-left word right (it reverses a glyph's text as a whole), so each is spelt as it spells
it. When the two readings do not hold the same words (layout mode splits words with vowel points, or lays two
columns side by side), the plain reading of the line is kept.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypdf import PageObject

log = logging.getLogger(__name__)

# The right-to-left scripts: Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic and Arabic's supplements and
# presentation forms. Their letters and marks make words; their digits (U+0660-U+0669, U+06F0-U+06F9) do not.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
# A run of Latin words with the numbers and codes among them, as a line draws it: from a Latin letter, over
# letters, digits, the separators of codes and addresses, and single spaces; its trailing separators are not its.
_RUN_SEPARATORS = "-/.:,+#@&_"
_LATIN = "A-Za-z\u00c0-\u024f"
_CODE_PIECE = rf"[{_LATIN}0-9\-/.:,+#@&_]*"
_LEFT_TO_RIGHT_RUN = re.compile(rf"[{_LATIN}]{_CODE_PIECE}(?: [{_LATIN}0-9]{_CODE_PIECE})*")
_SENTENCE_ENDS = ".!?\u061f\u06d4"  # and the Arabic question mark and the Urdu full stop
_PRIVATE_USE = 0xE000  # placeholders for those runs while a line is reordered (Unicode's private use area)
# Brackets and quotation marks that a right-to-left line draws mirrored: each opening mark and its closing one.
_PAIRS = {"(": ")", "[": "]", "{": "}", "«": "»", "‹": "›"}
_MIRRORED = str.maketrans({**_PAIRS, **{close: open_ for open_, close in _PAIRS.items()}})


def holds_right_to_left(text: str) -> bool:
    """Whether `text` holds a letter of a right-to-left script."""
    return any(_is_right_to_left_letter(match.group()) for match in _RIGHT_TO_LEFT.finditer(text))


def reading_order_text(page: PageObject, plain: str) -> str:
    """`plain` (pypdf's plain extraction of `page`) with each line that holds right-to-left letters in reading
    order (see the module's description); `plain` as it is when it holds none, or when layout mode fails on the
    page. A line is read right to left when it is drawn with its full stop at its left end, else when the letters
    at both ends of it are right-to-left ones, or when they differ and most of the page's letters are.
    """
    if not holds_right_to_left(plain):
        return plain
    from bidi import get_display

    try:
        layout = page.extract_text(extraction_mode="layout")
    except Exception as exc:  # noqa: BLE001 - layout mode fails in several ways on fonts it cannot measure
        log.info("layout mode failed on a right-to-left page, its lines stay as read: %s", exc)
        return plain
    drawn = {_characters(line): " ".join(line.split()) for line in layout.splitlines() if line.strip()}
    letters = [char for char in plain if char.isalpha()]
    page_is_right_to_left = 2 * sum(map(_is_right_to_left_letter, letters)) > len(letters)
    lines = []
    for line in plain.split("\n"):
        as_drawn = drawn.get(_characters(line)) if holds_right_to_left(line) else None
        if as_drawn:
            kept, runs = _left_to_right_runs(as_drawn)
            if _reads_right_to_left(as_drawn, page_is_right_to_left):
                # Reversed, the line is in reading order but for its numbers, now backwards; the algorithm reads
                # it with the context of reading order (a number after an Arabic word is an Arabic number, its
                # parts drawn right to left) and turns them back.
                in_order = get_display(kept[::-1], base_dir="R")[::-1]
            else:
                in_order = get_display(kept, base_dir="L")
            for placeholder, run in runs.items():
                in_order = in_order.replace(placeholder, run)
            line = _checked(_spelt_as(_tidied(_facing_brackets(in_order)), line), line)
        lines.append(line)
    return "\n".join(lines)


def _left_to_right_runs(drawn: str) -> tuple[str, dict[str, str]]:
    """`drawn` with each run of Latin words and the codes and numbers after them ("INV-2024-0042", "XPS 13 9310",
    "info@example.org") replaced by one private-use character, which the algorithm reads as one left-to-right
    letter, and {that character: the run}. A line draws such a run as it is read; reordered piece by piece, its
    numbers would be taken for Arabic ones and its pieces come out backwards ("0042-2024-INV")."""
    runs: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        run = match.group().rstrip(_RUN_SEPARATORS)
        key = chr(_PRIVATE_USE + len(runs))
        runs[key] = run
        return key + match.group()[len(run) :]

    return _LEFT_TO_RIGHT_RUN.sub(placeholder, drawn), runs


def _is_right_to_left_letter(char: str) -> bool:
    return _RIGHT_TO_LEFT.match(char) is not None and unicodedata.category(char)[0] in "LM"


def _reads_right_to_left(drawn: str, page_is_right_to_left: bool) -> bool:
    # A sentence's full stop is drawn at the end it ends at: the left one in a right-to-left paragraph.
    if drawn[0] in _SENTENCE_ENDS and drawn[-1] not in _SENTENCE_ENDS:
        return True
    if drawn[-1] in _SENTENCE_ENDS and drawn[0] not in _SENTENCE_ENDS:
        return False
    letters = [char for char in drawn if char.isalpha()]
    left, right = _is_right_to_left_letter(letters[0]), _is_right_to_left_letter(letters[-1])
    return right if left == right else page_is_right_to_left


def _characters(line: str) -> str:
    """A line's characters but spaces, sorted: the same for a line in any order."""
    return "".join(sorted(line.replace(" ", "")))


def _words(line: str) -> list[str]:
    """The right-to-left words of a line (runs of right-to-left letters and marks), in order."""
    words, word = [], ""
    for char in line + " ":
        if _is_right_to_left_letter(char):
            word += char
        elif word:
            words.append(word)
            word = ""
    return words


def _spelt_as(line: str, plain: str) -> str:
    """`line` with each right-to-left word spelt as the plain reading `plain` spells it.

    A word of the same letters in another order becomes the plain one, when `plain` holds one such word: a
    glyph can stand for several letters (a font draws lam and alef as one ligature, whose text is the two
    letters in reading order), which a letter-by-letter reordering reverses. Two words that make a plain word
    together are joined: layout mode puts a space where a vowel point leaves a gap between two glyphs.
    """
    spellings = set(_words(plain))
    by_letters: dict[str, str | None] = {}
    for word in spellings:
        key = "".join(sorted(word))
        by_letters[key] = None if key in by_letters else word  # two words of the same letters: unsure
    for word in set(_words(line)) - spellings:
        spelt = by_letters.get("".join(sorted(word)))
        if spelt:
            line = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", spelt, line)
    words = _words(line)
    for first, second in itertools.pairwise(words):
        if first + second in spellings and first not in spellings:
            line = line.replace(f"{first} {second}", first + second, 1)
    return line


def _checked(line: str, plain: str) -> str:
    """`line` when it holds the right-to-left words of the plain reading `plain`, else `plain`: layout mode split
    a word (vowel points) or read across columns."""
    return line if Counter(_words(line)) == Counter(_words(plain)) else plain


def _tidied(line: str) -> str:
    """`line` without the spaces that layout mode puts inside brackets, before a per cent sign and before Arabic
    punctuation, where a glyph is drawn a little apart ("[ 3]", "12.5 %", "2022 ،")."""
    line = re.sub(r"([(\[{«]) ", r"\1", line)
    line = re.sub(r" ([)\]}»،؛؟])", r"\1", line)
    return re.sub(r"(?<=\d) %", "%", line)


def _facing_brackets(line: str) -> str:
    """`line` with its brackets and guillemets turned to face each other, when they face away from each other
    (")note(") and turning them pairs them all: a right-to-left line drawn with mirrored glyphs whose text is the
    glyph's own character."""
    if _balanced(line):
        return line
    turned = line.translate(_MIRRORED)
    return turned if _balanced(turned) else line


def _balanced(line: str) -> bool:
    depth = dict.fromkeys(_PAIRS, 0)
    closing = {close: open_ for open_, close in _PAIRS.items()}
    for char in line:
        if char in _PAIRS:
            depth[char] += 1
        elif char in closing:
            depth[closing[char]] -= 1
            if depth[closing[char]] < 0:
                return False
    return not any(depth.values())
