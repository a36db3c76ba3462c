"""A PDF page as a PNG, the words of a cited passage highlighted where they stand.

Word positions come from the PDF's text layer (PDFium's character boxes), or, for a page without
readable text (a scan, a font without a Unicode map: the pages the reader OCR'd), from Tesseract's
word boxes on a rendering of the page. Both are kept as fractions of the page as it is shown, its
/Rotate applied, so they land on the rendered image at any size.

Cache (under `DataFolder.page_images_dir`), per document sha256: `<page>-words.json`, the page's words, and
`<page>-<width>-<digest>.png`, the page at a shown width with one set of highlights (digest of their
texts): a Streamlit rerun, or a second look at a citation, reads a file. PNG encoding is most of the
cost of a page (see benchmarks/page_view.py), so a page is encoded once per view, never twice.
"""

from __future__ import annotations

import csv
import ctypes
import functools
import hashlib
import io
import json
import logging
import os
import subprocess
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageChops, ImageDraw

from app.errors import UnreadableFileError
from app.ingest.ocr import OCR_DPI, Ocr
from app.ingest.pdf_text import is_readable_text
from app.view.highlight import Box, Word, cited_words, line_boxes

if TYPE_CHECKING:
    from pypdfium2 import PdfPage

log = logging.getLogger(__name__)

MIN_WIDTH, MAX_WIDTH = 100, 3000  # pixels; a wider rendering of one page is megabytes of PNG
PASSAGE_COLOUR = (255, 245, 190)  # the whole passage, pale yellow
SENTENCE_COLOUR = (255, 205, 90)  # the cited sentences, a stronger orange, outlined
SENTENCE_EDGE = (220, 110, 0)
_WORDS_VERSION = 1  # bump when the words file's content changes meaning
_MARKING_VERSION = 2  # bump when the same texts are marked elsewhere on a page: cached images are drawn anew


@dataclass(frozen=True)
class PageRender:
    """A rendered page (1-based `page` of `pages`): `png` is `width`x`height` pixels. `passage_boxes` (pale)
    and `sentence_boxes` (strong) are the highlights drawn on it, one per run of cited words on a line, in
    pixels (left, top, right, bottom); `ocr` says the words were found by Tesseract (no readable text layer)."""

    png: bytes
    page: int
    pages: int
    width: int
    height: int
    passage_boxes: list[Box]
    sentence_boxes: list[Box]
    ocr: bool


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def render_highlighted(
    source_path: Path,
    page: int,
    highlight_texts: Sequence[str],
    width_px: int,
    *,
    passage_text: str = "",
    cache_dir: Path | None = None,
    doc_sha: str | None = None,
    ocr: Ocr | None = None,
) -> PageRender:
    """Page `page` (1-based) rendered `width_px` pixels wide (clamped to 100-3000), upright as a viewer shows
    it, with the words of `passage_text` highlighted pale and those of `highlight_texts` strong.

    `cache_dir` keeps renderings and word boxes per (document sha256, page, width); None renders afresh.
    `doc_sha` is the file's sha256 when known (else it is computed). `ocr` reads pages without a readable
    text layer (default: `tesseract` on PATH, English); without it they are shown without highlights.

    The HTTP API serves `.png` of the result as `GET /v1/documents/{id}/pages/{n}.png?highlight=...`.

    Raises:
        UnreadableFileError: the file is missing or not a PDF PDFium can open, or has no page `page`.
    """
    import pypdfium2 as pdfium

    width_px = max(MIN_WIDTH, min(MAX_WIDTH, int(width_px)))
    sentences_texts = [text for text in highlight_texts if text.strip()]
    passage_texts = [passage_text] if passage_text.strip() else []
    try:
        folder = cache_dir / (doc_sha or file_sha256(source_path)) if cache_dir is not None else None
        document = pdfium.PdfDocument(source_path)
    except (pdfium.PdfiumError, OSError) as exc:
        # Ingest refuses PDFs it cannot open, so the copy the app kept is what is wrong, not the user's file.
        raise UnreadableFileError(
            f"The copy of '{source_path.name}' kept in the data folder ({source_path}) cannot be opened as a "
            f"PDF to show its page ({exc}).",
            "Ingest the original file again: that replaces the kept copy.",
        ) from exc
    try:
        pages = len(document)
        if not 1 <= page <= pages:
            raise UnreadableFileError(
                f"'{source_path.name}' has no page {page}: it has {pages} page{'s' if pages != 1 else ''}.",
                f"Ask for a page from 1 to {pages}.",
            )
        # Loaded at most once, and only when the words or the image are not cached.
        load_page = functools.cache(lambda: document[page - 1])
        words, from_ocr = _page_words(load_page, folder, page, ocr or Ocr())
        image_path = folder / f"{page}-{width_px}-{_digest(passage_texts, sentences_texts)}.png" if folder else None
        png = _read_cached(image_path)
        if png is None:
            # render() applies the page's /Rotate: the image is upright as a viewer shows it. It rounds the
            # size up, so a scale a hair too large (float error) would give width_px + 1 pixels.
            pdf_page = load_page()
            scale = (width_px - 1e-6) / pdf_page.get_size()[0]
            image = pdf_page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    width, height = Image.open(io.BytesIO(png)).size if png is not None else image.size
    scaled = [Word(w.text, (w.box[0] * width, w.box[1] * height, w.box[2] * width, w.box[3] * height)) for w in words]
    passage_words = cited_words(scaled, passage_texts) if passage_texts else []
    # A cited sentence is looked for only where its passage stands, not in a repeat elsewhere on the page.
    within = range(passage_words[0], passage_words[-1] + 1) if passage_words else None
    sentence_words = cited_words(scaled, sentences_texts, within) if sentences_texts else []
    passage = line_boxes([scaled[index].box for index in passage_words])
    sentences = line_boxes([scaled[index].box for index in sentence_words])
    if png is None:
        png = _png(_draw(image, passage, sentences))
        if image_path is not None:
            _write_atomically(image_path, png)
    return PageRender(png, page, pages, width, height, passage, sentences, from_ocr)


