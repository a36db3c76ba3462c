"""The local model on torch against its ONNX copy on onnxruntime: texts/s side by side, and how far apart.

Both embed the same texts with the app's settings (EMBEDDING_THREADS, EMBEDDING_BATCH_SIZE), interleaved
round after round so a noisy machine slows both alike; each reports its median. The ONNX copy is made
(or found) in MODEL_CACHE_DIR first, not timed. Also printed: the largest difference between the two
runtimes' dense vectors, and each runtime's start (a fresh process importing its libraries and loading
the model).

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.model_runtime --data ../shared/data/scifact-train
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from app.config import load_settings
from app.embeddings.local import LocalEmbedding
from benchmarks.texts import read_corpus, synthetic_texts

START = (
    "import time, sys\nt = time.perf_counter()\nfrom app.embeddings.local import LocalEmbedding\n"
    "m = LocalEmbedding(model_cache=sys.argv[1] or None, threads=2)\nm.embed_dense(['warm'])\n"
    "print(time.perf_counter() - t)"
)


def start_seconds(cache: str) -> float:
    """Seconds for a fresh process to import the model's libraries, load it and embed one text."""
    result = subprocess.run([sys.executable, "-c", START, cache], capture_output=True, text=True, check=True)
    return float(result.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="BEIR folder with corpus.jsonl (default: synthetic texts)")
    parser.add_argument("--limit", type=int, default=200, help="texts embedded per round (default: 200)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians count (default: 3)")
    args = parser.parse_args()

    settings = load_settings()
    cache = str(settings.resolved_model_cache_dir)
    texts = read_corpus(args.data, args.limit) if args.data else synthetic_texts(args.limit, words=(150, 250))
    common = {"threads": settings.embedding_threads, "model_batch_size": settings.embedding_batch_size}
    models = {"torch": LocalEmbedding(**common), "onnxruntime": LocalEmbedding(model_cache=cache, **common)}
    for name, model in models.items():
        assert model.runtime.name == name, f"{name} asked for, {model.runtime.name} loaded"
        model.embed_dense(texts[:16])  # untimed warm-up
    seconds: dict[str, list[float]] = {name: [] for name in models}
    starts: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, model in models.items():
            began = time.perf_counter()
            model.embed_dense(texts)
            seconds[name].append(time.perf_counter() - began)
            starts[name].append(start_seconds(cache if name == "onnxruntime" else ""))
    gap = np.abs(np.asarray(models["torch"].embed_dense(texts)) - np.asarray(models["onnxruntime"].embed_dense(texts)))

    source = args.data / "corpus.jsonl" if args.data else "synthetic texts (seed 0)"
    print(f"python -m benchmarks.model_runtime {shlex.join(sys.argv[1:])}")
    print(f"{len(texts)} texts from {source}; threads {common['threads']}, batch {common['model_batch_size']}; ")
    print(f"{args.rounds} interleaved rounds, medians; largest difference of a vector component: {gap.max():.1e}\n")
    print("| runtime | texts/s | vs torch | fresh process: import, load, embed one text (s) |")
    print("|---|---:|---:|---:|")
    base = len(texts) / statistics.median(seconds["torch"])
    for name in models:
        rate = len(texts) / statistics.median(seconds[name])
        print(f"| {name} | {rate:.1f} | {rate / base:.2f}x | {statistics.median(starts[name]):.2f} |")


if __name__ == "__main__":
    main()
