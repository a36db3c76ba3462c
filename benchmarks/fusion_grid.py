"""Which fusion of dense and BM25 ranks best? RRF (k x keyword weight) and score fusion (keyword weight),
for three BM25 variants (parameters, neighbourhood context), on the eval's index, with a 2-fold
cross-validated figure for each method.

Both ranked lists (with their scores) are fetched once per question; every fusion setting is then scored
offline with the eval's metrics, so the grid costs one retrieval pass. Reuses the index `python -m app eval`
built. The cross-validated figure picks each method's best setting on half of the questions and scores it
on the other half (then the halves swap): how much of the grid's best is tuning luck.

    .venv/bin/python -m benchmarks.fusion_grid --data ../shared/data/scifact-train --split train
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from app.config import load_settings
from app.eval.beir import load_beir
from app.eval.metrics import evaluate
from app.eval.run import EvalConfig, Evaluation
from app.retrieval.fusion import reciprocal_rank_fusion, score_fusion
from app.store.chroma import DOC_KEY
from app.store.keyword import KeywordIndex, KeywordRecord

KS = (10, 30, 60)
RRF_WEIGHTS = (0.5, 0.75, 1.0, 1.5)
SCORE_WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.85, 1.0)
# (k1, b, context share): the app's default; the same without context; the textbook parameters.
BM25_VARIANTS = ((0.9, 0.4, 0.5), (0.9, 0.4, 0.0), (1.2, 0.75, 0.0))

Scored = list[tuple[str, float]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--cache", default=".eval-cache")
    parser.add_argument("--depth", type=int, default=150)
    parser.add_argument("--limit-queries", type=int, default=None)
    args = parser.parse_args()

    dataset = load_beir(Path(args.data), args.split)
    evaluation = Evaluation(dataset, load_settings(), Path(args.cache))
    workspace = evaluation.workspace(EvalConfig.parse("hybrid"))
    ready = workspace.ready_chunks()
    chunks = workspace.index.chunks()
    doc_of = {chunk_id: doc for chunk_id, doc, _ in chunks}
    queries = list(dataset.queries.items())[: args.limit_queries]
    dense: dict[str, Scored] = {}
    for query_id, question in queries:
        hits = workspace.index.query(workspace.embedding.get_query_embedding(question), args.depth)
        dense[query_id] = [(hit.node.node_id, float(hit.score or 0.0)) for hit in hits]
        doc_of.update({hit.node.node_id: str(hit.node.metadata[DOC_KEY]) for hit in hits})
    bm25: dict[tuple[float, float, float], dict[str, Scored]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for k1, b, context in BM25_VARIANTS:
            keyword = KeywordIndex(Path(folder) / f"{k1}-{b}-{context}", k1=k1, b=b, context=context)
            keyword.ensure("grid", lambda: [KeywordRecord(*chunk) for chunk in chunks])
            bm25[(k1, b, context)] = {q: keyword.search(question, args.depth, ready) for q, question in queries}

    def docs(chunk_ids: Sequence[str]) -> list[str]:
        ranking: list[str] = []
        for chunk_id in chunk_ids:
            for doc_id in evaluation.doc_ids(doc_of.get(chunk_id, "")):
                if doc_id not in ranking:
                    ranking.append(doc_id)
        return ranking[:100]

    Fuse = Callable[[Scored, Scored], Sequence[tuple[str, float]]]

    def scores(fuse: Fuse, lists: dict[str, Scored], ids: Sequence[str]) -> dict[str, float]:
        run = {q: docs([c for c, _ in fuse(dense[q], lists[q])]) for q in ids}
        return evaluate(run, {q: dataset.qrels[q] for q in ids})

    def rrf(k: float, weight: float) -> Fuse:
        return lambda d, b: reciprocal_rank_fusion([[c for c, _ in d], [c for c, _ in b]], k=k, weights=[1, weight])

    def by_score(weight: float) -> Fuse:
        return lambda d, b: score_fusion([d, b], weights=[1.0, weight])

    all_ids = [q for q, _ in queries]
    rows: list[tuple[str, str, dict[str, float]]] = []
    rows.append(("dense only", "-", scores(lambda d, b: d, bm25[BM25_VARIANTS[0]], all_ids)))
    Variant = tuple[float, float, float]
    methods: dict[str, dict[str, tuple[Fuse, Variant]]] = {"RRF": {}, "score": {}}
    for params in BM25_VARIANTS:
        label = f"BM25 k1={params[0]} b={params[1]} context={params[2]}"
        rows.append((f"{label} only", "-", scores(lambda d, b: b, bm25[params], all_ids)))
        for k in KS:
            for weight in RRF_WEIGHTS:
                methods["RRF"][f"RRF k={k}, keyword weight {weight}, {label}"] = (rrf(k, weight), params)
        for weight in SCORE_WEIGHTS:
            methods["score"][f"score fusion, keyword weight {weight}, {label}"] = (by_score(weight), params)
    for settings in methods.values():
        rows += [(name, "", scores(fuse, bm25[params], all_ids)) for name, (fuse, params) in settings.items()]
    # Cross-validated on its own too: how much of the score fusion's figure the keyword context brings.
    methods["score, no context"] = {name: entry for name, entry in methods["score"].items() if entry[1][2] == 0}

    print(f"{dataset.name} {args.split}: {len(queries)} queries, lists {args.depth} deep")
    print("| fusion | nDCG@10 | Recall@100 | MRR@10 |\n|---|---|---|---|")
    for name, _, result in sorted(rows, key=lambda row: -row[2]["ndcg@10"]):
        print(f"| {name} | {result['ndcg@10']:.4f} | {result['recall@100']:.4f} | {result['mrr@10']:.4f} |")

    halves = (all_ids[0::2], all_ids[1::2])
    print("\n2-fold cross-validation (best setting picked on one half of the questions, scored on the other):")
    for method, settings in methods.items():
        held_out = []
        for tune, test in (halves, halves[::-1]):
            best = max(settings, key=lambda name: scores(settings[name][0], bm25[settings[name][1]], tune)["ndcg@10"])
            fuse, params = settings[best]
            held_out.append(scores(fuse, bm25[params], test)["ndcg@10"] * len(test))
            print(f"  {method}: picked '{best}' on {len(tune)} questions")
        print(f"  {method}: held-out nDCG@10 {sum(held_out) / len(all_ids):.4f}")


if __name__ == "__main__":
    main()
