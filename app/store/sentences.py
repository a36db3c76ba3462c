"""Sentences of a text in any script: where extractive answers quote from, and what sentence vectors embed."""

from __future__ import annotations

import itertools
import re

import sentencex

# sentencex (Wikimedia's rule-based segmenter) ends sentences at every script's full stops (CJK full-width
# stops, the Arabic question mark, the Hindi danda) whatever the language; the language picks the
# abbreviations that do not end one. Passages carry no language, so a sentence ends only where the English
# and the German rules agree: "Dr.", "e.g.", "U.S.", initials (English) and "z. B.", "bzw.", "3. Oktober"
# (German) all stay inside their sentence. Two sentences left joined cost less than an answer cut in the
# middle of a name (the library's own rule).
_ABBREVIATION_LANGUAGES = ("en", "de")
# Scripts whose main language has abbreviations of its own, whose rules join the agreement when a text has the script:
# Russian abbreviations (the one-letter ones for "city" and "year", "that is") and initials end no sentence.
_SCRIPT_ABBREVIATIONS = ((re.compile("[\u0400-\u052f]"), "ru"),)  # Cyrillic
# Greek's question mark, ";" (or U+037E) after a Greek letter, ends a sentence; no other language's rules know it.
_GREEK_QUESTION = re.compile("[\u0370-\u03ff\u1f00-\u1fff][;\u037e]")
_THAI = re.compile("[\u0e00-\u0e7f]")
# A line of a form: a label of up to 40 characters without a sentence's punctuation, a colon, a value.
_FIELD_LINE = re.compile(r"^[^\S\n]*[^\n:.!?;]{1,40}:[^\S\n]+\S[^\n]*$", re.MULTILINE)


def sentence_spans(text: str) -> list[str]:
    """`text` cut into sentences, whitespace kept as it is (see `_ABBREVIATION_LANGUAGES`)."""
    languages = _ABBREVIATION_LANGUAGES + tuple(code for script, code in _SCRIPT_ABBREVIATIONS if script.search(text))
    ends = set.intersection(*(_sentence_ends(language, text) for language in languages))
    ends |= {question.end() for question in _GREEK_QUESTION.finditer(text)}
    if _THAI.search(text):
        ends |= _thai_sentence_ends(text)
    ends |= _field_line_ends(text)
    cuts = [0, *sorted(ends), len(text)]
    return [text[start:end] for start, end in itertools.pairwise(cuts) if end > start]


def _field_line_ends(text: str) -> set[int]:
    """Ends of the lines of a form or an invoice ("Total amount: 4,750.00 SAR"), where two or more such lines
    follow each other, and the start of each: each is a sentence of its own, apart from the line before (a
    title). A line break ends no sentence otherwise (a PDF's lines wrap mid-sentence), so the fields ran together
    into one quote."""
    ends: set[int] = set()
    fields = list(_FIELD_LINE.finditer(text))
    for line, following in itertools.pairwise(fields):
        if text[line.end() : following.start()].count("\n") == 1:  # the next line, no blank line between
            if line.end() not in ends and line.start() > 0:  # the first field of a run: the line before is not it
                ends.add(line.start() - 1)
            ends |= {line.end(), following.end()}
    return ends


def _thai_sentence_ends(text: str) -> set[int]:
    """Ends of Thai sentences, which no punctuation marks: pythainlp's CRF model (`crfcut`) finds them.

    A space in Thai ends a sentence or only a clause; the model tells which (trained on Thai TED talks).
    """
    from pythainlp.tokenize import sent_tokenize

    ends: set[int] = set()
    offset = 0
    pieces: list[str] = sent_tokenize(text, engine="crfcut")  # type: ignore[assignment]  # a str in, a list out
    for piece in pieces:
        found = text.find(piece, offset)
        if found < 0:  # the segmenter changed the text: keep the cuts made so far
            break
        offset = found + len(piece)
        # Only between Thai words: the model also cuts at spaces of any English around them.
        if _THAI.match(text[:offset].rstrip()[-1:]) and _THAI.match(text[offset:].lstrip()[:1]):
            ends.add(offset)
    return ends


def _sentence_ends(language: str, text: str) -> set[int]:
    """Character offsets just past each sentence of `text` by the rules of `language`."""
    return {int(boundary["end_index"]) for boundary in sentencex.get_sentence_boundaries(language, text)}
