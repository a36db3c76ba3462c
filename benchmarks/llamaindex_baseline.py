"""The plain LlamaIndex pipeline the app is built on, scored with `eval --qa`'s metrics beside the app.

One Document per PDF page (pypdf text, LlamaIndex PDFReader's metadata: `file_name`, `page_label`),
SentenceSplitter(256, 32) with LlamaIndex's default tokenizer, the packaged MiniLM (no download), an
in-memory VectorStoreIndex and dense top-k. LlamaIndex embeds each chunk with its metadata in front
("file_name: X.pdf\\npage_label: 3\\n\\n<text>"); --no-embed-metadata and --model-tokenizer turn the two
differences from the app off one at a time, to see what each is worth.

    python -m app eval --qa ../shared/data/financebench-dev/qa.jsonl --out eval-results/app
    python -m benchmarks.llamaindex_baseline --qa ../shared/data/financebench-dev/qa.jsonl \\
        --app-results eval-results/app/qa-results.json

Vectors are memoised by text in --cache (a re-run embeds nothing it has embedded before).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from llama_index.core import Document, VectorStoreIndex
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import MetadataMode, TextNode

from app.embeddings.local import LocalEmbedding
from app.embeddings.vector_cache import VectorCache
from app.eval.qa import (
    CUTOFFS,
    Citation,
    QaScores,
    default_docs_folder,
    document_files,
    load_questions,
    read_scores,
    score_question,
    scores_table,
    summarise,
)


def pdf_pages(name: str, data: bytes) -> list[Document]:
    """One Document per page with text, as LlamaIndex's PDFReader makes them (`page_label` kept 1-based here,
    the physical page number, which is what the gold pages count)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")  # owner-password-only filings open with the empty user password
    return [
        Document(text=text, metadata={"file_name": name, "page_label": str(number)})
        for number, page in enumerate(reader.pages, start=1)
        if (text := page.extract_text() or "").strip()
    ]


def build_nodes(files: list[tuple[str, bytes]], args: argparse.Namespace, embedding: LocalEmbedding) -> list[TextNode]:
    splitter = SentenceSplitter(
        chunk_size=args.chunk_size,
        chunk_overlap=args.chunk_overlap,
        tokenizer=embedding.tokenize if args.model_tokenizer else None,  # None: LlamaIndex's default
    )
    documents = [page for name, data in files if name.lower().endswith(".pdf") for page in pdf_pages(name, data)]
    if not args.embed_metadata:
        for document in documents:
            document.excluded_embed_metadata_keys = list(document.metadata)
    return [node for node in splitter.get_nodes_from_documents(documents) if isinstance(node, TextNode)]


def run_baseline(args: argparse.Namespace) -> tuple[QaScores, int]:
    qa_file = Path(args.qa)
    items = load_questions(qa_file)
    folder = Path(args.docs) if args.docs else default_docs_folder(qa_file)
    files = document_files(folder, skip=qa_file)
    embedding = LocalEmbedding()
    embedding.use_vector_cache(VectorCache(Path(args.cache) / "baseline-vectors.sqlite3", embedding.model_path))
    started = time.perf_counter()
    nodes = build_nodes(files, args, embedding)
    print(f"{len(nodes)} chunks from {len(files)} files", file=sys.stderr, flush=True)
    index = VectorStoreIndex(nodes, embed_model=embedding, show_progress=False)
    print(f"indexed in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    retriever = index.as_retriever(similarity_top_k=max(CUTOFFS))
    scores = []
    for item in items:
        hits = retriever.retrieve(item.question)
        citations = [
            Citation(
                str(hit.node.metadata["file_name"]),
                f"page {hit.node.metadata['page_label']}",
                hit.node.get_content(metadata_mode=MetadataMode.NONE),
            )
            for hit in hits
        ]
        scores.append(score_question(item, citations))
    return summarise(scores), len(nodes)


def side_by_side(app: QaScores, baseline: QaScores, metric: str = "location@3") -> list[str]:
    """The questions one of the two gets at `metric` and the other does not."""
    theirs = {score.id: score for score in baseline.questions}
    lines = []
    for ours in app.questions:
        other = theirs.get(ours.id)
        if other is None or ours.hits[metric] == other.hits[metric]:
            continue
        winner = "app" if ours.hits[metric] else "llamaindex"
        lines.append(f"{ours.id}: only {winner} has {metric}; gold {ours.gold}")
        lines.append(f"    app:        {' | '.join(ours.cited[:3])}")
        lines.append(f"    llamaindex: {' | '.join(other.cited[:3])}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qa", required=True, help="questions file, as for `python -m app eval --qa`")
    parser.add_argument("--docs", default=None, help="documents folder (default: files/ beside --qa)")
    parser.add_argument("--app-results", default=None, help="qa-results.json of `python -m app eval --qa`")
    parser.add_argument("--chunk-size", type=int, default=256)
    parser.add_argument("--chunk-overlap", type=int, default=32)
    parser.add_argument(
        "--model-tokenizer", action="store_true", help="count chunk tokens with MiniLM's tokenizer, as the app does"
    )
    parser.add_argument(
        "--no-embed-metadata",
        dest="embed_metadata",
        action="store_false",
        help="embed the chunk text alone, as the app does (LlamaIndex puts file_name and page_label in front)",
    )
    parser.add_argument("--cache", default=".eval-cache")
    parser.add_argument("--out", default=None, help="write the baseline's scores here as JSON")
    args = parser.parse_args()

    baseline, chunks = run_baseline(args)
    label = (
        f"llamaindex {args.chunk_size}/{args.chunk_overlap}"
        f"{' model-tokens' if args.model_tokenizer else ''}{'' if args.embed_metadata else ' text-only'}"
    )
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"label": label, "chunks": chunks, **asdict(baseline)}, indent=2) + "\n")
    if args.app_results:
        app = read_scores(Path(args.app_results))
        print(scores_table({"app": app, label: baseline}))
        print()
        print("\n".join(side_by_side(app, baseline)))
    else:
        print(scores_table({label: baseline}))


if __name__ == "__main__":
    main()
