"""Query latency of `Workspace.retrieve` at growing corpus sizes, for each retrieval mode, side by side.

Each size gets its own index built through `Workspace.ingest` (catalog, Chroma, BM25 all real).
Chunk vectors come from a stand-in: a hashing bag-of-words projection to the packaged model's 384-d
(100k chunks through MiniLM would take hours on 2 cores); queries use the same stand-in so they land
in the same space. What that leaves out is the model's query embedding, measured on its own and
printed as a row. The rerank runs as shipped with `TOKEN_STORE=true`: chunk token vectors (the same
stand-in, one per word, float16 on disk) are read from the store, the question's tokens come from the
real model. Every mode answers the same queries, interleaved (dense, hybrid, hybrid + rerank per query).
Indexes larger than `--token-store-up-to` (20,000 chunks) are built without the token store and skip that
row: at ~130 KB of float16 token vectors per chunk, 100k chunks filled 13 GB of disk and took an hour.
With `--recompute-queries N` (default 10; 0 = off) the first N queries also run the rerank as shipped with
`TOKEN_STORE=false` (the default): the 50 candidates' token vectors are encoded by the real MiniLM at
query time; fewer queries because each costs seconds.

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
RECOMPUTE = "hybrid + rerank, TOKEN_STORE=false (MiniLM encodes the candidates)"
PASSAGES_PER_DOCUMENT = 100
_WORD_VECTORS: dict[tuple[str, int], FloatArray] = {}


class HashingEmbedding(LocalEmbedding):
    """The packaged model for token vectors (rerank); a cheap, deterministic stand-in for dense vectors."""

    def _word(self, word: str) -> FloatArray:
        # Memoized: the synthetic texts use a few dozen words, and drawing each again made 100k chunks take an hour.
        key = (word, self.dimension)
        if key not in _WORD_VECTORS:
            seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            _WORD_VECTORS[key] = np.random.default_rng(seed).standard_normal(self.dimension, dtype=np.float32)
        return _WORD_VECTORS[key]

    def _hashed(self, text: str) -> list[float]:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for word in text.lower().split():
            vector += self._word(word)
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


def build(size: int, folder: str, embedding: LocalEmbedding, token_store: bool) -> tuple[Workspace, float]:
    """An index of about `size` chunks: passages are counted out by the chunks one document makes."""
    settings = load_settings(DATA_DIR=folder, TOKEN_STORE=str(token_store).lower())
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


def recompute_at(workspace: Workspace, queries: list[str], times: list[float]) -> None:
    """hybrid + rerank with the token store switched off: every candidate's tokens through the real model."""
    store, workspace.token_store = workspace.token_store, None
    try:
        options = workspace.search_options(mode="hybrid", rerank=True)
        for query in queries:
            start = time.perf_counter()
            workspace.retrieve(query, options=options)
            times.append(time.perf_counter() - start)
    finally:
        workspace.token_store = store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="chunks per index, comma-separated (1000,10000)")
    parser.add_argument("--queries", type=int, default=40, help="queries per size and mode (default: 40)")
    parser.add_argument(
        "--token-store-up-to",
        type=int,
        default=20000,
        help="largest index built with the token store (default: 20000; it takes ~130 KB per chunk on disk here)",
    )
    parser.add_argument(
        "--recompute-queries", type=int, default=10, help="queries for the rerank without token store (default: 10)"
    )
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
    labels = [label for label, _ in MODES] + ([RECOMPUTE] if args.recompute_queries else [])

    def row(size: int, label: str) -> str:
        times = rows[(size, label)]
        base = percentile(rows.get((sizes[0], label), times), 50)
        return (
            f"| {chunks[size]} | {label} | {len(times)} | {percentile(times, 50) * 1e3:.1f} | "
            f"{percentile(times, 95) * 1e3:.1f} | {percentile(times, 99) * 1e3:.1f} | "
            f"{percentile(times, 50) / base:.2f}x |"
        )

    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-latency-") as folder:
            stored = size <= args.token_store_up_to
            workspace, seconds = build(size, folder, embedding, stored)
            chunks[size] = workspace.status().chunks
            store = "with" if stored else "without"
            print(f"  {chunks[size]} chunks indexed in {seconds:.0f} s, {store} token store", file=sys.stderr)
            modes = [(label, options) for label, options in MODES if stored or not options["rerank"]]
            for _, options in modes:  # warm-up: BM25 index built, kernels loaded
                workspace.retrieve(queries[0], options=workspace.search_options(**options))
            for query in queries:
                for label, options in modes:
                    start = time.perf_counter()
                    workspace.retrieve(query, options=workspace.search_options(**options))
                    rows.setdefault((size, label), []).append(time.perf_counter() - start)
            if args.recompute_queries:
                recompute_at(workspace, queries[: args.recompute_queries], rows.setdefault((size, RECOMPUTE), []))
        for label in labels:
            if (size, label) in rows:
                print(f"  {row(size, label)}", file=sys.stderr, flush=True)  # kept if a later size does not finish

    print(f"Top 5 of 50 candidates; {args.queries} queries per cell, modes interleaved; milliseconds")
    print(f"(indexes over {args.token_store_up_to} chunks are built without the token store: no token-store rerank)")
    print("\n| chunks | mode | queries | p50 | p95 | p99 | p50 vs smallest index |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for label in labels:
        for size in sizes:
            if (size, label) in rows:
                print(row(size, label))
    print(
        f"| - | + query embedding (MiniLM, real) | {len(query_seconds)} | {percentile(query_seconds, 50) * 1e3:.1f} | "
        f"{percentile(query_seconds, 95) * 1e3:.1f} | {percentile(query_seconds, 99) * 1e3:.1f} | - |"
    )
    env = "HF_HUB_OFFLINE=1 " if os.environ.get("HF_HUB_OFFLINE") else ""
    command = f"{env}{sys.executable} -m benchmarks.query_latency {shlex.join(sys.argv[1:])}".rstrip()
    largest = sizes[-1]
    summary = ", ".join(
        f"{label} p95 {percentile(rows[(largest, label)], 95) * 1e3:.0f} ms"
        for label in labels
        if (largest, label) in rows
    )
    print(f"\nREADME: at {chunks[largest]} chunks: {summary} (+ query embedding); command: {command}")


if __name__ == "__main__":
    main()
