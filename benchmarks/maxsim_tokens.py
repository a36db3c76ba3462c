"""Should MaxSim count the special tokens ([CLS], [SEP]) of question and passage? Measured on a BEIR set.

Reuses the index `python -m app eval` builds (same cache folder): hybrid first stage, then the top
candidates reranked by MaxSim with and without the special tokens, scored with the eval's metrics.

    .venv/bin/python -m benchmarks.maxsim_tokens --data ../shared/data/scifact-train --split train
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.config import load_settings
from app.embeddings.pooling import FloatArray, maxsim
from app.eval.beir import load_beir
from app.eval.metrics import evaluate
from app.eval.run import EvalConfig, Evaluation

VARIANTS = {
    "all tokens": (False, False),
    "question without specials": (True, False),
    "neither with specials": (True, True),
}


def _strip(tokens: FloatArray, strip: bool) -> FloatArray:
    return tokens[1:-1] if strip and len(tokens) > 2 else tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--cache", default=".eval-cache")
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument("--limit-queries", type=int, default=None)
    args = parser.parse_args()

    dataset = load_beir(Path(args.data), args.split)
    evaluation = Evaluation(dataset, load_settings(), Path(args.cache))
    workspace = evaluation.workspace(EvalConfig.parse("hybrid"))
    options = workspace.search_options(mode="hybrid", top_k=args.candidates)
    store = workspace.token_store
    assert store is not None, "the eval index keeps token vectors"
    runs: dict[str, dict[str, list[str]]] = {name: {} for name in VARIANTS}
    queries = list(dataset.queries.items())[: args.limit_queries]
    for query_id, question in queries:
        passages = workspace.retrieve(question, options=options)
        query_tokens = workspace.embedding.embed_tokens([question], query=True)[0]
        chunk_tokens = [store.load(p.doc_sha, p.chunk_id) for p in passages]
        for name, (strip_query, strip_doc) in VARIANTS.items():
            scores = [
                maxsim(_strip(query_tokens, strip_query), _strip(tokens, strip_doc)) if tokens is not None else 0.0
                for tokens in chunk_tokens
            ]
            order = sorted(range(len(passages)), key=lambda i: -scores[i])
            runs[name][query_id] = evaluation.doc_ranking([passages[i] for i in order])
    qrels = {query_id: dataset.qrels[query_id] for query_id, _ in queries}
    print(f"MaxSim rerank of the hybrid top {args.candidates}, {len(queries)} queries of {dataset.name}:")
    print("| tokens counted | nDCG@10 | MRR@10 |\n|---|---|---|")
    for name, run in runs.items():
        scores = evaluate(run, qrels)
        print(f"| {name} | {scores['ndcg@10']:.4f} | {scores['mrr@10']:.4f} |")


if __name__ == "__main__":
    main()
