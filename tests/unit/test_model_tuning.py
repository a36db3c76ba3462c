"""KEYWORD_WEIGHT and NOT_FOUND_THRESHOLD default to the values measured for the embedding model in use;
a setting given explicitly wins."""

from __future__ import annotations

from app.config import load_settings
from app.embeddings.tuning import E5, JINA_V4, MINILM, model_tuning
from app.retrieval.search import SearchOptions


def test_each_model_gets_its_own_row_and_an_unknown_model_minilms() -> None:
    assert model_tuning("sentence-transformers/all-MiniLM-L6-v2") is MINILM
    assert model_tuning("intfloat/multilingual-e5-small-q4") is E5
    assert model_tuning("jina-embeddings-v4") is JINA_V4
    assert model_tuning("my-own-model") is MINILM


def test_e5_is_not_given_minilms_not_found_threshold() -> None:
    # e5 puts unrelated texts above 0.7 cosine: MiniLM's 0.26 would never say "not found".
    assert E5.not_found_threshold != MINILM.not_found_threshold


def test_the_keyword_weight_comes_from_the_model_unless_it_is_set(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("KEYWORD_WEIGHT", raising=False)
    settings = load_settings()
    e5 = "intfloat/multilingual-e5-small-q4"
    assert SearchOptions.from_settings(settings, e5).keyword_weight == E5.keyword_weight
    assert SearchOptions.from_settings(settings, "all-MiniLM-L6-v2").keyword_weight == MINILM.keyword_weight
    explicit = load_settings(KEYWORD_WEIGHT=0.35)
    assert SearchOptions.from_settings(explicit, e5).keyword_weight == 0.35
    assert SearchOptions.from_settings(settings, "x", keyword_weight=0.9).keyword_weight == 0.9
