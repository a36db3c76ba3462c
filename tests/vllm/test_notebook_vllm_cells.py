"""The walkthrough notebook's vLLM cells, run against the compose-flag jina-architecture servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.notebooks import WALKTHROUGH, execute, printed
from tests.vllm.conftest import ServedModel


def test_the_walkthrough_vllm_cells_run_against_jina_servers(
    jina_dense: ServedModel, jina_tokens: ServedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTEBOOK_VLLM_URL", jina_dense.url)
    monkeypatch.setenv("NOTEBOOK_VLLM_LATE_URL", jina_tokens.url)
    monkeypatch.delenv("CHROMA_HOST", raising=False)
    text = printed(execute(WALKTHROUGH, cwd=tmp_path))
    assert "jina-embeddings-v4: 128-d, context 2048 tokens" in text
    assert "shape (2, 128) norms [1. 1.]" in text
    assert "| pooled dense vector (128,)" in text
    assert text.count("max difference to client-side truncation") == 3
    assert "not set" not in text
