"""MaxSim rerank latency with and without the float16 token store, side by side, on the eval's index.

Reuses the index `python -m app eval` built in the cache folder. Without the store, every candidate is
encoded again per question (the model's forward pass over `--candidates` chunks); with it, token vectors
are read from disk. Both run interleaved over the same questions, so machine noise hits them alike.

    .venv/bin/python -m benchmarks.rerank_latency --data ../shared/data/scifact-train --split train
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from app.config import load_settings
from app.eval.beir import load_beir
from app.eval.run import EvalConfig, Evaluation
from app.retrieval.rerank import MaxSimReranker
from app.retrieval.search import SearchOptions, SearchRetriever


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--cache", default=".eval-cache")
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()

    dataset = load_beir(Path(args.data), args.split)
    workspace = Evaluation(dataset, load_settings(), Path(args.cache)).workspace(EvalConfig.parse("hybrid+rerank"))
    store = workspace.token_store
    assert store is not None, "the eval index keeps token vectors"
    options = SearchOptions(mode="hybrid", top_k=5, candidates=args.candidates, rerank=True)
    rerankers = {
        "token store": MaxSimReranker(workspace.token_vectors, store),
        "recomputed": MaxSimReranker(workspace.token_vectors, None),
    }
    ready = workspace.ready_chunks()
    first_stage = workspace.search_options(mode="hybrid", top_k=5, candidates=args.candidates)
    timings: dict[str, list[float]] = {name: [] for name in [*rerankers, "no rerank"]}
    questions = list(dataset.queries.values())[: args.queries]
    workspace.retrieve(questions[0])  # load the keyword index and warm the model before timing
    for question in questions:
        for name, reranker in rerankers.items():
            retriever = SearchRetriever(
                workspace.embedding, workspace.index, workspace.keyword_index, lambda: ready, options, reranker
            )
            started = time.perf_counter()
            retriever.passages(question)
            timings[name].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        workspace.retrieve(question, options=first_stage)
        timings["no rerank"].append((time.perf_counter() - started) * 1000)
    chunks = workspace.status().chunks
    print(f"hybrid top {args.candidates} reranked, {len(questions)} questions, {chunks} chunks in the index")
    print("| rerank | p50 ms | p95 ms |\n|---|---|---|")
    for name, values in timings.items():
        print(f"| {name} | {_p(values, 50):.0f} | {_p(values, 95):.0f} |")
    ratio = statistics.median(timings["recomputed"]) / statistics.median(timings["token store"])
    print(f"median latency, recomputed / token store: {ratio:.1f}x")
    print(f"token store: {store.bytes_used() / max(chunks, 1) / 1024:.0f} KiB per chunk (float16)")


if __name__ == "__main__":
    main()
