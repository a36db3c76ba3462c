"""Where a local model's ONNX copy lives (one per model folder and version of its files), and its loading."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from app.embeddings.onnx_copy import copy_path
from app.embeddings.runtimes import load_session_in_background, onnx_session


def model_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"hidden_size": 4}')
    (folder / "model.safetensors").write_bytes(b"weights")
    return folder


def test_a_changed_weight_file_gets_a_new_copy(tmp_path: Path) -> None:
    folder = model_folder(tmp_path / "model")
    before = copy_path(folder, tmp_path / "cache")
    assert copy_path(folder, tmp_path / "cache") == before
    os.utime(folder / "model.safetensors", ns=(1, 1))
    assert copy_path(folder, tmp_path / "cache") != before


def test_two_folders_of_one_name_get_two_copies(tmp_path: Path) -> None:
    one = model_folder(tmp_path / "a" / "model")
    other = model_folder(tmp_path / "b" / "model")
    assert copy_path(one, tmp_path / "cache") != copy_path(other, tmp_path / "cache")
    assert copy_path(one, tmp_path / "cache").parent == tmp_path / "cache"
    assert copy_path(one, tmp_path / "cache").name.startswith("model-")


def test_a_copy_made_inside_its_own_model_folder_keeps_its_name(tmp_path: Path) -> None:
    # MODEL_CACHE_DIR set to the model folder: the copy, its lock and its notes must not rename the next copy.
    folder = model_folder(tmp_path / "model")
    copy = copy_path(folder, folder)
    for made in (copy, copy.with_suffix(".lock"), copy.with_suffix(".partial"), copy.with_suffix(".failed")):
        made.write_bytes(b"made by the export")
        assert copy_path(folder, folder) == copy, made.suffix
    (folder / "tokenizer.json").write_text("{}")  # a file of the model still counts
    assert copy_path(folder, folder) != copy


def test_a_damaged_copy_loaded_in_the_background_prints_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `ask` loads the session beside its imports; the model's own load then reports the damage and runs on torch.
    damaged = tmp_path / "model-0123.onnx"
    damaged.write_bytes(b"not a protobuf")
    uncaught: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", uncaught.append)

    load_session_in_background(damaged, threads=1).join(timeout=60)

    assert uncaught == []
    with pytest.raises(Exception, match=r"(?i)protobuf"):
        onnx_session(damaged, threads=1)  # the load that needs it still learns why
