"""notebooks/RAG_with_LlamaIndex.ipynb runs top to bottom on the embedded defaults (the packaged model,
an embedded Chroma in a temp folder, no LLM); its vLLM cells run in tests/vllm against real servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.notebooks import WALKTHROUGH, execute, printed


def test_the_walkthrough_runs_top_to_bottom_on_embedded_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NOTEBOOK_VLLM_URL", "NOTEBOOK_VLLM_LATE_URL", "CHROMA_HOST", "OPENAI_API_BASE", "LLM_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    document = execute(WALKTHROUGH, cwd=tmp_path)
    text = printed(document)
    assert "all-MiniLM-L6-v2 384-d" in text
    assert "reactor.md       indexed" in text and "again: ['skipped']" in text
    assert "extractive" in text and "[1] reactor.md" in text
    assert "NOTEBOOK_VLLM_URL is not set" in text
    assert "was built with" in text, "the fingerprint guard refused the other dimension"
    assert "switched: True" in text and "new: 'documents--" in text and "5 documents, 5 chunks" in text
    assert "128-d" in text and "top source: reactor.md" in text
    assert not list(tmp_path.iterdir()), "the notebook writes only to its own temp folder"
