"""OpenDocument text (.odt: LibreOffice Writer, and Google Docs or Word saving as ODF), read with odfpy; the parts
of an OpenDocument package every reader of one uses (its check, its text runs)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from llama_index.core import Document

from app.errors import UnreadableFileError
from app.ingest.parsed import ParsedFile, ReadOptions
from app.ingest.text import Section, section_documents

_KIND = "an OpenDocument text"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
DRAW_NS = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
# The parts of the package that odfpy parses.
_PARTS_READ = {"content.xml", "meta.xml", "styles.xml", "settings.xml"}
# Elements whose text a reader of the page does not see in the flow: tracked changes (deleted text is kept here, so
# leaving them out reads the document as accepted), the table of contents' and index's generated copies of headings,
# the sequence and variable declarations, and reviewers' comments (with their author and date).
_NOT_IN_FLOW = {
    (OFFICE_NS, "annotation"),
    (TEXT_NS, "tracked-changes"),
    (TEXT_NS, "table-of-content"),
    (TEXT_NS, "alphabetical-index"),
    (TEXT_NS, "sequence-decls"),
    (TEXT_NS, "variable-decls"),
}


# Elements that hold a paragraph of their own, inside whatever holds them.
_BLOCKS = {(TEXT_NS, "p"), (TEXT_NS, "h"), (TEXT_NS, "list-item"), (TEXT_NS, "list-header")}


def read_odt(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    """The body text in order: paragraphs, list items (a line each), tables (a row a line, cells joined by " | "),
    grouped by heading (text:h and its outline level; cited as the heading path, 'Results > 2023'). A footnote or
    endnote is read in parentheses where it is cited. Tracked changes read as accepted (insertions kept, deletions
    left out); a table of contents, a copy of the headings, is left out. The title is the document's own (its
    metadata), else none.

    Raises whatever odfpy raises on a damaged file (parse_file reports it as damaged).
    """
    from odf.opendocument import load

    check_parts(data, name, _KIND)
    document = load(io.BytesIO(data))
    body = getattr(document, "text", None)  # odfpy sets it only for a package whose mimetype says text
    if body is None:
        raise damaged(name, _KIND, "it has no body text (content.xml)")
    sections = [Section(path=(), lines=[])]
    _read_children(body, sections)
    title = document_title(document)
    headers, footers = _page_headers_and_footers(document)
    documents = [Document(text="\n".join(headers), metadata={"section": "page header"})] if headers else []
    documents += section_documents(sections, title)
    if footers:
        documents.append(Document(text="\n".join(footers), metadata={"section": "page footer"}))
    return ParsedFile(documents=documents, title=title)


_STYLE_NS = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_HEADERS = {(_STYLE_NS, "header"), (_STYLE_NS, "header-left"), (_STYLE_NS, "header-first")}
_FOOTERS = {(_STYLE_NS, "footer"), (_STYLE_NS, "footer-left"), (_STYLE_NS, "footer-first")}


def _page_headers_and_footers(document: Any) -> tuple[list[str], list[str]]:
    """The distinct lines of the page headers and of the footers (in styles.xml, with the page styles that show
    them): a header repeats on every page, each line is kept once, as for .docx. One switched off is left out."""
    headers: dict[str, None] = {}
    footers: dict[str, None] = {}
    for master in getattr(document.masterstyles, "childNodes", []):
        for part in getattr(master, "childNodes", []):
            qname = getattr(part, "qname", None)
            lines = headers if qname in _HEADERS else footers if qname in _FOOTERS else None
            if lines is None or str(part.getAttrNS(_STYLE_NS, "display")).lower() == "false":
                continue
            sections = [Section(path=(), lines=[])]
            _read_children(part, sections)
            lines.update(dict.fromkeys(line for section in sections for line in section.lines))
    return list(headers), list(footers)


def document_title(document: Any) -> str:
    """The title in an odfpy document's metadata (dc:title); "" when it has none."""
    meta = document.meta.childNodes if getattr(document, "meta", None) is not None else []
    titles = [element for element in meta if getattr(element, "qname", ("", ""))[1] == "title"]
    return " ".join(element_text(element) for element in titles).strip()


def check_parts(data: bytes, name: str, kind: str) -> None:
    """Raise UnreadableFileError unless the XML parts odfpy reads are well-formed: odfpy itself prints a part it cannot
    parse (the user's text) to standard output, and goes on without it."""
    from defusedxml import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        check_package(package, name, kind)
        for part in _PARTS_READ & set(package.namelist()):
            try:
                ElementTree.fromstring(package.read(part))
            except (ElementTree.ParseError, ValueError) as exc:
                raise damaged(name, kind, f"its {part} is not well-formed XML ({exc})") from exc


def check_package(package: zipfile.ZipFile, name: str, kind: str) -> None:
    """Raise UnreadableFileError for a package saved with a password (its parts are encrypted: its manifest says so,
    and no reader here holds the key) or without its body (content.xml)."""
    names = set(package.namelist())
    if "META-INF/manifest.xml" in names and b"encryption-data" in package.read("META-INF/manifest.xml"):
        raise UnreadableFileError(
            f"'{name}' is protected with a password: its content is encrypted, and the app cannot read it.",
            "Open it in LibreOffice, save a copy without the password (File > Save As, 'Save with password' "
            "unticked), and upload that.",
        )
    if "content.xml" not in names:
        raise damaged(name, kind, "it has no body text (content.xml)")


