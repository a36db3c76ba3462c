"""PNG and JPEG uploads: embedded through the model's image path (jina v4 on vLLM), with OCR text to show."""

from __future__ import annotations

import io
import warnings

from app.errors import UnreadableFileError
from app.ingest.parsed import PageImage, ParsedFile, ReadOptions

MAX_IMAGE_PIXELS = 50_000_000  # a 7000 x 7000 photo; larger is a decompression bomb or not a document


def read_image(data: bytes, name: str, options: ReadOptions, mime_type: str) -> ParsedFile:
    if not options.embed_images:
        raise UnreadableFileError(
            f"'{name}' is an image: indexing images needs the vLLM backend (jina-embeddings-v4's image path).",
            "Set EMBEDDING_BACKEND=vllm with a jina-embeddings-v4 server, or upload a document with text.",
        )
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                pixels = image.width * image.height
                if pixels > MAX_IMAGE_PIXELS:
                    raise UnreadableFileError(
                        f"'{name}' is {image.width} x {image.height} pixels, over the "
                        f"{MAX_IMAGE_PIXELS // 1_000_000} megapixel limit.",
                        "Scale the image down and upload it again.",
                    )
                image.load()  # decodes every pixel: a truncated file fails here, not at embedding time
    except UnreadableFileError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise UnreadableFileError(
            f"'{name}' is damaged and cannot be read as an image ({exc}).", "Re-export the image and upload it again."
        ) from exc
    text = options.ocr.image_to_text(data, f"'{name}'").strip() if options.ocr.available() else ""
    return ParsedFile(images=[PageImage(data, mime_type, text, {"image": True})], pages=1)
