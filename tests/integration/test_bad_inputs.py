"""The bad-input corpus in one upload: every file gets a clear message, nothing else is lost."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.files import make_docx, make_encrypted_pdf, make_pdf, make_scanned_pdf, make_zip_bomb_docx
from tests.servers import require

TRUNCATED_PDF_KEEP = 0.6  # the first 60% of a valid PDF: header and some objects, no xref or trailer


def test_bad_input_corpus_fails_file_by_file_and_loses_nothing(open_workspace, report_pdf: bytes) -> None:
    require(Path(shutil.which("tesseract") or "/usr/bin/tesseract"), "tesseract-ocr (Debian package)")
    workspace = open_workspace()
    [kept] = workspace.ingest([("notes.docx", make_docx({"Pets": "Cats sleep sixteen hours a day."}))])
    before = workspace.index.count()

    long_pdf = make_pdf([f"Page {n}: the ledger entry number {n} records {n * 7} sacks of grain." for n in range(200)])
    corpus = [
        ("zero.pdf", b"", "failed", "is empty"),
        ("truncated.pdf", report_pdf[: int(len(report_pdf) * TRUNCATED_PDF_KEEP)], "failed", "damaged"),
        ("locked.pdf", make_encrypted_pdf("Secret plans.", "hunter2"), "failed", "password-protected"),
        ("blank.pdf", make_pdf(["", ""]), "failed", "no text"),
        ("scan.pdf", make_scanned_pdf([["The lighthouse keeper logs every ship."]]), "indexed", ""),
        ("report.docx", report_pdf, "failed", "its content is a PDF"),
        ("program.txt", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, "failed", "binary"),
        ("latin1.txt", "Crème brûlée à la française, très délicieuse.".encode("latin-1"), "indexed", ""),
        ("contract.docx", make_zip_bomb_docx(unpacked_mb=1024), "failed", "zip bomb"),
        ("ledger.pdf", long_pdf, "indexed", ""),
        ("../../etc/passwd.pdf", report_pdf, "indexed", ""),
    ]
    results = workspace.ingest([(name, data) for name, data, _, _ in corpus])

    for (name, _, status, reason), result in zip(corpus, results, strict=True):
        assert result.status == status, f"{name}: {result}"
        assert reason in result.message, f"{name}: {result.message}"
        if status == "failed":
            assert result.file_name in result.message  # the message names the file
    assert results[-1].file_name == "passwd.pdf"
    assert results[9].pages == 200 and results[9].chunks >= 200

    indexed = {r.file_name: r.chunks for r in results if r.status == "indexed"}
    assert workspace.index.count() == before + sum(indexed.values())
    assert {d.name for d in workspace.documents()} == {"notes.docx", *indexed}
    assert {d.name: d.chunks for d in workspace.documents()}["notes.docx"] == kept.chunks
    # The path-like name stayed inside the data folder.
    sources = workspace.settings.sources_dir
    assert all(len(p.relative_to(sources).parts) == 2 for p in sources.rglob("*.pdf"))
    assert not (workspace.settings.data_dir.parent / "etc").exists()
    top = workspace.retrieve("Who logs every ship?")[0]
    assert (top.file_name, top.location) == ("scan.pdf", "page 1")
