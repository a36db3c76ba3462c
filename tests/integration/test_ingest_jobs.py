"""Ingestion jobs: progress counts, cancel between embedding requests, and a re-run that finishes the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from app.ingest.pipeline import EMBED_SLICE, IngestProgress
from tests.conftest import make_docx, make_pdf

ROOT = Path(__file__).resolve().parents[2]


def ledger(pages: int) -> bytes:
    return make_pdf([f"Ledger page {n}: {n * 7} sacks of grain were milled for farm {n}." for n in range(pages)])


def test_cancel_mid_file_indexes_nothing_of_it_and_a_rerun_finishes_without_duplicates(open_workspace) -> None:
    workspace = open_workspace()
    files = [
        ("notes.docx", make_docx({"Pets": "Cats sleep sixteen hours a day."})),
        ("ledger.pdf", ledger(EMBED_SLICE + 20)),  # two embedding requests: the cancel falls between them
        ("later.txt", b"A file the cancelled job never reached."),
    ]
    cancel = threading.Event()
    events: list[IngestProgress] = []

    def watch(event: IngestProgress) -> None:
        events.append(event)
        if event.file_name == "ledger.pdf" and event.stage == "embedding" and event.chunks_done >= EMBED_SLICE:
            cancel.set()

    results = workspace.ingest(files, progress=watch, cancel=cancel)
    assert [r.status for r in results] == ["indexed", "cancelled", "cancelled"]
    assert "nothing of it was indexed" in results[1].message
    assert [d.name for d in workspace.documents()] == ["notes.docx"]
    assert workspace.index.count() == results[0].chunks, "no chunk of the cancelled file reached the index"
    ledger_events = [e for e in events if e.file_name == "ledger.pdf"]
    assert ledger_events[-1].pages == EMBED_SLICE + 20
    read = [e.pages_read for e in ledger_events if e.stage == "reading" and e.pages_read]
    assert read == [*range(10, EMBED_SLICE + 20, 10), EMBED_SLICE + 20], "pages are reported while they are read"
    assert ledger_events[-1].embeddings_per_second is not None and ledger_events[-1].embeddings_per_second > 0

    again = workspace.ingest(files)
    assert [r.status for r in again] == ["skipped", "indexed", "indexed"]
    assert workspace.index.count() == sum(d.chunks for d in workspace.documents())
    assert len({d.name for d in workspace.documents()}) == 3


def test_ctrl_c_in_the_cli_stops_cleanly_and_the_same_command_finishes(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "a-notes.docx").write_bytes(make_docx({"Pets": "Cats sleep sixteen hours a day."}))
    (folder / "b-ledger.pdf").write_bytes(ledger(3 * EMBED_SLICE))
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_BASE", "LLM_API_BASE")}
    environment.update(DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "app", "ingest", str(folder)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        seen = ""
        while (
            f"b-ledger.pdf ({3 * EMBED_SLICE} pages): embedding" not in seen
        ):  # wait until the big file is being embedded
            character = process.stderr.read(1)
            assert character, f"the CLI ended early: {seen[-500:]}"
            seen += character
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stdout + stderr
    assert "cancelled b-ledger.pdf: 0 chunks" in stdout
    assert "1 indexed, 0 replaced, 0 skipped, 0 failed, 1 cancelled" in stdout
    assert "Traceback" not in stderr

    finish = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
    assert finish.returncode == 0, finish.stdout + finish.stderr
    assert "1 indexed, 0 replaced, 1 skipped, 0 failed" in finish.stdout


def test_cancel_while_a_scan_is_being_read_stops_before_ocr_and_indexes_nothing(open_workspace) -> None:
    import shutil

    from tests.files import make_scanned_pdf
    from tests.servers import require

    require(Path(shutil.which("tesseract") or "/usr/bin/tesseract"), "tesseract-ocr (Debian package)")
    workspace = open_workspace()
    cancel = threading.Event()
    read: list[int] = []

    def watch(event: IngestProgress) -> None:
        if event.stage == "reading" and event.pages_read:
            read.append(event.pages_read)
            cancel.set()

    scan = make_scanned_pdf([["Page one of the scan."], ["Page two."], ["Page three."]])
    [result] = workspace.ingest([("scan.pdf", scan)], progress=watch, cancel=cancel)
    assert result.status == "cancelled", result
    assert len(read) == 1, "no page was reported (so none OCR'd) after the cancel"
    assert workspace.documents() == [] and workspace.index.count() == 0
