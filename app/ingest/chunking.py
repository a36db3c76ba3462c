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
    nodes: list[TextNode] = []
    for document in documents:
        for text in splitter.split_text(document.text):
            if not text.strip():
                continue
            metadata = {**document.metadata, "file_name": file_name, DOC_KEY: doc_sha}
            nodes.append(TextNode(id_=chunk_id(doc_sha, len(nodes)), text=text, metadata=metadata))
    return nodes
