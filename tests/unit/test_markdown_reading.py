"""Markdown and HTML are cited by heading path, else by title, else by part; embedded data is left out."""

from __future__ import annotations

import base64

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter

from app.ingest.chunking import BoundedSentenceSplitter, split_into_chunks
from app.ingest.readers import parse_file
from app.store.chunk_text import format_location

PNG = base64.b64encode(bytes(range(256)) * 2).decode()  # stands in for an image's bytes
GUIDE = f"""---
title: Extraction guide
tags: [pdf, tables]
---
Read this before you start.

# Extracting tables

Tables come out as rows.

```bash
# pip install tables
make tables
```

Table-extraction settings
-------------------------

Set TABLES=1 to turn it on. ![chart of speeds](data:image/png;base64,{PNG})

### Column *headers*
Headers name the cells.

# Troubleshooting
Check the log. <img src="data:image/gif;base64,{PNG}" alt="spinner">
"""


def locations_and_texts(data: bytes, name: str) -> list[tuple[str, str]]:
    return [(format_location(d.metadata), d.text) for d in parse_file(data, name).documents]


def test_markdown_is_cited_by_the_path_of_atx_and_setext_headings() -> None:
    sections = locations_and_texts(GUIDE.encode(), "guide.md")
    assert [location for location, _ in sections] == [
        'section "Extraction guide"',
        'section "Extracting tables"',
        'section "Extracting tables > Table-extraction settings"',
        'section "Extracting tables > Table-extraction settings > Column headers"',
        'section "Troubleshooting"',
    ]
    assert sections[3][1] == "### Column *headers*\nHeaders name the cells.\n"


def test_a_hash_line_in_a_fenced_code_block_is_code_not_a_heading() -> None:
    [_, tables, *_] = locations_and_texts(GUIDE.encode(), "guide.md")
    assert tables == (
        'section "Extracting tables"',
        "# Extracting tables\n\nTables come out as rows.\n\n```bash\n# pip install tables\nmake tables\n```\n",
    )


def test_front_matter_is_indexed_and_its_title_is_the_file_title() -> None:
    parsed = parse_file(GUIDE.encode(), "guide.md")
    assert parsed.title == "Extraction guide"
    assert parsed.documents[0].text == (
        "---\ntitle: Extraction guide\ntags: [pdf, tables]\n---\nRead this before you start.\n"
    )


def test_embedded_images_in_markdown_are_not_indexed_and_are_counted() -> None:
    parsed = parse_file(GUIDE.encode(), "guide.md")
    texts = [d.text for d in parsed.documents]
    assert texts[2] == (
        "Table-extraction settings\n-------------------------\n\nSet TABLES=1 to turn it on. chart of speeds\n"
    )
    assert texts[4] == "# Troubleshooting\nCheck the log. \n"
    assert parsed.notes == ["2 embedded images not indexed"]


def test_a_long_base64_blob_in_markdown_is_not_indexed_and_is_counted() -> None:
    wrapped = "\n".join(PNG[i : i + 76] for i in range(0, len(PNG), 76))
    data = f"# Key\nThe key follows.\n{wrapped}\nEnd of key.\n\n# Token\nToken: {PNG} (expired).\n".encode()
    parsed = parse_file(data, "keys.md")
    assert [d.text for d in parsed.documents] == [
        "# Key\nThe key follows.\nEnd of key.\n",
        "# Token\nToken:  (expired).\n",
    ]
    assert parsed.notes == ["2 base64 blobs not indexed"]


def test_a_readme_title_is_its_opening_level_one_heading() -> None:
    parsed = parse_file(b"# Puffin tracker\n\nTracks puffins.\n\n## Install\n\nRun make.\n", "README.md")
    assert parsed.title == "Puffin tracker"
    assert [format_location(d.metadata) for d in parsed.documents] == [
        'section "Puffin tracker"',
        'section "Puffin tracker > Install"',
    ]


def chunk_locations(documents: list[Document]) -> list[str]:
    splitter = SentenceSplitter(chunk_size=40, chunk_overlap=0, tokenizer=str.split)
    nodes = split_into_chunks(documents, file_name="f", doc_sha="0" * 64, splitter=splitter)
    return [format_location(node.metadata) for node in nodes]


