"""Word documents read whole: text boxes, headers and footers, notes and tracked changes, in body order.

python-docx writes the documents; the features it cannot write (text boxes, footnotes, tracked
changes) are spliced in as the XML that Word itself saves.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest

from app.errors import UnreadableFileError
from app.ingest.readers import parse_file
from app.store.chunk_text import format_location

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NOTE_TYPES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CHANGE = 'w:author="Ann" w:date="2024-03-01T10:00:00Z"'


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def paragraph(*runs: str) -> str:
    return f"<w:p>{''.join(runs)}</w:p>"


def text_box(text: str) -> str:
    """A text box as Word saves it: DrawingML for new readers, the same box again in VML as the fallback."""
    inner = f"<w:txbxContent>{paragraph(run(text))}</w:txbxContent>"
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor distT="0" distB="0" '
        'distL="0" distR="0" simplePos="0" relativeHeight="1" behindDoc="0" locked="0" layoutInCell="1" '
        'allowOverlap="1"><wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0'
        '</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset>'
        '</wp:positionV><wp:extent cx="914400" cy="914400"/><wp:wrapNone/><wp:docPr id="1" name="Text Box 1"/>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData '
        'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:cNvSpPr txBox="1"/>'
        f"<wps:spPr/><wps:txbx>{inner}</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor>"
        '</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape id="box1" style="width:72pt;height:72pt">'
        f"<v:textbox>{inner}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )


def notes_part(kind: str, notes: dict[int, str]) -> str:
    """word/footnotes.xml or word/endnotes.xml with Word's two separator notes before the real ones."""
    separators = (
        f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        f"</w:{kind}>"
    )
    bodies = "".join(  # a line of the text is a paragraph of the note
        f'<w:{kind} w:id="{number}"><w:p><w:r><w:{kind}Ref/></w:r>{run(" " + first)}</w:p>'
        + "".join(paragraph(run(line)) for line in more)
        + f"</w:{kind}>"
        for number, (first, *more) in ((number, text.split("\n")) for number, text in notes.items())
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{kind}s xmlns:w="{W}" '
        f'xmlns:r="{NOTE_TYPES}">{separators}{bodies}</w:{kind}s>'
    )


def word_file(
    build: Callable[[docx.document.Document], None],
    raw: dict[str, str] | None = None,
    footnotes: dict[int, str] | None = None,
    endnotes: dict[int, str] | None = None,
) -> bytes:
    """A .docx written by `build`, where each paragraph that reads "@key" becomes the XML raw[key]."""
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    notes = {"footnote": footnotes or {}, "endnote": endnotes or {}}
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in source.infolist():
            part = source.read(entry.filename)
            if entry.filename not in ("word/document.xml", "word/_rels/document.xml.rels", "[Content_Types].xml"):
                archive.writestr(entry, part)
                continue
            text = part.decode()
            if entry.filename == "word/document.xml":
                for key, xml in (raw or {}).items():
                    placeholder = f"<w:p><w:r><w:t>@{key}</w:t></w:r></w:p>"
                    assert placeholder in text, key
                    text = text.replace(placeholder, xml)
            elif entry.filename == "word/_rels/document.xml.rels":
                for kind, found in notes.items():
                    if found:
                        text = text.replace(
                            "</Relationships>",
                            f'<Relationship Id="rId{kind}" Type="{NOTE_TYPES}/{kind}s" Target="{kind}s.xml"/>'
                            "</Relationships>",
                        )
            elif entry.filename == "[Content_Types].xml":
                for kind, found in notes.items():
                    if found:
                        text = text.replace(
                            "</Types>",
                            f'<Override PartName="/word/{kind}s.xml" ContentType="application/'
                            f'vnd.openxmlformats-officedocument.wordprocessingml.{kind}s+xml"/></Types>',
                        )
            archive.writestr(entry, text)
        for kind, found in notes.items():
            if found:
                archive.writestr(f"word/{kind}s.xml", notes_part(kind, found))
    return out.getvalue()


def fill_table(document: docx.document.Document, rows: tuple[tuple[str, ...], ...]) -> docx.table.Table:
    """A table of `rows` (each a tuple of cell texts) added to `document`."""
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    return table


def texts(data: bytes) -> dict[str, str]:
    """Each passage's citation mapped to its text."""
    return {format_location(d.metadata): d.text for d in parse_file(data, "report.docx").documents}


