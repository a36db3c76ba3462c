"""What the Sources panel shows of a cited passage: its PDF page with highlights, or its text in context.

A PDF passage (its chunk's metadata holds a `page`) is shown on its page image (see page_image). Any
other passage is shown as text, with its neighbouring chunks of the same document before and after it
(chunk ids number a document's chunks in order, see app.ingest.chunking.chunk_id); a slide's passage
with the rest of its slide; a sheet's passage as the rows of a table. The text is data: whoever
renders it escapes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from llama_index.core.schema import BaseNode

from app.chat.markdown import escape_markdown
from app.ingest.chunking import chunk_id
from app.ingest.ocr import Ocr
from app.retrieval.passage import Passage
from app.store.chroma import VectorIndex
from app.view.highlight import Segment, Word, cited_words, mark_text
from app.view.page_image import PageRender, render_highlighted

CONTEXT_CHARS = 600  # characters of neighbouring text shown on each side of a passage
WINDOW = 6  # chunks read on each side of a slide's passage: a slide is rarely longer than that


@dataclass(frozen=True)
class TextContext:
    """A passage as text: `before` and `after` are the neighbouring text of its document (or slide);
    `passage` its text in plain and marked segments; for a sheet, `header` and `rows` are its table, with
    the indexes of the rows holding cited words in `cited_rows`."""

    kind: Literal["text", "slide", "sheet"]
    before: str
    passage: list[Segment]
    after: str
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    cited_rows: list[int] = field(default_factory=list)


SourceView = PageRender | TextContext


def view_source(
    index: VectorIndex,
    source: Path | None,
    passage: Passage,
    highlights: Sequence[str],
    width_px: int,
    *,
    page: int | None = None,
    cache_dir: Path | None = None,
    ocr: Ocr | None = None,
) -> SourceView:
    """The view of `passage`, `highlights` (its cited sentences) marked in it.

    A PDF passage whose file is still there is a `PageRender` of its page, or of `page` when the reader
    paged away from it (the passage is highlighted only on its own page); anything else a `TextContext`.

    Raises:
        UnreadableFileError: the PDF cannot be rendered, or has no page `page`.
        StoreError: the index cannot be read.
    """
    node = index.get([passage.chunk_id]).get(passage.chunk_id)
    metadata = dict(node.metadata) if node is not None else {}
    cited = list(highlights) or [passage.text]
    if source is not None and source.suffix.lower() == ".pdf" and "page" in metadata:
        own = int(str(metadata["page"]))
        shown = own if page is None else page  # page 0 is refused as out of range, not read as "own page"
        return render_highlighted(
            source,
            shown,
            highlights if shown == own else [],
            width_px,
            passage_text=passage.text if shown == own else "",
            cache_dir=cache_dir,
            doc_sha=passage.doc_sha,
            ocr=ocr,
        )
    if "sheet" in metadata or "rows" in metadata:
        return _sheet_view(passage.text, cited, _columns(metadata))
    neighbours = _neighbours(index, passage, WINDOW if "slide" in metadata else 1)
    if "slide" in metadata:
        slide = metadata["slide"]
        neighbours = {n: node for n, node in neighbours.items() if node.metadata.get("slide") == slide}
        return _text_view("slide", passage.text, neighbours, cited)
    return _text_view("text", passage.text, neighbours, cited)


def _columns(metadata: dict[str, object]) -> list[str]:
    """A sheet chunk's column names (app.ingest.tables stores them as a JSON list); [] when absent."""
    try:
        names = json.loads(str(metadata.get("columns", "[]")))
    except ValueError:
        return []
    return [str(name) for name in names] if isinstance(names, list) else []


def _position(passage: Passage) -> int | None:
    match = re.search(r"-(\d+)$", passage.chunk_id)
    return int(match.group(1)) if match else None


def _neighbours(index: VectorIndex, passage: Passage, window: int) -> dict[int, BaseNode]:
    """The chunks of the passage's document within `window` positions of it, by offset (-1 = just before)."""
    position = _position(passage)
    if position is None or not passage.doc_sha:
        return {}
    offsets = [offset for offset in range(-window, window + 1) if offset and position + offset >= 0]
    ids = {chunk_id(passage.doc_sha, position + offset): offset for offset in offsets}
    found = index.get(list(ids))
    return {ids[key]: node for key, node in found.items()}


def _text_view(
    kind: Literal["text", "slide"], text: str, neighbours: dict[int, BaseNode], cited: Sequence[str]
) -> TextContext:
    # Only the contiguous run of neighbours counts: a gap means another slide or a missing chunk.
    before_parts: list[str] = []
    offset = -1
    while offset in neighbours:
        before_parts.insert(0, neighbours[offset].get_content())
        offset -= 1
    after_parts: list[str] = []
    offset = 1
    while offset in neighbours:
        after_parts.append(neighbours[offset].get_content())
        offset += 1
    before = _join_overlapping(before_parts)
    before = before[: len(before) - _overlap(before, text)]
    after = _join_overlapping(after_parts)
    after = after[_overlap(text, after) :]
    if kind == "text":  # a slide is shown whole; a document's neighbours only near the passage
        before, after = _tail(before), _head(after)
    return TextContext(kind, _flat(before), mark_text(_flat(text), cited), _flat(after))


