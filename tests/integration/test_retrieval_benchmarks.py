"""The retrieval benchmarks run end to end on a small BEIR folder (their figures come from full runs)."""

from __future__ import annotations

import sys

import pytest

from benchmarks import fusion_grid, matryoshka, maxsim_tokens, rerank_latency
from tests.beir_folder import write_beir


@pytest.mark.parametrize(
    ("module", "extra", "expected"),
    [
        (fusion_grid, [], "| score fusion, keyword weight 0.6, BM25 k1=0.9 b=0.4 context=0.5 | 1.0000 |"),
        (maxsim_tokens, ["--candidates", "4"], "| neither with specials |"),
        (rerank_latency, ["--candidates", "4", "--queries", "4"], "KiB per chunk"),
        (matryoshka, ["--sizes", "128"], "| 128 | 512 | 1.0000 |"),
    ],
)
def test_benchmark_runs_on_a_small_beir_folder(
    module, extra, expected, tmp_path, data_dir, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    data = write_beir(tmp_path / "tiny")
    argv = ["bench", "--data", str(data), "--split", "test", "--cache", str(tmp_path / "cache"), *extra]
    monkeypatch.setattr(sys, "argv", argv)
    module.main()
    assert expected in capsys.readouterr().out
