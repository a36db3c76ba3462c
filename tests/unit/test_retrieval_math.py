"""Fusion and MaxSim: the pure pieces of hybrid retrieval and late-interaction rerank."""

from __future__ import annotations

import numpy as np
import pytest
from llama_index.core.schema import TextNode

from app.embeddings.pooling import l2_normalize, maxsim, maxsim_many
from app.retrieval.fusion import reciprocal_rank_fusion, score_fusion
from app.retrieval.search import _rerank


def test_rrf_sums_reciprocal_ranks_over_lists() -> None:
    fused = dict(reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["b"] == pytest.approx(1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)


def test_rrf_ranks_an_item_found_by_both_lists_above_one_found_by_one() -> None:
    fused = [item for item, _ in reciprocal_rank_fusion([["x", "both"], ["y", "both"]], k=1)]
    assert fused[0] == "both"


def test_rrf_weight_zero_ignores_a_list_and_ties_keep_first_seen_order() -> None:
    fused = [item for item, _ in reciprocal_rank_fusion([["a", "b"], ["b", "z"]], k=60, weights=[1.0, 0.0])]
    assert fused == ["a", "b", "z"]


def test_rrf_needs_one_weight_per_list() -> None:
    with pytest.raises(ValueError, match="weights"):
        reciprocal_rank_fusion([["a"], ["b"]], weights=[1.0])


def test_score_fusion_divides_each_list_by_its_best_and_weights_the_sum() -> None:
    dense = [("a", 0.8), ("b", 0.4)]
    bm25 = [("b", 20.0), ("c", 10.0)]
    fused = dict(score_fusion([dense, bm25], weights=[1.0, 0.5]))
    # A missing item gets its list's lowest normalized score: a is below c in BM25, c below b in dense.
    assert fused["a"] == pytest.approx(1.0 + 0.5 * 0.5)
    assert fused["b"] == pytest.approx(0.5 + 0.5 * 1.0)
    assert fused["c"] == pytest.approx(0.5 + 0.5 * 0.5)


def test_score_fusion_keeps_margins_that_rank_fusion_drops() -> None:
    # "near" is a close second in dense and first in BM25; "far" wins dense by a mile and misses BM25.
    dense = [("far", 0.9), ("near", 0.3), ("other", 0.29)]
    bm25 = [("near", 5.0), ("other", 4.9)]
    assert score_fusion([dense, bm25])[0][0] == "far"
    assert reciprocal_rank_fusion([[c for c, _ in dense], [c for c, _ in bm25]], k=10)[0][0] == "near"


def test_the_only_keyword_hit_wins_when_keyword_search_found_nothing_else() -> None:
    # Dense cosines of a model that does not read the language: noise. Only "ar" holds the question's word.
    dense = [("zh", 0.36), ("hi", 0.27), ("ar", 0.20)]
    keyword = [("ar", 7.3)]
    # Asked for 50 and found 1: every other chunk scores 0 in the keyword list, not the hit's own score.
    assert score_fusion([dense, keyword], weights=[1.0, 0.6], complete=[False, True])[0][0] == "ar"
    # A list cut at its depth says nothing of what it left out: the missing get its lowest score.
    assert score_fusion([dense, keyword], weights=[1.0, 0.6], complete=[False, False])[0][0] == "zh"
    with pytest.raises(ValueError, match="completeness"):
        score_fusion([dense, keyword], complete=[True])


def test_a_dense_list_that_found_nothing_close_does_not_count_fully_against_the_one_keyword_hit() -> None:
    # MiniLM on "15%" over documents in scripts it does not read: the best cosine, 0.19, is under the "not found"
    # threshold (0.26), and the only document holding "15%" is far down in it.
    dense = [("th", 0.19), ("ar", 0.12), ("ja", 0.06)]
    keyword = [("ja", 4.1)]
    lists, weights, complete = [dense, keyword], [1.0, 0.6], [False, True]
    assert score_fusion(lists, weights=weights, complete=complete)[0][0] == "th"  # 0.19 counted as a full match
    fused = score_fusion(lists, weights=weights, complete=complete, least_scales=[0.26, 0.0])
    assert fused[0][0] == "ja"
    assert dict(fused)["th"] == pytest.approx(0.19 / 0.26)
    # Above the threshold, the best passage is divided by itself as before.
    close = [("th", 0.61), ("ja", 0.3)]
    assert dict(score_fusion([close], least_scales=[0.26]))["th"] == pytest.approx(1.0)


def test_score_fusion_of_one_list_keeps_its_order_and_ignores_empty_lists() -> None:
    dense = [("a", 0.9), ("b", 0.5), ("c", 0.5)]
    assert [item for item, _ in score_fusion([dense, []], weights=[1.0, 3.0])] == ["a", "b", "c"]
    assert score_fusion([[], []]) == []
    with pytest.raises(ValueError, match="weights"):
        score_fusion([dense], weights=[1.0, 1.0])


class _FixedMaxSim:
    def __init__(self, scores: dict[str, float]) -> None:
        self._scores = scores

    def scores(self, question: str, chunks: list[tuple[str, str, str]]) -> list[float]:
        return [self._scores[chunk_id] for chunk_id, _, _ in chunks]


def test_rerank_blends_first_stage_and_maxsim_scores_by_the_weight() -> None:
    ranked = ["a", "b", "c"]
    nodes = {chunk_id: TextNode(id_=chunk_id, text=chunk_id) for chunk_id in ranked}
    first_stage = {"a": 1.0, "b": 0.9, "c": 0.5}
    late = _FixedMaxSim({"a": 6.0, "b": 8.0, "c": 10.0})

    def order(weight: float) -> list[str]:
        return _rerank(late, "q", ranked, nodes, first_stage, weight)  # type: ignore[arg-type]

    assert order(0.0) == ["a", "b", "c"]
    assert order(1.0) == ["c", "b", "a"]
    # 0.5: a 0.8, b 0.85, c 0.75: b is good in both and wins.
    assert order(0.5) == ["b", "a", "c"]


def test_maxsim_takes_each_query_tokens_best_match_and_sums() -> None:
    query = l2_normalize(np.array([[1.0, 0.0], [0.0, 1.0]]))
    doc = l2_normalize(np.array([[1.0, 0.0], [1.0, 1.0]]))
    # token 1 best matches doc token 1 (1.0); token 2 best matches doc token 2 (1/sqrt 2).
    assert maxsim(query, doc) == pytest.approx(1.0 + 2**-0.5)


def test_maxsim_of_a_document_containing_the_query_tokens_is_the_query_length() -> None:
    rng = np.random.default_rng(0)
    query = l2_normalize(rng.normal(size=(5, 16)))
    doc = np.vstack([l2_normalize(rng.normal(size=(7, 16))), query])
    assert maxsim(query, doc) == pytest.approx(5.0, abs=1e-5)
    assert maxsim(query, np.zeros((0, 16))) == 0.0


def test_batched_maxsim_equals_one_product_per_document_float16_and_empty_included() -> None:
    rng = np.random.default_rng(1)
    query = l2_normalize(rng.normal(size=(4, 8)))
    docs = [l2_normalize(rng.normal(size=(n, 8))) for n in (3, 1, 9)]
    docs = [docs[0], np.zeros((0, 8)), docs[1].astype(np.float16), docs[2]]
    assert maxsim_many(query, docs) == pytest.approx([maxsim(query, doc) for doc in docs], abs=1e-5)
    assert maxsim_many(query, []) == []
    assert maxsim_many(np.zeros((0, 8)), docs) == [0.0] * 4


@pytest.mark.parametrize(
    ("question", "documents", "mode"),
    [
        ("es", {"en"}, "dense"),  # a Spanish question on English documents: dense only
        ("zh", {"en", "de"}, "dense"),
        ("en", {"en"}, "hybrid"),  # the documents' own language: both lists
        ("de", {"en", "de"}, "hybrid"),  # some documents share it
        (None, {"en"}, "hybrid"),  # the question's language cannot be told
        ("es", set(), "hybrid"),  # no document's language is known
    ],
)
def test_hybrid_becomes_dense_only_for_a_question_in_none_of_the_documents_languages(
    question: str | None, documents: set[str], mode: str
) -> None:
    from app.retrieval.search import SearchOptions

    assert SearchOptions(mode="hybrid").for_languages(question, documents).mode == mode
    assert SearchOptions(mode="keyword").for_languages(question, documents).mode == "keyword"


def test_a_dense_hit_is_scored_by_its_cosine_and_its_best_sentence() -> None:
    from app.retrieval.search import _with_best_sentences
    from app.store.chroma import DOC_KEY

    nodes = {chunk_id: TextNode(id_=chunk_id, text=chunk_id, metadata={DOC_KEY: "d"}) for chunk_id in "abc"}
    query = [1.0, 0.0]
    # "a" is nearer as a whole; one sentence of "b" is the question itself; "c" has no sentence vectors.
    stored = {"a": np.array([[0.6, 0.8], [0.7, 0.71]]), "b": np.array([[0.0, 1.0], [1.0, 0.0]])}
    dense = [("a", 0.7), ("b", 0.5), ("c", 0.6)]

    scored = _with_best_sentences(dense, nodes, query, lambda doc, chunk_id: stored.get(chunk_id), 0.5)

    assert [chunk_id for chunk_id, _ in scored] == ["b", "a", "c"]
    assert dict(scored) == pytest.approx({"b": 0.5 * 0.5 + 0.5 * 1.0, "a": 0.5 * 0.7 + 0.5 * 0.7, "c": 0.6})
