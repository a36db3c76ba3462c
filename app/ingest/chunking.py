"""Split Documents into chunk nodes whose ids depend only on the file's content."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import TextNode

from app.store.chroma import DOC_KEY
from app.store.chunk_text import LABEL_KEY, chunk_context


def content_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def chunk_id(doc_sha: str, index: int) -> str:
    """Same bytes -> same ids, so re-uploading a file overwrites instead of duplicating."""
    return f"{doc_sha[:32]}-{index:05d}"


# Characters that change how a name is shown without being seen: control characters, bidirectional
# embeddings, overrides, isolates and marks ("invoice\u202efdp.exe" shows as "invoiceexe.pdf"), the
# Arabic letter mark, zero-width space and word joiners, and the byte-order mark. ZWNJ and ZWJ
# (U+200C/D) stay: Persian and Indic words are spelled with them.
_HIDDEN_IN_NAMES = re.compile("[\x00-\x1f\x7f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_NAME_PART_LIMIT = 200  # characters of one path component (file systems allow 255 bytes)
_PATH_DEPTH_LIMIT = 20  # folders kept in a document's path, counted from the file


def _clean_part(part: str) -> str:
    part = _HIDDEN_IN_NAMES.sub("", part).strip().lstrip(".")
    if len(part) > _NAME_PART_LIMIT:  # shorten the stem, not the extension: the type is read from it
        suffix = PurePosixPath(part).suffix[:20]
        part = part[: _NAME_PART_LIMIT - len(suffix)] + suffix
    return part


def safe_file_name(name: str) -> str:
    """An upload's name: its last path component, without control, bidi or other invisible characters.

    An upload can never name a path; a name that cleans to nothing becomes "upload".
    """
    return _clean_part(PurePosixPath(name.replace("\\", "/")).name) or "upload"


def document_path(relative: str) -> str:
    """A document's identity in a collection: its path relative to the folder given to `ingest`.

    `relative` uses "/" between folders ("a/policy.txt"). Each component is cleaned like an upload's
    name, and "", "." and ".." components are dropped, so the result never leaves the folder. Two files
    with one name in two folders are two documents; a file given on its own is named by its file name.
    """
    parts = [_clean_part(part) for part in relative.replace("\\", "/").split("/")]
    kept = [part for part in parts if part and part != ".."][-_PATH_DEPTH_LIMIT:]
    return "/".join(kept) or "upload"


def document_label(name: str, title: str = "") -> str:
    """The words that tell a document apart, indexed with each of its chunks: its path without the
    extension, separators as spaces ("MICROSOFT_2022_10K.pdf" -> "MICROSOFT 2022 10K"), then its own
    title when it adds words. A path without letters ("12345.txt", a corpus id) says nothing and is left out.
    """
    path = PurePosixPath(name)
    words = " ".join(re.sub(r"[_\-./]+", " ", str(path.with_suffix("") if path.suffix else path)).split())
    label = words if any(character.isalpha() for character in words) else ""
    title = " ".join(title.split())
    if title and title.casefold() not in label.casefold():
        label = f"{label}: {title}" if label else title
    return label


def split_into_chunks(
    documents: Sequence[Document], *, file_name: str, doc_sha: str, splitter: SentenceSplitter, label: str = ""
) -> list[TextNode]:
    """Chunks of `documents` with ids from the content (`doc_sha`) and their position.

    `label` (see `document_label`) is kept in each chunk's metadata: it is indexed with the chunk
    (`searchable_text`) but not part of the text a citation shows.
    """
    nodes: list[TextNode] = []
    for document in documents:
        # The context is embedded with each chunk, so the chunk leaves room for it (LlamaIndex's own rule).
        context = chunk_context({**document.metadata, LABEL_KEY: label})
        if context:
            pieces = splitter.split_text_metadata_aware(document.text, context)
        else:
            pieces = splitter.split_text(document.text)
        for text in pieces:
            if not text.strip():
                continue
            metadata = {**document.metadata, "file_name": file_name, DOC_KEY: doc_sha}
            if label:
                metadata[LABEL_KEY] = label
            nodes.append(TextNode(id_=chunk_id(doc_sha, len(nodes)), text=text, metadata=metadata))
    return nodes
