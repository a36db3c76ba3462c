"""The packaged MiniLM, loaded for real, against sentence-transformers as the reference."""

import asyncio
import json
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.embeddings.local import LocalEmbedding, packaged_model_dir
from app.errors import ConfigError, EmbeddingError

TEXTS = ["hello world", "The coolant pump was replaced in March 2021 after a bearing failure.", "short"]


def test_dense_vectors_match_sentence_transformers(embedding: LocalEmbedding) -> None:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(packaged_model_dir()), device="cpu").encode(TEXTS, normalize_embeddings=True)
    ours = np.asarray(embedding.get_text_embedding_batch(TEXTS))
    assert ours.shape == (3, 384)
    assert np.abs(ours - reference).max() < 1e-5


def test_token_vectors_are_unit_length_one_per_token(embedding: LocalEmbedding) -> None:
    tokens = embedding.embed_tokens(["hello world"])[0]
    assert tokens.shape == (len(embedding.tokenize("hello world")) + embedding.special_tokens_per_text, 384)
    assert np.linalg.norm(tokens, axis=1) == pytest.approx(np.ones(len(tokens)), abs=1e-5)


def test_async_methods_return_the_sync_vectors(embedding: LocalEmbedding) -> None:
    sync = embedding.get_text_embedding_batch(TEXTS)
    async_ = asyncio.run(embedding.aget_text_embedding_batch(TEXTS))
    assert np.allclose(sync, async_, atol=1e-6)
    assert np.allclose(embedding.get_query_embedding("hello world"), sync[0], atol=1e-6)


def test_a_question_is_encoded_once_for_its_vector_and_its_rerank_tokens(embedding: LocalEmbedding) -> None:
    calls: list[list[str]] = []
    encode = embedding._token_states

    def counting(texts: list[str]):  # type: ignore[no-untyped-def]
        calls.append(texts)
        return encode(texts)

    embedding.__dict__["_token_states"] = counting  # instance attribute: only this test's calls are counted
    try:
        for question in (TEXTS[1], TEXTS[0]):
            vector = embedding.get_query_embedding(question)
            tokens = embedding.embed_tokens([question], query=True)[0]
            assert np.allclose(vector, embedding.get_text_embedding(question), atol=1e-6)
            assert np.allclose(tokens, embedding.embed_tokens([question])[0], atol=1e-6)
    finally:
        del embedding.__dict__["_token_states"]
    questions = [texts for texts in calls if texts in ([TEXTS[1]], [TEXTS[0]])]
    assert len(questions) == 2 + 4, "one pass per question, plus the comparisons' own passes"


def test_batching_does_not_change_vectors(embedding: LocalEmbedding) -> None:
    one_by_one = [embedding.get_text_embedding(t) for t in TEXTS]
    assert np.allclose(one_by_one, embedding.get_text_embedding_batch(TEXTS), atol=1e-5)


def test_model_limits_are_read_from_the_folder(embedding: LocalEmbedding) -> None:
    assert embedding.dimension == 384
    assert embedding.max_tokens == 256
    assert embedding.model_name == "sentence-transformers/all-MiniLM-L6-v2"


def test_a_folder_without_a_model_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="holds no model") as caught:
        LocalEmbedding(model_path=tmp_path)
    assert "EMBEDDING_BACKEND=vllm" in caught.value.hint


def test_matryoshka_dimensions_truncate_and_renormalize(embedding: LocalEmbedding) -> None:
    small = LocalEmbedding(dimensions=128)
    full = np.asarray(embedding.get_text_embedding_batch(TEXTS))
    truncated = np.asarray(small.get_text_embedding_batch(TEXTS))
    assert small.dimension == 128 and truncated.shape == (3, 128)
    expected = full[:, :128] / np.linalg.norm(full[:, :128], axis=1, keepdims=True)
    assert np.abs(truncated - expected).max() < 1e-5


def test_dimensions_beyond_the_model_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="larger than the 384-d"):
        LocalEmbedding(dimensions=512)