def _digest(*texts: Sequence[str]) -> str:
    """A short name for what is highlighted: the cached image of a page differs by it."""
    return hashlib.sha256(json.dumps([_MARKING_VERSION, *texts]).encode()).hexdigest()[:16]


def _read_cached(path: Path | None) -> bytes | None:
    if path is None or not path.is_file():
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        log.warning("page image cache %s unreadable (%s): rendering again", path, exc)
        return None


def _draw(image: Image.Image, passage: Sequence[Box], sentences: Sequence[Box]) -> Image.Image:
    """The page with each box multiplied by a highlighter colour: white paper takes the colour, ink stays dark."""
    pen = ImageDraw.Draw(image)
    pad = 2
    for boxes, colour in ((passage, PASSAGE_COLOUR), (sentences, SENTENCE_COLOUR)):
        for box in boxes:
            area = (
                max(0, int(box[0] - pad)),
                max(0, int(box[1] - pad)),
                min(image.width, int(box[2] + pad + 1)),
                min(image.height, int(box[3] + pad + 1)),
            )
            if area[2] <= area[0] or area[3] <= area[1]:
                continue
            region = image.crop(area)
            image.paste(ImageChops.multiply(region, Image.new("RGB", region.size, colour)), area[:2])
    for box in sentences:
        pen.rectangle((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad), outline=SENTENCE_EDGE)
    return image


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # Level 1: a page compresses nearly as well as at the default level 6, in half the time.
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file: a reader never sees half a file, two writers never mix theirs."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        temporary.replace(path)
    except OSError as exc:  # a full or read-only disk costs the cache, not the page
        log.warning("page image cache %s not written: %s", path, exc)


def _page_words(load_page: Callable[[], PdfPage], folder: Path | None, page: int, ocr: Ocr) -> tuple[list[Word], bool]:
    """The words of page `page` (1-based) with boxes as fractions of the shown page, and whether they came
    from OCR; the page is loaded only when they are not cached."""
    path = folder / f"{page}-words.json" if folder is not None else None
    if path is not None and path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("version") == _WORDS_VERSION:
                return [Word(text, tuple(box)) for text, box in stored["words"]], bool(stored["ocr"])  # type: ignore[arg-type]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("page words cache %s unreadable (%s): reading the page again", path, exc)
    pdf_page = load_page()
    words = text_layer_words(pdf_page)
    from_ocr = False
    if not is_readable_text(" ".join(word.text for word in words)) or not words:
        from_ocr = True
        words = ocr_words(pdf_page, ocr, f"page {page}") if ocr.available() else []
    if path is not None:
        record = {"version": _WORDS_VERSION, "ocr": from_ocr, "words": [[w.text, list(w.box)] for w in words]}
        _write_atomically(path, json.dumps(record).encode())
    return words, from_ocr


def text_layer_words(pdf_page: PdfPage) -> list[Word]:
    """Words of the page's text layer in PDFium's reading order, boxes as fractions of the shown page.

    A word is a run of characters between whitespace (PDFium puts generated spaces and line breaks
    between words and lines); its box is the union of its characters' loose boxes (font ascent to
    descent, so a line's words are one height), turned as the page is shown.
    """
    import numpy as np
    import pypdfium2.raw as pdfium_c

    to_shown = _page_to_shown(pdf_page.raw)
    textpage = pdf_page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range()
        if len(text) != count:  # characters outside the BMP come as two UTF-16 units: read one by one
            text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i)) for i in range(count))
        chars: list[str] = []
        edges: list[tuple[float, float, float, float]] = []  # left, top, right, bottom in points (y up)
        rect = pdfium_c.FS_RECTF()
        for index, char in enumerate(text):
            # PDFium writes a control character, not a space, where a word is hyphenated at a line end.
            if char.isspace():
                chars.append(" ")
                edges.append((0.0, 0.0, 0.0, 0.0))
            elif not unicodedata.category(char).startswith("C") and pdfium_c.FPDFText_GetLooseCharBox(
                textpage.raw, index, rect
            ):
                chars.append(char)
                edges.append((rect.left, rect.top, rect.right, rect.bottom))
    finally:
        textpage.close()
    if not chars:
        return []
    points = np.asarray(edges, dtype=np.float64)
    x1, y1 = to_shown(points[:, 0], points[:, 1])
    x2, y2 = to_shown(points[:, 2], points[:, 3])
    boxes = np.stack([np.minimum(x1, x2), np.minimum(y1, y2), np.maximum(x1, x2), np.maximum(y1, y2)], axis=1)
    return _group_words(chars, points, boxes)


