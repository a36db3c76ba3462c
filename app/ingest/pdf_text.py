"""Text from a PDF's text layer, cleaned of what the layout put in it, and a test of whether it is text at all."""

from __future__ import annotations

import re
import unicodedata

# Presentation forms, the glyphs a font draws for a letter in a given place, which a PDF's text layer often holds
# instead of the letter: Alphabetic (U+FB00-U+FB4F: ligatures such as "ﬁ", Hebrew forms) and Arabic letters'
# initial, medial, final and isolated forms and ligatures (U+FB50-U+FDFF, U+FE80-U+FEFC; a PDF printed from a
# browser holds nothing else for Arabic). Only these get NFKC: on the whole text NFKC would also rewrite
# full-width CJK punctuation, superscripts, "½"... Left out: the spacing forms of Arabic vowel marks
# (U+FE70-U+FE7F), which NFKC turns into a space and a mark.
_PRESENTATION_FORMS = re.compile("[\ufb00-\ufdff\ufe80-\ufefc]+")
# C0/C1 controls (NUL included) other than tab and line feed; a lone CR is a line end, handled before.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A hyphen (ASCII, U+2010, or a soft hyphen) at the end of a line, with the word before it (a compound's
# earlier parts and their hyphens included: "state-of-the") and the next line's first letter after it. That
# letter is looked at, not taken, so that it can start the next match ("of-\nthe-\nart").
_LINE_END_HYPHEN = re.compile(r"(?<![\w\-\u2010])((?:\w+[-\u2010])*\w+)([-\u2010\u00ad])[ \t]*\n[ \t]*(?=(\w))")
_SOFT_HYPHEN = "\u00ad"

# A page is read as text when at least this share of its non-space characters is letters, digits,
# punctuation, currency or maths signs (see _readable). With benchmarks/pdf_reading.py, the least
# readable page of MGM's 2022 Q4 release and 3M's 2018 10-K scores 0.99; a broken ToUnicode map, 0.
READABLE_SHARE = 0.5


def clean_pdf_text(text: str) -> str:
    """`text` with ligatures and presentation forms spelled out as their letters, control characters dropped and
    words hyphenated at line ends joined.

    A hyphenated word is joined only where the letter before the hyphen and the one after the line
    break are both lower case ("mainte-\\nnance" -> "maintenance"): "COVID-\\n19" and "well-\\nKnown"
    keep their hyphen and line break, as they may be written with one. A compound whose part before the
    line end already holds a hyphen keeps that hyphen too, on one line ("state-of-the-\\nart" ->
    "state-of-the-art"): a line that ends inside a compound most often ends at one of its own hyphens.
    A soft hyphen (U+00AD) marks a break inside a word, so it is always joined between lower case letters.

    Limit: a two-part compound broken at its only hyphen is joined like a word ("follow-\\nup" ->
    "followup", "e-\\nmail" -> "email"): the text layer does not say whether that hyphen was the author's,
    and telling them apart needs a dictionary. For the same reason "anti-inflam-\\nmatory" keeps its break
    hyphen ("anti-inflam-matory").
    """
    text = _PRESENTATION_FORMS.sub(lambda match: unicodedata.normalize("NFKC", match.group()), text)
    text = _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _LINE_END_HYPHEN.sub(_join_hyphenated, text)
    return text.replace(_SOFT_HYPHEN, "")


def _join_hyphenated(match: re.Match[str]) -> str:
    word, hyphen, after = match.group(1), match.group(2), match.group(3)
    if not (word[-1].islower() and after.islower()):
        return match.group().replace(_SOFT_HYPHEN, "-")
    if hyphen != _SOFT_HYPHEN and ("-" in word or "\u2010" in word):
        return word + hyphen
    return word


def readable_share(text: str) -> float:
    """The share (0-1) of `text`'s non-space characters that are readable; 1.0 for text with none."""
    visible = [char for char in text if not char.isspace()]
    if not visible:
        return 1.0
    return sum(_readable(char) for char in visible) / len(visible)


def _readable(char: str) -> bool:
    # Letters, marks, numbers, punctuation, currency and maths signs. Not "other symbols" (So: U+FFFD, which
    # a text layer holds where its font had no Unicode mapping, box drawing, dingbats), nor control,
    # format, private-use or unassigned characters: what a font's glyph codes come out as.
    category = unicodedata.category(char)
    return category[0] in "LMNP" or category in ("Sc", "Sm")


def is_readable_text(text: str) -> bool:
    """Whether a page's text layer (raw, before cleaning) is text rather than glyph codes; see READABLE_SHARE."""
    return readable_share(text) >= READABLE_SHARE