def test_a_text_box_is_read_once_after_the_paragraph_that_anchors_it() -> None:
    def build(document: docx.document.Document) -> None:
        document.add_heading("Pumps", 1)
        document.add_paragraph("@box")
        document.add_paragraph("Next paragraph.")

    data = word_file(build, {"box": paragraph(run("Before the box. "), text_box("Boxed pump note."), run("After."))})
    assert texts(data) == {'section "Pumps"': "Pumps\n\nBefore the box. After.\n\nBoxed pump note.\n\nNext paragraph."}


def test_headers_and_footers_are_read_once_per_document_not_once_per_section() -> None:
    def build(document: docx.document.Document) -> None:
        document.sections[0].header.paragraphs[0].text = "ACME Confidential"
        document.sections[0].footer.paragraphs[0].text = "Printed copies are uncontrolled"
        document.add_paragraph("First section text.")
        second = document.add_section()
        # A section with its own header of the same words, as Word leaves one after "unlink from previous".
        second.header.is_linked_to_previous = False
        second.header.paragraphs[0].text = "ACME Confidential"
        document.add_paragraph("Second section text.")

    assert texts(word_file(build)) == {
        'section "page header"': "ACME Confidential",
        "": "First section text.\n\nSecond section text.",
        'section "page footer"': "Printed copies are uncontrolled",
    }


def test_a_first_page_header_is_read_only_when_the_document_shows_it() -> None:
    def build(document: docx.document.Document) -> None:
        section = document.sections[0]
        section.header.paragraphs[0].text = "Running head"
        section.first_page_header.paragraphs[0].text = "Cover page head"
        document.add_paragraph("Body.")

    assert texts(word_file(build))['section "page header"'] == "Running head"

    def build_shown(document: docx.document.Document) -> None:
        build(document)
        document.sections[0].different_first_page_header_footer = True

    assert texts(word_file(build_shown))['section "page header"'] == "Running head\nCover page head"


def test_footnotes_and_endnotes_follow_the_paragraph_that_cites_them() -> None:
    def build(document: docx.document.Document) -> None:
        document.add_heading("Coolant", 1)
        document.add_paragraph("@cited")
        document.add_paragraph("Unrelated paragraph.")

    cited = paragraph(
        run("Sodium is used."), '<w:r><w:footnoteReference w:id="1"/></w:r>',
        run(" Pumps were replaced."), '<w:r><w:endnoteReference w:id="1"/></w:r>',
    )  # fmt: skip
    data = word_file(
        build,
        {"cited": cited},
        footnotes={1: "Sodium melts at 98 C.\nIt boils at 883 C."},  # two paragraphs
        endnotes={1: "See the 2021 report."},
    )
    assert texts(data) == {
        'section "Coolant"': "Coolant\n\nSodium is used.[1] Pumps were replaced.[2]\n\n[1] Sodium melts at 98 C. "
        "It boils at 883 C.\n\n[2] See the 2021 report.\n\nUnrelated paragraph."
    }


def test_tracked_changes_are_read_as_accepted() -> None:
    def build(document: docx.document.Document) -> None:
        document.add_paragraph("@edited")

    edited = paragraph(
        run("The pump delivers "),
        f'<w:del w:id="1" {CHANGE}><w:r><w:delText>40</w:delText></w:r></w:del>',
        f'<w:ins w:id="2" {CHANGE}>{run("55")}</w:ins>',
        run(" litres a second."),
        f'<w:moveFrom w:id="3" {CHANGE}>{run(" Checked weekly.")}</w:moveFrom>',
        f'<w:moveTo w:id="4" {CHANGE}>{run(" Checked daily.")}</w:moveTo>',
    )
    assert texts(word_file(build, {"edited": edited})) == {"": "The pump delivers 55 litres a second. Checked daily."}


def test_tables_stay_in_body_order_within_their_section() -> None:
    def build(document: docx.document.Document) -> None:
        document.add_heading("Results", 1)
        document.add_paragraph("Measured flows:")
        fill_table(document, (("Pump", "Flow"), ("P-1", "40 l/s")))
        document.add_paragraph("All within limits.")
        document.add_heading("Methods", 2)
        document.add_paragraph("Ultrasonic meters.")

    assert texts(word_file(build)) == {
        'section "Results"': "Results\n\nMeasured flows:\n\nPump | Flow\n\nP-1 | 40 l/s\n\nAll within limits.",
        'section "Methods"': "Methods\n\nUltrasonic meters.",
    }


def test_formatting_inside_a_word_stays_one_word_in_tables_and_lists() -> None:
    def build(document: docx.document.Document) -> None:
        table = document.add_table(rows=1, cols=2)
        first = table.rows[0].cells[0].paragraphs[0]
        first.add_run("Flow")
        first.add_run("meter").bold = True
        table.rows[0].cells[1].text = "two"
        table.rows[0].cells[1].add_paragraph("paragraphs")
        item = document.add_paragraph(style="List Bullet")
        item.add_run("Check ")
        item.add_run("valves").italic = True
        document.add_paragraph("Grease pumps", style="List Bullet")

    assert texts(word_file(build)) == {"": "Flowmeter | two paragraphs\n\nCheck valves\n\nGrease pumps"}


