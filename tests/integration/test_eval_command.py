"""`python -m app eval` on a small BEIR-format folder the test writes."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from tests.beir_folder import write_beir


def test_eval_scores_each_config_and_writes_json_and_chart(tmp_path, data_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    data = write_beir(tmp_path / "tiny")
    out = tmp_path / "out"
    args = ["eval", "--data", str(data), "--split", "test", "--cache", str(tmp_path / "cache"), "--out", str(out)]
    assert main([*args, "--config", "dense", "--config", "keyword", "--config", "hybrid+rerank"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert [r["config"] for r in results] == ["dense", "keyword", "hybrid+rerank"]
    for result in results:  # each query has one relevant document, and the topics do not overlap
        assert result["ndcg_at_10"] == pytest.approx(1.0)
        assert result["recall_at_100"] == pytest.approx(1.0)
        assert result["queries"] == 4 and result["chunks"] == 4
    assert (out / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| hybrid+rerank | 1.0000 | 1.0000 | 1.0000 |" in capsys.readouterr().out


def test_eval_rerun_reuses_the_cached_index(tmp_path, data_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    data = write_beir(tmp_path / "tiny")
    cache = tmp_path / "cache"
    args = ["eval", "--data", str(data), "--split", "test", "--cache", str(cache), "--out", str(tmp_path / "out")]
    assert main([*args, "--config", "dense"]) == 0
    assert "4/4 documents, 0 of them already indexed" in capsys.readouterr().err
    assert main([*args, "--config", "dense", "--config", "dense@128"]) == 0
    log = capsys.readouterr().err
    # The 384-d index is reused as it is; the 128-d one is a second index, built once.
    assert "4/4 documents, 4 of them already indexed" in log
    assert "4/4 documents, 0 of them already indexed" in log
    assert len(list((cache / "tiny").iterdir())) == 2


def test_eval_rejects_an_unknown_config_with_a_hint(tmp_path, data_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    data = write_beir(tmp_path / "tiny")
    assert main(["eval", "--data", str(data), "--config", "dense+magic", "--cache", str(tmp_path / "c")]) == 2
    assert "Unknown eval config" in capsys.readouterr().err


def test_eval_runs_on_the_multilingual_model_which_gives_no_token_vectors(
    tmp_path, data_dir, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EMBEDDING_MODEL", "multilingual-e5-small")
    data = write_beir(tmp_path / "tiny")
    out = tmp_path / "out"
    args = ["eval", "--data", str(data), "--split", "test", "--cache", str(tmp_path / "cache"), "--out", str(out)]
    assert main([*args, "--config", "hybrid"]) == 0
    (result,) = json.loads((out / "results.json").read_text())
    assert result["ndcg_at_10"] == pytest.approx(1.0) and result["queries"] == 4
