"""An answer without a language model: the sentences of the retrieved passages closest to the question."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from app.retrieval.passage import Passage

EXTRACTIVE_NOTICE = (
    "Extractive answer: no language model is configured, so these are the sentences from your "
    "documents that best match the question."
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n{2,}")


@dataclass(frozen=True)
class Highlight:
    source_number: int  # 1-based, as cited
    sentence: str
    score: float


def split_sentences(text: str) -> list[str]:
    return [" ".join(part.split()) for part in _SENTENCE_END.split(text) if len(part.split()) >= 3]


def best_sentences(question: str, passages: list[Passage], embedding: BaseEmbedding, limit: int = 3) -> list[Highlight]:
    """The `limit` sentences most similar to the question, in the order of the passages they come from."""
    candidates = [
        (number, sentence)
        for number, passage in enumerate(passages, start=1)
        for sentence in split_sentences(passage.text)
    ]
    if not candidates:
        return []
    query = np.asarray(embedding.get_query_embedding(question), dtype=np.float32)
    vectors = np.asarray(embedding.get_text_embedding_batch([s for _, s in candidates]), dtype=np.float32)
    scores = vectors @ query
    # A sentence far weaker than the best one is noise next to it, not a second answer.
    floor = 0.5 * float(scores.max())
    top = [i for i in np.argsort(-scores)[:limit] if scores[i] >= floor]
    best = sorted(top, key=lambda i: (candidates[i][0], i))
    return [Highlight(candidates[i][0], candidates[i][1], float(scores[i])) for i in best]


def extractive_answer(highlights: list[Highlight]) -> str:
    """Plain text (it quotes documents): whoever renders it as markdown must escape it."""
    lines = [EXTRACTIVE_NOTICE, ""]
    lines += [f"- {h.sentence} [{h.source_number}]" for h in highlights]
    return "\n".join(lines)
