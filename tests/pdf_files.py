"""PDFs with the features the PDF reader must handle (encryption, ligatures, broken fonts, tables), made here."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def unicode_font() -> Path:
    """DejaVu Sans as shipped inside matplotlib (a dependency): a TTF with ligature glyphs such as "ﬁ"."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def make_unicode_pdf(pages: list[str], shaped: bool = False) -> bytes:
    """Pages written in DejaVu Sans, so that any character (ligatures included) is in the text layer as given.
    `shaped`: text laid out by HarfBuzz as browsers and office suites do (right-to-left lines drawn left to right,
    Arabic letters joined), each line's glyphs stored in the order they are drawn."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(unicode_font()))
    if shaped:
        pdf.set_text_shaping(True)
    for text in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", size=12)
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_unicode_table_pdf(rows: list[tuple[str, ...]], shaped: bool = False) -> bytes:
    """One page of `rows`, each cell in a column of its own (DejaVu Sans; `shaped`: see make_unicode_pdf)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(unicode_font()))
    if shaped:
        pdf.set_text_shaping(True)
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    for row in rows:
        for cell in row:
            pdf.cell(50, 8, cell)
        pdf.ln()
    return bytes(pdf.output())


def make_owner_locked_pdf(text: str, method: str) -> bytes:
    """Encrypted with an owner password only (opens without one), with `method` RC4, AES_128 or AES_256."""
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner-secret", encryption_method=EncryptionMethod[method])
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_garbled_pdf(pages: list[str], garbled: set[int]) -> bytes:
    """Pages that look right, but those numbered in `garbled` (1-based) extract as private-use characters.

    Their font's ToUnicode map sends every glyph to U+E000 + glyph id, as a PDF made with a symbol or
    subset font without a usable Unicode map does: the rendering is text, the text layer is not.
    """
    import io
    import re

    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    pdf = FPDF()
    pdf.add_font("Readable", fname=str(unicode_font()))
    pdf.add_font("Broken", fname=str(unicode_font()))
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("Broken" if number in garbled else "Readable", size=28)
        pdf.multi_cell(0, 16, text)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(pdf.output()))))
    for number in garbled:
        page = writer.pages[number - 1]
        used = set(re.findall(rb"/(F\d+) ", page.get_contents().get_data()))  # type: ignore[union-attr]
        for key in used:
            cmap = page["/Resources"]["/Font"][NameObject("/" + key.decode())]["/ToUnicode"].get_object()
            broken = re.sub(rb"(<[0-9A-F]{4}> )<00([0-9A-F]{2})>", rb"\1<E0\2>", cmap.get_data())
            cmap.set_data(broken)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_table_pdf(before: str, rows: list[list[str]], after: str, ruled: bool = True, rotate: int = 0) -> bytes:
    """A page: a paragraph, a table of `rows` (the first is the header), a paragraph.

    With `rotate` (90 or 270), the page is drawn turned the other way and has /Rotate set to turn it
    back, as a landscape page of a report is: a viewer shows it upright.
    """
    import io

    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, before)
    pdf.ln(4)
    with pdf.table(
        col_widths=(60, 25, 25),
        width=110,
        align="LEFT",
        text_align=("LEFT", "RIGHT", "RIGHT"),
        borders_layout="ALL" if ruled else "NONE",
        first_row_as_headings=False,
    ) as table:
        for row in rows:
            table.row(row)
    pdf.ln(4)
    pdf.multi_cell(0, 6, after)
    if not rotate:
        return bytes(pdf.output())
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(pdf.output()))))
    writer.pages[0].rotate(-rotate)
    writer.pages[0].transfer_rotation_to_content()
    writer.pages[0].rotate(rotate)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_form_pdf(pages: list[str], fields: dict[int, list[dict[str, object]]]) -> bytes:
    """Pages of `pages` text with AcroForm fields on them, as a form filled in a viewer is saved.

    `fields` maps a 1-based page number to its fields, each a dict of field keys without their slash
    ("T", "TU", "FT", "V", "Ff"): a str value starting with "/" is a PDF name (a check box state), other
    str values text strings, an int a number, a dict a dictionary (a signature), a list an array (a choice
    field's "Opt": its options, each a text or an [export value, display text] pair). A field with "Kids": n
    is a parent field with n widgets, as a radio group is; any other field is its own widget. The values
    are in the fields only, not drawn on the page.
    """
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        BooleanObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        PdfObject,
        TextStringObject,
    )

    def pdf_value(value: object) -> PdfObject:
        if isinstance(value, list):
            return ArrayObject([pdf_value(item) for item in value])
        if isinstance(value, dict):
            return DictionaryObject({NameObject(f"/{k}"): pdf_value(v) for k, v in value.items()})
        if isinstance(value, int):
            return NumberObject(value)
        text = str(value)
        return NameObject(text) if text.startswith("/") else TextStringObject(text)

    def widget(y: float) -> DictionaryObject:
        box = ArrayObject([FloatObject(80), FloatObject(y), FloatObject(250), FloatObject(y + 8)])
        return DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/F"): NumberObject(4),
                NameObject("/Rect"): box,
            }
        )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_unicode_pdf(pages))))
    top_fields = ArrayObject()
    for number, specs in fields.items():
        annotations = ArrayObject()
        for index, spec in enumerate(specs):
            entries = {NameObject(f"/{k}"): pdf_value(v) for k, v in spec.items() if k != "Kids"}
            y = 700 - 20 * index
            if "Kids" not in spec:
                field = widget(y)
                field.update(entries)
                reference = writer._add_object(field)
                annotations.append(reference)
                top_fields.append(reference)
                continue
            parent_reference = writer._add_object(DictionaryObject(entries))
            kids = ArrayObject()
            for kid in range(int(str(spec["Kids"]))):
                kid_widget = widget(y - 4 * kid)
                kid_widget[NameObject("/Parent")] = parent_reference
                kid_reference = writer._add_object(kid_widget)
                kids.append(kid_reference)
                annotations.append(kid_reference)
            parent_reference.get_object()[NameObject("/Kids")] = kids  # type: ignore[index]
            top_fields.append(parent_reference)
        writer.pages[number - 1][NameObject("/Annots")] = annotations
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): top_fields, NameObject("/NeedAppearances"): BooleanObject(True)}
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_statement_pdf(
    title: str, headers: list[list[str]], rows: list[list[str]], note: str, ruled: bool = False, tilt: float = 0.0
) -> bytes:
    """A financial statement laid out as 10-K filings converted from HTML lay it out.

    No rules: each cell is drawn alone, every other row on a shaded box per cell (pdfplumber takes
    each box for a one-row table); a "$" stands in a column of its own left of a figure; figures are
    right-aligned. `headers` are the lines above the columns ([left text, column 1, column 2], or
    [left text, one header centred over both columns]); `rows` are [label, "$" or "", figure, "$" or "",
    figure]. `ruled`: the rows are drawn in a grid of rules, the headers above it (MGM's releases). `tilt`: the
    page's content turned by that many degrees, counter-clockwise, as the text layer of a slightly skewed scan is.
    """
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    with pdf.rotation(tilt, x=10, y=15):
        _draw_statement(pdf, title, headers, rows, note, ruled)
    return bytes(pdf.output())


