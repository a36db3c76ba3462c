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


def test_a_chart_is_read_as_its_title_and_a_row_of_values_per_series() -> None:
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE

    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = "Sales"
    data = CategoryChartData()
    data.categories = ["2022", "2023", "2024"]
    data.add_series("Units sold", (120, 150, 190.5))
    data.add_series("Returns", (4, 6, 5))
    frame = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(2), Inches(6), Inches(4), data)
    frame.chart.has_title = True
    frame.chart.chart_title.text_frame.text = "Units sold per year"
    buffer = io.BytesIO()
    presentation.save(buffer)

    [document] = parse_file(buffer.getvalue(), "sales.pptx").documents
    assert document.text == (
        "Sales\nUnits sold per year\n"
        "Units sold | 2022: 120 | 2023: 150 | 2024: 190.5\nReturns | 2022: 4 | 2023: 6 | 2024: 5"
    )


def test_a_hidden_slide_is_read_and_says_it_is_hidden() -> None:
    presentation = Presentation()
    for title in ("Pricing", "Draft pricing"):
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])
        slide.shapes.title.text = title
    slide.element.set("show", "0")  # PowerPoint's "Hide slide"
    buffer = io.BytesIO()
    presentation.save(buffer)

    documents = parse_file(buffer.getvalue(), "deck.pptx").documents
    assert [document.text for document in documents] == ["Pricing", "(hidden slide)\nDraft pricing"]


def test_a_chart_python_pptx_cannot_read_leaves_its_slide_readable() -> None:
    import zipfile

    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE

    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = "Market share"
    data = CategoryChartData()
    data.categories = ["North", "South"]
    data.add_series("Share", (60, 40))
    slide.shapes.add_chart(XL_CHART_TYPE.PIE, Inches(1), Inches(2), Inches(6), Inches(4), data)
    slide.shapes.add_textbox(Inches(1), Inches(6.5), Inches(6), Inches(1)).text_frame.text = "North leads."
    buffer = io.BytesIO()
    presentation.save(buffer)
    # PowerPoint's 3-D pie (c:pie3DChart): python-pptx lists its plot but raises "unsupported plot type".
    source, out = zipfile.ZipFile(buffer), io.BytesIO()
    with zipfile.ZipFile(out, "w") as deck:
        for entry in source.infolist():
            part = source.read(entry.filename)
            if entry.filename.startswith("ppt/charts/chart"):
                part = part.replace(b"c:pieChart>", b"c:pie3DChart>")
            deck.writestr(entry, part)

    [document] = parse_file(out.getvalue(), "share.pptx").documents
    assert document.text == "Market share\nNorth leads."


def test_chart_categories_of_dates_and_of_two_levels_read_as_the_chart_shows_them() -> None:
    import datetime

    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE

    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])  # blank
    monthly = CategoryChartData()
    monthly.categories = [datetime.date(2024, 1, 31), datetime.date(2024, 2, 29)]  # stored as day numbers
    monthly.add_series("Revenue", (1.5, 2.25))
    slide.shapes.add_chart(XL_CHART_TYPE.LINE, Inches(1), Inches(1), Inches(4), Inches(3), monthly)
    regional = CategoryChartData()
    for region in ("East", "West"):
        category = regional.add_category(region)
        for quarter in ("Q1", "Q2"):
            category.add_sub_category(quarter)
    regional.add_series("Sales", (1, 2, 3, 4))
    slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(4.5), Inches(4), Inches(3), regional)
    buffer = io.BytesIO()
    presentation.save(buffer)

    [document] = parse_file(buffer.getvalue(), "charts.pptx").documents
    assert document.text == (
        "Revenue | 2024-01-31: 1.5 | 2024-02-29: 2.25\nSales | East Q1: 1 | East Q2: 2 | West Q1: 3 | West Q2: 4"
    )
