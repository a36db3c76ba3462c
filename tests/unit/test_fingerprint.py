from app.store.fingerprint import IndexFingerprint

MINILM = IndexFingerprint("local", "sentence-transformers/all-MiniLM-L6-v2", "dense", 384, "none", "sentence/200/30")
BGE = IndexFingerprint("vllm", "BAAI/bge-m3", "dense", 1024, "none", "sentence/512/50")


def test_fingerprint_survives_a_json_round_trip() -> None:
    assert IndexFingerprint.from_json(MINILM.to_json()) == MINILM


def test_differences_name_each_changed_field_with_both_values() -> None:
    differences = BGE.differences(MINILM)
    assert "dimension: 1024 -> 384" in differences
    assert "model: BAAI/bge-m3 -> sentence-transformers/all-MiniLM-L6-v2" in differences
    assert not any(d.startswith("vector_type") for d in differences)
    assert MINILM.differences(MINILM) == []


def test_description_names_model_and_dimension() -> None:
    assert "BAAI/bge-m3" in BGE.describe() and "1024-d" in BGE.describe()