def _draw_statement(
    pdf: Any, title: str, headers: list[list[str]], rows: list[list[str]], note: str, ruled: bool
) -> None:
    pdf.set_font("Helvetica", size=9)
    pdf.set_xy(10, 15)
    pdf.cell(0, 5, title)
    y = 25.0
    for left, *columns in headers:
        pdf.set_xy(10, y)
        pdf.cell(90, 5, left)
        places = ((105, 55),) if len(columns) == 1 else ((105, 25), (135, 25))
        for (x, width), text in zip(places, columns, strict=True):
            pdf.set_xy(x, y)
            pdf.cell(width, 5, text, align="C")
        y += 5
    pdf.set_fill_color(225, 235, 245)
    for index, (label, dollar1, figure1, dollar2, figure2) in enumerate(rows):
        cells = ((10, 90, label, "L"), (105, 3, dollar1, "L"), (108, 22, figure1, "R"))
        cells += ((135, 3, dollar2, "L"), (138, 22, figure2, "R"))
        for x, width, text, align in cells:
            if ruled:
                pdf.rect(x, y, width, 5, style="D")
            elif index % 2:
                pdf.rect(x, y, width, 5, style="F")
            pdf.set_xy(x, y)
            pdf.cell(width, 5, text, align=align)
        y += 5
    pdf.set_xy(10, y + 5)
    pdf.cell(0, 5, note)


