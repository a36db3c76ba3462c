"""CPU throughput of the local embedding model across torch thread counts and batch sizes.

Every configuration embeds the same texts; the configurations run interleaved (round-robin,
`--repeats` rounds) and each reports its median, so a noisy machine skews them all alike.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.embedding_cpu --data /work/shared/data/scifact-train
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import time
from pathlib import Path

import torch
from transformers.utils import logging as transformers_logging

from app.embeddings.local import LocalEmbedding
from benchmarks.texts import read_corpus, synthetic_texts

THREADS = (1, 2)
BATCHES = (8, 32, 64)
BASELINE = (1, 32)


def run_once(emb: LocalEmbedding, texts: list[str], threads: int, batch: int) -> float:
    """Seconds to embed all texts with one configuration."""
    torch.set_num_threads(threads)
    emb.model_batch_size = batch
    start = time.perf_counter()
    emb.embed_dense(texts)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="BEIR dataset folder holding corpus.jsonl (default: synthetic texts)")
    parser.add_argument("--limit", type=int, default=128, help="number of texts (default: 128)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds; the median counts (default: 3)")
    args = parser.parse_args()

    transformers_logging.set_verbosity_error()  # counting tokens of long texts warns; the model truncates them
    texts = read_corpus(args.data, args.limit) if args.data else synthetic_texts(args.limit, words=(150, 250))
    source = f"{args.data / 'corpus.jsonl'}" if args.data else "synthetic texts (seed 0)"
    emb = LocalEmbedding(threads=1)
    special = emb.special_tokens_per_text
    tokens = [min(len(emb.tokenize(text)) + special, emb.max_tokens) for text in texts]
    total_tokens = sum(tokens)
    print(f"Work: {len(texts)} texts from {source}; {total_tokens / len(texts):.1f} tokens/text on average")
    print(f"      (model tokenizer, {special} special tokens included, truncated at {emb.max_tokens} tokens)")
    print(f"Machine: {os.cpu_count()} CPUs, torch {torch.__version__}; {args.repeats} interleaved rounds, median")
    print("Spread: (slowest - fastest) / median seconds over the rounds of one configuration")

    for threads in THREADS:  # untimed warm-up: load kernels and start each thread pool once
        run_once(emb, texts[:32], threads, 32)

    configs = [(threads, batch) for threads in THREADS for batch in BATCHES]
    seconds: dict[tuple[int, int], list[float]] = {config: [] for config in configs}
    for round_index in range(args.repeats):
        for config in configs:
            seconds[config].append(run_once(emb, texts, *config))
        print(f"  round {round_index + 1}/{args.repeats} done", file=sys.stderr)

    rate = {config: len(texts) / statistics.median(times) for config, times in seconds.items()}
    print(f"\n{'threads':>7} {'batch':>5} {'texts/s':>8} {'tokens/s':>9} {'vs 1x32':>7} {'spread':>6}")
    for config in configs:
        per_s, ratio = rate[config], rate[config] / rate[BASELINE]
        spread = (max(seconds[config]) - min(seconds[config])) / statistics.median(seconds[config])
        print(
            f"{config[0]:>7} {config[1]:>5} {per_s:>8.1f} {per_s * total_tokens / len(texts):>9.0f} "
            f"{ratio:>6.2f}x {spread:>6.0%}"
        )

    best = max(configs, key=rate.__getitem__)
    two_vs_one = rate[(2, 32)] / rate[(1, 32)]
    env = "HF_HUB_OFFLINE=1 " if os.environ.get("HF_HUB_OFFLINE") else ""
    command = f"{env}{sys.executable} -m benchmarks.embedding_cpu {shlex.join(sys.argv[1:])}".rstrip()
    print(
        f"\nREADME: best threads={best[0]}, batch={best[1]} at {rate[best]:.1f} texts/s "
        f"({rate[best] / rate[BASELINE]:.2f}x the 1-thread batch-32 baseline); 2 vs 1 threads at batch 32: "
        f"{two_vs_one:.2f}x; {len(texts)} texts, median of {args.repeats} interleaved rounds; command: {command}"
    )


if __name__ == "__main__":
    main()
