"""`test_jina_embeddings.py`, the server validation script, run as a user would against real servers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.vllm.conftest import ServedModel

SCRIPT = Path(__file__).resolve().parents[2] / "test_jina_embeddings.py"


def validate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=SCRIPT.parent, capture_output=True, text=True, timeout=300
    )


def test_a_trained_model_passes_every_check(minilm_embed: ServedModel) -> None:
    result = validate(
        "--url", minilm_embed.url, "--model", minilm_embed.model, "--api-key", str(minilm_embed.api_key),
        "--expect-dim", "384", "--dimensions", "128", "--no-prefixes",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("health", "model", "vectors", "ranking", "matryoshka", "latency"):
        assert f"PASS  {name}" in result.stdout
    assert "6 passed, 0 failed" in result.stdout


def test_the_jina_architecture_server_passes_late_and_matryoshka_checks(jina_tokens: ServedModel) -> None:
    result = validate("--url", jina_tokens.url, "--late", "--dimensions", "64", "--expect-dim", "128", "--skip-ranking")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  late tokens" in result.stdout and "64-d (client-side)" in result.stdout


def test_a_wrong_expectation_fails_with_a_readable_report(jina_dense: ServedModel) -> None:
    result = validate("--url", jina_dense.url, "--expect-dim", "2048", "--skip-ranking")
    assert result.returncode == 1
    assert "FAIL  vectors      expected 2048-d vectors, got [128]" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_server_that_is_down_fails_every_check_cleanly() -> None:
    from tests.servers import free_port

    result = validate("--url", f"http://127.0.0.1:{free_port()}", "--expect-dim", "128", "--latency-samples", "1")
    assert result.returncode == 1 and "FAIL  health" in result.stdout and "Traceback" not in result.stderr
