"""Ingestion on real vLLM servers: images and scanned pages through jina v4's image path, and the
migration from the local 384-d model to a 128-d Matryoshka server by `reindex`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.config import load_settings
from app.errors import FingerprintMismatchError
from app.ingest.reindex import reindex
from app.workspace import Workspace
from tests.conftest import PAGE2_QUESTION, make_docx
from tests.files import make_png, make_scanned_pdf
from tests.servers import require
from tests.vllm.conftest import ServedModel
from tests.vllm.test_vllm_workspace import vllm_settings


def tesseract() -> None:
    require(Path(shutil.which("tesseract") or "/usr/bin/tesseract"), "tesseract-ocr (Debian package)")


@pytest.mark.usefixtures("data_dir")
def test_images_and_scanned_pages_are_embedded_through_the_image_path(jina_dense: ServedModel) -> None:
    tesseract()
    workspace = Workspace(load_settings(EMBEDDING_BACKEND="vllm", EMBEDDING_API_BASE=jina_dense.url))
    photo, scan = workspace.ingest(
        [
            ("whiteboard.png", make_png(["Quarterly targets: 42 units"])),
            ("scan.pdf", make_scanned_pdf([["The lighthouse keeper logs every ship."]])),
        ]
    )
    assert (photo.status, photo.chunks) == ("indexed", 1)
    assert scan.status == "indexed" and scan.chunks == 2  # the page's OCR text, and the page as an image
    records = {chunk_id: text for chunk_id, _, text in workspace.index.chunks()}
    nodes = workspace.index.get(list(records))
    images = [node for node in nodes.values() if node.metadata.get("image")]
    assert sorted(node.metadata["file_name"] for node in images) == ["scan.pdf", "whiteboard.png"]
    assert any("42" in node.get_content() for node in images), "an image's OCR text is what its citation shows"
    vectors = workspace.index.vectors([node.node_id for node in images])
    assert {vector.shape for vector in vectors.values()} == {(128,)}


@pytest.mark.usefixtures("data_dir")
def test_reindex_from_the_local_model_to_a_128d_matryoshka_server_keeps_every_document(
    minilm_embed: ServedModel, report_pdf: bytes, embedding
) -> None:  # type: ignore[no-untyped-def]
    local = Workspace(load_settings(CHUNK_SIZE=120), embedding=embedding)
    local.ingest([("report.pdf", report_pdf), ("notes.docx", make_docx({"Pets": "Cats sleep sixteen hours."}))])
    chunks = local.index.count()

    target = load_settings(**vllm_settings(minilm_embed, EMBEDDING_DIMENSIONS=128))
    report = reindex(target)
    assert report.switched and report.problems == []
    assert report.old.fingerprint is not None and report.new.fingerprint is not None
    assert (report.old.fingerprint.backend, report.old.fingerprint.dimension) == ("local", 384)
    assert (report.new.fingerprint.backend, report.new.fingerprint.model) == ("vllm", "minilm-embed")
    assert report.new.fingerprint.dimension == 128
    assert (report.new.documents, report.new.chunks) == (2, chunks)

    migrated = Workspace(target)
    assert {d.name for d in migrated.documents()} == {"report.pdf", "notes.docx"}
    top = migrated.retrieve(PAGE2_QUESTION)[0]
    assert (top.file_name, top.location) == ("report.pdf", "page 2")
    with pytest.raises(FingerprintMismatchError):
        Workspace(load_settings(CHUNK_SIZE=120), embedding=embedding)
