"""Our ranking metrics agree with trec_eval's (through pytrec_eval) on random runs."""

from __future__ import annotations

import random

import pytest
import pytrec_eval

from app.eval.beir import read_qrels
from app.eval.metrics import evaluate, mrr_at_k, ndcg_at_k, recall_at_k


def _random_case(seed: int) -> tuple[dict[str, dict[str, int]], dict[str, list[str]]]:
    rng = random.Random(seed)
    docs = [f"d{i}" for i in range(300)]
    qrels: dict[str, dict[str, int]] = {}
    run: dict[str, list[str]] = {}
    for q in range(40):
        judged = rng.sample(docs, rng.randint(1, 6))
        qrels[f"q{q}"] = {doc: rng.choice([0, 1, 1, 2]) for doc in judged}
        pool = rng.sample(docs, 150)
        # Plant some relevant documents at random depths so every metric has something to find.
        for doc in judged:
            if rng.random() < 0.7:
                pool.insert(rng.randint(0, 120), doc)
        run[f"q{q}"] = list(dict.fromkeys(pool))[:120]
    return qrels, run


def _trec(qrels: dict[str, dict[str, int]], run: dict[str, list[str]], measures: set[str], cut: int | None = None):
    # Strictly falling scores: trec_eval's order is then exactly our list order.
    scored = {q: {doc: float(len(docs) - i) for i, doc in enumerate(docs[:cut])} for q, docs in run.items()}
    return pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(scored)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ndcg_and_recall_match_trec_eval(seed: int) -> None:
    qrels, run = _random_case(seed)
    trec = _trec(qrels, run, {"ndcg_cut.10", "recall.100"})
    for q in qrels:
        assert ndcg_at_k(run[q], qrels[q], 10) == pytest.approx(trec[q]["ndcg_cut_10"], abs=1e-9)
        assert recall_at_k(run[q], qrels[q], 100) == pytest.approx(trec[q]["recall_100"], abs=1e-9)


@pytest.mark.parametrize("seed", [4, 5])
def test_mrr_at_10_matches_trec_eval_reciprocal_rank_of_the_top_ten(seed: int) -> None:
    qrels, run = _random_case(seed)
    trec = _trec(qrels, run, {"recip_rank"}, cut=10)
    for q in qrels:
        assert mrr_at_k(run[q], qrels[q], 10) == pytest.approx(trec[q]["recip_rank"], abs=1e-9)


def test_queries_without_results_count_as_zero() -> None:
    qrels = {"a": {"d1": 1}, "b": {"d2": 1}}
    scores = evaluate({"a": ["d1"]}, qrels)
    assert scores == {"ndcg@10": 0.5, "recall@100": 0.5, "mrr@10": 0.5}


def test_qrels_reader_skips_the_header_and_keeps_grades(tmp_path) -> None:
    path = tmp_path / "test.tsv"
    path.write_text("query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq2\td1\t1\n")
    assert read_qrels(path) == {"q1": {"d1": 2, "d2": 0}, "q2": {"d1": 1}}


def test_subsample_keeps_every_judged_document_then_fills_in_file_order() -> None:
    from app.eval.beir import BeirDataset, subsample

    corpus = {f"d{i}": ("", f"text {i}") for i in range(10)}
    dataset = BeirDataset("set", corpus, {"q": "?"}, {"q": {"d7": 1, "d9": 0}})
    small = subsample(dataset, 4)
    assert list(small.corpus) == ["d7", "d9", "d0", "d1"]
    assert small.name == "set-4docs" and small.qrels == dataset.qrels


def test_an_eval_folder_that_does_not_exist_or_lacks_the_split_is_named_with_the_fix(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from app.errors import ConfigError
    from app.eval.beir import load_beir

    with pytest.raises(ConfigError, match="There is no folder") as missing:
        load_beir(tmp_path / "nope", "test")
    assert "--data" in missing.value.hint
    (tmp_path / "qrels").mkdir()
    (tmp_path / "qrels" / "dev.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    with pytest.raises(ConfigError, match=r"no judgements for the 'test' split") as no_split:
        load_beir(tmp_path, "test")
    assert no_split.value.hint == "Use --split dev."
