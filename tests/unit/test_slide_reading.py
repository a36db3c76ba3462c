"""PowerPoint slides read whole: the title first, then the text of every shape, grouped shapes too."""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.util import Inches

from app.ingest.readers import parse_file
from app.store.chunk_text import format_location


def test_the_title_comes_first_and_text_in_grouped_shapes_is_read() -> None:
    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])  # title only
    slide.shapes.title.text = "Cooling loop"
    slide.shapes.title.top = Inches(6)  # a title placed at the foot of the slide is still its title
    slide.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1)).text_frame.text = "Sodium at 550 C"
    group = slide.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(3), Inches(2), Inches(1)).text_frame.text = "Pump P-1"
    group.shapes.add_textbox(Inches(4), Inches(3), Inches(2), Inches(1)).text_frame.text = "Valve V-2"
    buffer = io.BytesIO()
    presentation.save(buffer)

    [document] = parse_file(buffer.getvalue(), "loop.pptx").documents
    assert (format_location(document.metadata), document.text) == (
        "slide 1",
        "Cooling loop\nSodium at 550 C\nPump P-1\nValve V-2",
    )


def test_a_line_break_inside_a_paragraph_ends_a_line() -> None:
    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = "Contacts"
    frame = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1)).text_frame
    frame.text = "Sales: Ann\vSupport: Bob"  # python-pptx writes \v as a line break (Shift+Enter)
    table = slide.shapes.add_table(1, 2, Inches(1), Inches(3), Inches(4), Inches(1)).table
    table.cell(0, 0).text, table.cell(0, 1).text = "Desk", "Room 4\vFloor 2"
    slide.notes_slide.notes_text_frame.text = "Ann leaves\vin May"
    buffer = io.BytesIO()
    presentation.save(buffer)

    [document] = parse_file(buffer.getvalue(), "contacts.pptx").documents
    assert document.text == "Contacts\nSales: Ann\nSupport: Bob\nDesk | Room 4 Floor 2\nNotes: Ann leaves\nin May"