def test_a_long_headingless_markdown_file_is_cited_by_part_number() -> None:
    text = "".join(f"Paragraph {n} says puffins dive and eat sand eels every day.\n\n" for n in range(9))
    documents = parse_file(text.encode(), "notes.md").documents
    assert chunk_locations(documents) == ["part 1", "part 2", "part 3"]


def test_html_comments_in_markdown_are_not_read_but_those_in_code_are() -> None:
    notes = b"""# Handbook
Share the docs. <!-- internal: the staging password is swordfish -->
<!--
TODO: rewrite this part
-->
## Setup
```html
<!-- keep this comment -->
```
Run the installer.
"""
    assert locations_and_texts(notes, "notes.md") == [
        ('section "Handbook"', "# Handbook\nShare the docs. \n\n\n"),  # the comment's lines, blank
        ('section "Handbook > Setup"', "## Setup\n```html\n<!-- keep this comment -->\n```\nRun the installer.\n"),
    ]


def test_html_is_cited_by_the_path_of_its_h1_to_h6_headings() -> None:
    page = b"""<html><head><title>Field guide</title></head><body><p>Read this first.</p>
    <h1>Birds</h1><p>Birds fly.</p><h2>Seabirds</h2><h3>Puffins</h3><h4>Diet</h4><p>Sand eels.</p>
    <h6>Trivia</h6><p>Clowns of the sea.</p><h2>Waders</h2><p>Long legs.</p>
    <img src="data:image/png;base64,iVBORw0KGgo=" alt="map"></body></html>"""
    parsed = parse_file(page, "birds.html")
    assert parsed.title == "Field guide"
    assert locations_and_texts(page, "birds.html") == [
        ('section "Field guide"', "Read this first."),
        ('section "Birds"', "Birds\nBirds fly."),
        ('section "Birds > Seabirds > Puffins > Diet"', "Diet\nSand eels."),
        ('section "Birds > Seabirds > Puffins > Diet > Trivia"', "Trivia\nClowns of the sea."),
        ('section "Birds > Waders"', "Waders\nLong legs."),
    ]
    assert parsed.notes == ["1 embedded image not indexed"]


def test_a_headingless_html_page_is_cited_by_its_title_else_by_part() -> None:
    body = "".join(f"<p>Paragraph {n} says puffins dive and eat sand eels every day.</p>" for n in range(9))
    titled = parse_file(f"<html><head><title>Puffins</title></head><body>{body}</body></html>".encode(), "a.html")
    assert set(chunk_locations(titled.documents)) == {'section "Puffins"'}
    untitled = parse_file(f"<html><body>{body}</body></html>".encode(), "b.html")
    assert untitled.title == ""
    assert chunk_locations(untitled.documents) == ["part 1", "part 2", "part 3"]


def test_an_html_table_row_is_one_line_with_each_value_after_its_column_header() -> None:
    page = b"""<html><head><title>Results</title></head><body><h1>Results</h1>
    <table><caption>Income statement</caption><tr><th>Metric</th><th>2022</th><th>2021</th></tr>
    <tr><td>Revenue</td><td>66,608</td><td>62,286</td></tr>
    <tr><td>Net <b>income</b></td><td>-4,935</td><td></td></tr></table>
    <table><tr><td>CEO</td><td>D. Calhoun</td></tr></table></body></html>"""
    assert locations_and_texts(page, "results.html") == [
        (
            'section "Results"',
            "Results\nIncome statement\nMetric | 2022 | 2021\nRevenue | 2022: 66,608 | 2021: 62,286\n"
            "Net income | 2022: -4,935\nCEO | D. Calhoun",
        )
    ]


def test_an_html_title_is_not_a_passage_of_its_own_unless_it_is_all_the_page_has() -> None:
    page = b"<html><head><title>Results</title></head><body><h1>Revenue</h1><p>It rose 7%.</p></body></html>"
    assert locations_and_texts(page, "results.html") == [('section "Revenue"', "Revenue\nIt rose 7%.")]
    only_title = b"<html><head><title>Quarterly pricing memo</title></head><body></body></html>"
    assert locations_and_texts(only_title, "memo.html") == [
        ('section "Quarterly pricing memo"', "Quarterly pricing memo")
    ]


