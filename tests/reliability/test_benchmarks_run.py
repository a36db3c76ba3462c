"""The reliability benchmarks run end to end at a reduced size (their figures are for the README, not asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

REDUCED = {
    "api_load": ["--chunks", "40", "--clients", "3", "--seconds", "5"],
    "ingest": ["--limit", "12", "--mixed-files", "4"],
    "memory": ["--limit", "8"],
    "ods_reading": ["--rows", "300", "--repeats", "1"],
    "page_view": ["--pages", "10"],
    "query_latency": ["--sizes", "100,300", "--queries", "4", "--recompute-queries", "2"],
    "load": ["--docs", "10", "--streams", "4", "--questions", "2"],  # extractive: no LLM server here
    "spreadsheet_reading": ["--rows", "500", "--repeats", "1", "--baseline", "HEAD"],
}


@pytest.mark.parametrize("name", sorted(REDUCED))
def test_benchmark_runs_at_reduced_size_and_prints_its_readme_line(name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", *REDUCED[name]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "\nREADME: " in done.stdout, done.stdout[-2000:]
    assert "nan" not in done.stdout.split("README: ")[1], done.stdout[-2000:]
