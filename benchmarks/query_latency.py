"""Query latency of `Workspace.retrieve` at growing corpus sizes, for each retrieval mode, side by side.

Each size gets its own index built through `Workspace.ingest` (catalog, Chroma, BM25 all real).
Chunk vectors come from a stand-in: a hashing bag-of-words projection to the packaged model's 384-d
(100k chunks through MiniLM would take hours on 2 cores); queries use the same stand-in so they land
in the same space. What that leaves out is the model's query embedding, measured on its own and
printed as a row. The rerank runs as shipped with `TOKEN_STORE=true`: chunk token vectors (the same
stand-in, one per word, float16 on disk) are read from the store, the question's tokens come from the
real model. Every mode answers the same queries, interleaved (dense, hybrid, hybrid + rerank per query).

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.query_latency --sizes 1000,10000,100000
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import sys
import tempfile
import time
from typing import Any

import numpy as np

from app.config import load_settings
from app.embeddings.local import LocalEmbedding
from app.embeddings.pooling import FloatArray
from app.workspace import Workspace
from benchmarks.load import percentile
from benchmarks.texts import synthetic_texts

MODES: list[tuple[str, dict[str, Any]]] = [
    ("dense", {"mode": "dense", "rerank": False}),
    ("hybrid", {"mode": "hybrid", "rerank": False}),
    ("hybrid + rerank", {"mode": "hybrid", "rerank": True}),
]
PASSAGES_PER_DOCUMENT = 100


class HashingEmbedding(LocalEmbedding):
    """The packaged model for token vectors (rerank); a cheap, deterministic stand-in for dense vectors."""

    def _hashed(self, text: str) -> list[float]:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for word in text.lower().split():
            seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            vector += np.random.default_rng(seed).standard_normal(self.dimension, dtype=np.float32)
        norm = float(np.linalg.norm(vector)) or 1.0
        return list(map(float, vector / norm))

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [self._hashed(text) for text in texts]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._hashed(query)

    def encode_chunks(self, texts: list[str]) -> list[tuple[FloatArray, FloatArray]]:
        """What the ingest stores with TOKEN_STORE=true: the dense stand-in and one unit vector per word."""
        pairs = []
        for text in texts:
            words = text.split() or [""]
            tokens = np.asarray([self._hashed(word) for word in words], dtype=np.float32)
            pairs.append((np.asarray(self._hashed(text), dtype=np.float32), tokens))
        return pairs


def build(size: int, folder: str, embedding: LocalEmbedding) -> tuple[Workspace, float]:
    """An index of about `size` chunks: passages are counted out by the chunks one document makes."""
    settings = load_settings(DATA_DIR=folder, TOKEN_STORE="true")  # noqa: S106 - a switch, not a password
    workspace = Workspace(settings, embedding=embedding)
    sample = "\n\n".join(synthetic_texts(PASSAGES_PER_DOCUMENT, words=(40, 70), seed=size))
    per_passage = len(workspace.ingestor._splitter.split_text(sample)) / PASSAGES_PER_DOCUMENT
    passages = synthetic_texts(round(size / per_passage), words=(40, 70), seed=size)
    files = [
        (f"doc-{start:07d}.txt", "\n\n".join(passages[start : start + PASSAGES_PER_DOCUMENT]).encode())
        for start in range(0, len(passages), PASSAGES_PER_DOCUMENT)
    ]
    start = time.perf_counter()
    workspace.ingest(files)
    return workspace, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="chunks per index, comma-separated (1000,10000)")
    parser.add_argument("--queries", type=int, default=40, help="queries per size and mode (default: 40)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    settings = load_settings()
    embedding = HashingEmbedding(threads=settings.embedding_threads, model_batch_size=settings.embedding_batch_size)
    real = LocalEmbedding(threads=settings.embedding_threads, model_batch_size=settings.embedding_batch_size)
    queries = [text.rstrip(".") + "?" for text in synthetic_texts(args.queries, words=(6, 12), seed=7)]

    query_seconds = []
    for query in queries:
        start = time.perf_counter()
        real.get_query_embedding(query)
        query_seconds.append(time.perf_counter() - start)

    rows: dict[tuple[int, str], list[float]] = {}
    chunks: dict[int, int] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-latency-") as folder:
            workspace, seconds = build(size, folder, embedding)
            chunks[size] = workspace.status().chunks
            print(f"  {chunks[size]} chunks indexed in {seconds:.0f} s", file=sys.stderr)
            for _, options in MODES:  # warm-up: BM25 index built, kernels loaded
                workspace.retrieve(queries[0], options=workspace.search_options(**options))
            for query in queries:
                for label, options in MODES:
                    start = time.perf_counter()
                    workspace.retrieve(query, options=workspace.search_options(**options))
                    rows.setdefault((size, label), []).append(time.perf_counter() - start)

    print(f"Top 5 of 50 candidates; {args.queries} queries per cell, modes interleaved; milliseconds")
    print("\n| chunks | mode | p50 | p95 | p99 | p50 vs smallest index |")
    print("|---:|---|---:|---:|---:|---:|")
    for label, _ in MODES:
        for size in sizes:
            times = rows[(size, label)]
            base = percentile(rows[(sizes[0], label)], 50)
            print(
                f"| {chunks[size]} | {label} | {percentile(times, 50) * 1e3:.1f} | {percentile(times, 95) * 1e3:.1f} | "
                f"{percentile(times, 99) * 1e3:.1f} | {percentile(times, 50) / base:.2f}x |"
            )
    print(
        f"| - | + query embedding (MiniLM, real) | {percentile(query_seconds, 50) * 1e3:.1f} | "
        f"{percentile(query_seconds, 95) * 1e3:.1f} | {percentile(query_seconds, 99) * 1e3:.1f} | - |"
    )
    env = "HF_HUB_OFFLINE=1 " if os.environ.get("HF_HUB_OFFLINE") else ""
    command = f"{env}{sys.executable} -m benchmarks.query_latency {shlex.join(sys.argv[1:])}".rstrip()
    largest = sizes[-1]
    summary = ", ".join(f"{label} p95 {percentile(rows[(largest, label)], 95) * 1e3:.0f} ms" for label, _ in MODES)
    print(f"\nREADME: at {chunks[largest]} chunks: {summary} (+ query embedding); command: {command}")


if __name__ == "__main__":
    main()
