"""The text a chunk is searched by: which document and section it belongs to, then its own words."""

from __future__ import annotations

from collections.abc import Mapping

LABEL_KEY = "document_label"  # the document's name and title words (app.ingest.chunking.document_label)
ATTACHMENT_KEY = "attachment"  # the name of the file, attached to an e-mail, that a passage was read from
# Metadata searched with a chunk's text, in this order: which document, then where in it.
_PLACE_KEYS = (ATTACHMENT_KEY, "sheet", "section")
_CONTEXT_KEYS = (LABEL_KEY, *_PLACE_KEYS)
# What `searchable_text` makes of a chunk; derived indexes saved with an older version are rebuilt.
# 1: the text alone; 2: the context line, then the text.
SEARCHABLE_TEXT_VERSION = 2
_CONTEXT_LIMIT = 300  # characters: a heading path can be long, and the chunk's own words must dominate


def chunk_context(metadata: Mapping[str, object]) -> str:
    """Which document and section a chunk belongs to, as one line ("MICROSOFT 2022 10K > Item 7"); "" if unknown."""
    return _joined(metadata, _CONTEXT_KEYS)


def section_context(metadata: Mapping[str, object]) -> str:
    """Where in its document a chunk sits, by the document's own headings ("Q1 > Totals", "Item 7"); "" if none."""
    return _joined(metadata, _PLACE_KEYS)


def _joined(metadata: Mapping[str, object], keys: tuple[str, ...]) -> str:
    return " > ".join(str(metadata[key]) for key in keys if metadata.get(key))[:_CONTEXT_LIMIT]


def searchable_text(text: str, metadata: Mapping[str, object]) -> str:
    """What a chunk is embedded and keyword-searched by: its context line, then its text.

    Citations show `text` alone; the context makes "Boeing's 2022 revenue" match Boeing's 2022
    filing rather than any page that states a revenue.
    """
    context = chunk_context(metadata)
    return f"{context}\n\n{text}" if context else text


def format_location(metadata: Mapping[str, object]) -> str:
    """Where a passage sits in its file, for citations: 'page 2', 'slide 3', 'sheet "Q1", rows 2-21', ...; in a file
    attached to an e-mail, that file first: 'attachment "q3.pdf", page 2'."""
    place = own_location(metadata)
    if not (attachment := metadata.get(ATTACHMENT_KEY)):
        return place
    return f'attachment "{attachment}"' + (f", {place}" if place else "")


def own_location(metadata: Mapping[str, object]) -> str:
    """Where a passage sits in the file it was read from (an attachment: in that attachment), "" if nowhere."""
    if "page" in metadata:
        return f"page {metadata['page']}"
    if "slide" in metadata:
        return f"slide {metadata['slide']}"
    if "sheet" in metadata:
        rows = f", {_rows(metadata['rows'])}" if "rows" in metadata else ""
        return f'sheet "{metadata["sheet"]}"{rows}'
    if "rows" in metadata:
        return _rows(metadata["rows"])
    if "section" in metadata:
        return f'section "{metadata["section"]}"'
    if metadata.get("image"):
        return "image"
    if "part" in metadata:  # a chunk of a file without pages or headings (split_into_chunks numbers them)
        return f"part {metadata['part']}"
    return ""


def _rows(rows: object) -> str:
    """'rows 2-21' for a range of rows, 'row 2' for one."""
    return f"rows {rows}" if "-" in str(rows) else f"row {rows}"