def damaged(name: str, kind: str, why: str) -> UnreadableFileError:
    """`kind`: what the file was read as ("an OpenDocument text")."""
    return UnreadableFileError(
        f"'{name}' is damaged and cannot be read as {kind}: {why}.",
        "Open it in LibreOffice, save it again, and upload that.",
    )


def _read_children(parent: Any, sections: list[Section]) -> None:
    for element in parent.childNodes:
        qname = getattr(element, "qname", None)
        if qname is None or qname in _NOT_IN_FLOW:
            continue
        if qname == (TEXT_NS, "h"):
            level = count_attribute(element.getAttribute("outlinelevel"))
            sections.append(sections[-1].under(level, " ".join(element_text(element).split())))
            _read_anchored_shapes(element, sections)
        elif qname == (TEXT_NS, "p"):
            if line := element_text(element).strip():
                sections[-1].lines.append(line)
            _read_anchored_shapes(element, sections)
        elif qname == (TABLE_NS, "table"):
            sections[-1].lines.extend(table_lines(element))
        else:  # lists, list items, sections, frames...: their paragraphs in order
            _read_children(element, sections)


def table_lines(table: Any) -> list[str]:
    """A table's rows, a line each, cells joined by " | "; a merged cell's text in each row and column it covers (as
    for .docx), so the cells after it stay under their columns."""
    covered: dict[tuple[int, int], str] = {}  # (row, column) under a merged cell -> that cell's text
    lines = []
    for number, row in enumerate(descendants(table, (TABLE_NS, "table-row"))):
        cells: list[str] = []
        for cell in row.childNodes:
            qname = getattr(cell, "qname", None)
            if qname not in ((TABLE_NS, "table-cell"), (TABLE_NS, "covered-table-cell")):
                continue
            # A run of identical cells is written once with a count (empty trailing ones, above all).
            repeat = min(count_attribute(cell.getAttrNS(TABLE_NS, "number-columns-repeated")), _MAX_REPEATED_CELLS)
            if qname == (TABLE_NS, "covered-table-cell"):
                cells.extend(covered.get((number, len(cells)), "") for _ in range(repeat))
                continue
            paragraphs = (element_text(child) for child in cell.childNodes if hasattr(child, "qname"))
            text = " ".join(" ".join(paragraphs).split())
            height = count_attribute(cell.getAttrNS(TABLE_NS, "number-rows-spanned"))
            width = count_attribute(cell.getAttrNS(TABLE_NS, "number-columns-spanned"))
            for _ in range(repeat):
                for down in range(height):
                    for right in range(width):
                        covered[(number + down, len(cells) + right)] = text
                cells.append(text)
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            lines.append(" | ".join(cells))
    return lines


_MAX_REPEATED_CELLS = 1024  # a table in a text or on a slide is narrower; more are empty filler


def count_attribute(value: object) -> int:
    """An attribute's count or level: 1 when it is missing or not a whole number above 0."""
    text = str(value or "")
    return max(int(text), 1) if text.isdigit() else 1


def descendants(element: Any, qname: tuple[str, str]) -> list[Any]:
    found = []
    for child in element.childNodes:
        if getattr(child, "qname", None) == qname:
            found.append(child)
        elif getattr(child, "qname", None) != (TABLE_NS, "table"):  # a nested table's rows are its own
            found.extend(descendants(child, qname))
    return found


def _read_anchored_shapes(paragraph: Any, sections: list[Section]) -> None:
    """The text of the text boxes (and captioned pictures, shapes with text) anchored in a paragraph, a line per
    paragraph after it: `element_text` leaves them out of the paragraph's own text."""
    for node in paragraph.childNodes:
        qname = getattr(node, "qname", None)
        if qname is None or qname in _NOT_IN_FLOW or qname == (TEXT_NS, "note"):
            continue
        if qname[0] == DRAW_NS:
            _read_children(node, sections)
        else:  # a span or link holding the anchor
            _read_anchored_shapes(node, sections)


def element_text(element: Any) -> str:
    """The text of an element as a reader sees it: spaces (text:s with its count), tabs and line breaks written
    out; a footnote's citation mark left out and its body read in place; shapes anchored in it (text boxes,
    pictures) left out: their paragraphs are their own."""
    parts: list[str] = []
    for node in element.childNodes:
        if node.nodeType == node.TEXT_NODE:
            parts.append(str(node.data))
            continue
        qname = node.qname
        if qname == (TEXT_NS, "s"):
            parts.append(" " * min(count_attribute(node.getAttribute("c")), 100))
        elif qname == (TEXT_NS, "tab"):
            parts.append("\t")
        elif qname == (TEXT_NS, "line-break"):
            parts.append("\n")
        elif qname == (TEXT_NS, "note-citation") or qname in _NOT_IN_FLOW or qname[0] == DRAW_NS:
            continue
        elif qname == (TEXT_NS, "note-body"):
            note = " ".join(element_text(child) for child in node.childNodes if hasattr(child, "qname"))
            parts.append(f" ({note})")
        elif qname in _BLOCKS:  # a list's items, a cell's or box's paragraphs: words of two never run together
            parts.append(f"\n{element_text(node)}\n")
        else:
            parts.append(element_text(node))
    return "".join(parts)
