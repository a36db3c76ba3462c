"""Dense retrieval quality vs vector size (Matryoshka truncation), on the eval's index.

Truncating a stored vector to its first d values and re-normalizing is exactly what an index built
with `EMBEDDING_DIMENSIONS=d` holds (the embedding classes do the same, tested against vLLM's
`dimensions`). So every size is scored from one index: the stored vectors and the questions are cut
to d, and the nearest chunks found exactly (numpy) instead of through Chroma's HNSW.

    .venv/bin/python -m benchmarks.matryoshka --data ../shared/data/scifact-train --split train
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from app.config import load_settings
from app.embeddings.pooling import truncate_matryoshka
from app.eval.beir import load_beir
from app.eval.metrics import evaluate
from app.eval.run import CHUNKS_PER_QUERY, DOCS_PER_QUERY, EvalConfig, Evaluation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--cache", default=".eval-cache")
    parser.add_argument("--sizes", default="64,128,256", help="sizes below the model's own (always included)")
    parser.add_argument("--limit-queries", type=int, default=None)
    args = parser.parse_args()

    dataset = load_beir(Path(args.data), args.split)
    evaluation = Evaluation(dataset, load_settings(), Path(args.cache))
    workspace = evaluation.workspace(EvalConfig.parse("dense"))
    stored = workspace.index.chunks()
    vectors = workspace.index.vectors([chunk_id for chunk_id, _, _ in stored])
    ids = [chunk_id for chunk_id, _, _ in stored if chunk_id in vectors]
    doc_of = {chunk_id: doc for chunk_id, doc, _ in stored}
    matrix = np.stack([vectors[chunk_id] for chunk_id in ids])
    queries = list(dataset.queries.items())[: args.limit_queries]
    questions = np.stack(workspace.embedding.embed_dense([question for _, question in queries]))
    full = matrix.shape[1]
    sizes = sorted({int(size) for size in args.sizes.split(",") if int(size) < full} | {full})
    qrels = {query_id: dataset.qrels[query_id] for query_id, _ in queries}
    print(f"{dataset.name} {args.split}: {len(queries)} queries, {len(ids)} chunks, exact cosine search")
    print("| dimensions | bytes per vector | nDCG@10 | Recall@100 | MRR@10 | nDCG@10 vs full |")
    print("|---:|---:|---:|---:|---:|---:|")
    baseline = None
    for size in reversed(sizes):
        docs_cut = truncate_matryoshka(matrix, size)
        scores = truncate_matryoshka(questions, size) @ docs_cut.T
        run = {}
        for row, (query_id, _) in enumerate(queries):
            best = np.argsort(-scores[row])[:CHUNKS_PER_QUERY]
            ranking: list[str] = []
            for index in best:
                for doc_id in evaluation.doc_ids(doc_of[ids[index]]):
                    if doc_id not in ranking:
                        ranking.append(doc_id)
            run[query_id] = ranking[:DOCS_PER_QUERY]
        metrics = evaluate(run, qrels)
        baseline = baseline or metrics["ndcg@10"]
        print(
            f"| {size} | {size * 4} | {metrics['ndcg@10']:.4f} | {metrics['recall@100']:.4f} | "
            f"{metrics['mrr@10']:.4f} | {metrics['ndcg@10'] / baseline:.1%} |"
        )


if __name__ == "__main__":
    main()
