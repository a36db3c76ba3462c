"""Split Documents into chunk nodes whose ids depend only on the file's content."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath
from typing import ClassVar

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import TextNode

from app.ingest.readers import format_location
from app.store.chroma import DOC_KEY

# Lines of 40+ characters without a space, three or more in a row: base64 wrapped at 64 or 76
# columns, hex without spaces. SentenceSplitter would split them one character at a time
# (20 s for 240 KB of base64); cutting them by characters directly gives the same pieces at once.
_WRAPPED_RUN = re.compile(r"(?:^[ \t]*\S{40,}[ \t]*(?:\n|\Z)){3,}", re.MULTILINE)


class BoundedSentenceSplitter(SentenceSplitter):
    """SentenceSplitter whose chunks never exceed `chunk_size` tokens nor `chunk_size * max_chars_per_token` characters.

    SentenceSplitter alone keeps neither promise for text without sentences: it counts a chunk as
    the sum of its pieces' tokens, and a tokenizer may read a very long word as one token (MiniLM's
    reads any word over 100 characters as [UNK]), so a 240,000-character string without spaces
    became one 240,000-character chunk of 15 tokens. Runs of text without spaces are therefore cut
    by characters, and every chunk is checked with the tokenizer itself.
    """

    # Prose chunks of 200 MiniLM tokens hold at most 6.3 characters a token (English, SciFact; 1.6-4.4
    # in 10 other XQuAD languages); Thai, which MiniLM reads as [UNK], is the exception and is cut to this.
    max_chars_per_token: ClassVar[int] = 8

    def __init__(self, *, chunk_size: int, chunk_overlap: int, tokenizer: Callable[[str], Sequence[object]]) -> None:
        """`chunk_size` and `chunk_overlap` in tokens of `tokenizer` (text -> its tokens, no special tokens)."""
        super().__init__(chunk_size=chunk_size, chunk_overlap=chunk_overlap, tokenizer=tokenizer)

    @property
    def max_chars(self) -> int:
        return self.chunk_size * self.max_chars_per_token

    def split_text(self, text: str) -> list[str]:
        chunks: list[str] = []
        for segment, unbroken in self._segments(text):
            pieces = [segment] if unbroken else super().split_text(segment)
            for piece in pieces:
                chunks.extend(self._cut_to_fit(piece))
        return chunks

    def _segments(self, text: str) -> list[tuple[str, bool]]:
        """`text` in order: (segment, True) for runs without spaces too long to be words, (segment, False) else."""
        unbroken = re.compile(rf"\S{{{self.max_chars // 2},}}|{_WRAPPED_RUN.pattern}", re.MULTILINE)
        segments: list[tuple[str, bool]] = []
        start = 0
        for match in unbroken.finditer(text):
            if match.start() > start:
                segments.append((text[start : match.start()], False))
            segments.append((match.group(), True))
            start = match.end()
        if start < len(text) or not segments:
            segments.append((text[start:], False))
        return segments

    def _cut_to_fit(self, text: str) -> list[str]:
        """`text` as it is when it fits, else cut by characters (at a space when one is near) into pieces that do."""
        pieces: list[str] = []
        start = 0
        window = self.max_chars
        while start < len(text):
            end = min(len(text), start + window)
            while True:
                if end < len(text):
                    # A space in the last quarter ends the piece between words, not inside one.
                    space = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
                    if space > start + (end - start) * 3 // 4:
                        end = space + 1
                tokens = self._token_size(text[start:end])
                if tokens <= self.chunk_size:
                    break
                # Shrink in proportion to the excess, by at least one character.
                end = start + max(1, min(end - start - 1, (end - start) * self.chunk_size * 9 // (tokens * 10)))
            pieces.append(text[start:end])
            # The next piece is likely as dense as this one: starting near its length (with room to
            # grow) cut 240 KB of base64 in 1.8 s instead of 14.5 s (each call on 1,600 characters costs 6x).
            window = min(self.max_chars, (end - start) * 5 // 4 + 1)
            start = end
        return pieces


def content_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def chunk_id(doc_sha: str, index: int) -> str:
    """Same bytes -> same ids, so re-uploading a file overwrites instead of duplicating."""
    return f"{doc_sha[:32]}-{index:05d}"


def safe_file_name(name: str) -> str:
    """The last path component, without control characters: an upload can never name a path."""
    base = PurePosixPath(name.replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")
    if len(base) > 200:  # shorten the stem, not the extension: the type is read from it
        suffix = PurePosixPath(base).suffix[:20]
        base = base[: 200 - len(suffix)] + suffix
    return base or "upload"


def split_into_chunks(
    documents: Sequence[Document], *, file_name: str, doc_sha: str, splitter: SentenceSplitter
) -> list[TextNode]:
    """Chunk nodes of `documents`, keeping each one's location metadata.

    A Document without a location (a plain text file, a page with no heading or title) gets one
    per chunk, its number: `part 2` is cited for its second chunk, never an empty location.
    """
    nodes: list[TextNode] = []
    for document in documents:
        numbered = not format_location(document.metadata)
        texts = [text for text in splitter.split_text(document.text) if text.strip()]
        for number, text in enumerate(texts, start=1):
            metadata = {**document.metadata, "file_name": file_name, DOC_KEY: doc_sha}
            if numbered:
                metadata["part"] = number
            nodes.append(TextNode(id_=chunk_id(doc_sha, len(nodes)), text=text, metadata=metadata))
    return nodes