def test_the_title_from_the_document_properties_becomes_the_file_title() -> None:
    def build(document: docx.document.Document) -> None:
        document.core_properties.title = "  Cooling Loop Review "
        document.add_paragraph("Body.")

    assert parse_file(word_file(build), "review.docx").title == "Cooling Loop Review"
    assert parse_file(word_file(lambda document: document.add_paragraph("Body.")), "plain.docx").title == ""


def test_an_external_entity_in_a_word_document_is_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")

    def build(document: docx.document.Document) -> None:
        document.add_paragraph("@leak")

    data = word_file(build, {"leak": paragraph(run("Leaked: &xxe;"))})
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for entry in source.infolist():
            part = source.read(entry.filename)
            if entry.filename == "word/document.xml":
                doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}">]>'.encode()
                part = part.replace(b"?>", b"?>" + doctype, 1)
            archive.writestr(entry, part)
    assert [d.text for d in parse_file(out.getvalue(), "leak.docx").documents] == ["Leaked:"]


def test_a_damaged_word_document_is_refused_as_damaged() -> None:
    data = word_file(lambda document: document.add_paragraph("@broken"), {"broken": "<w:p><w:r><w:t>cut"})
    with pytest.raises(UnreadableFileError, match="damaged and cannot be read as a Word document") as caught:
        parse_file(data, "broken.docx")
    assert "Re-save it as .docx" in caught.value.hint


W14 = "http://schemas.microsoft.com/office/word/2010/wordml"


def checkbox_control(checked: bool, label: str) -> str:
    """A checkbox content control as Word 2010+ saves it (the box drawn as a character), then its label."""
    box = "\u2612" if checked else "\u2610"
    return (
        f'<w:p xmlns:w14="{W14}"><w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="{int(checked)}"/>'
        '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/><w14:uncheckedState w14:val="2610" '
        f'w14:font="MS Gothic"/></w14:checkbox></w:sdtPr><w:sdtContent>{run(box)}</w:sdtContent></w:sdt>'
        f"{run(' ' + label)}</w:p>"
    )


def legacy_checkbox(checked: bool, label: str) -> str:
    """A legacy form-field checkbox (Word 97-2003 forms, still in many templates), then its label."""
    return paragraph(
        f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:sizeAuto/><w:default w:val="{int(checked)}"/>'
        '</w:checkBox></w:ffData></w:fldChar></w:r><w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText>'
        '</w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>',
        run(" " + label),
    )


def test_a_checkbox_reads_ticked_or_not_as_word_shows_it() -> None:
    def build(document: docx.document.Document) -> None:
        for key in ("email", "partners", "newsletter", "calls"):
            document.add_paragraph(f"@{key}")

    boxes = {
        "email": checkbox_control(True, "I agree to be contacted by email"),
        "partners": checkbox_control(False, "I agree to share my data with partners"),
        "newsletter": legacy_checkbox(True, "Send me the newsletter"),
        "calls": legacy_checkbox(False, "Call me"),
    }
    assert texts(word_file(build, boxes)) == {
        "": "\u2612 I agree to be contacted by email\n\n\u2610 I agree to share my data with partners\n\n"
        "\u2612 Send me the newsletter\n\n\u2610 Call me"
    }


def test_the_text_of_a_simple_field_is_read_as_word_shows_it() -> None:
    def build(document: docx.document.Document) -> None:
        document.add_paragraph("@letter")
        document.add_paragraph("@caption")
        document.add_paragraph("@empty")

    def field(instruction: str, shown: str) -> str:
        return f'<w:fldSimple w:instr=" {instruction} ">{run(shown)}</w:fldSimple>'

    fields = {
        "letter": paragraph(
            run("Dear "),
            field("MERGEFIELD FirstName", "Maria"),
            run(", your order ships on "),
            field("DOCPROPERTY ShipDate", "4 March"),
            run("."),
        ),
        "caption": paragraph(run("Table "), field("SEQ Table \\* ARABIC", "3"), run(": Shipping costs by zone")),
        "empty": paragraph(run("Page "), '<w:fldSimple w:instr=" PAGE "/>', run(" of the form.")),
    }
    assert texts(word_file(build, fields)) == {
        "": "Dear Maria, your order ships on 4 March.\n\nTable 3: Shipping costs by zone\n\nPage  of the form."
    }


