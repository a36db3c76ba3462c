import pytest

from app.errors import UnreadableFileError
from app.ingest.file_types import SUPPORTED_SUFFIXES
from app.ingest.readers import FORMATS, parse_file, read_document
from app.store.chunk_text import format_location
from tests.conftest import PAGES, make_docx, make_pdf
from tests.files import make_ods, make_xlsx


def test_pdf_pages_keep_their_page_numbers() -> None:
    documents = read_document(make_pdf(PAGES), "report.pdf")
    assert [d.metadata["page"] for d in documents] == [1, 2, 3]
    assert "550 degrees" in documents[1].text


def test_a_pdf_saved_with_a_mail_or_http_header_before_it_is_read_as_a_pdf() -> None:
    data = b"Content-Type: application/pdf\r\nContent-Length: 9999\r\n\r\n" + make_pdf(PAGES)
    documents = read_document(data, "report.pdf")
    assert [d.metadata["page"] for d in documents] == [1, 2, 3]
    assert "550 degrees" in documents[1].text
    # A text that quotes the header is still text.
    assert read_document(b"Every PDF starts with %PDF-1.7 and ends with a trailer.", "notes.txt")[0].text


def test_a_pdf_cut_before_its_cross_reference_table_is_read_by_the_second_reader_with_a_note() -> None:
    whole = make_pdf(PAGES)
    parsed = parse_file(whole[: whole.rfind(b"xref")], "report.pdf")  # a download that stopped short
    assert [d.metadata["page"] for d in parsed.documents] == [1, 2, 3]
    assert "550 degrees" in parsed.documents[1].text
    assert len(parsed.notes) == 1 and parsed.notes[0].startswith("the file is damaged (")
    assert "second PDF reader (PDFium)" in parsed.notes[0] and "re-download" in parsed.notes[0]


def test_pdf_blank_pages_are_skipped_but_numbering_holds() -> None:
    documents = read_document(make_pdf(["First page text here.", "", "Third page text here."]), "gap.pdf")
    assert [d.metadata["page"] for d in documents] == [1, 3]


def test_docx_text_is_grouped_under_its_headings() -> None:
    data = make_docx({"Introduction": "Cats sleep a lot.", "Results": "Dogs bark at night."})
    documents = read_document(data, "notes.docx")
    by_section = {d.metadata.get("section"): d.text for d in documents}
    assert "Dogs bark at night." in by_section["Results"]
    assert format_location(documents[-1].metadata) == 'section "Results"'


def test_text_files_in_utf8_and_latin1_are_read() -> None:
    assert read_document("Grüße aus Köln".encode(), "a.txt")[0].text == "Grüße aus Köln"
    latin = read_document("Café crème brûlée à la française, très bien.".encode("latin-1"), "b.txt")[0].text
    assert "crème" in latin
    assert read_document(b"# Title\n\nBody", "c.md")[0].text.startswith("# Title")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.md", b"  \n\t ", "is empty"),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog", "damaged"),
        ("fake.pdf", b"just some text pretending", "not a PDF"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "damaged"),
        ("program.exe", b"MZ\x90\x00", "not supported"),
        ("noext", b"hello", "not supported"),
        ("binary.txt", b"\x00\x01\x02\x03 binary", "binary"),
    ],
)
def test_bad_files_raise_a_clear_unreadable_error(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableFileError, match=reason) as caught:
        read_document(data, name)
    assert name in caught.value.message
    assert caught.value.hint


def _claiming_zip_version(data: bytes, version: int) -> bytes:
    """A zip package whose central directory says each member needs zip `version` (x10) to extract."""
    damaged = bytearray(data)
    start = 0
    while (start := damaged.find(b"PK\x01\x02", start)) != -1:
        damaged[start + 6 : start + 8] = version.to_bytes(2, "little")
        start += 4
    return bytes(damaged)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("budget.xlsx", lambda: make_xlsx({"Q1": [["Item", "Cost"], ["pump", 30]]})),
        ("budget.ods", lambda: make_ods({"Q1": [["Item", "Cost"], ["pump", 30]]})),
        ("letter.docx", lambda: make_docx({"Results": "Hello."})),
    ],
)
def test_a_zip_package_claiming_a_zip_version_no_reader_knows_is_refused_as_damaged(name: str, make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(
        UnreadableFileError, match=rf"'{name}' is damaged: it is not a valid zip package \(zip file version 6\.4"
    ):
        read_document(_claiming_zip_version(make(), 64), name)


# The header of a Compound File (OLE2): Outlook's .msg and Office 97-2003's .doc, .xls and .ppt.
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


@pytest.mark.parametrize("name", ["letter.docx", "letter.txt", "message.eml"])
def test_an_old_office_file_or_outlook_message_under_another_name_says_to_save_it_in_a_format_read(name: str) -> None:
    with pytest.raises(UnreadableFileError) as caught:
        read_document(OLE2, name)
    assert "an Outlook message (.msg) or an Office 97-2003 file (.doc, .xls, .ppt)" in caught.value.message
    assert caught.value.hint == (
        "Open it in the program that made it and save it as .docx, .xlsx or .pptx (an Outlook message: as .eml), "
        "then upload that."
    ), "renaming it, the hint for other mismatches, would not help"


@pytest.mark.parametrize(
    ("name", "fix"),
    [("a.doc", "save it as .docx"), ("a.xls", "save it as .xlsx"), ("a.msg", "from your mail client as .eml")],
)
def test_an_old_office_file_or_outlook_message_is_refused_with_the_step_that_makes_it_readable(
    name: str, fix: str
) -> None:
    with pytest.raises(UnreadableFileError, match="not supported") as caught:
        read_document(OLE2, name)
    assert fix in caught.value.hint


def test_pdf_without_text_layer_says_so() -> None:
    with pytest.raises(UnreadableFileError, match="no text"):
        read_document(make_pdf(["", ""]), "scan.pdf")


def test_location_formats() -> None:
    assert format_location({"page": 2}) == "page 2"
    assert format_location({}) == ""


def test_every_listed_file_type_has_a_reader_and_every_reader_is_listed() -> None:
    assert tuple(sorted(FORMATS)) == SUPPORTED_SUFFIXES
