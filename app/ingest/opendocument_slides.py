"""OpenDocument presentations (.odp: LibreOffice Impress, and PowerPoint or Google Slides saving as ODF), read with
odfpy, a passage per slide as for .pptx."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from typing import Any

from llama_index.core import Document

from app.errors import UnreadableFileError
from app.ingest.opendocument import (
    DRAW_NS,
    OFFICE_NS,
    TABLE_NS,
    TEXT_NS,
    check_parts,
    damaged,
    document_title,
    element_text,
    table_lines,
)
from app.ingest.parsed import ParsedFile, ReadOptions

_KIND = "an OpenDocument presentation"
_PRESENTATION_NS = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
_SVG_NS = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_CHART_NS = "urn:oasis:names:tc:opendocument:xmlns:chart:1.0"
_STYLE_NS = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_PAGE = (DRAW_NS, "page")
_NOTES = (_PRESENTATION_NS, "notes")
_GROUP = (DRAW_NS, "g")
# Paragraph-level text inside a shape: read a line each; a list's items are paragraphs inside it. Other text (a
# picture's description, its alt text) is not shown on the slide, and not read.
_PARAGRAPHS = {(TEXT_NS, "p"), (TEXT_NS, "h")}
# A length as ODF writes positions: 2.5cm, 1in, 72pt.
_LENGTH = re.compile(r"(-?[\d.]+)(cm|mm|in|pt|pc|px)?")
# draw:transform="rotate (0.35) translate (3.128cm 14.026cm)": where a rotated shape sits.
_TRANSLATE = re.compile(r"translate\s*\(\s*(?P<x>[-\d.]+[a-z]*)[\s,]+(?P<y>[-\d.]+[a-z]*)\s*\)")
# Placeholders whose text is a field the slide show fills in ("<number>" on a notes page, the date).
_PLACEHOLDER_FIELDS = {"page-number", "date-time"}
_POINTS = {"cm": 72 / 2.54, "mm": 72 / 25.4, "in": 72.0, "pt": 1.0, "pc": 12.0, "px": 0.75, None: 1.0}


def read_odp(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    """A passage per slide, cited as `slide 3`: its title first, then the text of its shapes, tables and groups in
    reading order (top to bottom, then left to right), a chart as its title and a line per series, then its speaker
    notes ("Notes: ..."). A slide hidden from the slide show is read, its text opened by "(hidden slide)". Not read:
    embedded objects other than charts (formulas, other documents).

    Raises:
        UnreadableFileError: the package is damaged, or has more slides than options.max_pages.
    """
    from odf.opendocument import load

    check_parts(data, name, _KIND)
    document = load(io.BytesIO(data))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        charts = {href: _chart_lines(package, href) for href in _object_links(document)}
    body = getattr(document, "presentation", None)  # set only for a package whose mimetype says presentation
    if body is None:
        raise damaged(name, _KIND, "it has no slides (content.xml)")
    slides = [child for child in body.childNodes if getattr(child, "qname", None) == _PAGE]
    if len(slides) > options.max_pages:
        raise UnreadableFileError(
            f"'{name}' has {len(slides)} slides, over the {options.max_pages}-page limit.",
            "Split the presentation, or raise MAX_PAGES.",
        )
    hidden_styles = _hidden_page_styles(document)
    documents = []
    for number, slide in enumerate(slides, start=1):
        options.page_read(number, len(slides))
        lines = _slide_lines(slide, charts)
        if lines and slide.getAttrNS(DRAW_NS, "style-name") in hidden_styles:
            lines.insert(0, "(hidden slide)")
        if lines:
            documents.append(Document(text="\n".join(lines), metadata={"slide": number}))
    return ParsedFile(documents=documents, pages=len(slides), title=document_title(document))


def _object_links(document: Any) -> list[str]:
    """The links (./Object 1) of the objects embedded in the slides: charts, formulas, other documents."""
    from odf.draw import Object

    return [link for element in document.getElementsByType(Object) if (link := _href(element))]


def _href(element: Any) -> str:
    return str(element.getAttrNS(_XLINK_NS, "href") or "")


def _chart_lines(package: zipfile.ZipFile, link: str) -> list[str]:
    """A chart's title, then one line per series with each value after its category, as .pptx charts read
    ("Units sold | 2022: 120 | 2023: 150"); the chart keeps its figures in its own table, often the only place the
    deck has them. [] for an object that is no chart, or one whose part is missing or damaged."""
    from defusedxml import ElementTree

    part = f"{posixpath.normpath(link).strip('/')}/content.xml"  # "./Object 1" -> "Object 1/content.xml"
    if part not in package.namelist():
        return []
    try:
        root = ElementTree.fromstring(package.read(part))
    except ElementTree.ParseError:
        return []
    chart = root.find(f".//{{{_CHART_NS}}}chart")
    if chart is None:
        return []
    lines = [" ".join("".join(title.itertext()).split()) for title in chart.iter(f"{{{_CHART_NS}}}title")]
    local = chart.find(f"{{{TABLE_NS}}}table")
    rows = [
        [" ".join("".join(cell.itertext()).split()) or str(cell.get(f"{{{OFFICE_NS}}}value") or "") for cell in row]
        for row in (local.iter(f"{{{TABLE_NS}}}table-row") if local is not None else [])
    ]
    if rows:
        header, data = rows[0], rows[1:]
        for column, series in enumerate(header[1:], start=1):
            values = [f"{row[0]}: {row[column]}" for row in data if column < len(row) and row[column]]
            if values:
                lines.append(" | ".join([series, *values]))
    return [line for line in lines if line]


def _slide_lines(slide: Any, charts: dict[str, list[str]]) -> list[str]:
    shapes = [child for child in slide.childNodes if hasattr(child, "qname") and child.qname != _NOTES]
    titles = [shape for shape in shapes if shape.getAttrNS(_PRESENTATION_NS, "class") == "title"]
    lines: list[str] = []
    for shape in titles + sorted((s for s in shapes if s not in titles), key=_position):
        lines.extend(_shape_lines(shape, charts))
    for notes in (child for child in slide.childNodes if getattr(child, "qname", None) == _NOTES):
        if text := "\n".join(_shape_lines(notes, charts)).strip():
            lines.append(f"Notes: {text}")
    return lines


def _shape_lines(shape: Any, charts: dict[str, list[str]]) -> list[str]:
    """A shape's text a line per paragraph; a table's rows; a chart's series; a group's shapes in reading order."""
    if shape.qname == (DRAW_NS, "object"):
        return charts.get(_href(shape), [])
    if shape.qname == (TABLE_NS, "table"):
        return table_lines(shape)
    if shape.qname in _PARAGRAPHS:  # a line break inside a paragraph (Shift+Enter) ends a line, as for .pptx
        return [line for part in element_text(shape).split("\n") if (line := " ".join(part.split()))]
    if shape.getAttrNS(_PRESENTATION_NS, "class") in _PLACEHOLDER_FIELDS:
        return []
    children = [child for child in shape.childNodes if hasattr(child, "qname")]
    if shape.qname == _GROUP:
        children.sort(key=_position)
    return [line for child in children for line in _shape_lines(child, charts)]


def _position(shape: Any) -> tuple[float, float]:
    """(top, left) of a shape in points, for reading order; a group's is its first shape's; a rotated shape's is
    where its transform moves it (LibreOffice writes no svg:x and svg:y for one); unknown: (0, 0)."""
    if getattr(shape, "qname", None) == _GROUP:
        parts = [child for child in shape.childNodes if hasattr(child, "qname")]
        return _position(parts[0]) if parts else (0.0, 0.0)
    if not shape.getAttrNS(_SVG_NS, "y") and (moved := _TRANSLATE.search(str(shape.getAttrNS(DRAW_NS, "transform")))):
        return _points(moved["y"]), _points(moved["x"])
    return _points(shape.getAttrNS(_SVG_NS, "y")), _points(shape.getAttrNS(_SVG_NS, "x"))


def _points(length: object) -> float:
    match = _LENGTH.fullmatch(str(length or "").strip())
    if match is None:
        return 0.0
    try:
        return float(match.group(1)) * _POINTS[match.group(2)]
    except ValueError:
        return 0.0


def _hidden_page_styles(document: Any) -> set[str]:
    """The names of the slide styles that hide a slide from the slide show (presentation:visibility="hidden")."""
    hidden = set()
    for style in getattr(document.automaticstyles, "childNodes", []):
        if getattr(style, "qname", None) != (_STYLE_NS, "style"):
            continue
        for properties in style.childNodes:
            if getattr(properties, "qname", None) == (_STYLE_NS, "drawing-page-properties") and (
                properties.getAttrNS(_PRESENTATION_NS, "visibility") == "hidden"
            ):
                hidden.add(str(style.getAttrNS(_STYLE_NS, "name")))
    return hidden
