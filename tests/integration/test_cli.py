"""`python -m app` in fresh processes: the index written by one run is found by the next."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.embeddings.local import LocalEmbedding
from tests.conftest import PAGE2_QUESTION, make_docx

ROOT = Path(__file__).resolve().parents[2]


def run_cli(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_BASE", "LLM_API_BASE")}
    environment.update(DATA_DIR=str(data_dir), **env)
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def upload_folder(tmp_path: Path, report_pdf: bytes) -> Path:
    folder = tmp_path / "uploads"
    (folder / "sub").mkdir(parents=True)
    (folder / "report.pdf").write_bytes(report_pdf)
    (folder / "sub" / "notes.docx").write_bytes(make_docx({"Pets": "Cats sleep sixteen hours a day."}))
    (folder / "sub" / "corrupt.pdf").write_bytes(b"%PDF-1.5\nnot really")
    return folder


def test_ingest_ask_status_across_processes(tmp_path: Path, upload_folder: Path) -> None:
    data = tmp_path / "index"
    ingest = run_cli(data, "ingest", "--quiet", str(upload_folder))
    assert ingest.returncode == 1, "a failed file makes the run fail"
    assert "2 indexed, 0 replaced, 0 skipped, 1 failed" in ingest.stdout
    assert "failed   sub/corrupt.pdf" in ingest.stdout and "damaged" in ingest.stdout

    again = run_cli(data, "ingest", "--quiet", str(upload_folder / "report.pdf"))
    assert again.returncode == 0 and "0 indexed, 0 replaced, 1 skipped, 0 failed" in again.stdout

    ask = run_cli(data, "ask", "--json", PAGE2_QUESTION)
    assert ask.returncode == 0, ask.stderr
    payload = json.loads(ask.stdout)
    assert payload["mode"] == "extractive"
    assert "550 degrees" in payload["answer"]
    top = payload["sources"][0]
    assert (top["file"], top["location"]) == ("report.pdf", "page 2")
    assert set(top) == {"file", "location", "score", "text"}

    status = run_cli(data, "status")
    assert status.returncode == 0
    assert "documents:  2" in status.stdout and "384-d" in status.stdout and "all-MiniLM-L6-v2" in status.stdout


def test_ask_runs_the_model_without_torch_once_its_onnx_copy_exists(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "cats.txt").write_text("Cats sleep sixteen hours a day. They hunt at dawn.")
    (folder / "ovens.txt").write_text("The oven reaches 550 degrees on the pizza setting.")
    data = tmp_path / "index"
    assert run_cli(data, "ingest", "--quiet", str(folder)).returncode == 0  # makes the copy if the run has none
    probe = (
        "import contextlib, io, json, sys\nfrom app.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    code = main(['ask', '--json', 'How long do cats sleep?'])\n"
        "print(json.dumps({'code': code, 'answer': json.loads(out.getvalue()),"
        " 'modules': sorted({m.split('.')[0] for m in sys.modules})}))"
    )
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_BASE", "LLM_API_BASE")}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**environment, "DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["code"] == 0 and report["answer"]["sources"][0]["file"] == "cats.txt"
    assert sorted({"torch", "transformers"} & set(report["modules"])) == []
    assert "onnxruntime" in report["modules"]


def test_cli_reports_a_fingerprint_mismatch_without_a_traceback(tmp_path: Path, upload_folder: Path) -> None:
    data = tmp_path / "index"
    assert run_cli(data, "ingest", "-q", str(upload_folder / "report.pdf")).returncode == 0
    result = run_cli(data, "status", CHUNK_SIZE="100")
    assert result.returncode == 2
    assert "error: The index 'documents' was built with" in result.stderr
    assert "what to do:" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_reports_invalid_settings_readably(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "status", EMBEDDING_DIMENSIONS="100")
    assert result.returncode == 2 and "EMBEDDING_DIMENSIONS must be one of" in result.stderr


def test_missing_path_is_reported_as_failed(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "index", "ingest", "-q", str(tmp_path / "nope.pdf"))
    assert result.returncode == 1 and "nope.pdf: cannot read it" in result.stdout


def test_ask_ending_while_its_model_loads_exits_with_its_own_code(tmp_path: Path, embedding: LocalEmbedding) -> None:
    # `ask` loads the ONNX session in a thread beside its imports; a command that ends first (an error, Ctrl-C)
    # must not be aborted by onnxruntime ("terminate called without an active exception", exit code 134).
    assert embedding.runtime.name == "onnxruntime"  # the run's copy exists: the session loads in the background
    probe = (
        "import sys\nfrom app.cli.workspace_commands import _start_loading_models\n"
        "from app.config import load_settings\n_start_loading_models(load_settings())\nsys.exit(2)"
    )
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_BASE", "LLM_API_BASE")}
    for _ in range(3):  # it aborted every time
        result = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env={**environment, "DATA_DIR": str(tmp_path / "index")},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert (result.returncode, result.stderr) == (2, "")