def test_vector_cache_serves_repeats_and_every_matryoshka_size_from_one_entry(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.embeddings.vector_cache import VectorCache

    texts = ["The pump turns at 3000 rpm.", "Tomatoes need sun."]
    plain = LocalEmbedding(dimensions=128).embed_dense(texts)
    cache = VectorCache(tmp_path / "vectors.sqlite3", "minilm")
    full = LocalEmbedding()
    full.use_vector_cache(cache)
    first = full.embed_dense(texts)
    assert all(vector is not None for vector in cache.get(texts))
    cut = LocalEmbedding(dimensions=128)
    cut.use_vector_cache(cache)
    for cached, fresh in zip(cut.embed_dense(texts), plain, strict=True):
        np.testing.assert_allclose(cached, fresh, atol=1e-6)
    np.testing.assert_allclose(full.embed_dense(texts), first, atol=0)
    # A planted entry proves lookups come from the cache, not from the model.
    planted = np.zeros(384, dtype=np.float32)
    planted[0] = 1.0
    cache.put(["planted"], [planted])
    assert cut.embed_dense(["planted"])[0][0] == pytest.approx(1.0)


def test_tokenize_gives_the_sub_word_pieces_the_model_counts(embedding: LocalEmbedding) -> None:
    text = "Coolant pumps were replaced."
    pieces = embedding.tokenize(text)
    assert all(isinstance(piece, str) for piece in pieces)
    from transformers import AutoTokenizer

    reference = AutoTokenizer.from_pretrained(str(packaged_model_dir()), local_files_only=True)
    assert pieces == reference.tokenize(text)
    assert len(pieces) == embedding.count_tokens(text) == len(reference.encode(text, add_special_tokens=False))


def test_the_local_model_reads_text_and_gives_token_vectors_but_no_images(embedding: LocalEmbedding) -> None:
    assert embedding.has_token_vectors
    assert not embedding.reads_images
    assert (embedding.query_prefix, embedding.passage_prefix) == ("", "")
    with pytest.raises(EmbeddingError, match="has no image path"):
        embedding.embed_image(b"\x89PNG")


def test_the_app_runs_the_local_model_on_its_onnx_copy(embedding: LocalEmbedding) -> None:
    assert embedding.runtime.name == "onnxruntime"


def test_the_onnx_copy_gives_what_torch_gives(embedding: LocalEmbedding) -> None:
    on_torch = LocalEmbedding()  # no model cache: the model runs on torch
    assert on_torch.runtime.name == "torch"
    long_text = "The pump turns at 3000 rpm and the valve stays shut. " * 60  # cut to the model's 256 tokens
    texts = [*TEXTS, long_text, "Ünïcödé: 北京市 and ﬁnance", ""]
    for text in texts:
        assert embedding.tokenize(text) == on_torch.tokenize(text), text
    assert embedding.special_tokens_per_text == on_torch.special_tokens_per_text == 2
    np.testing.assert_allclose(embedding.embed_dense(texts), on_torch.embed_dense(texts), atol=1e-5)
    for ours, theirs in zip(embedding.embed_tokens(texts), on_torch.embed_tokens(texts), strict=True):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, atol=1e-4)
    spans = [(0, 9), (10, 30), (4000, 4100)]  # the last one lies past the model's window
    for ours, theirs in zip(
        embedding.encode_spans(long_text, spans), on_torch.encode_spans(long_text, spans), strict=True
    ):
        assert (ours is None) == (theirs is None)
        if ours is not None and theirs is not None:
            np.testing.assert_allclose(ours[0], theirs[0], atol=1e-4)


def linked_model_folder(folder: Path, *, without: str = "") -> Path:
    """The packaged model under another path (its files linked, not copied), so it gets its own ONNX copy."""
    folder.mkdir()
    for file in packaged_model_dir().iterdir():
        if file.name != without:
            (folder / file.name).symlink_to(file)
    return folder


def test_a_model_folder_without_a_stated_token_limit_reads_long_texts_up_to_its_positions(tmp_path: Path) -> None:
    # A folder of one's own: no tokenizer_config.json, or one without model_max_length (transformers' default is
    # then "no limit", 1e30), and no sentence_bert_config.json. The model has 512 positions (config.json).
    bare = linked_model_folder(tmp_path / "bare", without="tokenizer_config.json")
    (bare / "sentence_bert_config.json").unlink()
    unlimited = linked_model_folder(tmp_path / "unlimited", without="tokenizer_config.json")
    (unlimited / "sentence_bert_config.json").unlink()
    stated = json.loads((packaged_model_dir() / "tokenizer_config.json").read_text())
    del stated["model_max_length"]
    (unlimited / "tokenizer_config.json").write_text(json.dumps(stated))
    long_text = "The coolant pump was replaced. " * 200  # about 1,200 tokens

    for folder in (bare, unlimited):
        model = LocalEmbedding(model_path=folder)
        assert model.max_tokens == 512
        (vector,) = model.embed_dense([long_text])
        assert vector.shape == (384,)
    trained = linked_model_folder(tmp_path / "trained", without="tokenizer_config.json")
    assert LocalEmbedding(model_path=trained).max_tokens == 256  # sentence_bert_config.json's, as before