def test_hidden_html_elements_are_not_read() -> None:
    page = b"""<html><body><h1>Opening hours</h1><p>Monday to Friday, 8 to 18.</p>
    <div style="display: none">Staff door code is 4471</div><p hidden>Old price list: 20 EUR</p>
    <span style="visibility:hidden">draft</span><p style="color: grey">Closed on holidays.</p></body></html>"""
    assert locations_and_texts(page, "hours.html") == [
        ('section "Opening hours"', "Opening hours\nMonday to Friday, 8 to 18.\nClosed on holidays.")
    ]


def test_html_ordered_list_items_keep_their_numbers_nested_ones_under_their_item() -> None:
    page = b"""<html><body><h1>Setup</h1><ol><li>Unplug the device.</li><li>Open the cover.<ol>
    <li>Undo the screws.</li><li>Lift the lid.</li></ol></li></ol><ol start="4"><li>Insert the battery.</li></ol>
    <ul><li>Gloves</li></ul></body></html>"""
    assert locations_and_texts(page, "setup.html") == [
        (
            'section "Setup"',
            "Setup\n1. Unplug the device.\n2. Open the cover.\n2.1. Undo the screws.\n2.2. Lift the lid.\n"
            "4. Insert the battery.\nGloves",
        )
    ]


def test_a_markdown_table_row_names_its_columns_so_a_chunk_from_its_middle_says_what_its_values_are() -> None:
    rows = "\n".join(f"| Server {n:02d} | rack-{n % 3} | 10.0.0.{n} |" for n in range(1, 61))
    servers = f"# Servers\n\n| Host | Rack | IP address |\n|------|:----:|-----------:|\n{rows}\n\nAll run Linux.\n"
    [document] = parse_file(servers.encode(), "servers.md").documents
    lines = document.text.splitlines()

    assert lines[:5] == [
        "# Servers",
        "",
        "| Host | Rack | IP address |",
        "",
        "Server 01 | Rack: rack-1 | IP address: 10.0.0.1",
    ]
    assert lines[-3:] == ["Server 60 | Rack: rack-0 | IP address: 10.0.0.60", "", "All run Linux."]
    splitter = BoundedSentenceSplitter(chunk_size=40, chunk_overlap=0, tokenizer=str.split)
    chunks = split_into_chunks([document], file_name="servers.md", doc_sha="0" * 64, splitter=splitter)
    # Every chunk after the first is whole rows, each naming its columns.
    assert len(chunks) > 5
    assert all(line.startswith("Server ") for chunk in chunks[1:-1] for line in chunk.text.splitlines())
    assert "Server 37 | Rack: rack-1 | IP address: 10.0.0.37" in [line for c in chunks for line in c.text.splitlines()]


def test_an_html_cell_spanning_rows_or_columns_is_read_in_each_row_and_column_it_covers() -> None:
    page = b"""<html><body><h1>Opening hours</h1><table>
    <tr><th>Day</th><th>Morning</th><th>Afternoon</th></tr>
    <tr><td rowspan="2">Monday</td><td>8-12</td><td>14-18</td></tr>
    <tr><td colspan="2">Emergency cover only</td></tr>
    <tr><td>Tuesday</td><td colspan="2">Closed all day</td></tr>
    <tr><td>Friday</td><td rowspan="99999">8-12</td><td>14-16</td></tr>
    </table></body></html>"""
    assert locations_and_texts(page, "hours.html") == [
        (
            'section "Opening hours"',
            "Opening hours\nDay | Morning | Afternoon\nMonday | Morning: 8-12 | Afternoon: 14-18\n"
            "Monday | Morning: Emergency cover only | Afternoon: Emergency cover only\n"
            "Tuesday | Morning: Closed all day | Afternoon: Closed all day\nFriday | Morning: 8-12 | Afternoon: 14-16",
        )
    ]


def test_a_cell_spanning_past_the_table_or_to_its_end_is_read_as_far_as_the_table_goes() -> None:
    page = b"""<html><body><h1>Prices</h1><table><tr><th>Product</th><th>Price</th></tr>
    <tr><td colspan="100">Power tools</td></tr><tr><td>Drill</td><td>$50</td></tr></table>
    <h1>Timetable</h1><table><tr><th>Day</th><th>Time</th><th>Class</th></tr>
    <tr><td rowspan="0">Monday</td><td>9:00</td><td>Yoga</td></tr><tr><td>10:00</td><td>Pilates</td></tr></table>
    </body></html>"""
    assert locations_and_texts(page, "prices.html") == [
        ('section "Prices"', "Prices\nProduct | Price\nPower tools\nDrill | Price: $50"),
        (
            'section "Timetable"',
            "Timetable\nDay | Time | Class\nMonday | Time: 9:00 | Class: Yoga\nMonday | Time: 10:00 | Class: Pilates",
        ),
    ]


