"""Readers fuzzed with hypothesis: whatever the bytes, a reader returns Documents or raises one of our errors.

Every registered format is fuzzed (a new one joins by being in FORMATS; give it a seed file below to
fuzz it beyond random bytes); inputs are random bytes,
damaged copies of valid files made here (truncated, bytes overwritten, garbage spliced in), and, for
the zip-based Office formats, valid archives whose XML parts are damaged and re-zipped.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import AppError
from app.ingest.ocr import Ocr
from app.ingest.readers import FORMATS, ReadOptions, parse_file
from tests.conftest import PAGES
from tests.files import make_docx, make_email, make_odp, make_ods, make_odt, make_pdf, make_png, make_pptx, make_xlsx

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Images are decoded (the vLLM image path's reader); OCR is off: Tesseract is a separate program, and
# pages needing it fail with the typed "OCR is not available" error instead.
OPTIONS = ReadOptions(embed_images=True, ocr=Ocr(command="no-tesseract-while-fuzzing"), max_pages=50)

SEEDS: dict[str, Callable[[], bytes]] = {
    ".pdf": lambda: make_pdf(PAGES),
    ".docx": lambda: make_docx({"Results": PAGES[0], "Methods": PAGES[1]}),
    ".pptx": lambda: make_pptx([("Puffins", PAGES[0]), ("Reactor", PAGES[1])], notes={2: PAGES[2]}),
    ".xlsx": lambda: make_xlsx({"Q1": [["name", "value"], ["coolant", 550], ["pump", "2021"]]}),
    ".csv": lambda: b'name,value\ncoolant,550\n"pump, main",2021\n',
    ".html": lambda: f"<html><body><h1>T</h1><p>{PAGES[0]}</p><script>x()</script></body></html>".encode(),
    ".txt": lambda: "\n\n".join(PAGES).encode(),
    ".md": lambda: ("# Title\n\n" + "\n\n".join(PAGES)).encode(),
    ".markdown": lambda: ("# Title\n\n" + PAGES[0]).encode("cp1252"),
    ".png": lambda: make_png(["Reactor"], size=12),
    ".odp": lambda: make_odp([[("title", "T"), ("box@3", PAGES[0]), ("notes", PAGES[1])], [("table@2", [["a", "1"]])]]),
    ".ods": lambda: make_ods({"Q1": [["name", "value"], ["coolant", 550], [{"value": "pump", "span": (1, 2)}]]}),
    ".odt": lambda: make_odt([("h1", "T"), ("p", PAGES[0]), ("table", [["pump", "2021"], ["coolant", "550"]])]),
    ".eml": lambda: make_email(PAGES[0], f"<h1>T</h1><p>{PAGES[1]}</p>", {"pump.pdf": make_pdf(PAGES[:1])}),
}
SUFFIXES = sorted(FORMATS)
SEEDED = {suffix: SEEDS[suffix]() for suffix in SUFFIXES if suffix in SEEDS}
ZIPPED = sorted(suffix for suffix, data in SEEDED.items() if data[:2] == b"PK")


def read_or_typed_error(data: bytes, suffix: str) -> None:
    try:
        parsed = parse_file(data, f"fuzzed{suffix}", OPTIONS)
    except AppError as exc:
        assert exc.message, "a typed error always says what went wrong"
        return
    assert parsed.documents or parsed.images, "a file either gives content or a reason why not"


@FUZZ
@given(suffix=st.sampled_from(SUFFIXES), data=st.binary(max_size=2048))
def test_random_bytes_give_documents_or_a_typed_error(suffix: str, data: bytes) -> None:
    read_or_typed_error(data, suffix)


@FUZZ
@given(
    suffix=st.sampled_from(sorted(SEEDED)),
    cut=st.floats(0, 1),
    edits=st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=16)), max_size=8),
    splice=st.booleans(),
)
def test_damaged_valid_files_give_documents_or_a_typed_error(
    suffix: str, cut: float, edits: list[tuple[float, bytes]], splice: bool
) -> None:
    data = bytearray(SEEDED[suffix])
    for where, garbage in edits:
        at = int(where * (len(data) - 1))
        if splice:
            data[at:at] = garbage
        else:
            data[at : at + len(garbage)] = garbage
    if cut < 0.5:  # half of the examples are also truncated
        data = data[: int(len(data) * cut * 2)]
    read_or_typed_error(bytes(data), suffix)


GARBAGE = [b"", b"<", b"&bogus;", b"\xff\xfe", b"</w:p>", b"<!DOCTYPE x [<!ENTITY a 'b'>]>"]


def rezip_with(original: bytes, member: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info, content if info.filename == member else source.read(info))
    return buffer.getvalue()


@FUZZ
@given(data=st.data())
def test_office_files_with_damaged_xml_give_documents_or_a_typed_error(data: st.DataObject) -> None:
    if not ZIPPED:
        return
    suffix = data.draw(st.sampled_from(ZIPPED))
    original = SEEDED[suffix]
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        members = sorted(archive.namelist())
        member = data.draw(st.sampled_from(members))
        xml = archive.read(member)
    cut = data.draw(st.integers(0, len(xml)))
    garbage = data.draw(st.sampled_from(GARBAGE))
    read_or_typed_error(rezip_with(original, member, xml[:cut] + garbage), suffix)
