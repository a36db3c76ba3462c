"""PDF pages whose text layer is not text are read by Tesseract (slow: a second or two a page)."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.ingest.readers import parse_file
from tests.pdf_files import make_garbled_pdf
from tests.servers import require


def test_pages_whose_text_layer_is_not_readable_text_are_ocrd_and_the_report_names_them() -> None:
    require(Path(shutil.which("tesseract") or "/usr/bin/tesseract"), "tesseract-ocr (Debian package)")
    data = make_garbled_pdf(
        ["Readable first page.", "Harbour seals rest on sandbanks.", "Gannets dive from thirty metres."],
        garbled={2, 3},
    )
    parsed = parse_file(data, "survey.pdf")
    assert [(d.metadata, d.text.strip()) for d in parsed.documents] == [
        ({"page": 1}, "Readable first page."),
        ({"page": 2, "ocr": True}, "Harbour seals rest on sandbanks."),
        ({"page": 3, "ocr": True}, "Gannets dive from thirty metres."),
    ]
    assert parsed.notes == ["pages 2, 3 OCR'd: their text layer was not readable text"]
