"""Where a local model's ONNX copy lives: one per model folder and version of its files."""

from __future__ import annotations

import os
from pathlib import Path

from app.embeddings.onnx_copy import copy_path


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