def _flat(text: str) -> str:
    return " ".join(text.split())


def _tail(text: str) -> str:
    if len(text) <= CONTEXT_CHARS:
        return text
    cut = text[-CONTEXT_CHARS:]
    return "…" + cut[cut.find(" ") + 1 :] if " " in cut else "…" + cut


def _head(text: str) -> str:
    if len(text) <= CONTEXT_CHARS:
        return text
    cut = text[:CONTEXT_CHARS]
    return (cut[: cut.rfind(" ")] if " " in cut else cut) + "…"


def marked_markdown(segments: Sequence[Segment]) -> str:
    """Segments as escaped markdown, the marked ones in bold (their edge whitespace kept outside the marks)."""
    parts = []
    for segment in segments:
        text = escape_markdown(segment.text)
        if segment.marked and text.strip():
            lead = text[: len(text) - len(text.lstrip())]
            trail = text[len(text.rstrip()) :]
            text = f"{lead}**{text.strip()}**{trail}"
        parts.append(text)
    return "".join(parts)


def _join_overlapping(parts: Sequence[str]) -> str:
    """Consecutive chunks joined, the text each shares with the one before it (CHUNK_OVERLAP) kept once."""
    if not parts:
        return ""
    joined = parts[0]
    for part in parts[1:]:
        shared = _overlap(joined, part)
        joined += part[shared:] if shared else "\n" + part
    return joined


def _overlap(left: str, right: str) -> int:
    """Length of the longest start of `right` that `left` ends with (0 when none is 8 characters or more)."""
    for size in range(min(len(left), len(right)), 7, -1):
        if left.endswith(right[:size]):
            return size
    return 0


def _sheet_view(text: str, cited: Sequence[str], columns: Sequence[str] = ()) -> TextContext:
    """A sheet passage (rows written "Header: value; Header: value", or "a | b" without a header, see
    app.ingest.tables) as a table; a row is cited when its own line holds cited words.

    `columns` are the sheet's column names (the chunk's `columns` metadata): with them a cell holding
    "; " or ": " is read whole. Without them (an index built before they were stored) a line is cut at
    every "; ".
    """
    lines = text.splitlines()
    header = list(columns)
    rows: list[dict[str, str] | list[str]] = []
    for line in lines:
        named = _named_cells(line, columns) if columns else None
        if named is None and not columns and ": " in line:
            named = _guessed_cells(line)
            header += [name for name in named if name not in header]
        rows.append(named if named is not None else [cell.strip() for cell in line.split(" | ")])
    table = [[row.get(name, "") for name in header] if isinstance(row, dict) else row for row in rows]
    width = max((len(row) for row in table), default=0)
    table = [row + [""] * (width - len(row)) for row in table]
    if not header:
        header = [f"Column {number}" for number in range(1, width + 1)]
    header += [f"Column {number}" for number in range(len(header) + 1, width + 1)]
    # Each row is matched by its line as the reader wrote it, names and all, as the cited text quotes it.
    cited_rows = cited_words([Word(line, (0.0, 0.0, 0.0, 0.0)) for line in lines], cited) if cited else []
    return TextContext("sheet", "", mark_text(text, cited), "", header, table, cited_rows)


def _named_cells(line: str, columns: Sequence[str]) -> dict[str, str] | None:
    """The cells of a "Name: value; Name: value" line, names taken in order from `columns` (empty cells are
    left out of a line, so any may be skipped); None when the line is not such a row (a table's title)."""

    def cells_from(position: int, first: int) -> list[tuple[str, str]] | None:
        for index in range(first, len(columns)):
            prefix = f"{columns[index]}: "
            if not line.startswith(prefix, position):
                continue
            start = position + len(prefix)
            # The cell ends at the "; " after which the rest of the line is cells of later columns.
            ends = [match.start() for match in re.finditer("; ", line[start:])]
            for end in [*(start + end for end in ends), len(line)]:
                rest = [] if end == len(line) else cells_from(end + 2, index + 1)
                if rest is not None:
                    return [(columns[index], line[start:end]), *rest]
        return None

    cells = cells_from(0, 0)
    return dict(cells) if cells else None


def _guessed_cells(line: str) -> dict[str, str]:
    cells = {}
    for cell in line.split("; "):
        name, _, value = cell.strip().rpartition(": ") if ": " in cell else ("", "", cell.strip())
        cells[name] = value
    return cells