def test_a_distilbert_folder_runs_on_its_onnx_copy_as_on_torch(tmp_path: Path) -> None:
    # DistilBERT's config.json names its width `dim` (no `hidden_size`) and its model takes no token_type_ids.
    from transformers import DistilBertConfig, DistilBertModel

    folder = tmp_path / "distilbert"
    config = DistilBertConfig(vocab_size=30522, dim=64, hidden_dim=128, n_layers=2, n_heads=2)  # MiniLM's vocabulary
    DistilBertModel(config).save_pretrained(folder)  # random weights: made here, nothing downloaded
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        (folder / name).symlink_to(packaged_model_dir() / name)

    model = LocalEmbedding(model_path=folder, model_cache=str(tmp_path / "cache"))
    reference = LocalEmbedding(model_path=folder)

    assert (model.dimension, model.max_tokens, model.runtime.name) == (64, 512, "onnxruntime")
    texts = [*TEXTS, "A long text about pumps. " * 150]
    np.testing.assert_allclose(model.embed_dense(texts), reference.embed_dense(texts), atol=1e-5)


def test_a_model_config_without_a_vector_size_is_a_config_error(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "mystery"}')
    (folder / "model.safetensors").symlink_to(packaged_model_dir() / "model.safetensors")
    with pytest.raises(ConfigError, match="no vector size"):
        LocalEmbedding(model_path=folder)


def test_a_model_folder_without_weights_is_a_config_error_not_a_traceback(tmp_path: Path) -> None:
    folder = linked_model_folder(tmp_path / "model", without="model.safetensors")
    with pytest.raises(ConfigError, match="holds no weights") as raised:
        LocalEmbedding(model_path=folder, model_cache=str(tmp_path / "cache"))
    assert "model.safetensors" in raised.value.message
    assert not (tmp_path / "cache").exists(), "nothing tried: no export, no note"


def test_a_tokenizer_that_cuts_long_texts_on_the_left_does_so_on_the_onnx_copy_too(tmp_path: Path) -> None:
    folder = linked_model_folder(tmp_path / "model", without="tokenizer_config.json")
    stated = json.loads((packaged_model_dir() / "tokenizer_config.json").read_text())
    (folder / "tokenizer_config.json").write_text(json.dumps({**stated, "truncation_side": "left"}))
    long_text = "Cats sleep sixteen hours a day. " + "The report goes on. " * 200 + "Ovens reach 550 degrees."

    model = LocalEmbedding(model_path=folder, model_cache=str(tmp_path / "cache"))
    reference = LocalEmbedding(model_path=folder)

    assert model.runtime.name == "onnxruntime"
    np.testing.assert_allclose(model.embed_dense([long_text]), reference.embed_dense([long_text]), atol=1e-5)


def test_a_tokenizer_config_that_changes_the_tokenizer_json_pieces_keeps_the_model_on_torch(tmp_path: Path) -> None:
    # transformers applies tokenizer_config.json's strip_accents over tokenizer.json; onnxruntime's side would not.
    folder = linked_model_folder(tmp_path / "model", without="tokenizer_config.json")
    stated = json.loads((packaged_model_dir() / "tokenizer_config.json").read_text())
    (folder / "tokenizer_config.json").write_text(json.dumps({**stated, "strip_accents": False}))

    model = LocalEmbedding(model_path=folder, model_cache=str(tmp_path / "cache"))

    assert model.runtime.name == "torch"
    (note,) = (tmp_path / "cache").glob("*.failed")
    assert "tokenizer.json pieces" in note.read_text()
    text = "Le café coûte cher à Zürich"
    assert model.tokenize(text) == LocalEmbedding(model_path=folder).tokenize(text)


def test_a_model_folder_without_tokenizer_json_runs_on_torch(tmp_path: Path) -> None:
    folder = linked_model_folder(tmp_path / "model", without="tokenizer.json")
    model = LocalEmbedding(model_path=folder, model_cache=str(tmp_path / "cache"))
    assert model.runtime.name == "torch"
    assert list((tmp_path / "cache").glob("*")) == []
    assert model.embed_dense(["Cats sleep sixteen hours a day."])[0].shape == (384,)


def test_a_model_whose_export_fails_runs_on_torch_and_is_not_exported_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.embeddings import onnx_copy

    attempts: list[Path] = []

    def failing_export(folder: Path, target: Path, max_tokens: int) -> None:
        attempts.append(folder)
        raise RuntimeError("Unsupported operator: aten::frobnicate")

    monkeypatch.setattr(onnx_copy, "_export", failing_export)
    folder = linked_model_folder(tmp_path / "model")
    for _ in range(2):
        model = LocalEmbedding(model_path=folder, model_cache=str(tmp_path / "cache"))
        assert model.runtime.name == "torch"
    assert len(attempts) == 1
    (note,) = (tmp_path / "cache").glob("*.failed")
    assert "aten::frobnicate" in note.read_text()
    assert list((tmp_path / "cache").glob("*.onnx")) == []


