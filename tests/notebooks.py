"""Execute a notebook top to bottom in a real Jupyter kernel (this venv's Python), as a reader would."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parents[1]
WALKTHROUGH = ROOT / "notebooks" / "RAG_with_LlamaIndex.ipynb"


def execute(notebook: Path, cwd: Path, timeout_s: int = 600) -> NotebookNode:
    """Run every cell in order; a cell that raises fails with nbclient's CellExecutionError (cell and trace)."""
    document = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        document, timeout=timeout_s, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    return document


def printed(document: NotebookNode) -> str:
    """Everything the cells printed, in order."""
    return "\n".join(
        str(output.get("text", ""))
        for cell in document.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )
