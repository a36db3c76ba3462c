"""A cited passage highlighted on its PDF page: the boxes fall on the words the test wrote, and nowhere else.

Each PDF is written here word by word at known places (millimetres from the top left of an A4 page);
the passage is the text our own reader stores for the page (ligatures spelled out, hyphenated words
joined), so the highlight must be found through that cleaning.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from app.errors import UnreadableFileError
from app.ingest.readers import parse_file
from app.view.highlight import Box
from app.view.page_image import render_highlighted
from tests.pdf_files import unicode_font
from tests.servers import require

WIDTH = 800  # pixels, the size shown in the Sources panel
A4 = (210.0, 297.0)  # millimetres
TOLERANCE = 4.0  # pixels: glyph boxes (font ascent to descent) versus the cell the test wrote in

Line = tuple[float, float, str]  # x, y (mm, top of a 6 mm high line), text


def _pdf(lines: list[Line], rotate: int = 0) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(unicode_font()))
    pdf.add_page()
    pdf.set_font("DejaVu", size=12)
    pdf.c_margin = 0  # the text starts where the cell does
    for x, y, text in lines:
        pdf.set_xy(x, y)
        pdf.cell(pdf.get_string_width(text), 6, text)
    data = bytes(pdf.output())
    if not rotate:
        return data
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.pages[0].rotate(rotate)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _line_box(line: Line, page_width_mm: float = A4[0]) -> Box:
    """Where the test wrote `line`, in pixels of a WIDTH-wide rendering of the upright page; a hyphen that
    breaks a word at the line end is not part of the word, so not of its box."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(unicode_font()))
    pdf.set_font("DejaVu", size=12)
    x, y, text = line
    scale = WIDTH / page_width_mm
    return (x * scale, y * scale, (x + pdf.get_string_width(text.rstrip("-"))) * scale, (y + 6) * scale)


def _turned(box: Box) -> Box:
    """A box of the unrotated page as it lands on the page shown turned 90 degrees clockwise (/Rotate 90)."""
    scale = A4[0] / A4[1]  # the turned page is 297 mm wide: the same WIDTH pixels hold more millimetres
    left, top, right, bottom = (value * scale for value in box)
    height = A4[1] * WIDTH / A4[0] * scale
    return (height - bottom, left, height - top, right)


def _assert_boxes_are(found: list[Box], expected: list[Box]) -> None:
    """Each expected place is covered by a found box, and each found box lies on an expected place."""
    for want in expected:
        assert any(_within(want, _grown(box, TOLERANCE)) for box in found), (want, found)
    for box in found:
        assert any(_within(box, _grown(want, TOLERANCE)) for want in expected), (box, expected)


def _within(inner: Box, outer: Box) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _grown(box: Box, by: float) -> Box:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def _stored_text(data: bytes, name: str) -> str:
    """The page's text as the reader stores it (and so as a passage quotes it)."""
    [document] = parse_file(data, name).documents
    return document.text


TEXT_PAGE: list[Line] = [
    (20, 30, "Harbour seals rest on the sandbanks at low tide."),
    (20, 40, "The ﬁeld station logs the mainte-"),
    (20, 50, "nance of every net each morning."),
    (20, 60, "Puffins nest in burrows on the cliff tops."),
]


def test_the_cited_sentence_is_boxed_on_its_two_lines_through_ligature_and_hyphen(tmp_path: Path) -> None:
    data = _pdf(TEXT_PAGE)
    stored = _stored_text(data, "station.pdf")
    assert "The field station logs the maintenance of every net" in stored, "the reader's cleaning happened"
    path = tmp_path / "station.pdf"
    path.write_bytes(data)

    view = render_highlighted(path, 1, ["The field station logs the maintenance of every net each morning."], WIDTH)

    _assert_boxes_are(view.sentence_boxes, [_line_box(TEXT_PAGE[1]), _line_box(TEXT_PAGE[2])])
    assert view.width == WIDTH and abs(view.height - WIDTH * A4[1] / A4[0]) <= 1, "upright A4 at the asked width"
    assert Image.open(io.BytesIO(view.png)).size == (view.width, view.height)
    assert not view.ocr