def test_an_exporter_oserror_of_no_system_call_is_the_models_failure_and_noted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # transformers raises OSError for a model it cannot load ("no file named ..."): no errno, not a full disk.
    from app.embeddings import onnx_copy

    def unloadable(folder: Path, target: Path, max_tokens: int) -> None:
        raise OSError(f"Error no file named pytorch_model.bin found in directory {folder}.")

    monkeypatch.setattr(onnx_copy, "_export", unloadable)
    folder = linked_model_folder(tmp_path / "model")
    assert LocalEmbedding(model_path=folder, model_cache=str(tmp_path / "cache")).runtime.name == "torch"
    (note,) = (tmp_path / "cache").glob("*.failed")
    assert "no file named" in note.read_text()


def test_a_model_cache_that_cannot_be_written_costs_speed_not_the_model(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    folder = linked_model_folder(tmp_path / "model")
    model = LocalEmbedding(model_path=folder, model_cache=str(blocker / "models"))
    assert model.runtime.name == "torch"
    assert model.embed_dense(["Cats sleep sixteen hours a day."])[0].shape == (384,)


def test_a_missing_exporter_package_is_tried_again_once_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.embeddings import onnx_copy

    attempts: list[Path] = []

    def exporter_not_installed(folder: Path, target: Path, max_tokens: int) -> None:
        attempts.append(folder)
        raise ImportError("No module named 'onnxscript'", name="onnxscript")

    monkeypatch.setattr(onnx_copy, "_export", exporter_not_installed)
    folder = linked_model_folder(tmp_path / "model")
    for _ in range(2):
        assert LocalEmbedding(model_path=folder, model_cache=str(tmp_path / "cache")).runtime.name == "torch"
    assert len(attempts) == 2, "the installation's fault: no note that would stop the next try"
    assert list((tmp_path / "cache").glob("*.failed")) == []


def test_a_model_folder_gets_its_onnx_copy_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.embeddings import onnx_copy

    folder = linked_model_folder(tmp_path / "model")
    copy = onnx_copy.ensure_copy(folder, tmp_path / "cache", max_tokens=256)  # the real export and its check
    assert copy is not None and copy.is_file() and copy.parent == tmp_path / "cache"
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.suffix in (".partial", ".failed")] == []

    def no_second_export(*args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_copy, "_export", no_second_export)
    model = LocalEmbedding(model_path=folder, model_cache=str(tmp_path / "cache"))
    assert model.runtime.name == "onnxruntime"
    reference = LocalEmbedding(model_path=folder)
    np.testing.assert_allclose(model.embed_dense(TEXTS), reference.embed_dense(TEXTS), atol=1e-5)


def test_a_damaged_onnx_copy_runs_on_torch_and_is_made_again(tmp_path: Path) -> None:
    from app.embeddings.onnx_copy import copy_path

    folder = linked_model_folder(tmp_path / "model")
    damaged = copy_path(folder, tmp_path / "cache")
    damaged.parent.mkdir()
    damaged.write_bytes(b"\x08\x07not a model")  # e.g. a disk that lost blocks
    model = LocalEmbedding(model_path=folder, model_cache=str(tmp_path / "cache"))
    assert model.runtime.name == "torch"
    assert model.embed_dense(["Cats sleep sixteen hours a day."])[0].shape == (384,)
    assert not damaged.exists(), "removed, so that the next start makes a good copy"


def test_a_copy_that_does_not_fit_on_the_disk_leaves_no_note_and_no_partial_file(tmp_path: Path) -> None:
    # A file size limit stands in for a full disk: the 90 MB copy stops at 20 MB with an OSError (EFBIG).
    folder = linked_model_folder(tmp_path / "model")
    cache = tmp_path / "cache"
    code = (
        "import sys; from app.embeddings.local import LocalEmbedding;"
        "print(LocalEmbedding(model_path=sys.argv[1], model_cache=sys.argv[2]).runtime.name)"
    )

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000_000, resource.RLIM_INFINITY))

    run = subprocess.run(
        [sys.executable, "-c", code, str(folder), str(cache)],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit_file_size,
    )

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "torch"
    assert "cannot be written" in run.stderr
    left = sorted(p.suffix for p in cache.iterdir())
    assert left == [".lock"], "no .failed note (the next start tries again), no .partial file (20 MB)"
