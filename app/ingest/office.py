"""Word and PowerPoint files: text grouped by heading (DOCX) or by slide (PPTX)."""

from __future__ import annotations

import contextlib
import io
import logging
import re
import zipfile
from typing import TYPE_CHECKING
from xml.parsers.expat import ExpatError

from llama_index.core import Document

from app.errors import UnreadableFileError
from app.ingest.parsed import ParsedFile, ReadOptions
from app.ingest.tables import cell_text
from app.ingest.text import named_cells, number_ordered_lists, spanned_rows, table_header
from app.ingest.word_numbering import with_list_numbers

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from bs4 import Tag
    from docx.document import Document as DocxDocument
    from docx.oxml.xmlchemy import BaseOxmlElement
    from pptx.chart.chart import Chart
    from pptx.chart.plot import _BasePlot
    from pptx.shapes.base import BaseShape
    from pptx.slide import Slide
    from pptx.text.text import TextFrame

log = logging.getLogger(__name__)

# Parsers raise these (and KeyError/ValueError for missing or malformed parts) on damaged packages.
_DAMAGE = (zipfile.BadZipFile, KeyError, ValueError, OSError, AttributeError, TypeError)


def read_docx(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    """Every text a reader of the document sees, one Document per heading, in body order.

    The body (with text boxes, tables, footnotes and endnotes, and tracked changes read as
    accepted) comes from mammoth; page headers and footers, which mammoth does not read, from
    python-docx, once per document. Each footnote or endnote follows the paragraph that cites it.

    Raises:
        UnreadableFileError: the package is damaged, or the mammoth package is missing.
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        import mammoth
    except ImportError as exc:
        raise UnreadableFileError(
            f"'{name}' cannot be read: Word documents need the 'mammoth' package, which is not installed.",
            "Reinstall the app's dependencies (pip install -e .).",
        ) from exc
    try:
        document = docx.Document(io.BytesIO(data))
        numbered = _numbered(document, name)
        converted = mammoth.convert_to_html(
            io.BytesIO(_simple_fields_unwrapped(numbered or data)),
            style_map=_heading_style_map(document),
            # A document must not restyle itself into headings or drop its own text.
            include_embedded_style_map=False,
            # Images are not text; without this mammoth inlines each one as base64 into the HTML.
            convert_image=mammoth.images.img_element(lambda image: {}),
        )
    except (PackageNotFoundError, XMLSyntaxError, ExpatError, *_DAMAGE) as exc:
        raise UnreadableFileError(
            f"'{name}' is damaged and cannot be read as a Word document.", "Re-save it as .docx and upload it again."
        ) from exc

    headers, footers = _headers_and_footers(document)
    sections = _html_sections(converted.value)
    documents = [Document(text="\n".join(headers), metadata={"section": "page header"})] if headers else []
    documents += [
        Document(text="\n\n".join(lines), metadata={"section": heading} if heading else {})
        for heading, lines in sections
        if lines
    ]
    if footers:
        documents.append(Document(text="\n".join(footers), metadata={"section": "page footer"}))
    return ParsedFile(documents=documents, title=(document.core_properties.title or "").strip())


def _numbered(document: DocxDocument, name: str) -> bytes | None:
    """`with_list_numbers(document)`; None, and a warning, when a list's definitions cannot be followed: the
    document is still read, its numbered items counted in each list as mammoth groups them."""
    try:
        return with_list_numbers(document)
    # Any failure: the numbers are a refinement of a document mammoth reads anyway (a value that is no number, an
    # id lxml refuses); the file must not be refused, nor blamed, for them.
    except Exception as exc:  # noqa: BLE001
        log.warning("List numbers of '%s' not read (%s): items are numbered per list", name, exc)
        return None


def _simple_fields_unwrapped(data: bytes) -> bytes:
    """The package with each simple field (w:fldSimple: a mail-merge name, a caption's number, a hyperlink) replaced
    by the runs it holds, the result Word shows: mammoth drops the element with its text (python-mammoth#69, open
    since 2018). Complex fields (w:fldChar), which mammoth reads, are left alone. A package without one is returned
    as it is."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = set(package.namelist())
        parts = {name: package.read(name) for name in _BODY_PARTS if name in names}
        if not any(b"fldSimple" in part for part in parts.values()):
            return data
        unwrapped = io.BytesIO()
        with zipfile.ZipFile(unwrapped, "w", zipfile.ZIP_DEFLATED) as copy:
            for entry in package.infolist():
                part = parts.get(entry.filename)
                copy.writestr(entry, package.read(entry) if part is None else _SIMPLE_FIELD_TAG.sub(b"", part))
    return unwrapped.getvalue()


_BODY_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")  # the parts mammoth reads
_SIMPLE_FIELD_TAG = re.compile(rb"</?w:fldSimple\b[^>]*>")  # opening, closing and empty tags: the runs stay


def _heading_style_map(document: DocxDocument) -> str:
    """mammoth's style map of the document's headings: Heading 1-9 and Title, and every paragraph style of its own
    with an outline level (a template's "Chapter title"), which Word's navigation pane lists as a heading too."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn

    lines = [_HEADING_STYLES]
    for style in document.styles:
        properties = style.element.pPr if style.type == WD_STYLE_TYPE.PARAGRAPH else None
        level = properties.find(qn("w:outlineLvl")) if properties is not None else None
        # Level 9 is body text; a name with a quote cannot be written in a style map (and is rare).
        if level is not None and level.get(qn("w:val")) != "9" and style.name and "'" not in style.name:
            lines.append(f"p[style-name='{style.name}'] => h1:fresh")
    return "\n".join(lines)


# Prepended to mammoth's defaults (Heading 1-6): every heading level, and Title, as python-docx read them
# before; mammoth compares style names without regard to case ("heading 1" as Word stores it).
_HEADING_STYLES = "p[style-name^='Heading'] => h1:fresh\np[style-name^='Title'] => h1:fresh"
_NOTE_ID = re.compile(r"^(footnote|endnote)-\d+$")
_NOTE_BACKLINK = re.compile(r"^#(footnote|endnote)-ref-\d+$")


def _html_sections(html: str) -> list[tuple[str, list[str]]]:
    """(heading, paragraphs) in body order from mammoth's HTML; text before the first heading has heading ""."""
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(html, "html.parser")
    notes: dict[str, str] = {}
    for item in soup.find_all("li", id=_NOTE_ID):
        for backlink in item.find_all("a", href=_NOTE_BACKLINK):
            backlink.decompose()
        notes[f"#{item['id']}"] = _cell_text(item)  # a note of several paragraphs on one line, not run together
        item.decompose()
    for line_break in soup.find_all("br"):
        line_break.replace_with("\n")
    # A checkbox (a content control or a legacy form field) as Word shows it; its label follows.
    for box in soup.find_all("input", type="checkbox"):
        box.replace_with("\u2612" if box.has_attr("checked") else "\u2610")
    number_ordered_lists(soup)

    sections: list[tuple[str, list[str]]] = [("", [])]
    for block in soup.children:
        if not isinstance(block, Tag):
            text = str(block).strip()
            if text:
                sections[-1][1].append(text)
            continue
        if block.name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            heading = _inline_text(block)
            if heading:
                sections.append((heading, [heading]))
            continue
        if block.name == "table":
            lines = _table_rows(block)
        elif block.name in ("ul", "ol"):
            lines = [text for item in block.find_all("li") if (text := _own_text(item, "li"))]
        else:
            lines = [text] if (text := _inline_text(block)) else []
        sections[-1][1].extend(lines)
        # A note is read where it is cited: after the paragraph (or table, or list) that cites it.
        for reference in block.find_all("a", href=True):
            note = notes.get(str(reference["href"]))
            if note:
                sections[-1][1].append(f"{reference.get_text(strip=True)} {note}")
    return sections


def _inline_text(element: Tag) -> str:
    """The text of a block, runs joined as written and each line stripped."""
    text = element.get_text()
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _own_text(element: Tag, container: str) -> str:
    """Text of `element` without that of nested `container` elements (a sub-list in a list item)."""
    strings = element.find_all(string=True)
    # Runs join as written ("foo<b>bar</b>" is one word); only whitespace runs collapse.
    return " ".join("".join(s for s in strings if s.find_parent(container) is element).split())


def _table_rows(table: Tag) -> list[str]:
    """A table's rows, cells joined by " | ", a merged cell in each row and column it covers. Under header rows
    (Word's "Repeat as header row", which mammoth writes as <th> cells) each row names its columns, as an HTML
    table's rows do (`table_header`, `named_cells`)."""
    own_rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]  # not a nested table's
    grid = spanned_rows(own_rows, _cell_text)
    titles, headers, taken = table_header(grid)
    rows = titles + ([" | ".join(name for name in headers if name)] if any(headers) else [])
    for _, cells in grid[taken:]:
        if headers and len(cells) == len(headers):
            cells = [cell for cell in named_cells(headers, cells) if cell]  # an empty cell has no value to name
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _cell_text(cell: Tag) -> str:
    """A table cell's paragraphs and list items on one line, runs inside each joined as written."""
    blocks = cell.find_all(["p", "li"]) or [cell]
    texts = (_own_text(block, "li") if block.name == "li" else " ".join(block.get_text().split()) for block in blocks)
    return " ".join(text for text in texts if text)


def _headers_and_footers(document: DocxDocument) -> tuple[list[str], list[str]]:
    """The distinct lines of the page headers and of the footers that the document shows.

    A header repeats on every page and, linked or copied, in every section: each line is kept once.
    """
    settings = document.settings
    headers: dict[str, None] = {}
    footers: dict[str, None] = {}
    for section in document.sections:
        shown_headers = [section.header]
        shown_footers = [section.footer]
        if section.different_first_page_header_footer:
            shown_headers.append(section.first_page_header)
            shown_footers.append(section.first_page_footer)
        if settings.odd_and_even_pages_header_footer:
            shown_headers.append(section.even_page_header)
            shown_footers.append(section.even_page_footer)
        for shown, lines in ((shown_headers, headers), (shown_footers, footers)):
            for story in shown:
                if not story.is_linked_to_previous:
                    lines.update(dict.fromkeys(_story_lines(story.part.element)))
    return list(headers), list(footers)


def _story_lines(root: BaseOxmlElement) -> list[str]:
    """Paragraph texts of a header or footer part, tracked changes accepted, text boxes once.

    mammoth reads no headers, so this small walk does what it does for the body: skip mc:Fallback
    (a second rendering of the same shape), w:del and w:moveFrom (deleted text), keep w:ins and w:moveTo.
    """
    from docx.oxml.ns import qn

    paragraph_tag, text_tag, tab_tag = qn("w:p"), qn("w:t"), qn("w:tab")
    skipped = {qn("w:del"), qn("w:moveFrom"), f"{{{_MARKUP_COMPATIBILITY}}}Fallback"}
    lines = []
    for paragraph in root.iter(paragraph_tag):
        if any(ancestor.tag in skipped for ancestor in paragraph.iterancestors()):
            continue
        parts = []
        for node in paragraph.iter(text_tag, tab_tag):
            if next(node.iterancestors(paragraph_tag)) is not paragraph:
                continue  # a text box's paragraph inside this one: read on its own
            if any(ancestor.tag in skipped for ancestor in node.iterancestors()):
                continue
            parts.append((node.text or "") if node.tag == text_tag else "\t")
        text = "".join(parts).strip()
        if text:
            lines.append(text)
    return lines


_MARKUP_COMPATIBILITY = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def read_pptx(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    try:
        presentation = Presentation(io.BytesIO(data))
        slides = list(presentation.slides)
    except (PackageNotFoundError, *_DAMAGE) as exc:
        raise UnreadableFileError(
            f"'{name}' is damaged and cannot be read as a PowerPoint presentation.",
            "Re-save it as .pptx and upload it again.",
        ) from exc
    if len(slides) > options.max_pages:
        raise UnreadableFileError(
            f"'{name}' has {len(slides)} slides, over the {options.max_pages}-page limit.",
            "Split the presentation, or raise MAX_PAGES.",
        )
    documents = []
    for number, slide in enumerate(slides, start=1):
        lines = _slide_lines(slide)
        if lines and slide.element.get("show") in ("0", "false"):  # hidden from the slide show: said so
            lines.insert(0, "(hidden slide)")
        if lines:
            documents.append(Document(text="\n".join(lines), metadata={"slide": number}))
    return ParsedFile(documents=documents, pages=len(slides))


def _slide_lines(slide: Slide) -> list[str]:
    """Title first, then every text frame, table and chart in reading order (inside groups too), then the speaker
    notes."""
    lines: list[str] = []
    title = slide.shapes.title
    if title is not None and title.has_text_frame:
        lines.extend(_paragraph_lines(title.text_frame))
    for shape in _reading_order(slide.shapes):
        if title is not None and shape.shape_id == title.shape_id:
            continue
        if shape.has_text_frame:
            lines.extend(_paragraph_lines(shape.text_frame))  # type: ignore[attr-defined]
        if getattr(shape, "has_chart", False) and shape.has_chart:
            lines.extend(_chart_lines(shape.chart))  # type: ignore[attr-defined]
        if getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:  # type: ignore[attr-defined]
                cells = [" ".join(cell.text.replace(_SOFT_BREAK, " ").split()) for cell in row.cells]
                if any(cells):
                    lines.append(" | ".join(cells))
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None and notes.text.strip():
            lines.append(f"Notes: {notes.text.replace(_SOFT_BREAK, chr(10)).strip()}")
    return lines


def _chart_lines(chart: Chart) -> list[str]:
    """A chart's title, then one line per series with each value after its category, as a table row names its
    columns: "Units sold | 2022: 120 | 2023: 150". A chart's figures are often in no other text of the deck.
    A chart python-pptx cannot read (3-D, stock, surface, bar of pie) gives its title only: its slide is still
    read."""
    lines = [title] if chart.has_title and (title := chart.chart_title.text_frame.text.strip()) else []
    try:
        dates = _has_date_axis(chart)
        return lines + [line for plot in chart.plots for line in _series_lines(plot, dates)]
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):  # "unsupported plot type", a damaged part
        return lines


def _has_date_axis(chart: Chart) -> bool:
    from pptx.chart.axis import DateAxis

    try:
        return isinstance(chart.category_axis, DateAxis)
    except ValueError:  # no category axis (a pie)
        return False


def _series_lines(plot: _BasePlot, dates: bool) -> list[str]:
    """A line per series of `plot`; `dates`: its categories are dates, stored as Excel's day numbers (45322).
    Categories of two levels or more (East > Q1) are named by all of them, outermost first."""
    categories = [_category_label(labels, dates) for labels in plot.categories.flattened_labels]
    lines = []
    for series in plot.series:
        row = [series.name, *(cell_text(value) for value in series.values)]
        if len(row) == len(categories) + 1:  # each value after its category, as a table row under its header
            row = named_cells(["", *categories], row)
        lines.append(" | ".join(part for part in row if part))
    return lines


def _category_label(labels: tuple[str, ...], dates: bool) -> str:
    from openpyxl.utils.datetime import from_excel

    if dates:
        with contextlib.suppress(ValueError, OverflowError):
            labels = (*labels[:-1], cell_text(from_excel(float(labels[-1]))))
    return " ".join(label for label in labels if label)


def _paragraph_lines(frame: TextFrame) -> list[str]:
    """A text frame's lines: its paragraphs, each cut at its line breaks (Shift+Enter)."""
    return [line.strip() for p in frame.paragraphs for line in p.text.split(_SOFT_BREAK) if line.strip()]


# python-pptx writes a line break inside a paragraph (<a:br/>) as a vertical tab, which the embedding model's
# tokenizer drops: "Sales: Ann<VT>Support: Bob" was read as "Annsupport" (cosine to "Who handles support?" 0.09,
# 0.23 as two lines).
_SOFT_BREAK = "\v"


def _reading_order(shapes: Iterable[BaseShape]) -> Iterator[BaseShape]:
    """Shapes top to bottom, then left to right; a group's shapes in its place, in their own order."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for shape in sorted(shapes, key=lambda s: ((s.top or 0), (s.left or 0))):
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _reading_order(shape.shapes)  # type: ignore[attr-defined]
        else:
            yield shape