def test_numbered_list_items_keep_their_numbers() -> None:
    def build(document: docx.document.Document) -> None:
        document.add_paragraph("Follow these steps in order.")
        for step in ("Unplug the device.", "Remove the back cover.", "Insert the battery pack."):
            document.add_paragraph(step, style="List Number")
        document.add_paragraph("Tools:")
        document.add_paragraph("Screwdriver", style="List Bullet")

    assert texts(word_file(build)) == {
        "": "Follow these steps in order.\n\n1. Unplug the device.\n\n2. Remove the back cover.\n\n"
        "3. Insert the battery pack.\n\nTools:\n\nScrewdriver"
    }


def test_rows_under_a_header_row_name_their_columns() -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    def build(document: docx.document.Document) -> None:
        table = fill_table(document, (("Person", "Room", "Phone"), ("Ann", "R101", "4001"), ("Ben", "R102", "")))
        # Word's "Repeat as header row": the row heads the table on every page.
        table.rows[0]._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))

    assert texts(word_file(build)) == {
        "": "Person | Room | Phone\n\nAnn | Room: R101 | Phone: 4001\n\nBen | Room: R102"
    }


def test_a_merged_table_cell_is_read_in_each_row_it_covers() -> None:
    def build(document: docx.document.Document) -> None:
        table = fill_table(document, (("Site", "Pump"), ("Plant A", "P-1"), ("", "P-2")))
        table.cell(1, 0).merge(table.cell(2, 0))  # "Plant A" down two rows

    assert texts(word_file(build)) == {"": "Site | Pump\n\nPlant A | P-1\n\nPlant A | P-2"}


def test_a_paragraph_style_with_an_outline_level_starts_a_section_like_a_heading() -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    def build(document: docx.document.Document) -> None:
        # A template's own heading style: Word's navigation pane lists it by its outline level.
        style = document.styles.add_style("Chapter Title", WD_STYLE_TYPE.PARAGRAPH)
        style.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="0"/>'))
        document.add_paragraph("Preface.")
        document.add_paragraph("Safety rules", style="Chapter Title")
        document.add_paragraph("Always wear goggles in the lab.")

    assert texts(word_file(build)) == {
        "": "Preface.",
        'section "Safety rules"': "Safety rules\n\nAlways wear goggles in the lab.",
    }


def test_a_list_inside_a_table_cell_is_read_with_the_cell() -> None:
    def build(document: docx.document.Document) -> None:
        table = fill_table(document, (("Task", "Steps"), ("Install", "Before you start:")))
        steps = table.cell(1, 1)
        for step in ("Download the installer", "Run setup"):
            steps.add_paragraph(step, style="List Number")

    assert texts(word_file(build)) == {
        "": "Task | Steps\n\nInstall | Before you start: 1. Download the installer 2. Run setup"
    }


def numbered_paragraph(text: str, instance: int, level: int = 0) -> str:
    numbering = f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{instance}"/></w:numPr>'
    return f"<w:p><w:pPr>{numbering}</w:pPr>{run(text)}</w:p>"


