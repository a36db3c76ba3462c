"""Measure the "not found in your documents" threshold on a BEIR-format set.

Two kinds of question the documents do not answer are compared with answerable ones:

- off-topic: everyday questions unrelated to the corpus (built in below), the common case of a
  user asking the wrong collection; the proposed default is the best-F1 threshold on these;
- held out, same field: the queries are split in two halves; the corpus holds the relevant
  documents of the first half (answerable) plus distractors, and none of the documents relevant
  to the second half (same field, answer absent: the hard case, reported to show how far a
  similarity threshold can go).

Documents are chunked and embedded exactly as the app does, with the configured embedding model;
a query's score is the cosine similarity of its nearest chunk (what `NOT_FOUND_THRESHOLD` is
compared with). For each kind, the script sweeps the thresholds and prints (a) the highest one
whose "not found" verdicts are right at least `--precision` of the time and (b) the best-F1 one.

    .venv/bin/python -m benchmarks.not_found_threshold --data ../shared/data/scifact-train
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from llama_index.core.node_parser import SentenceSplitter

from app.config import Settings
from app.embeddings import build_embedding

OFF_TOPIC = [
    "Who won the football league in 1998?",
    "How long should I bake sourdough bread?",
    "What is the capital of Australia?",
    "How do I change a flat bicycle tyre?",
    "Which actor played the lead in the first Star Wars film?",
    "What time does the train to Edinburgh leave?",
    "How many players are on a cricket team?",
    "What is a good name for a golden retriever puppy?",
    "How do I reset my router password?",
    "When was the Eiffel Tower built?",
    "What is the best way to learn to play the guitar?",
    "How much does a return flight to Tokyo cost?",
    "Who wrote the novel Pride and Prejudice?",
    "What should I pack for a week of hiking in the Alps?",
    "How do I make a cheese omelette?",
    "Which planet has the most moons?",
    "What are the rules of chess castling?",
    "How do I file my tax return online?",
    "What is the plot of the opera Carmen?",
    "How tall is Mount Kilimanjaro?",
    "Which smartphone has the best camera this year?",
    "How do I remove a red wine stain from a carpet?",
    "What is the exchange rate of the euro to the dollar?",
    "Who painted the ceiling of the Sistine Chapel?",
    "How do I grow tomatoes on a balcony?",
    "What is the offside rule in football?",
    "How many strings does a violin have?",
    "Where is the nearest petrol station?",
    "What is the recipe for a classic margarita cocktail?",
    "How do I write a cover letter for a job application?",
    "Which river flows through Budapest?",
    "What year did the Berlin Wall fall?",
    "How do I clean a cast iron frying pan?",
    "What does a Formula One pit crew do?",
    "How do I knit a scarf for beginners?",
    "What is the difference between a crocodile and an alligator?",
    "Which band released the album Abbey Road?",
    "How do I renew my passport?",
    "What is the best season to visit Iceland?",
    "How do I tune a piano?",
]


@dataclass(frozen=True)
class Verdicts:
    threshold: float
    precision: float  # of "not found" verdicts, how many were truly unanswerable
    recall: float  # of unanswerable queries, how many got "not found"
    answerable_flagged: float  # of answerable queries, how many were wrongly told "not found"

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def read_jsonl(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as lines:
        return {str(row["_id"]): row for row in map(json.loads, lines)}


def read_qrels(path: Path) -> dict[str, set[str]]:
    relevant: dict[str, set[str]] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if int(row["score"]) > 0:
                relevant.setdefault(row["query-id"], set()).add(row["corpus-id"])
    return relevant


def sweep(answerable: np.ndarray, unanswerable: np.ndarray) -> list[Verdicts]:
    """Every candidate threshold (each observed score, plus a hair): verdict "not found" when score < t."""
    results = []
    for threshold in np.unique(np.concatenate([answerable, unanswerable])) + 1e-6:
        true_nf = int((unanswerable < threshold).sum())
        false_nf = int((answerable < threshold).sum())
        precision = true_nf / (true_nf + false_nf) if true_nf + false_nf else 1.0
        results.append(Verdicts(float(threshold), precision, true_nf / len(unanswerable), false_nf / len(answerable)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="a BEIR folder (corpus.jsonl, queries.jsonl, qrels/)")
    parser.add_argument("--split", default="train", help="qrels/<split>.tsv")
    parser.add_argument("--queries", type=int, default=240, help="queries used (half answerable, half not)")
    parser.add_argument("--distractors", type=int, default=240, help="unrelated-to-the-queries documents added")
    parser.add_argument("--precision", type=float, default=0.95, help="required precision of 'not found'")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    corpus = read_jsonl(args.data / "corpus.jsonl")
    queries = read_jsonl(args.data / "queries.jsonl")
    relevant = read_qrels(args.data / "qrels" / f"{args.split}.tsv")
    rng = random.Random(args.seed)  # noqa: S311 - sampling, not cryptography
    ids = sorted(q for q in relevant if q in queries and relevant[q] <= corpus.keys())
    rng.shuffle(ids)
    ids = ids[: args.queries]
    answerable_ids, unanswerable_ids = ids[: len(ids) // 2], ids[len(ids) // 2 :]
    kept = set().union(*(relevant[q] for q in answerable_ids))
    excluded = set().union(*(relevant[q] for q in unanswerable_ids))
    others = sorted(corpus.keys() - kept - excluded - set().union(*relevant.values()))
    documents = sorted(kept - excluded) + rng.sample(others, min(args.distractors, len(others)))
    answerable_ids = [q for q in answerable_ids if relevant[q] - excluded]  # its answer really is in the corpus

    settings = Settings()
    # The configured model (the packaged MiniLM by default; EMBEDDING_BACKEND=vllm measures the served one).
    embedding = build_embedding(settings)
    splitter = SentenceSplitter(
        chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap, tokenizer=embedding.tokenize
    )
    chunks = [
        chunk
        for doc in documents
        for chunk in splitter.split_text(f"{corpus[doc].get('title', '')}\n{corpus[doc].get('text', '')}".strip())
    ]
    print(f"embedding {len(chunks)} chunks of {len(documents)} documents…", flush=True)
    started = time.perf_counter()
    passages = np.asarray(embedding.get_text_embedding_batch(chunks), dtype=np.float32)
    encoded = time.perf_counter() - started
    passages /= np.linalg.norm(passages, axis=1, keepdims=True)

    def top1(query_ids: list[str]) -> np.ndarray:
        return top1_texts([queries[q]["text"] for q in query_ids])

    def top1_texts(texts: list[str]) -> np.ndarray:
        vectors = np.asarray([embedding.get_query_embedding(text) for text in texts], dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors @ passages.T).max(axis=1)  # type: ignore[no-any-return]

    answerable, unanswerable = top1(answerable_ids), top1(unanswerable_ids)
    off_topic = top1_texts(OFF_TOPIC)

    print(f"data {args.data} ({args.split}), model {embedding.model_name}, chunks {settings.chunk_size}/"
          f"{settings.chunk_overlap}, seed {args.seed}")  # fmt: skip
    print(f"corpus: {len(documents)} documents ({len(kept - excluded)} relevant to the answerable half), "
          f"{len(chunks)} chunks, encoded in {encoded:.0f} s")  # fmt: skip
    print(
        f"queries: {len(answerable)} answerable, {len(unanswerable)} held out (same field), {len(off_topic)} off-topic"
    )
    for name, scores in (("answerable", answerable), ("held out", unanswerable), ("off-topic", off_topic)):
        p5, p25, p50, p75, p95 = np.percentile(scores, [5, 25, 50, 75, 95])
        print(f"  top-1 cosine, {name:<10}: p5 {p5:.3f}  p25 {p25:.3f}  median {p50:.3f}  p75 {p75:.3f}  p95 {p95:.3f}")
    proposed = None
    for kind, negatives in (("off-topic", off_topic), ("held out", unanswerable)):
        results = sweep(answerable, negatives)
        precise = [r for r in results if r.precision >= args.precision and r.recall > 0]
        chosen = max(precise, key=lambda r: r.threshold) if precise else None
        best_f1 = max(results, key=lambda r: r.f1)
        for label, row in ((f"precision >= {args.precision:.2f}", chosen), ("best F1", best_f1)):
            if row is None:
                print(f"{kind}, {label}: no threshold reaches it")
                continue
            print(
                f"{kind}, {label}: threshold {row.threshold:.3f} -> 'not found' precision {row.precision:.3f}, "
                f"recall {row.recall:.3f}, F1 {row.f1:.3f}; answerable questions told 'not found' "
                f"{row.answerable_flagged:.1%}"
            )
        if kind == "off-topic":
            proposed = best_f1
    if proposed is not None:
        print(f"proposed: NOT_FOUND_THRESHOLD={proposed.threshold:.2f} (off-topic, best F1)")


if __name__ == "__main__":
    main()
