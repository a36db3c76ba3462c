"""Ingestion speed through `Workspace.ingest`: documents/s, chunks/s, where the time goes, and compute used.

Two workloads, each into a fresh data folder with the app's settings (environment as usual):
- mixed: a folder of generated PDF, DOCX, TXT and Markdown files (several passages each);
- corpus: every document of a BEIR corpus (e.g. SciFact) as its own .txt upload.
The time of each file is split at the pipeline's own progress events: parsing (hash, catalog
look-up, read, split), embedding, storing (source copy, journal, Chroma upsert, commit).
The embedding step's share of the CPU's compute = model FLOPs of the chunks embedded / embedding
seconds / peak FLOP/s (see benchmarks/compute.py for both peaks).

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.ingest --data /work/shared/data/scifact-train
    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.ingest --limit 200 --mixed-files 12   # reduced (CI)
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from llama_index.core.node_parser import SentenceSplitter
from transformers.utils import logging as transformers_logging

from app.config import load_settings
from app.embeddings.local import LocalEmbedding
from app.ingest.chunking import split_into_chunks
from app.ingest.pipeline import IngestProgress
from app.ingest.readers import read_document
from app.workspace import Workspace
from benchmarks.compute import EncoderShape, matmul_peak, theoretical_peak
from benchmarks.texts import read_corpus, synthetic_texts
from tests.conftest import make_docx, make_pdf

PASSAGES_PER_FILE = 8


@dataclass
class Phases:
    """Seconds per phase, summed over files, from the timestamps of the pipeline's progress events."""

    parse: float = 0.0
    embed: float = 0.0
    store: float = 0.0
    _last: tuple[str, float] | None = field(default=None, repr=False)

    def __call__(self, event: IngestProgress) -> None:
        now = time.perf_counter()
        if self._last is not None:
            stage, since = self._last
            elapsed = now - since
            if stage == "reading":
                self.parse += elapsed
            elif stage in ("embedding", "sentences"):  # sentence vectors (SENTENCE_WEIGHT) are embedding too
                self.embed += elapsed
            elif stage == "storing":
                self.store += elapsed
        self._last = None if event.stage == "done" else (event.stage, now)


@dataclass(frozen=True)
class Run:
    label: str
    files: int
    failed: int
    chunks: int
    wall: float
    phases: Phases
    tokens: int
    flops: float

    def row(self) -> str:
        p = self.phases
        share = [100 * x / self.wall for x in (p.parse, p.embed, p.store)]
        return (
            f"| {self.label} | {self.files} | {self.chunks} | {self.wall:.1f} | {self.files / self.wall:.1f} | "
            f"{self.chunks / self.wall:.1f} | {share[0]:.1f}% | {share[1]:.1f}% | {share[2]:.1f}% | "
            f"{share[0] + share[2]:.1f}% |"
        )


def mixed_files(texts: Sequence[str], count: int) -> list[tuple[str, bytes]]:
    """`count` files cycling through PDF, DOCX, TXT and MD, each holding PASSAGES_PER_FILE passages."""
    files: list[tuple[str, bytes]] = []
    for number in range(count):
        start = number * PASSAGES_PER_FILE
        group = [texts[(start + i) % len(texts)] for i in range(PASSAGES_PER_FILE)]
        kind = ("pdf", "docx", "txt", "md")[number % 4]
        if kind == "pdf":  # fpdf2's core fonts are Latin-1
            data = make_pdf([t.encode("latin-1", "replace").decode("latin-1") for t in group])
        elif kind == "docx":
            data = make_docx({f"Passage {i + 1}": t for i, t in enumerate(group)})
        elif kind == "md":
            data = "\n\n".join(f"## Passage {i + 1}\n\n{t}" for i, t in enumerate(group)).encode()
        else:
            data = "\n\n".join(group).encode()
        files.append((f"mixed-{number:04d}.{kind}", data))
    return files


def count_work(
    files: Sequence[tuple[str, bytes]], embedding: LocalEmbedding, splitter: SentenceSplitter
) -> tuple[int, float]:
    """Tokens the model reads for these files' chunks (special tokens in, truncation applied) and their FLOPs."""
    shape = EncoderShape.from_config(embedding.model_path)
    special, cap = embedding.special_tokens_per_text, embedding.max_tokens
    tokens, flops = 0, 0.0
    for name, data in files:
        nodes = split_into_chunks(read_document(data, name), file_name=name, doc_sha="0" * 64, splitter=splitter)
        for node in nodes:
            n = min(len(embedding.tokenize(node.get_content())) + special, cap)
            tokens += n
            flops += shape.flops(n)
    return tokens, flops