def make_commented_pdf(lines: list[str], comments: list[tuple[str, str]]) -> bytes:
    """One page of `lines` with comments added in a viewer: (kind, text) pairs, kind "note" (a sticky note),
    "box" (a typewriter text box drawn on the page) or "highlight" (a highlight over the first line, with
    the comment in its pop-up)."""
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import FreeText, Highlight, Text
    from pypdf.generic import ArrayObject, FloatObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_unicode_pdf(["\n".join(lines)]))))
    for index, (kind, text) in enumerate(comments):
        top = 600 - 60 * index
        if kind == "note":
            annotation = Text(text=text, rect=(400, top - 20, 420, top), open=False)
        elif kind == "box":
            annotation = FreeText(text=text, rect=(50, top - 40, 350, top), font="Helvetica", font_size="12pt")
        else:
            corners = (50, 790, 330, 790, 50, 775, 330, 775)
            annotation = Highlight(rect=(50, 775, 330, 790), quad_points=ArrayObject(FloatObject(v) for v in corners))
            annotation[NameObject("/Contents")] = TextStringObject(text)
        writer.add_annotation(0, annotation)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_drawn_strings_pdf(title: str, rows: list[list[str]]) -> bytes:
    """A page drawn as ReportLab's drawString draws: each string in a text object of its own, ended by a move to
    the next line (`Tj T*`), the rows' cells side by side (label at the left, figures right-aligned after it)."""

    def string(x: float, y: float, text: str) -> str:
        return f"BT /F1 10 Tf 12 TL 1 0 0 1 {x} {y} Tm ({text}) Tj T* ET"

    operations = [string(50, 780, title)]
    for index, row in enumerate(rows):
        y = 750 - 16 * index
        operations.append(string(50, y, row[0]))
        operations.extend(string(280 + 80 * column - 6 * len(cell), y, cell) for column, cell in enumerate(row[1:]))
    return _helvetica_page(operations)


def make_pieced_words_pdf(lines: list[str], gap: float = 1.5) -> bytes:
    """A page of `lines` in 10-point Helvetica, each line drawn in the pieces that "|" marks, as word processors
    draw kerned or justified words: each piece a string of its own, placed `gap` points after the one before."""
    from fpdf.fonts import CORE_FONTS_CHARWIDTHS

    widths = CORE_FONTS_CHARWIDTHS["helvetica"]
    operations = []
    for index, line in enumerate(lines):
        x = 50.0
        for piece in line.split("|"):
            operations.append(f"BT /F1 10 Tf 1 0 0 1 {x:.2f} {780 - 14 * index} Tm ({piece}) Tj ET")
            x += sum(widths[character] for character in piece) / 100 + gap
    return _helvetica_page(operations)


def _helvetica_page(operations: list[str]) -> bytes:
    """A one-page A4 PDF of the content stream `operations`, with Helvetica as font /F1."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    content = DecodedStreamObject()
    content.set_data("\n".join(operations).encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(content)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
