"""Readers of every supported format, on files the tests generate; locations are kept for citations."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from app.errors import UnreadableFileError
from app.ingest.ocr import Ocr
from app.ingest.readers import ReadOptions, parse_file, read_document
from app.store.chunk_text import format_location
from tests.files import make_docx, make_pdf, make_png, make_pptx, make_scanned_pdf, make_xlsx, make_zip_bomb_docx
from tests.servers import require

NO_OCR = Ocr(command="/nonexistent/tesseract")


def tesseract() -> None:
    require(Path(shutil.which("tesseract") or "/usr/bin/tesseract"), "tesseract-ocr (Debian package)")


def test_pptx_text_keeps_its_slide_number_and_notes() -> None:
    data = make_pptx(
        [("Puffins", "Puffins nest in burrows."), ("Reactor", "Coolant runs at 550 degrees.")],
        notes={2: "Mention the pump failure."},
    )
    documents = read_document(data, "deck.pptx")
    assert [d.metadata["slide"] for d in documents] == [1, 2]
    assert "550 degrees" in documents[1].text and "pump failure" in documents[1].text
    assert format_location(documents[1].metadata) == "slide 2"


def test_xlsx_rows_are_read_per_sheet_with_their_header_names() -> None:
    data = make_xlsx(
        {
            "Prices": [["Fruit", "Price"], ["apple", 1.5], ["pear", 2]],
            "Stock": [["Fruit", "Boxes"], *[[f"fruit {n}", n] for n in range(1, 31)]],
        }
    )
    parsed = parse_file(data, "shop.xlsx")
    assert parsed.pages == 2
    first = parsed.documents[0]
    assert first.metadata == {"sheet": "Prices", "rows": "2-3", "columns": '["Fruit", "Price"]'}
    assert "Fruit: apple; Price: 1.5" in first.text and "Price: 2" in first.text
    assert [d.metadata["rows"] for d in parsed.documents[1:]] == ["2-21", "22-31"]
    assert format_location(first.metadata) == 'sheet "Prices", rows 2-3'


def test_csv_in_latin1_with_semicolons_is_read_by_rows() -> None:
    data = "Stadt;Einwohner\nKöln;1084000\nMünchen;1512000\n".encode("latin-1")
    [document] = read_document(data, "cities.csv")
    assert "Stadt: München; Einwohner: 1512000" in document.text
    assert format_location(document.metadata) == "rows 2-3"


def test_html_keeps_visible_text_under_its_headings_and_drops_scripts() -> None:
    page = b"""<html><head><title>Field notes</title><style>p {color: red}</style></head><body>
    <nav>Home</nav><h1>Birds</h1><p>Puffins <b>dive</b> thirty metres.</p>
    <script>alert('x')</script><div>Loose text in a div.</div><h2>Reactors</h2><ul><li>Sodium at 550 C</li></ul>
    </body></html>"""
    documents = read_document(page, "notes.html")
    by_section = {d.metadata.get("section", ""): d.text for d in documents}
    assert "Puffins dive thirty metres." in by_section["Birds"] and "Loose text in a div." in by_section["Birds"]
    assert "Sodium at 550 C" in by_section["Birds > Reactors"]
    everything = " ".join(by_section.values())
    assert "alert" not in everything and "color" not in everything and "Field notes" not in everything


def test_image_with_the_local_backend_says_it_needs_vllm() -> None:
    with pytest.raises(UnreadableFileError, match="needs the vLLM backend") as caught:
        parse_file(make_png(["hello"]), "photo.png")
    assert "EMBEDDING_BACKEND=vllm" in caught.value.hint


def test_image_on_an_image_backend_becomes_one_image_with_its_ocr_text() -> None:
    tesseract()
    parsed = parse_file(make_png(["Invoice number 4711"]), "scan.png", ReadOptions(embed_images=True))
    [image] = parsed.images
    assert image.mime_type == "image/png" and image.metadata == {"image": True}
    assert "4711" in image.text


def test_damaged_image_is_refused_even_on_an_image_backend() -> None:
    truncated = make_png(["hello"])[:200]
    with pytest.raises(UnreadableFileError, match="damaged"):
        parse_file(truncated, "cut.png", ReadOptions(embed_images=True))


def test_scanned_pdf_pages_are_read_by_ocr_with_their_page_numbers() -> None:
    tesseract()
    data = make_scanned_pdf([["The puffin dives for sand eels."], ["Sodium coolant at 550 degrees."]])
    parsed = parse_file(data, "scan.pdf")
    assert [d.metadata["page"] for d in parsed.documents] == [1, 2]
    assert "sand eels" in parsed.documents[0].text.lower() and "550" in parsed.documents[1].text
    assert parsed.images == []  # the local backend has no image path


def test_a_scanned_page_with_a_stamp_in_its_text_layer_is_ocrd_and_keeps_the_stamp() -> None:
    tesseract()
    data = make_scanned_pdf([["The warehouse lease ends in March 2031."]], stamps=["WHIT-000153"])
    parsed = parse_file(data, "letter.pdf")
    assert [d.metadata for d in parsed.documents] == [{"page": 1, "ocr": True}]
    assert "march 2031" in parsed.documents[0].text.lower() and "WHIT-000153" in parsed.documents[0].text
    assert parsed.notes == ["page 1 OCR'd: scanned, with only a few lines in their text layer"]


def test_a_title_over_a_full_page_picture_keeps_its_text_layer_as_it_is() -> None:
    tesseract()
    # A slide exported to PDF: a background picture (no text in it) under a title and a line of text.
    data = make_scanned_pdf([[""]], stamps=["Quarterly revenue grew 12% to 4.2 million euros"])
    parsed = parse_file(data, "slides.pdf")
    assert [(d.metadata["page"], d.metadata.get("ocr"), d.text) for d in parsed.documents] == [
        (1, None, "Quarterly revenue grew 12% to 4.2 million euros")
    ]
    assert parsed.notes == []


def test_a_scanned_page_with_a_stamp_without_tesseract_keeps_the_stamp_and_says_so() -> None:
    data = make_scanned_pdf([["The warehouse lease ends in March 2031."]], stamps=["WHIT-000153"])
    parsed = parse_file(data, "letter.pdf", ReadOptions(ocr=NO_OCR))
    assert [(d.metadata["page"], d.text) for d in parsed.documents] == [(1, "WHIT-000153")]
    assert parsed.notes == [
        "page 1 may be scans (a picture over most of the page, a line or two of text): only their text layer was "
        "read (Tesseract OCR is not installed)"
    ]


def test_scanned_pdf_on_an_image_backend_also_yields_page_images() -> None:
    tesseract()
    data = make_scanned_pdf([["Page one words."], ["Page two words."]])
    parsed = parse_file(data, "scan.pdf", ReadOptions(embed_images=True))
    assert [image.metadata for image in parsed.images] == [{"page": 1}, {"page": 2}]
    assert all(image.data.startswith(b"\x89PNG") for image in parsed.images)


def test_scanned_pdf_without_tesseract_gets_a_clear_message() -> None:
    data = make_scanned_pdf([["Nothing readable without OCR."]])
    with pytest.raises(UnreadableFileError, match="OCR is not available") as caught:
        parse_file(data, "scan.pdf", ReadOptions(ocr=NO_OCR))
    assert "tesseract-ocr" in caught.value.hint


def test_mixed_pdf_without_tesseract_keeps_its_text_pages_and_says_what_it_skipped() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()  # a text page, then a scanned page
    for part in (make_pdf(["A page with a text layer."]), make_scanned_pdf([["An image page."]])):
        for page in PdfReader(io.BytesIO(part)).pages:
            writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    parsed = parse_file(buffer.getvalue(), "mixed.pdf", ReadOptions(ocr=NO_OCR))
    assert [d.metadata["page"] for d in parsed.documents] == [1]
    assert parsed.notes == ["page 2 without a text layer skipped (Tesseract OCR is not installed)"]


def test_page_limit_refuses_long_pdfs_and_presentations() -> None:
    options = ReadOptions(max_pages=3)
    with pytest.raises(UnreadableFileError, match="4 pages, over the 3-page limit") as caught:
        parse_file(make_pdf([f"Page {n} text." for n in range(4)]), "long.pdf", options)
    assert "MAX_PAGES" in caught.value.hint
    with pytest.raises(UnreadableFileError, match="4 slides"):
        parse_file(make_pptx([(f"S{n}", "text") for n in range(4)]), "long.pptx", options)


def test_zip_bomb_named_docx_is_refused_before_it_is_unpacked() -> None:
    bomb = make_zip_bomb_docx(unpacked_mb=1024)
    assert len(bomb) < 2_000_000
    with pytest.raises(UnreadableFileError, match="zip bomb") as caught:
        parse_file(bomb, "contract.docx")
    assert "1,074 MB" in caught.value.message and "MAX_UNZIPPED_MB" in caught.value.hint


@pytest.mark.parametrize(
    ("name", "data", "claimed", "actual"),
    [
        ("report.pdf", make_docx({"A": "b"}), "a PDF", "a Word document"),
        ("notes.docx", make_pdf(["x"]), "a Word document", "a PDF"),
        ("table.xlsx", make_pptx([("a", "b")]), "an Excel workbook", "a PowerPoint presentation"),
        ("readme.txt", make_pdf(["x"]), "a text file", "a PDF"),
        ("photo.jpg", make_png(["x"]), "a JPEG image", "a PNG image"),
    ],
)
def test_content_that_contradicts_the_extension_is_refused_naming_both(
    name: str, data: bytes, claimed: str, actual: str
) -> None:
    with pytest.raises(UnreadableFileError) as caught:
        parse_file(data, name, ReadOptions(embed_images=True))
    assert claimed in caught.value.message and actual in caught.value.message


def test_supported_formats_are_listed_in_the_unsupported_message() -> None:
    with pytest.raises(UnreadableFileError) as caught:
        parse_file(b"GIF89a....", "anim.gif")
    for suffix in (".pptx", ".xlsx", ".csv", ".html", ".png", ".jpg"):
        assert suffix in caught.value.hint


def test_a_fault_in_the_apps_own_reader_is_blamed_on_the_app_not_on_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.ingest.tables

    monkeypatch.setattr(app.ingest.tables, "_TITLE_ROWS", None)  # stands in for a bug in the app's sheet reader
    with pytest.raises(UnreadableFileError) as caught:
        parse_file(b"Name,City\nAnn,Oslo\n", "staff.csv")

    message = str(caught.value)
    assert "the app's CSV reader failed on it (TypeError at app/ingest/tables.py:" in message
    assert "the app's fault, not necessarily the file's" in message and "damaged" not in message


def test_a_file_a_library_cannot_parse_is_still_called_damaged() -> None:
    import zipfile

    source, broken = zipfile.ZipFile(io.BytesIO(make_pptx([("Hello", "World")]))), io.BytesIO()
    with zipfile.ZipFile(broken, "w") as package:
        for entry in source.infolist():
            part = source.read(entry.filename)
            package.writestr(entry, b"<p:sld" if entry.filename == "ppt/slides/slide1.xml" else part)
    with pytest.raises(UnreadableFileError, match=r"'deck\.pptx' is damaged and cannot be read as a PPTX file"):
        parse_file(broken.getvalue(), "deck.pptx")
