"""Merging the dense and keyword lists: by score (the default) or by rank alone (reciprocal-rank fusion)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


Value = TypeVar("Value")


def _per_list(lists: Sequence[object], values: Sequence[Value] | None, default: Value, what: str) -> Sequence[Value]:
    """`values`, one per list (`default` for each when None). Raises ValueError when their counts differ."""
    if values is None:
        return [default] * len(lists)
    if len(values) != len(lists):
        raise ValueError(f"{len(lists)} lists but {len(values)} {what}")
    return values


def _best_first(scores: dict[Key, float]) -> list[tuple[Key, float]]:
    # Ties keep the order in which items were first seen, earlier lists first: deterministic.
    first_seen = {item: position for position, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], first_seen[pair[0]]))


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Key]], *, k: float = 60.0, weights: Sequence[float] | None = None
) -> list[tuple[Key, float]]:
    """Items by sum of weight / (k + rank) over the lists they appear in (rank 1 = best), best first."""
    scores: dict[Key, float] = {}
    for ranking, weight in zip(rankings, _per_list(rankings, weights, 1.0, "weights"), strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return _best_first(scores)


def score_fusion(
    scored: Sequence[Sequence[tuple[Key, float]]],
    *,
    weights: Sequence[float] | None = None,
    complete: Sequence[bool] | None = None,
    least_scales: Sequence[float] | None = None,
) -> list[tuple[Key, float]]:
    """Items by the weighted sum of their scores, each list's scores divided by its best one, best first.

    Dividing by the best keeps how far apart a list's hits are (which RRF throws away) while putting
    cosines and BM25 on one scale. An item a list did not return gets that list's lowest normalized
    score: it ranked below everything the list returned, and 0 would punish it more than that says.
    A list marked in `complete` returned every item it scores above 0 (keyword search that found fewer
    passages than it was asked for): an item missing from it scores 0. Without that, the one passage
    holding a question's rare word would gain nothing over the passages without it (its own score would
    be the floor).
    A list's `least_scales` entry is the least it is divided by: dense cosines are divided by the model's "not found"
    threshold when their best is under it, so that a list which found nothing close (MiniLM's cosines on a
    script it does not read) does not count as fully as one that did.
    """
    scores: dict[Key, float] = {}
    floors: list[tuple[dict[Key, float], float]] = []
    weights = _per_list(scored, weights, 1.0, "weights")
    whole = _per_list(scored, complete, False, "completeness flags")
    least = _per_list(scored, least_scales, 0.0, "least scales")
    for hits, weight, is_complete, least_scale in zip(scored, weights, whole, least, strict=True):
        if not hits:
            continue
        best = max(max(score for _, score in hits), least_scale)
        scale = best if best > 0 else 1.0
        normalized = {item: score / scale for item, score in hits}
        for item in normalized:
            scores.setdefault(item, 0.0)
        floor = 0.0 if is_complete else weight * min(normalized.values())
        floors.append(({item: weight * value for item, value in normalized.items()}, floor))
    for item in scores:
        scores[item] = sum(weighted.get(item, floor) for weighted, floor in floors)
    return _best_first(scores)
