"""Real files of every supported format (and broken ones), generated in memory for the tests."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from tests.conftest import make_docx, make_pdf

__all__ = [
    "make_docx",
    "make_encrypted_pdf",
    "make_pdf",
    "make_png",
    "make_pptx",
    "make_scanned_pdf",
    "make_xlsx",
    "make_zip_bomb_docx",
]


def make_pptx(slides: list[tuple[str, str]], notes: dict[int, str] | None = None) -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    for number, (title, body) in enumerate(slides, start=1):
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])  # title only
        slide.shapes.title.text = title
        box = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(8), Inches(3))
        box.text_frame.text = body
        if notes and number in notes:
            slide.notes_slide.notes_text_frame.text = notes[number]
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def make_xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_png(lines: list[str], size: int = 40) -> bytes:
    """Black text on white, large enough for Tesseract to read."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=size)
    image = Image.new("L", (1600, 120 + len(lines) * size * 2), color=255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((60, 60 + number * size * 2), line, fill=0, font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def make_scanned_pdf(pages: list[list[str]], stamps: list[str] | None = None) -> bytes:
    """A PDF whose pages are pictures of text, with no text layer: what a scanner produces. `stamps`: a line
    of small print in each page's text layer, under the picture (a Bates number, a fax header)."""
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    for number, lines in enumerate(pages):
        pdf.add_page()
        picture = Image.open(io.BytesIO(make_png(lines)))
        if stamps:  # a scanner's picture is the whole sheet, blank paper around the text
            sheet = Image.new("L", (picture.width, picture.width * 297 // 210), color=255)
            sheet.paste(picture, (0, 0))
            pdf.image(sheet, x=0, y=0, w=210)
        else:
            pdf.image(picture, x=10, y=10, w=190)
        if stamps:
            pdf.set_font("Helvetica", size=7)
            pdf.set_xy(150, 285)
            pdf.cell(0, 4, stamps[number])
    return bytes(pdf.output())


def make_encrypted_pdf(text: str, password: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner-" + password, user_password=password)
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_zip_bomb_docx(unpacked_mb: int) -> bytes:
    """A .docx-shaped zip whose document part inflates to `unpacked_mb` MB of zeros (a few hundred KB packed).

    Built by repeating one fully flushed deflate block, so it takes milliseconds, not the seconds
    that compressing a gigabyte would.
    """
    block = b"\0" * 2**20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    body = piece * unpacked_mb + compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(unpacked_mb):
        crc = zlib.crc32(block, crc)
    small = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/content-types"/>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in small.items():
            archive.writestr(part, data)
    head = buffer.getvalue()
    return _append_raw_entry(head, "word/document.xml", body, crc, unpacked_mb * 2**20)


def _append_raw_entry(archive: bytes, name: str, deflated: bytes, crc: int, size: int) -> bytes:
    """Add an already-deflated entry to a finished zip: rewrite its central directory after the new entry."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    entries = source.infolist()
    [directory_start] = struct.unpack_from("<I", archive, archive.rindex(b"PK\x05\x06") + 16)
    out = bytearray(archive[:directory_start])
    offset = len(out)
    encoded = name.encode()
    out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(deflated), size, len(encoded), 0)
    out += encoded + deflated
    central = bytearray()
    for entry in entries:
        entry_name = entry.filename.encode()
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50, 20, 20, entry.flag_bits, entry.compress_type, 0, 0, entry.CRC,
            entry.compress_size, entry.file_size, len(entry_name), 0, 0, 0, 0, 0, entry.header_offset,
        )  # fmt: skip
        central += entry_name
    central += struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(deflated), size, len(encoded), 0, 0, 0, 0, 0, offset,
    )  # fmt: skip
    central += encoded
    directory_offset = len(out)
    out += central
    count = len(entries) + 1
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), directory_offset, 0)
    return bytes(out)


def make_email(body: str, html: str | None = None, attachments: dict[str, bytes] | None = None) -> bytes:
    """An .eml message: a plain-text `body`, an HTML alternative when `html` is given, and `attachments` ({file
    name: content}) as application/octet-stream parts."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Operations <ops@example.org>"
    message["To"] = "Reactor team <reactor@example.org>"
    message["Subject"] = "Weekly report"
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for name, content in (attachments or {}).items():
        message.add_attachment(content, maintype="application", subtype="octet-stream", filename=name)
    return bytes(message)


def _odf_list(items: list[str]) -> object:
    """An OpenDocument list (text:list) of one paragraph per item."""
    from odf import text

    entries = text.List()
    for item in items:
        entry = text.ListItem()
        entry.addElement(text.P(text=item))
        entries.addElement(entry)
    return entries


def make_odt(
    blocks: list[tuple[str, object]],
    title: str = "",
    deleted: str = "",
    footnote: tuple[str, str] | None = None,
    header: str = "",
    footer: str = "",
) -> bytes:
    """An OpenDocument text made with odfpy. `blocks`: ("h1"/"h2", text), ("p", text), ("list", [items]),
    ("table", [[cells], ...]), ("boxed", (paragraph text, [the paragraphs of a text box anchored at its end])),
    ("commented", (paragraph text, a reviewer's comment in it)) or ("toc", [entries]) (a table of contents) in order;
    `title` in its metadata; `deleted`: text a tracked change removed from the first paragraph (kept, as LibreOffice
    keeps it, in the tracked-changes region); `footnote`: (paragraph text, note text), a paragraph citing a footnote
    at its end; `header`, `footer`: the text of the page style's header and footer (in styles.xml)."""
    import io

    from odf import dc, draw, office, style, table, text
    from odf.element import Element
    from odf.namespaces import TEXTNS
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    if title:
        document.meta.addElement(dc.Title(text=title))
    if header or footer:
        layout = style.PageLayout(name="pages")
        document.automaticstyles.addElement(layout)
        page = style.MasterPage(name="Standard", pagelayoutname=layout)
        for part, said in ((style.Header(), header), (style.Footer(), footer)):
            if said:
                part.addElement(text.P(text=said))
                page.addElement(part)
        document.masterstyles.addElement(page)
    if deleted:
        changes = text.TrackedChanges()
        # odfpy's grammar wants an "id" that it then will not take by name: the attribute is set by its qualified name.
        region = Element(qname=(TEXTNS, "changed-region"), qattributes={(TEXTNS, "id"): "ct1"}, check_grammar=False)
        deletion = text.Deletion()
        deletion.addElement(office.ChangeInfo())
        deletion.addElement(text.P(text=deleted))
        region.addElement(deletion)
        changes.addElement(region)
        document.text.addElement(changes)
    for kind, content in blocks:
        if kind in ("h1", "h2"):
            document.text.addElement(text.H(outlinelevel=int(kind[1]), text=str(content)))
        elif kind == "p":
            paragraph = text.P(text=str(content))
            if deleted and not any(block[0] == "p" for block in blocks[: blocks.index((kind, content))]):
                paragraph.addElement(text.Change(changeid="ct1"))
            document.text.addElement(paragraph)
        elif kind == "list":
            document.text.addElement(_odf_list(content))  # type: ignore[arg-type]
        elif kind == "boxed":
            said, box_lines = content  # type: ignore[misc]
            paragraph = text.P(text=said)
            frame = draw.Frame(width="5cm", height="2cm", anchortype="as-char")
            box = draw.TextBox()
            for line in box_lines:
                box.addElement(text.P(text=line))
            frame.addElement(box)
            paragraph.addElement(frame)
            document.text.addElement(paragraph)
        elif kind == "commented":
            said, comment = content  # type: ignore[misc]
            paragraph = text.P(text=said)
            note = office.Annotation()
            note.addElement(dc.Creator(text="Reviewer"))
            note.addElement(text.P(text=comment))
            paragraph.addElement(note)
            paragraph.addText(" (end)")
            document.text.addElement(paragraph)
        elif kind == "toc":
            contents = text.TableOfContent(name="Contents")
            entries = text.IndexBody()
            for entry in content:  # type: ignore[attr-defined]
                entries.addElement(text.P(text=entry))
            contents.addElement(entries)
            document.text.addElement(contents)
        elif kind == "table":
            grid = table.Table()
            for row in content:  # type: ignore[attr-defined]
                line = table.TableRow()
                for cell in row:  # a paragraph, a list of list items, {"text", "span": (rows, columns)}, or None
                    if cell is None:  # covered by a merged cell
                        line.addElement(table.CoveredTableCell())
                        continue
                    if isinstance(cell, dict):
                        rows_spanned, columns_spanned = cell["span"]
                        box = table.TableCell(numberrowsspanned=rows_spanned, numbercolumnsspanned=columns_spanned)
                        box.addElement(text.P(text=cell["text"]))
                        line.addElement(box)
                        continue
                    box = table.TableCell()
                    if isinstance(cell, list):
                        box.addElement(_odf_list(cell))
                    else:
                        box.addElement(text.P(text=cell))
                    line.addElement(box)
                grid.addElement(line)
            document.text.addElement(grid)
    if footnote is not None:
        paragraph = text.P(text=footnote[0])
        note = text.Note(id="ftn1", noteclass="footnote")
        note.addElement(text.NoteCitation(text="1"))
        body = text.NoteBody()
        body.addElement(text.P(text=footnote[1]))
        note.addElement(body)
        paragraph.addElement(note)
        document.text.addElement(paragraph)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


OdsCell = object  # a value (str, int, float, bool, date, datetime, None) or a dict: see make_ods


def make_ods(sheets: dict[str, list[list[OdsCell]]], title: str = "", tail_rows: int = 1_048_000) -> bytes:
    """An OpenDocument spreadsheet made with odfpy, written as LibreOffice Calc writes one.

    Each sheet is rows of cells. A row that is a dict {"repeat": n, "cells": [...]} is written once with
    table:number-rows-repeated (an empty one only moves the row count on). A cell is a plain value, typed as Calc
    types it, or a dict with "value" and any of: "type" (percentage, currency, time) with "shown" (the text Calc
    displays, or its lines); "formula" (with no "value": a formula saved without one); "span" (rows, columns: a
    merged block, covered cells written after it); "repeat" (table:number-columns-repeated); "comment"; "anchored"
    (a text box's text). After the rows, Calc's empty tail: one empty row repeated `tail_rows` times, of 1,024
    empty cells.
    """
    from datetime import date, datetime

    from odf import dc, draw, office, table, text
    from odf.opendocument import OpenDocumentSpreadsheet

    def cell(spec: OdsCell) -> list[object]:
        spec = spec if isinstance(spec, dict) else {"value": spec}
        value = spec.get("value")
        attributes: dict[str, object] = {}
        if spec.get("type"):
            attributes = {"valuetype": spec["type"], "value": value}
        elif isinstance(value, bool):
            attributes = {"valuetype": "boolean", "booleanvalue": "true" if value else "false"}
        elif isinstance(value, int | float):
            attributes = {"valuetype": "float", "value": value}
        elif isinstance(value, datetime | date):
            attributes = {"valuetype": "date", "datevalue": value.isoformat()}
        elif value is not None:
            attributes = {"valuetype": "string"}
        if "formula" in spec:
            attributes["formula"] = spec["formula"]
        rows_spanned, columns_spanned = spec.get("span", (1, 1))
        if (rows_spanned, columns_spanned) != (1, 1):
            attributes.update(numberrowsspanned=rows_spanned, numbercolumnsspanned=columns_spanned)
        if spec.get("repeat"):
            attributes["numbercolumnsrepeated"] = spec["repeat"]
        element = table.TableCell(**attributes)
        if spec.get("anchored"):  # a text box anchored to the cell, as Calc writes one
            frame = draw.Frame(width="3cm", height="1cm")
            box = draw.TextBox()
            box.addElement(text.P(text=spec["anchored"]))
            frame.addElement(box)
            element.addElement(frame)
        if spec.get("comment"):
            note = office.Annotation()
            note.addElement(text.P(text=spec["comment"]))
            element.addElement(note)
        shown = spec.get("shown", None if value is None else ("TRUE" if value is True else str(value)))
        if shown is not None and value is not None:
            for line in shown if isinstance(shown, list) else [shown]:  # a cell of several lines: a paragraph each
                element.addElement(text.P(text=line))
        covered = [table.CoveredTableCell() for _ in range(columns_spanned - 1)]
        return [element, *covered]

    document = OpenDocumentSpreadsheet()
    if title:
        document.meta.addElement(dc.Title(text=title))
    for name, rows in sheets.items():
        sheet = table.Table(name=name)
        for row in rows:
            spec = row if isinstance(row, dict) else {"cells": row}
            line = table.TableRow(**({"numberrowsrepeated": spec["repeat"]} if spec.get("repeat") else {}))
            for value in spec["cells"]:
                for element in cell(value):
                    line.addElement(element)
            sheet.addElement(line)
        tail = table.TableRow(numberrowsrepeated=tail_rows)
        tail.addElement(table.TableCell(numbercolumnsrepeated=1024))
        sheet.addElement(tail)
        document.spreadsheet.addElement(sheet)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def make_odp(slides: list[list[tuple[str, object]]], title: str = "", hidden: tuple[int, ...] = ()) -> bytes:
    """An OpenDocument presentation made with odfpy. Each slide is shapes in the order written, each (kind, content)
    with kind "title" (text), "box@Y" (a text box at Y cm from the top: a str, or a list of list items),
    "table@Y" (rows of cells), "group@Y" (shapes inside a group), "rotated@Y" (a text box turned a little, placed by
    its transform as LibreOffice writes one), "chart@Y" ((title, {series: {category: value}}), in a part of its own)
    or "notes" (the speaker notes, on a notes page with the slide-number
    placeholder PowerPoint puts there); a "\n" in a text is a line break inside its paragraph (Shift+Enter); the
    slides whose 1-based number is in `hidden` are hidden from the slide show."""
    from odf import dc, draw, presentation, style, teletype, text
    from odf.opendocument import OpenDocumentPresentation
    from odf.table import Table, TableCell, TableRow

    document = OpenDocumentPresentation()
    if title:
        document.meta.addElement(dc.Title(text=title))
    layout = style.PageLayout(name="layout")
    document.automaticstyles.addElement(layout)
    master = style.MasterPage(name="Default", pagelayoutname=layout)
    document.masterstyles.addElement(master)
    hidden_style = style.Style(name="hiddenpage", family="drawing-page")
    hidden_style.addElement(style.DrawingPageProperties(visibility="hidden"))
    document.automaticstyles.addElement(hidden_style)

    def shape(kind: str, content: object) -> object:
        kind, _, top = kind.partition("@")
        place = {"x": "2cm", "y": f"{top or 1}cm", "width": "20cm", "height": "3cm"}
        if kind == "group":
            group = draw.G()
            for inner in content:  # type: ignore[attr-defined]
                group.addElement(shape(*inner))
            return group
        if kind == "chart":  # content: (title, {series: {category: value}}), the chart a part of its own
            from odf import chart
            from odf.opendocument import OpenDocumentChart
            from odf.table import TableHeaderRows, TableRows

            chart_title, series = content  # type: ignore[misc]
            categories = list(next(iter(series.values())))
            embedded = OpenDocumentChart()
            graph = chart.Chart(**{"class": "chart:bar"})
            heading = chart.Title()
            heading.addElement(text.P(text=chart_title))
            graph.addElement(heading)
            local = Table(name="local-table")
            header, body = TableHeaderRows(), TableRows()
            for cells, part in (
                ([["", *series]], header),
                ([[c, *(v[c] for v in series.values())] for c in categories], body),
            ):
                for cells_of_row in cells:
                    line = TableRow()
                    for value in cells_of_row:
                        cell = (
                            TableCell(valuetype="float", value=value) if isinstance(value, int | float) else TableCell()
                        )
                        if value != "":
                            cell.addElement(text.P(text=str(value)))
                        line.addElement(cell)
                    part.addElement(line)
            local.addElement(header)
            local.addElement(body)
            graph.addElement(local)
            embedded.chart.addElement(graph)
            frame = draw.Frame(**place)
            frame.addElement(draw.Object(href=document.addObject(embedded)))  # "./Object 1"
            return frame
        if kind == "rotated":
            frame = draw.Frame(width="20cm", height="3cm", transform=f"rotate (0.35) translate (2cm {top}cm)")
            box = draw.TextBox()
            box.addElement(text.P(text=str(content)))
            frame.addElement(box)
            return frame
        frame = draw.Frame(**place, **({"class": "title"} if kind == "title" else {}))
        if kind == "table":
            grid = Table()
            for row in content:  # type: ignore[attr-defined]
                line = TableRow()
                for value in row:
                    cell = TableCell()
                    cell.addElement(text.P(text=str(value)))
                    line.addElement(cell)
                grid.addElement(line)
            frame.addElement(grid)
            return frame
        box = draw.TextBox()
        if isinstance(content, list):
            box.addElement(_odf_list(content))
        else:
            paragraph = text.P()
            teletype.addTextToElement(paragraph, str(content))  # "\n" becomes text:line-break
            box.addElement(paragraph)
        frame.addElement(box)
        return frame

    for number, shapes in enumerate(slides, start=1):
        page = draw.Page(masterpagename=master, **({"stylename": hidden_style} if number in hidden else {}))
        for kind, content in shapes:
            if kind == "notes":
                notes = presentation.Notes()
                number = draw.Frame(**{"class": "page-number"}, x="11cm", y="26cm", width="8cm", height="1cm")
                number_box = draw.TextBox()
                number_paragraph = text.P()
                number_paragraph.addElement(text.PageNumber(text="<number>"))
                number_box.addElement(number_paragraph)
                number.addElement(number_box)
                notes.addElement(number)
                frame = draw.Frame(**{"class": "notes"}, x="2cm", y="14cm", width="17cm", height="10cm")
                box = draw.TextBox()
                box.addElement(text.P(text=str(content)))
                frame.addElement(box)
                notes.addElement(frame)
                page.addElement(notes)
            else:
                page.addElement(shape(kind, content))
        document.presentation.addElement(page)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()