def test_the_whole_passage_is_boxed_pale_and_its_sentences_strong(tmp_path: Path) -> None:
    path = tmp_path / "station.pdf"
    path.write_bytes(_pdf(TEXT_PAGE))
    passage = _stored_text(path.read_bytes(), "station.pdf")

    view = render_highlighted(path, 1, ["Puffins nest in burrows on the cliff tops."], WIDTH, passage_text=passage)

    _assert_boxes_are(view.passage_boxes, [_line_box(line) for line in TEXT_PAGE])
    _assert_boxes_are(view.sentence_boxes, [_line_box(TEXT_PAGE[3])])


LEFT, RIGHT = 15.0, 110.0
TWO_COLUMNS: list[Line] = [
    (LEFT, 30, "Tidal currents shape the bay"),
    (RIGHT, 30, "Gannets dive from thirty metres"),
    (LEFT, 38, "and move the sand each winter."),
    (RIGHT, 38, "to catch the mackerel below."),
    (LEFT, 46, "Gannets rest on the northern cliffs"),
    (RIGHT, 46, "Their chicks fledge in August."),
]


def test_a_sentence_of_the_right_column_is_boxed_in_that_column_only(tmp_path: Path) -> None:
    path = tmp_path / "columns.pdf"
    path.write_bytes(_pdf(TWO_COLUMNS))

    view = render_highlighted(path, 1, ["Gannets dive from thirty metres to catch the mackerel below."], WIDTH)

    _assert_boxes_are(view.sentence_boxes, [_line_box(TWO_COLUMNS[1]), _line_box(TWO_COLUMNS[3])])


REPEATED: list[Line] = [
    (20, 30, "Net sales by geographic area"),
    (20, 40, "This note gives net sales by geographic area for the year."),
    (20, 50, "Net sales by geographic area rose four percent in Europe"),
    (20, 60, "and fell two percent in Asia, led by lower prices."),
    (20, 70, "Auditors review net sales by geographic area each quarter."),
]


def test_a_cited_sentence_is_boxed_where_it_stands_not_where_its_words_repeat(tmp_path: Path) -> None:
    path = tmp_path / "filing.pdf"
    path.write_bytes(_pdf(REPEATED))

    cited = "Net sales by geographic area rose four percent in Europe and fell two percent in Asia, led by lower prices"
    view = render_highlighted(path, 1, [cited], WIDTH)

    _assert_boxes_are(view.sentence_boxes, [_line_box(REPEATED[2]), _line_box(REPEATED[3])])


def test_a_sentence_repeated_on_the_page_is_boxed_inside_its_passage_only(tmp_path: Path) -> None:
    # The title holds the sentence word for word, earlier on the page than the passage that cites it.
    path = tmp_path / "filing.pdf"
    path.write_bytes(_pdf(REPEATED))
    passage = " ".join(text for _, _, text in REPEATED[2:4])

    view = render_highlighted(path, 1, ["Net sales by geographic area"], WIDTH, passage_text=passage)

    _assert_boxes_are(view.passage_boxes, [_line_box(REPEATED[2]), _line_box(REPEATED[3])])
    [box] = view.sentence_boxes
    line = _line_box(REPEATED[2])
    assert abs(box[1] - line[1]) <= TOLERANCE and abs(box[0] - line[0]) <= TOLERANCE, "on the passage's line"
    assert box[2] < line[2] - 50, "the sentence's words, not the whole line"


COLUMN_REPEAT: list[Line] = [
    (LEFT, 30, "Cormorants dive from thirty metres"),
    (RIGHT, 30, "Seabirds of the northern coast"),
    (LEFT, 38, "and rest on the rocks at noon."),
    (RIGHT, 38, "Gannets dive from thirty metres"),
    (LEFT, 46, "Puffins nest in burrows."),
    (RIGHT, 46, "to catch the mackerel below."),
]


def test_a_phrase_also_in_the_other_column_is_boxed_only_in_the_cited_column(tmp_path: Path) -> None:
    path = tmp_path / "columns.pdf"
    path.write_bytes(_pdf(COLUMN_REPEAT))

    view = render_highlighted(path, 1, ["Gannets dive from thirty metres to catch the mackerel below."], WIDTH)

    _assert_boxes_are(view.sentence_boxes, [_line_box(COLUMN_REPEAT[3]), _line_box(COLUMN_REPEAT[5])])


