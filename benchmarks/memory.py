"""Memory and disk: the app's RSS idle and while ingesting; disk bytes per chunk for 384-d, 2048-d and tokens.

- RSS: this process opens a Workspace exactly as the app does (model loaded, index open) = idle;
  then a sampler thread records the peak RSS (every 50 ms) while `Workspace.ingest` runs.
- Chroma bytes are those the chunks add to an empty collection's folder.
- 384-d: the same ingestion with the packaged MiniLM, TOKEN_STORE on: Chroma folder bytes / chunks,
  the float16 token store's bytes / chunks, and everything else in DATA_DIR (catalog, BM25, sources).
- 2048-d (jina v4's size): the same chunk texts and metadata written to a real Chroma through
  `VectorIndex.add` with random unit 2048-d vectors (no 2048-d model runs on this machine).
- Token store for jina v4 estimated from the 384-d measurement: bytes scale with the token vector
  size (2048-d hidden states, float16), tokens per chunk held as measured.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.memory --data /work/shared/data/scifact-train --limit 300
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import numpy as np
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node

from app.config import load_settings
from app.store.chroma import VectorIndex, open_client
from app.workspace import Workspace
from benchmarks.texts import read_corpus, synthetic_texts

JINA_DIMENSION = 2048


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) if folder.exists() else 0


class PeakRss(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_bytes()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.05):
            self.peak = max(self.peak, rss_bytes())

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="BEIR folder with corpus.jsonl (default: synthetic abstracts)")
    parser.add_argument("--limit", type=int, default=300, help="documents ingested (default: 300)")
    args = parser.parse_args()
    texts = read_corpus(args.data, args.limit) if args.data else synthetic_texts(args.limit, words=(120, 260))
    files = [(f"doc-{i:05d}.txt", text.encode()) for i, text in enumerate(texts)]
    mb = 1 / 2**20

    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        data_dir = Path(folder) / "data"
        before = rss_bytes()
        workspace = Workspace(load_settings(DATA_DIR=data_dir, TOKEN_STORE=True))
        workspace.retrieve("warm-up question")
        idle = rss_bytes()
        empty_chroma = folder_bytes(workspace.settings.resolved_chroma_path)
        sampler = PeakRss()
        sampler.start()
        workspace.ingest(files)
        peak = sampler.stop()
        after = rss_bytes()
        chunks = workspace.status().chunks
        chroma = folder_bytes(workspace.settings.resolved_chroma_path) - empty_chroma
        tokens = folder_bytes(data_dir / "tokens")
        rest = folder_bytes(data_dir) - chroma - tokens
        sources = folder_bytes(workspace.settings.sources_dir)

        # 2048-d: the same records, through the same write path, into a second real Chroma.
        wide = replace(workspace.fingerprint, dimension=JINA_DIMENSION, model="jina-embeddings-v4 (random vectors)")
        wide_settings = load_settings(DATA_DIR=Path(folder) / "wide")
        index = VectorIndex.open(open_client(wide_settings), "wide", wide)
        empty_wide = folder_bytes(wide_settings.resolved_chroma_path)
        records = workspace.index._collection.get(include=["documents", "metadatas"])
        nodes = _nodes(records)
        rng = np.random.default_rng(0)
        vectors = rng.standard_normal((len(nodes), JINA_DIMENSION)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        index.add(nodes, vectors.tolist())
        wide_chroma = folder_bytes(wide_settings.resolved_chroma_path) - empty_wide

    source = str(args.data) if args.data else "synthetic abstracts"
    print(f"Work: {len(files)} documents from {source} -> {chunks} chunks (CHUNK_SIZE {workspace.settings.chunk_size})")
    print("\n| memory | MiB |")
    print("|---|---:|")
    print(f"| Python + libraries before the Workspace | {before * mb:.0f} |")
    print(f"| app idle: Workspace open, model loaded, one query answered | {idle * mb:.0f} |")
    print(f"| peak while ingesting {len(files)} documents | {peak * mb:.0f} |")
    print(f"| after ingesting | {after * mb:.0f} |")
    print("\n| disk | bytes per chunk | total MiB |")
    print("|---|---:|---:|")
    print(f"| Chroma, 384-d (MiniLM, measured) | {chroma / chunks:,.0f} | {chroma * mb:.1f} |")
    print(
        f"| Chroma, 2048-d (jina v4 size, random vectors, measured) | {wide_chroma / chunks:,.0f} | "
        f"{wide_chroma * mb:.1f} |"
    )
    print(f"| token store, float16, 384-d tokens (measured) | {tokens / chunks:,.0f} | {tokens * mb:.1f} |")
    estimate = tokens / chunks * JINA_DIMENSION / workspace.embedding.dimension
    print(f"| token store, float16, 2048-d tokens (estimate: x{JINA_DIMENSION}/384) | {estimate:,.0f} | - |")
    print(f"| catalog + BM25 index + kept sources | {rest / chunks:,.0f} | {rest * mb:.1f} |")
    print(f"|   of which the original files | {sources / chunks:,.0f} | {sources * mb:.1f} |")
    env = "HF_HUB_OFFLINE=1 " if os.environ.get("HF_HUB_OFFLINE") else ""
    command = f"{env}{sys.executable} -m benchmarks.memory {shlex.join(sys.argv[1:])}".rstrip()
    print(
        f"\nREADME: RSS idle {idle * mb:.0f} MiB, ingest peak {peak * mb:.0f} MiB; bytes/chunk: Chroma 384-d "
        f"{chroma / chunks:,.0f}, 2048-d {wide_chroma / chunks:,.0f}, float16 tokens 384-d {tokens / chunks:,.0f} "
        f"(2048-d est. {estimate:,.0f}); command: {command}"
    )


def _nodes(records: Any) -> list[TextNode]:
    """The stored chunks as nodes again (same ids, texts and metadata)."""
    nodes = []
    for chunk_id, text, metadata in zip(records["ids"], records["documents"], records["metadatas"], strict=True):
        node = metadata_dict_to_node(dict(metadata), text=text)
        node.id_ = chunk_id
        nodes.append(cast(TextNode, node))
    return nodes


if __name__ == "__main__":
    main()
