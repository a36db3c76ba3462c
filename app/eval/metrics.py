"""Ranking metrics with trec_eval's definitions (checked against pytrec_eval in the tests).

nDCG uses linear gain (the relevance grade) and a log2(rank + 1) discount; a document counts as relevant
when its grade is above zero. Scores are averaged over every judged query (a query with no results scores 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from app.eval.beir import Qrels

Run = Mapping[str, Sequence[str]]  # query id -> document ids, best first


def ndcg_at_k(ranking: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    gains = [judged.get(doc, 0) for doc in ranking[:k]]
    dcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains) if gain > 0)
    ideal = sorted((grade for grade in judged.values() if grade > 0), reverse=True)[:k]
    idcg = sum(grade / math.log2(rank + 2) for rank, grade in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_k(ranking: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    relevant = {doc for doc, grade in judged.items() if grade > 0}
    return len(relevant.intersection(ranking[:k])) / len(relevant) if relevant else 0.0


def mrr_at_k(ranking: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    for rank, doc in enumerate(ranking[:k], start=1):
        if judged.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def evaluate(run: Run, qrels: Qrels) -> dict[str, float]:
    """Mean nDCG@10, Recall@100 and MRR@10 over the judged queries."""
    totals = {"ndcg@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0}
    for query_id, judged in qrels.items():
        ranking = run.get(query_id, ())
        totals["ndcg@10"] += ndcg_at_k(ranking, judged, 10)
        totals["recall@100"] += recall_at_k(ranking, judged, 100)
        totals["mrr@10"] += mrr_at_k(ranking, judged, 10)
    return {name: total / len(qrels) for name, total in totals.items()} if qrels else totals
