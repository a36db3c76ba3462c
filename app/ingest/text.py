"""Plain text in any common encoding, and HTML reduced to its visible text."""

from __future__ import annotations

import re

from llama_index.core import Document

from app.errors import UnreadableFileError
from app.ingest.parsed import ParsedFile, ReadOptions

# Elements whose content is never visible text.
_HEADING = "\x1eheading\x1e"  # a record separator: never in decoded text we keep
_BLOCKS = (
    "p", "div", "li", "tr", "td", "th", "br", "pre", "blockquote", "section", "article", "header", "footer",
    "h4", "h5", "h6", "dt", "dd", "figcaption", "caption", "nav", "aside", "main", "ul", "ol", "table", "form",
)  # fmt: skip
_INVISIBLE = ("script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "head")


def decode_text(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise UnreadableFileError(
            f"'{name}' looks like a binary file, not text.", "Upload the original document (PDF, DOCX, TXT, MD)."
        )
    # UTF-8 first, then Windows-1252 (the usual legacy encoding of Western text; it rejects a few
    # byte values, so non-Western text falls through to detection).
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnreadableFileError(f"'{name}' is not in a text encoding we recognise.", "Save it as UTF-8.")
    return str(best)


def read_text(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    return ParsedFile(documents=[Document(text=decode_text(data, name), metadata={})])


def read_html(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    """Visible text, one section per heading (h1-h3), without scripts, styles or markup."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(data, name), "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for element in soup(_INVISIBLE):
        element.decompose()
    # Headings become markers in the text stream, so no text outside block elements is lost.
    for heading in soup(["h1", "h2", "h3"]):
        heading.replace_with(f"\n{_HEADING}{heading.get_text(' ', strip=True)}\n")
    # Line breaks only between blocks: inline markup (<b>, <a>) stays inside its sentence.
    for block in soup(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    sections: list[tuple[str, list[str]]] = [("", [title] if title else [])]
    for raw in soup.get_text().split("\n"):
        line = re.sub(r"\s+", " ", raw).strip()
        if raw.startswith(_HEADING):
            heading_text = raw.removeprefix(_HEADING).strip()
            sections.append((heading_text, [heading_text] if heading_text else []))
        elif line:
            sections[-1][1].append(line)
    return ParsedFile(
        documents=[
            Document(text="\n".join(lines), metadata={"section": heading} if heading else {})
            for heading, lines in sections
            if lines
        ]
    )
