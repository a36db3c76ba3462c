"""Which fusion of dense and BM25 ranks best? A grid over RRF's k and the keyword weight, on the eval's index.

Both ranked lists are fetched once per question; every fusion setting is then scored offline with
the eval's metrics, so the grid costs one retrieval pass. Reuses the index `python -m app eval` built.

    .venv/bin/python -m benchmarks.fusion_grid --data ../shared/data/scifact-train --split train
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.config import load_settings
from app.eval.beir import load_beir
from app.eval.metrics import evaluate
from app.eval.run import EvalConfig, Evaluation
from app.retrieval.fusion import reciprocal_rank_fusion
from app.store.chroma import DOC_KEY

KS = (10, 30, 60, 100)
WEIGHTS = (0.5, 0.75, 1.0, 1.5, 2.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--cache", default=".eval-cache")
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--limit-queries", type=int, default=None)
    args = parser.parse_args()

    dataset = load_beir(Path(args.data), args.split)
    evaluation = Evaluation(dataset, load_settings(), Path(args.cache))
    workspace = evaluation.workspace(EvalConfig.parse("hybrid"))
    ready = workspace.ready_chunks()
    keyword = workspace.keyword_index()
    queries = list(dataset.queries.items())[: args.limit_queries]
    lists: dict[str, tuple[list[str], list[str]]] = {}
    doc_of: dict[str, str] = {}
    for query_id, question in queries:
        hits = workspace.index.query(workspace.embedding.get_query_embedding(question), args.depth)
        dense = [hit.node.node_id for hit in hits]
        doc_of.update({hit.node.node_id: str(hit.node.metadata[DOC_KEY]) for hit in hits})
        bm25 = [chunk_id for chunk_id, _ in keyword.search(question, args.depth, ready)]
        unseen = [chunk_id for chunk_id in bm25 if chunk_id not in doc_of]
        doc_of.update({chunk_id: str(node.metadata[DOC_KEY]) for chunk_id, node in workspace.index.get(unseen).items()})
        lists[query_id] = (dense, bm25)

    def docs(chunk_ids: list[str]) -> list[str]:
        ranking: list[str] = []
        for chunk_id in chunk_ids:
            for doc_id in evaluation.doc_ids(doc_of.get(chunk_id, "")):
                if doc_id not in ranking:
                    ranking.append(doc_id)
        return ranking

    qrels = {query_id: dataset.qrels[query_id] for query_id, _ in queries}
    rows = [("dense only", evaluate({q: docs(d) for q, (d, _) in lists.items()}, qrels))]
    rows.append(("BM25 only", evaluate({q: docs(b) for q, (_, b) in lists.items()}, qrels)))
    for k in KS:
        for weight in WEIGHTS:
            run = {
                q: docs([c for c, _ in reciprocal_rank_fusion([d, b], k=k, weights=[1.0, weight])])
                for q, (d, b) in lists.items()
            }
            rows.append((f"RRF k={k}, keyword weight {weight}", evaluate(run, qrels)))
    print(f"{dataset.name} {args.split}: {len(queries)} queries, lists {args.depth} deep")
    print("| fusion | nDCG@10 | Recall@100 | MRR@10 |\n|---|---|---|---|")
    for name, scores in sorted(rows, key=lambda row: -row[1]["ndcg@10"]):
        print(f"| {name} | {scores['ndcg@10']:.4f} | {scores['recall@100']:.4f} | {scores['mrr@10']:.4f} |")


if __name__ == "__main__":
    main()