def test_comment_syntax_in_code_spans_is_code_and_a_comment_in_a_table_cell_is_not_read() -> None:
    guide = b"""# Templates
Start a comment with `<!--` and the page hides what follows.
## Pricing
| Plan | Price |
|------|-------|
| Pro <!-- was $99, do not quote --> | $199 |
## Closing
End it with `-->`.
```html
<p>x</p> <!--
```
Shipping is free. <!-- raise to $80 next month -->
"""
    assert locations_and_texts(guide, "templates.md") == [
        ('section "Templates"', "# Templates\nStart a comment with `<!--` and the page hides what follows."),
        ('section "Templates > Pricing"', "## Pricing\n| Plan | Price |\n\nPro | Price: $199"),
        (
            'section "Templates > Closing"',
            "## Closing\nEnd it with `-->`.\n```html\n<p>x</p> <!--\n```\nShipping is free. \n",
        ),
    ]


def test_html_list_numbers_follow_type_reversed_and_value_as_a_browser_shows_them() -> None:
    page = b"""<html><body><h1>Contract</h1><ol type="a"><li>the Buyer</li><li>the Seller</li></ol>
    <ol type="I"><li>Scope</li><li value="7">Liability</li><li>Termination</li></ol>
    <ol reversed><li>Supplier delay</li><li>Currency</li><li>Cyber attack</li></ol></body></html>"""
    assert locations_and_texts(page, "contract.html") == [
        (
            'section "Contract"',
            "Contract\na. the Buyer\nb. the Seller\nI. Scope\nVII. Liability\nVIII. Termination\n"
            "3. Supplier delay\n2. Currency\n1. Cyber attack",
        )
    ]


def test_a_hidden_tab_panel_and_text_hidden_until_found_are_read() -> None:
    page = b"""<html><body><h1>Install</h1>
    <div role="tabpanel">Run setup.exe.</div><div role="tabpanel" hidden>Open the .dmg file.</div>
    <p hidden="until-found">Refunds within 30 days.</p><p hidden>Old draft.</p></body></html>"""
    assert locations_and_texts(page, "install.html") == [
        ('section "Install"', "Install\nRun setup.exe.\nOpen the .dmg file.\nRefunds within 30 days.")
    ]


def test_a_table_row_without_cells_does_not_stop_the_page_from_being_read() -> None:
    # Invalid HTML (a list item straight in a row): a browser moves it out of the table; here it is not read.
    page = b"<html><body><h1>Menu</h1><table><tr><li>Soup</li></tr><tr><td>Bread</td></tr></table></body></html>"
    assert locations_and_texts(page, "menu.html") == [('section "Menu"', "Menu\nBread")]


def test_two_header_rows_name_each_column_together_and_a_title_row_stays_a_title() -> None:
    page = b"""<html><body><h1>Results</h1>
    <table><tr><th rowspan="2">Region</th><th colspan="2">Sales</th><th colspan="2">Profit</th></tr>
    <tr><th>2023</th><th>2022</th><th>2023</th><th>2022</th></tr>
    <tr><td>North</td><td>10</td><td>9</td><td>3</td><td>2</td></tr></table>
    <table><tr><th colspan="3">Quarterly results (EUR m)</th></tr><tr><th>Item</th><th>Q1</th><th>Q2</th></tr>
    <tr><td>Sales</td><td>10</td><td>20</td></tr></table></body></html>"""
    assert locations_and_texts(page, "results.html") == [
        (
            'section "Results"',
            "Results\nRegion | Sales 2023 | Sales 2022 | Profit 2023 | Profit 2022\n"
            "North | Sales 2023: 10 | Sales 2022: 9 | Profit 2023: 3 | Profit 2022: 2\n"
            "Quarterly results (EUR m)\nItem | Q1 | Q2\nSales | Q1: 10 | Q2: 20",
        )
    ]
