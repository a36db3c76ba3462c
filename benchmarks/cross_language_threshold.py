"""The "not found" threshold for questions in another language than the documents (XQuAD: questions in one
language, the English paragraphs).

For each language folder `<lang>-en` of an XQuAD export: every paragraph is embedded whole with the configured
model, and each question is scored by its nearest paragraph's cosine (what NOT_FOUND_THRESHOLD is compared with):

- answerable: over all paragraphs; printed as percentiles and the share under each candidate threshold (the
  answers a threshold would hide);
- off-topic of the same kind: over the paragraphs of the other articles only (its own article left out).

    EMBEDDING_MODEL=multilingual-e5-small nice -n 10 .venv/bin/python -m benchmarks.cross_language_threshold \\
        --xquad ../shared/data/xquad-dev --languages ar zh th tr
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from app.config import load_settings
from app.embeddings import build_embedding

THRESHOLDS = (0.70, 0.72, 0.74, 0.75, 0.76, 0.78, 0.80)


def _rows(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xquad", type=Path, required=True, help="folder with en/ and <lang>-en/ BEIR folders")
    parser.add_argument("--languages", nargs="+", default=["ar", "zh"])
    parser.add_argument("--split", default="dev")
    args = parser.parse_args()

    embedding = build_embedding(load_settings())
    corpus = _rows(args.xquad / "en" / "corpus.jsonl")
    paragraphs = np.asarray(embedding.get_text_embedding_batch([row["text"] for row in corpus]), dtype=np.float32)
    article = np.array([row["_id"].split("p")[0] for row in corpus])  # XQuAD ids: a<article>p<paragraph>
    print(f"model {embedding.model_name}, {len(corpus)} English paragraphs")
    print(
        "| questions | n | answerable p5 | p50 | off-topic p50 | p95 | "
        + " | ".join(f"< {t}" for t in THRESHOLDS)
        + " |"
    )
    for language in args.languages:
        folder = args.xquad / f"{language}-en"
        with (folder / "qrels" / f"{args.split}.tsv").open(encoding="utf-8") as file:
            gold = {row["query-id"]: row["corpus-id"] for row in csv.DictReader(file, delimiter="\t")}
        questions = [row for row in _rows(folder / "queries.jsonl") if row["_id"] in gold]
        vectors = np.asarray([embedding.get_query_embedding(row["text"]) for row in questions], dtype=np.float32)
        scores = vectors @ paragraphs.T
        answerable = scores.max(axis=1)
        own = [gold[row["_id"]].split("p")[0] for row in questions]
        off_topic = np.array([scores[i, article != own[i]].max() for i in range(len(questions))])
        shares = " | ".join(f"{(answerable < t).mean():.1%}" for t in THRESHOLDS)
        print(
            f"| {language}-en | {len(questions)} | {np.percentile(answerable, 5):.3f} | {np.median(answerable):.3f} | "
            f"{np.median(off_topic):.3f} | {np.percentile(off_topic, 95):.3f} | {shares} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
