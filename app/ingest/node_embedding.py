"""The embedding step of an ingest: one dense vector per node of a document, from text or an image."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np
from llama_index.core.schema import TextNode

from app.embeddings import Embedding
from app.ingest.late_chunking import late_chunk
from app.ingest.parsed import PageImage
from app.ingest.progress import FileProgress
from app.store.chunk_text import searchable_text
from app.store.sentences import sentence_spans
from app.store.token_store import StagedTokens

EMBED_SLICE = 64  # texts per progress update while embedding


def embed_nodes(
    embedding: Embedding,
    nodes: Sequence[TextNode],
    images: Mapping[str, PageImage],
    progress: FileProgress,
    *,
    late_chunking: bool = False,
    tokens: StagedTokens | None = None,
) -> list[list[float]]:
    """One dense vector (`embedding.dimension` floats) per node, in node order.

    Text nodes go first, in slices of EMBED_SLICE (progress and the cancel check in between); the
    nodes named in `images`, which come after them, go through the model's image path. With `tokens`,
    each text node's token vectors are staged there, for the token store.

    Raises:
        IngestCancelledError: the batch was cancelled between two requests.
        EmbeddingError: the model failed, or has no image path for an image node.
    """
    batch = progress.batch
    vectors: list[list[float]] = []
    progress.report("embedding", 0, len(nodes))
    texts = [node for node in nodes if node.node_id not in images]
    for start in range(0, len(texts), EMBED_SLICE):
        batch.check_cancel()
        part = texts[start : start + EMBED_SLICE]
        began = time.monotonic()
        vectors.extend(_encode_texts(embedding, part, late_chunking=late_chunking, tokens=tokens))
        batch.add_embeddings(len(part), time.monotonic() - began)
        progress.report("embedding", len(vectors), len(nodes))
    for node in nodes[len(texts) :]:
        batch.check_cancel()
        image = images[node.node_id]
        began = time.monotonic()
        vectors.append([float(x) for x in embedding.embed_image(image.data, image.mime_type)])
        batch.add_embeddings(1, time.monotonic() - began)
        progress.report("embedding", len(vectors), len(nodes))
    return vectors


def embed_sentences(
    embedding: Embedding, nodes: Sequence[TextNode], progress: FileProgress, staged: StagedTokens
) -> None:
    """Stage one vector per sentence (`embedding.dimension` floats each) of every node of two sentences or more,
    as an (n_sentences, dimension) array under the node's id; a chunk of one sentence is its own best sentence.

    Raises:
        IngestCancelledError: the batch was cancelled between two requests.
        EmbeddingError: the model failed.
    """
    pieces = []
    for node in nodes:
        sentences = [" ".join(span.split()) for span in sentence_spans(node.get_content())]
        sentences = [sentence for sentence in sentences if sentence]
        if len(sentences) > 1:
            pieces += [(node.node_id, sentence) for sentence in sentences]
    vectors: list[list[float]] = []
    for start in range(0, len(pieces), EMBED_SLICE):
        progress.batch.check_cancel()
        part = [sentence for _, sentence in pieces[start : start + EMBED_SLICE]]
        began = time.monotonic()
        vectors.extend(embedding.get_text_embedding_batch(part))
        progress.batch.add_embeddings(len(part), time.monotonic() - began)
        progress.report("sentences", len(vectors), len(pieces))
    by_node: dict[str, list[list[float]]] = {}
    for (node_id, _), vector in zip(pieces, vectors, strict=True):
        by_node.setdefault(node_id, []).append(vector)
    for node_id, node_vectors in by_node.items():
        staged.save(node_id, np.asarray(node_vectors, dtype=np.float32))


def _encode_texts(
    embedding: Embedding, nodes: Sequence[TextNode], *, late_chunking: bool, tokens: StagedTokens | None
) -> list[list[float]]:
    """Chunk vectors: plain, or late-chunked; token vectors are staged when `tokens` is given."""
    texts = [searchable_text(node.get_content(), node.metadata) for node in nodes]
    if not late_chunking and tokens is None:
        return embedding.get_text_embedding_batch(texts)
    if late_chunking:
        # A few tokens of slack: a merged window may tokenize a little longer than its chunks did apart.
        budget = embedding.max_tokens - embedding.special_tokens_per_text - 4
        pairs = late_chunk(embedding, texts, embedding.count_tokens, budget)
    else:
        pairs = embedding.encode_chunks(texts)
    if tokens is not None:
        for node, (_, token_vectors) in zip(nodes, pairs, strict=True):
            tokens.save(node.node_id, token_vectors)
    return [cast(list[float], dense.tolist()) for dense, _ in pairs]