def _group_words(chars: list[str], points: npt.NDArray[np.float64], boxes: npt.NDArray[np.float64]) -> list[Word]:
    """Characters into words: split at spaces, and where a character is on another line than the one before
    (PDFium joins "mainte-" at a line end and "nance" below into one word; on the page they are two places).

    `points` are the characters' (left, top, right, bottom) in PDF points, `boxes` the same turned as the
    page is shown; a space has a zero box. Vectorised: a page holds thousands of characters.
    """
    spaces = np.fromiter((char == " " for char in chars), dtype=bool, count=len(chars))
    kept = np.flatnonzero(~spaces)
    if kept.size == 0:
        return []
    top, bottom = points[kept, 1], points[kept, 3]
    shared = np.minimum(top[1:], top[:-1]) - np.maximum(bottom[1:], bottom[:-1])
    other_line = shared < 0.5 * (top[1:] - bottom[1:])
    after_space = kept[1:] - kept[:-1] > 1  # a space (or more) between this character and the one before
    starts = np.flatnonzero(np.concatenate(([True], after_space | other_line)))
    kept_boxes = boxes[kept]
    lefts = np.minimum.reduceat(kept_boxes[:, 0], starts)
    tops = np.minimum.reduceat(kept_boxes[:, 1], starts)
    rights = np.maximum.reduceat(kept_boxes[:, 2], starts)
    bottoms = np.maximum.reduceat(kept_boxes[:, 3], starts)
    text = "".join(chars[i] for i in kept)
    ends = [*starts[1:].tolist(), len(kept)]
    return [
        Word(text[start:end], (left, top_, right, bottom_))
        for start, end, left, top_, right, bottom_ in zip(
            starts.tolist(), ends, lefts.tolist(), tops.tolist(), rights.tolist(), bottoms.tolist(), strict=True
        )
    ]


def _page_to_shown(raw: object) -> Callable[[Any, Any], tuple[Any, Any]]:
    """The affine map from PDF page coordinates (points, y up, unrotated) to fractions of the shown page.

    PDFium's own FPDF_PageToDevice knows the page's /Rotate and crop box; it maps three points on a
    large device (it returns whole device pixels) and the map is read from them.
    """
    import pypdfium2.raw as pdfium_c

    size = 100_000
    device = []
    for x, y in ((0.0, 0.0), (1000.0, 0.0), (0.0, 1000.0)):
        dx, dy = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDF_PageToDevice(raw, 0, 0, size, size, 0, x, y, ctypes.byref(dx), ctypes.byref(dy))
        device.append((dx.value / size, dy.value / size))
    (x0, y0), (x1, y1), (x2, y2) = device
    ax, ay = (x1 - x0) / 1000, (y1 - y0) / 1000  # per point along the page's x
    bx, by = (x2 - x0) / 1000, (y2 - y0) / 1000  # per point along the page's y

    def to_shown(x: Any, y: Any) -> tuple[Any, Any]:  # floats or numpy arrays alike
        return x0 + ax * x + bx * y, y0 + ay * x + by * y

    return to_shown


def ocr_words(pdf_page: PdfPage, ocr: Ocr, what: str) -> list[Word]:
    """Tesseract's words of the page rendered at the reader's OCR resolution, boxes as fractions of it.

    The same resolution as ingestion (OCR_DPI) makes Tesseract read the same words the passage holds.

    Raises:
        UnreadableFileError: Tesseract failed or took longer than `ocr.timeout`.
    """
    image = pdf_page.render(scale=OCR_DPI / 72).to_pil().convert("L")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    try:
        done = subprocess.run(
            [ocr.command, "stdin", "stdout", "-l", ocr.languages, "tsv"],
            input=buffer.getvalue(),
            capture_output=True,
            timeout=ocr.timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise UnreadableFileError(f"OCR of {what} for its page view took longer than {ocr.timeout:.0f} s.") from exc
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise UnreadableFileError(
            f"OCR of {what} for its page view failed: {detail[-1] if detail else done.returncode}.",
            f"Check that Tesseract has the language data for OCR_LANGUAGES='{ocr.languages}'.",
        )
    return parse_tsv(done.stdout.decode("utf-8", errors="replace"), *image.size)


def parse_tsv(tsv: str, width: int, height: int) -> list[Word]:
    """Words (level 5 rows) of Tesseract's TSV output, boxes as fractions of the `width`x`height` image."""
    words = []
    # Tesseract writes its fields unquoted; a word that is a lone '"' must not open a quoted field.
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        left, top = int(row["left"]), int(row["top"])
        right, bottom = left + int(row["width"]), top + int(row["height"])
        words.append(Word(text, (left / width, top / height, right / width, bottom / height)))
    return words
