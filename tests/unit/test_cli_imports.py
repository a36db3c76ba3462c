"""Cold start: the CLI imports a heavy library only when the command that runs needs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "chromadb", "llama_index", "fastapi", "uvicorn")


def imported_after(code: str, **env: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}})))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_importing_the_cli_imports_no_heavy_library() -> None:
    assert imported_after("import app.cli").isdisjoint(HEAVY)


def test_the_cli_help_imports_no_heavy_library() -> None:
    code = "import contextlib, io\nfrom app.cli import main\nwith contextlib.redirect_stdout(io.StringIO()):\n"
    code += "    try:\n        main(['--help'])\n    except SystemExit:\n        pass"
    assert imported_after(code).isdisjoint(HEAVY)


def test_status_reads_the_index_without_loading_the_embedding_model(tmp_path: Path) -> None:
    code = "import contextlib, io\nfrom app.cli import main\nwith contextlib.redirect_stdout(io.StringIO()):\n"
    code += "    assert main(['status']) == 0"
    modules = imported_after(code, DATA_DIR=str(tmp_path), LLM_API_BASE="", OPENAI_API_BASE="")
    assert "chromadb" in modules, "status opens the index"
    assert modules.isdisjoint({"torch", "transformers", "openai"})


def test_status_imports_neither_llama_index_nor_the_model_runtime(tmp_path: Path) -> None:
    code = "import contextlib, io\nfrom app.cli import main\nwith contextlib.redirect_stdout(io.StringIO()) as out:\n"
    code += "    assert main(['status']) == 0\nassert '384-d' in out.getvalue(), out.getvalue()"
    modules = imported_after(code, DATA_DIR=str(tmp_path), LLM_API_BASE="", OPENAI_API_BASE="")
    assert sorted(modules & {"llama_index", "torch", "transformers", "bm25s", "scipy"}) == []
