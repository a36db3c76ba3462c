"""Word and PowerPoint files: text grouped by heading (DOCX) or by slide (PPTX)."""

from __future__ import annotations

import io
import zipfile

from llama_index.core import Document

from app.errors import UnreadableFileError
from app.ingest.parsed import ParsedFile, ReadOptions

# Parsers raise these (and KeyError/ValueError for missing or malformed parts) on damaged packages.
_DAMAGE = (zipfile.BadZipFile, KeyError, ValueError, OSError, AttributeError, TypeError)


def read_docx(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, *_DAMAGE) as exc:
        raise UnreadableFileError(
            f"'{name}' is damaged and cannot be read as a Word document.", "Re-save it as .docx and upload it again."
        ) from exc

    sections: list[tuple[str, list[str]]] = [("", [])]
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style.lower().startswith(("heading", "title")):
            sections.append((text, [text]))
        else:
            sections[-1][1].append(text)
    for table in document.tables:
        rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in table.rows]
        sections.append(("table", [row for row in rows if row.strip(" |")]))

    return ParsedFile(
        documents=[
            Document(text="\n\n".join(lines), metadata={"section": heading} if heading else {})
            for heading, lines in sections
            if lines
        ]
    )


def read_pptx(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    try:
        presentation = Presentation(io.BytesIO(data))
        slides = list(presentation.slides)
    except (PackageNotFoundError, *_DAMAGE) as exc:
        raise UnreadableFileError(
            f"'{name}' is damaged and cannot be read as a PowerPoint presentation.",
            "Re-save it as .pptx and upload it again.",
        ) from exc
    if len(slides) > options.max_pages:
        raise UnreadableFileError(
            f"'{name}' has {len(slides)} slides, over the {options.max_pages}-page limit.",
            "Split the presentation, or raise MAX_PAGES.",
        )
    documents = []
    for number, slide in enumerate(slides, start=1):
        lines = _slide_lines(slide)
        if lines:
            documents.append(Document(text="\n".join(lines), metadata={"slide": number}))
    return ParsedFile(documents=documents, pages=len(slides))


def _slide_lines(slide: object) -> list[str]:
    """Title first, then every text frame and table in reading order, then the speaker notes."""
    lines: list[str] = []
    shapes = sorted(slide.shapes, key=lambda s: ((s.top or 0), (s.left or 0)))  # type: ignore[attr-defined]
    for shape in shapes:
        if shape.has_text_frame:
            lines.extend(p.text.strip() for p in shape.text_frame.paragraphs if p.text.strip())
        if getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                cells = [cell.text.strip() for cell in row.cells]
                if any(cells):
                    lines.append(" | ".join(cells))
    if slide.has_notes_slide:  # type: ignore[attr-defined]
        notes = slide.notes_slide.notes_text_frame  # type: ignore[attr-defined]
        if notes is not None and notes.text.strip():
            lines.append(f"Notes: {notes.text.strip()}")
    return lines