def run(label: str, files: list[tuple[str, bytes]], embedding: LocalEmbedding) -> Run:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        workspace = Workspace(load_settings(DATA_DIR=folder), embedding=embedding)
        phases = Phases()
        start = time.perf_counter()
        results = workspace.ingest(files, progress=phases)
        wall = time.perf_counter() - start
        splitter = workspace.ingestor._splitter
    failed = [r for r in results if r.status == "failed"]
    for result in failed[:5]:
        print(f"  failed: {result.file_name}: {result.message}", file=sys.stderr)
    # Only what was embedded counts: failed files and duplicates (skipped) are left out.
    embedded = [(f, r) for f, r in zip(files, results, strict=True) if r.status in ("indexed", "replaced")]
    tokens, flops = count_work([f for f, _ in embedded], embedding, splitter)
    return Run(label, len(files), len(failed), sum(r.chunks for _, r in embedded), wall, phases, tokens, flops)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="BEIR folder with corpus.jsonl (default: synthetic abstracts)")
    parser.add_argument("--limit", type=int, default=0, help="corpus documents to ingest (default: all; 0 = all)")
    parser.add_argument("--mixed-files", type=int, default=40, help="generated PDF/DOCX/TXT/MD files (default: 40)")
    args = parser.parse_args()

    transformers_logging.set_verbosity_error()
    settings = load_settings()
    limit = args.limit or 10**9
    texts = read_corpus(args.data, limit) if args.data else synthetic_texts(args.limit or 500, words=(120, 260))
    source = str(args.data) if args.data else "synthetic abstracts (seed 0)"
    load_start = time.perf_counter()
    embedding = LocalEmbedding(
        threads=settings.embedding_threads,
        model_batch_size=settings.embedding_batch_size,
        model_cache=str(settings.resolved_model_cache_dir),  # as the app runs it: on its ONNX copy
    )
    loaded = time.perf_counter() - load_start
    print(f"Model: {embedding.model_name} on {embedding.runtime.name}, loaded in {loaded:.1f} s (not counted below)")
    print(
        f"Settings: EMBEDDING_THREADS={settings.embedding_threads} "
        f"EMBEDDING_BATCH_SIZE={settings.embedding_batch_size} "
        f"CHUNK_SIZE={settings.chunk_size} CHUNK_OVERLAP={settings.chunk_overlap}; {os.cpu_count()} CPUs"
    )

    runs = []
    if args.mixed_files:
        runs.append(
            run(
                f"mixed folder ({args.mixed_files} PDF/DOCX/TXT/MD files)",
                mixed_files(texts, args.mixed_files),
                embedding,
            )
        )
        print(f"  {runs[-1].label} done", file=sys.stderr)
    corpus_files = [(f"doc-{i:05d}.txt", text.encode()) for i, text in enumerate(texts)]
    runs.append(run(f"corpus, one .txt per document ({source})", corpus_files, embedding))

    print("\n| workload | files | chunks | wall s | docs/s | chunks/s | parse | embed | store | parse+store |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for result in runs:
        print(result.row())
    for result in runs:
        if result.failed:
            print(f"({result.label}: {result.failed} files failed; see stderr)")

    peak = theoretical_peak()
    matmul = matmul_peak(settings.embedding_threads)
    print(f"\nPeak, theoretical: {peak.describe()} (clock from /proc/cpuinfo; turbo not counted)")
    print(
        f"Peak, achieved: torch FP32 1024x1024 matmul, {settings.embedding_threads} threads = "
        f"{matmul / 1e9:.0f} GFLOP/s"
    )
    shape = EncoderShape.from_config(embedding.model_path)
    print(
        f"Model FLOPs: {shape.layers} layers x (8 d^2 + 4 d d_ff + 4 n d) per token, d={shape.hidden}, "
        f"d_ff={shape.intermediate}, n = the chunk's tokens; padding not counted"
    )
    print("\n| workload | tokens | tokens/s while embedding | GFLOP/s | of theoretical peak | of matmul peak |")
    print("|---|---:|---:|---:|---:|---:|")
    for result in runs:
        achieved = result.flops / result.phases.embed
        print(
            f"| {result.label} | {result.tokens} | {result.tokens / result.phases.embed:.0f} | {achieved / 1e9:.1f} | "
            f"{achieved / peak.flops:.0%} | {achieved / matmul:.0%} |"
        )

    corpus = runs[-1]
    share = (corpus.phases.parse + corpus.phases.store) / corpus.wall
    env = "HF_HUB_OFFLINE=1 " if os.environ.get("HF_HUB_OFFLINE") else ""
    command = f"{env}{sys.executable} -m benchmarks.ingest {shlex.join(sys.argv[1:])}".rstrip()
    print(
        f"\nREADME: corpus {corpus.files / corpus.wall:.1f} docs/s, {corpus.chunks / corpus.wall:.1f} chunks/s; "
        f"parse+store {share:.0%} of wall time (goal < 25%); embedding at "
        f"{corpus.flops / corpus.phases.embed / peak.flops:.0%} of theoretical peak, "
        f"{corpus.flops / corpus.phases.embed / matmul:.0%} of matmul peak (goal >= 50%); command: {command}"
    )


if __name__ == "__main__":
    main()