def test_on_a_rotated_page_the_boxes_land_on_the_turned_image(tmp_path: Path) -> None:
    path = tmp_path / "turned.pdf"
    path.write_bytes(_pdf(TEXT_PAGE, rotate=90))

    view = render_highlighted(path, 1, ["Puffins nest in burrows on the cliff tops."], WIDTH)

    assert view.width > view.height, "the page is shown turned: landscape"
    _assert_boxes_are(view.sentence_boxes, [_turned(_line_box(TEXT_PAGE[3]))])


def _scan(lines: list[str]) -> tuple[bytes, list[Box]]:
    """A page that is only a picture of `lines` (no text layer), and where each line's ink is, in pixels
    of a WIDTH-wide rendering. The picture is 1600 px wide, placed 10 mm from the top left, 190 mm wide."""
    from fpdf import FPDF
    from PIL import ImageDraw, ImageFont

    font = ImageFont.load_default(size=40)
    image = Image.new("L", (1600, 120 + len(lines) * 80), color=255)
    draw = ImageDraw.Draw(image)
    ink: list[Box] = []
    for number, line in enumerate(lines):
        draw.text((60, 60 + number * 80), line, fill=0, font=font)
        ink.append(tuple(float(v) for v in draw.textbbox((60, 60 + number * 80), line, font=font)))  # type: ignore[misc]
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=190)
    mm_per_pixel = 190 / 1600
    scale = WIDTH / A4[0]
    boxes = [tuple((10 + value * mm_per_pixel) * scale for value in box) for box in ink]
    return bytes(pdf.output()), boxes  # type: ignore[return-value]


def test_on_a_scanned_page_the_ocr_word_boxes_mark_the_cited_line(tmp_path: Path) -> None:
    require(Path(shutil.which("tesseract") or "/usr/bin/tesseract"), "tesseract-ocr (Debian package)")
    lines = ["Harbour seals rest on sandbanks.", "Gannets dive from thirty metres.", "Puffins nest on the cliffs."]
    data, ink = _scan(lines)
    stored = _stored_text(data, "scan.pdf")
    cited = next(line for line in stored.splitlines() if "Gannets" in line)
    path = tmp_path / "scan.pdf"
    path.write_bytes(data)

    view = render_highlighted(path, 1, [cited], WIDTH)

    assert view.ocr
    _assert_boxes_are(view.sentence_boxes, [ink[1]])


def test_a_cached_page_is_served_from_disk_with_the_same_boxes(tmp_path: Path) -> None:
    path = tmp_path / "station.pdf"
    path.write_bytes(_pdf(TEXT_PAGE))
    cache = tmp_path / "cache"
    cited = ["Harbour seals rest on the sandbanks at low tide."]

    cold = render_highlighted(path, 1, cited, WIDTH, cache_dir=cache, doc_sha="abc")
    files = sorted((cache / "abc").iterdir())
    assert [file.name.split("-")[:2] for file in files] == [["1", "800"], ["1", "words.json"]]
    written = [file.stat().st_mtime_ns for file in files]
    warm = render_highlighted(path, 1, cited, WIDTH, cache_dir=cache, doc_sha="abc")

    assert [file.stat().st_mtime_ns for file in files] == written, "read from the cache, not written again"
    assert warm.sentence_boxes == cold.sentence_boxes
    assert warm.png == cold.png


def test_a_rendered_page_is_png_bytes_and_a_missing_page_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "station.pdf"
    path.write_bytes(_pdf(TEXT_PAGE))
    png = render_highlighted(path, 1, ["Puffins nest in burrows"], 500).png
    assert Image.open(io.BytesIO(png)).size[0] == 500
    with pytest.raises(UnreadableFileError, match="has no page 2: it has 1 page"):
        render_highlighted(path, 2, [], 500)


def test_a_kept_copy_that_is_gone_or_damaged_is_blamed_on_the_data_folder_not_the_users_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="kept in the data folder") as gone:
        render_highlighted(tmp_path / "gone.pdf", 1, [], 500)
    assert "Ingest the original file again" in gone.value.hint
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.7 not really")
    with pytest.raises(UnreadableFileError, match=r"copy of 'damaged\.pdf' kept in the data folder"):
        render_highlighted(damaged, 1, [], 500)
