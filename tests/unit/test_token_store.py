"""Token vectors on disk: staged while a document is embedded, searchable only once published."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from app.store.token_store import STALE_STAGING_SECONDS, TokenStore

TOKENS = np.eye(3, 4, dtype=np.float32)


def test_staged_token_vectors_are_found_only_after_publish(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens")
    with store.staged("doc") as staged:
        staged.save("chunk-0", TOKENS)
        assert store.load("doc", "chunk-0") is None
        staged.publish()
    loaded = store.load("doc", "chunk-0")
    assert loaded is not None and loaded.dtype == np.float16
    assert np.array_equal(loaded, TOKENS)
    assert [p.name for p in (tmp_path / "tokens").iterdir()] == ["doc"]


def test_token_vectors_never_published_are_deleted_with_the_staging_block(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens")
    with pytest.raises(RuntimeError), store.staged("doc") as staged:
        staged.save("chunk-0", TOKENS)
        raise RuntimeError("the write failed")
    assert list((tmp_path / "tokens").rglob("*")) == []


def test_clean_up_leaves_a_staging_folder_in_use_and_removes_a_crashed_one(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens")
    with store.staged("busy") as busy:
        busy.save("chunk-0", TOKENS)
        crashed = tmp_path / "tokens" / ".staging-crashed-1"
        crashed.mkdir()
        long_ago = time.time() - STALE_STAGING_SECONDS - 60
        os.utime(crashed, (long_ago, long_ago))
        store.forget_except(set())
        names = [p.name for p in (tmp_path / "tokens").iterdir()]
        assert len(names) == 1 and names[0].startswith(".staging-busy")
