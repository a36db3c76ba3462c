"""What readers take (limits, OCR, whether images can be embedded) and what they return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from llama_index.core import Document

from app.ingest.ocr import Ocr


@dataclass(frozen=True)
class ReadOptions:
    max_pages: int = 2000
    max_unzipped_bytes: int = 512 * 1_000_000
    # Images (uploads and scanned PDF pages) are embedded only by a backend with an image path (jina v4 on vLLM).
    embed_images: bool = False
    ocr: Ocr = field(default_factory=Ocr)
    # Called as (page, pages) while a long document is read, for progress and the cancel check.
    on_page: Callable[[int, int], None] | None = field(default=None, compare=False)

    def page_read(self, number: int, count: int) -> None:
        if self.on_page is not None:
            self.on_page(number, count)


@dataclass(frozen=True)
class PageImage:
    """An image to embed through the model's image path; `text` (OCR, may be empty) is what a citation shows."""

    data: bytes
    mime_type: str
    text: str
    metadata: dict[str, object]


@dataclass
class ParsedFile:
    documents: list[Document] = field(default_factory=list)
    images: list[PageImage] = field(default_factory=list)
    pages: int = 0  # pages (PDF), slides or sheets read; 0 for formats without pages
    notes: list[str] = field(default_factory=list)  # what the user should know although the file was read
    # The document's own title (PDF/Office metadata, HTML <title>, Markdown front matter or first heading);
    # "" when it has none. Indexed with every chunk so that a question naming the document finds it.
    title: str = ""
