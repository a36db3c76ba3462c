"""Benchmark inputs: a BEIR corpus on disk, or deterministic synthetic text when none is given."""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = [
    *("model", "data", "system", "cell", "protein", "result", "method", "analysis", "study", "effect", "level"),
    *("time", "response", "function", "structure", "process", "sample", "rate", "gene", "patient", "group"),
    *("the", "of", "and", "to", "in", "a", "is", "that", "for", "with", "as", "by", "on", "are", "was", "from"),
]


def read_corpus(folder: Path, limit: int) -> list[str]:
    """Title and text of the first `limit` documents of a BEIR corpus.jsonl."""
    texts: list[str] = []
    with (folder / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            texts.append(f"{doc.get('title', '')}\n{doc.get('text', '')}".strip())
            if len(texts) == limit:
                break
    return texts


def synthetic_texts(count: int, words: tuple[int, int], seed: int = 0) -> list[str]:
    """Deterministic English-like passages of words[0]..words[1] words."""
    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    texts = []
    for _ in range(count):
        chosen = [rng.choice(WORDS) for _ in range(rng.randint(*words))]
        sentences = [" ".join(chosen[i : i + 12]).capitalize() + "." for i in range(0, len(chosen), 12)]
        texts.append(" ".join(sentences))
    return texts