def add_list_definition(
    document: docx.document.Document, instance: int, levels: str, start: int | None = None, shares: int | None = None
) -> None:
    """A list definition (w:abstractNum with `levels`, the w:lvl elements; or the definition of instance `shares`)
    and its instance `instance`, whose first level starts at `start` if given (w:startOverride)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    numbering = document.part.numbering_part.element
    definition = 90 + (shares or instance)
    if shares is None:
        abstract = f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{definition}">{levels}</w:abstractNum>'
        numbering.insert(0, parse_xml(abstract))
    override = f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start}"/></w:lvlOverride>' if start else ""
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{instance}"><w:abstractNumId w:val="{definition}"/>{override}</w:num>'
        )
    )


def level(depth: int, number_format: str, text: str) -> str:
    return (
        f'<w:lvl w:ilvl="{depth}"><w:start w:val="1"/><w:numFmt w:val="{number_format}"/>'
        f'<w:lvlText w:val="{text}"/></w:lvl>'
    )


def test_list_items_carry_the_numbers_word_shows() -> None:
    def build(document: docx.document.Document) -> None:
        add_list_definition(
            document, 51, level(0, "decimal", "%1.") + level(1, "decimal", "%1.%2.") + level(2, "lowerLetter", "(%3)")
        )
        add_list_definition(document, 52, level(0, "lowerLetter", "%1)"), start=4)
        for key in ("a", "b", "note", "c", "c1", "c1a", "d", "x", "y"):
            document.add_paragraph(f"@{key}")

    items = {
        "a": numbered_paragraph("Switch off the pump.", 51),
        "b": numbered_paragraph("Close valve V1.", 51),
        "note": paragraph(run("Warning: the pipe may be hot.")),  # the list goes on after it: 3., not 1.
        "c": numbered_paragraph("Remove the filter.", 51),
        "c1": numbered_paragraph("Unscrew the cap.", 51, level=1),
        "c1a": numbered_paragraph("by hand only", 51, level=2),
        "d": numbered_paragraph("Clean the filter.", 51),
        "x": numbered_paragraph("the Buyer", 52),  # lettered, starting at its 4th letter
        "y": numbered_paragraph("the Seller", 52),
    }
    assert texts(word_file(build, items)) == {
        "": "1. Switch off the pump.\n\n2. Close valve V1.\n\nWarning: the pipe may be hot.\n\n"
        "3. Remove the filter.\n\n3.1. Unscrew the cap.\n\n(a) by hand only\n\n4. Clean the filter.\n\n"
        "d) the Buyer\n\ne) the Seller"
    }


def numbered_with_mark(text: str, instance: int, change: str) -> str:
    """A numbered paragraph whose paragraph mark a tracked change holds (w:del: merged with the next paragraph;
    w:moveFrom: moved away, its text too)."""
    mark = f'<w:rPr><w:{change} w:id="9" {CHANGE}/></w:rPr>'
    numbering = f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{instance}"/></w:numPr>'
    body = run(text) if change == "del" else f'<w:moveFrom w:id="7" {CHANGE}>{run(text)}</w:moveFrom>'
    return f"<w:p><w:pPr>{numbering}{mark}</w:pPr>{body}</w:p>"


def test_list_instances_of_one_definition_share_its_count_and_deleted_items_are_not_counted() -> None:
    def build(document: docx.document.Document) -> None:
        add_list_definition(document, 61, level(0, "decimal", "%1."))
        add_list_definition(document, 62, "", shares=61)  # goes on counting
        add_list_definition(document, 63, "", shares=61, start=1)  # starts again where it first appears
        for key in ("a", "b", "rest", "moved", "c", "d"):
            document.add_paragraph(f"@{key}")

    items = {
        "a": numbered_paragraph("One", 61),
        "b": numbered_with_mark("Tw", 61, "del"),  # its mark deleted: one paragraph with the next
        "rest": paragraph(run("o and more")),
        "moved": numbered_with_mark("Moved away", 61, "moveFrom"),
        "c": numbered_paragraph("Three", 62),
        "d": numbered_paragraph("Again", 63),
    }
    assert texts(word_file(build, items)) == {"": "1. One\n\n2. Two and more\n\n3. Three\n\n1. Again"}


def test_list_numbers_come_through_list_styles_and_styles_based_on_numbered_ones() -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    def build(document: docx.document.Document) -> None:
        add_list_definition(document, 71, level(0, "lowerLetter", "(%1)"))
        numbering = document.part.numbering_part.element
        # Definition 161 is the list style "Legal list"; 82 takes its levels (and its count) from it.
        numbering[0].append(parse_xml(f'<w:styleLink {nsdecls("w")} w:val="Legal list"/>'))
        link = (
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="82"><w:numStyleLink w:val="Legal list"/></w:abstractNum>'
        )
        numbering.insert(0, parse_xml(link))
        numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="72"><w:abstractNumId w:val="82"/></w:num>'))
        base = document.styles.add_style("Step", WD_STYLE_TYPE.PARAGRAPH)
        base.element.get_or_add_pPr().append(parse_xml(f'<w:numPr {nsdecls("w")}><w:numId w:val="71"/></w:numPr>'))
        document.styles.add_style("Step child", WD_STYLE_TYPE.PARAGRAPH).base_style = base
        document.add_paragraph("Mix", style="Step")
        document.add_paragraph("Bake", style="Step child")
        document.add_paragraph("@linked")

    linked = {"linked": numbered_paragraph("Serve", 72)}
    assert texts(word_file(build, linked)) == {"": "(a) Mix\n\n(b) Bake\n\n(c) Serve"}


def test_a_start_past_what_word_allows_is_capped_not_written_out() -> None:
    def build(document: docx.document.Document) -> None:
        letters = level(0, "upperLetter", "%1.").replace('<w:start w:val="1"/>', '<w:start w:val="250000000"/>')
        add_list_definition(document, 91, letters)
        document.add_paragraph("@a")

    # 32,767 (Word's largest start) is past the ten-letter "ZZZZZZZZZZ": in digits.
    assert texts(word_file(build, {"a": numbered_paragraph("One", 91)})) == {"": "32767. One"}
