"""Which words of a page (or of a text) a cited passage is made of, found on normalised characters.

The stored passage is not the page's text: the PDF reader spelled ligatures out, joined words
hyphenated at line ends, changed whitespace and laid tables out with separators (app/ingest/pdf_text.py,
pdf_tables.py), and a two-column page may be read in another order than PDFium reads it. So both sides
are reduced to their letters and digits (NFKC, case-folded) and compared by runs of `ANCHOR` such
characters: punctuation, spaces, hyphens and order of blocks no longer matter, and a run that long is
specific to its place on a page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.chat.extractive import split_sentences
from app.embeddings.protocol import Embedding

ANCHOR = 12  # characters (letters and digits) a run must share: about two words, rarely repeated by chance
# A word is cited when at least this share of its letters and digits fall in a shared run: a run's first
# or last characters may belong to the neighbouring word ("the cat" is also in "bathe cat").
WORD_SHARE = 0.5

Box = tuple[float, float, float, float]  # left, top, right, bottom; y grows downwards


@dataclass(frozen=True)
class Word:
    """A word of a page and where it is: `box` in the unit of whoever made it (fractions of the page, pixels)."""

    text: str
    box: Box


def normalised(text: str) -> str:
    """The letters and digits of `text`, NFKC-normalised (ligatures spelled out) and case-folded."""
    return "".join(char for char in unicodedata.normalize("NFKC", text).casefold() if char.isalnum())


def shared_runs(page: str, cited: str) -> list[bool]:
    """For each character of `page`, whether it lies in the one place of `page` that `cited` stands.

    Both are normalised strings. The place is made of runs of at least `ANCHOR` characters that `cited`
    also holds (a `cited` shorter than `ANCHOR` must appear whole), taken from one stretch of `page` only
    (see `_region`): filings repeat their phrases ("net sales", a table's row names) all over a page, and
    only the repeat where the passage stands is cited.
    """
    marked = [False] * len(page)
    for start, _, length in _region(_blocks(page, cited), len(cited)):
        marked[start : start + length] = [True] * length
    return marked


Block = tuple[int, int, int]  # page start, cited start, length: page[p : p + n] == cited[c : c + n]


def _blocks(page: str, cited: str) -> list[Block]:
    """Every common run of at least `ANCHOR` characters (all of `cited` when shorter), longest per diagonal."""
    size = min(ANCHOR, len(cited))
    if size == 0 or len(page) < size:
        return []
    where: dict[str, list[int]] = {}
    for start in range(len(cited) - size + 1):
        where.setdefault(cited[start : start + size], []).append(start)
    blocks: list[list[int]] = []
    running: dict[int, int] = {}  # cited position expected at this page position -> its block
    for start in range(len(page) - size + 1):
        following: dict[int, int] = {}
        for position in where.get(page[start : start + size], ()):
            index = running.get(position)
            if index is None:
                blocks.append([start, position, size])
                index = len(blocks) - 1
            else:
                blocks[index][2] += 1
            following[position + 1] = index
        running = following
    return [(start, position, length) for start, position, length in blocks]


# What a character of the page between two runs costs a stretch, against one cited character the runs add:
# under 1, so a passage read across another column's lines (PDFium interleaves columns) still joins up; a
# repeat elsewhere adds no cited character, so it never pays for the page between it and the passage.
SPREAD_COST = 0.5


def _region(blocks: Sequence[Block], cited_length: int) -> list[Block]:
    """The blocks of the one stretch of the page where the cited text stands.

    It grows from the longest block (the passage's own place: a repeat is rarely as long) to the blocks
    on either side while the cited characters they add outweigh `SPREAD_COST` per page character crossed.
    """
    if not blocks:
        return []
    ordered = sorted(blocks)
    anchor = max(range(len(ordered)), key=lambda i: (ordered[i][2], -i))
    covered = np.zeros(cited_length, dtype=bool)
    _cover(covered, ordered[anchor])
    first = last = anchor
    while True:
        right, right_gain = _extension(ordered, covered, first, last, +1)
        left, left_gain = _extension(ordered, covered, first, last, -1)
        if max(right_gain, left_gain) <= 0:
            break
        if right_gain >= left_gain:
            for block in ordered[last + 1 : right + 1]:
                _cover(covered, block)
            last = right
        else:
            for block in ordered[left:first]:
                _cover(covered, block)
            first = left
    return ordered[first : last + 1]


def _cover(covered: npt.NDArray[np.bool_], block: Block) -> int:
    """Mark the cited characters of `block` covered; how many were not yet."""
    _, start, length = block
    new = length - int(covered[start : start + length].sum())
    covered[start : start + length] = True
    return new


def _extension(
    blocks: Sequence[Block], covered: npt.NDArray[np.bool_], first: int, last: int, step: int
) -> tuple[int, float]:
    """The block index to grow the region `first..last` to in direction `step` (+1 right, -1 left), and
    what that gains (cited characters added less the cost of the page crossed); (edge, 0.0) for none."""
    trial = covered.copy()
    missing = len(covered) - int(covered.sum())
    region = blocks[first : last + 1]
    if step > 0:
        edge, reach = last, max(start + length for start, _, length in region)
    else:
        edge, reach = first, min(start for start, _, _ in region)
    best, best_gain, gain, crossed = edge, 0.0, 0.0, 0.0
    index = edge + step
    while 0 <= index < len(blocks):
        start, _, length = blocks[index]
        gap = max(0, start - reach) if step > 0 else max(0, reach - (start + length))
        crossed += SPREAD_COST * gap
        if missing - crossed <= best_gain:  # nothing further can pay for the page crossed to reach it
            break
        gain += _cover(trial, blocks[index]) - SPREAD_COST * gap
        reach = max(reach, start + length) if step > 0 else min(reach, start)
        if gain > best_gain:
            best, best_gain = index, gain
        index += step
    return best, best_gain


def cited_words(words: Sequence[Word], texts: Sequence[str], within: range | None = None) -> list[int]:
    """Indexes of the `words` (in page order) that belong to any of `texts` where the page holds them.

    Each text is found in one place (see `shared_runs`); with `within`, only among those word indexes
    (the cited sentences are looked for inside their passage, not in a repeat elsewhere on the page).
    """
    span = within if within is not None else range(len(words))
    pieces = [normalised(words[index].text) for index in span]
    page = "".join(pieces)
    marked = [False] * len(page)
    for text in texts:
        for position, hit in enumerate(shared_runs(page, normalised(text))):
            marked[position] = marked[position] or hit
    found: list[int] = []
    start = 0
    for index, piece in zip(span, pieces, strict=True):
        end = start + len(piece)
        if piece and sum(marked[start:end]) >= WORD_SHARE * len(piece):
            found.append(index)
        start = end
    return found


def line_boxes(boxes: Sequence[Box]) -> list[Box]:
    """Word boxes in reading order merged into one box per run of words on one line.

    When most boxes are taller than wide, the lines run down the image (a page turned by /Rotate 90 or
    270 is shown so) and are merged along that axis instead.
    """
    down = sum(box[3] - box[1] > box[2] - box[0] for box in boxes) * 2 > len(boxes)
    merged: list[Box] = []
    for box in boxes:
        if merged and (_same_line(_swap(merged[-1]), _swap(box)) if down else _same_line(merged[-1], box)):
            last = merged[-1]
            merged[-1] = (min(last[0], box[0]), min(last[1], box[1]), max(last[2], box[2]), max(last[3], box[3]))
        else:
            merged.append(box)
    return merged


def _swap(box: Box) -> Box:
    return (box[1], box[0], box[3], box[2])


def _same_line(a: Box, b: Box) -> bool:
    height = min(a[3] - a[1], b[3] - b[1])
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    gap = max(b[0] - a[2], a[0] - b[2])
    # Words of one line overlap vertically; a gap wider than ~two letters is another column.
    return height > 0 and overlap > 0.5 * height and gap < 1.5 * height


@dataclass(frozen=True)
class Segment:
    """A piece of a text shown to the reader, `marked` when it is cited."""

    text: str
    marked: bool


_WORD = re.compile(r"\S+")


def mark_text(text: str, cited: Sequence[str]) -> list[Segment]:
    """`text` cut into plain and marked segments, the words of `cited` marked (see `cited_words`)."""
    spans = [match.span() for match in _WORD.finditer(text)]
    words = [Word(text[start:end], (0.0, 0.0, 0.0, 0.0)) for start, end in spans]
    chosen = set(cited_words(words, cited))
    segments: list[Segment] = []
    position = 0
    for index, (start, end) in enumerate(spans):
        marked = index in chosen
        gap = text[position:start]
        if gap:
            # Whitespace between two marked words is marked with them, so a sentence reads as one mark.
            _append(segments, gap, marked and bool(segments) and segments[-1].marked)
        _append(segments, text[start:end], marked)
        position = end
    if position < len(text):
        _append(segments, text[position:], False)
    return segments


def _append(segments: list[Segment], text: str, marked: bool) -> None:
    if segments and segments[-1].marked == marked:
        segments[-1] = Segment(segments[-1].text + text, marked)
    else:
        segments.append(Segment(text, marked))


def closest_sentences(
    answer: str, passages: Sequence[str], embedding: Embedding, per_passage: int = 2
) -> dict[int, list[str]]:
    """For an LLM answer: per 1-based passage number, its `per_passage` sentences most similar to `answer`.

    A sentence far weaker than the best of all (under half its cosine similarity) is left out, as in
    extractive answers. Embeds the answer once and every sentence of the passages once.
    """
    candidates = [(number, s) for number, text in enumerate(passages, start=1) for s in split_sentences(text)]
    if not candidates or not answer.strip():
        return {}
    query = np.asarray(embedding.get_query_embedding(answer), dtype=np.float32)
    vectors = np.asarray(embedding.get_text_embedding_batch([s for _, s in candidates]), dtype=np.float32)
    scores = vectors @ query
    floor = 0.5 * float(scores.max())
    chosen: dict[int, list[str]] = {}
    for i in np.argsort(-scores):
        number, sentence = candidates[int(i)]
        if scores[i] < floor:
            break
        if len(chosen.setdefault(number, [])) < per_passage:
            chosen[number].append(sentence)
    return chosen
