"""Reading a BEIR-format folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from app.errors import ConfigError

Qrels = dict[str, dict[str, int]]  # query id -> {document id: relevance}


@dataclass(frozen=True)
class BeirDataset:
    name: str
    corpus: dict[str, tuple[str, str]]  # document id -> (title, text)
    queries: dict[str, str]  # only the queries that have judgements in the split
    qrels: Qrels


def _jsonl(path: Path) -> list[dict[str, object]]:
    try:
        with path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read '{path}': {exc}.", "Point --data at a BEIR-format folder.") from exc


def read_qrels(path: Path) -> Qrels:
    qrels: Qrels = {}
    try:
        with path.open(encoding="utf-8", newline="") as rows:
            for row in csv.reader(rows, delimiter="\t"):
                if len(row) < 3 or row[0] == "query-id":
                    continue
                qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read the judgements '{path}': {exc}.", "Check the --split name.") from exc
    return qrels


def load_beir(folder: Path, split: str) -> BeirDataset:
    """Raises ConfigError naming what is missing: the folder, its corpus or queries, or the split's judgements."""
    if not folder.is_dir():
        raise ConfigError(f"There is no folder '{folder}'.", "Point --data at a BEIR-format folder.")
    splits = sorted(path.stem for path in (folder / "qrels").glob("*.tsv"))
    if split not in splits:
        raise ConfigError(
            f"'{folder}' has no judgements for the '{split}' split (qrels/{split}.tsv).",
            f"Use --split {' or --split '.join(splits)}." if splits else "Point --data at a BEIR-format folder.",
        )
    qrels = read_qrels(folder / "qrels" / f"{split}.tsv")
    corpus = {
        str(row["_id"]): (str(row.get("title") or ""), str(row.get("text") or ""))
        for row in _jsonl(folder / "corpus.jsonl")
    }
    queries = {str(row["_id"]): str(row["text"]) for row in _jsonl(folder / "queries.jsonl")}
    judged = {qid: qrels[qid] for qid in qrels if qid in queries}
    if not judged:
        raise ConfigError(f"No query in '{folder}' has judgements in the '{split}' split.", "Check --data and --split.")
    return BeirDataset(folder.name, corpus, {qid: queries[qid] for qid in judged}, judged)


def subsample(dataset: BeirDataset, max_docs: int) -> BeirDataset:
    """A smaller corpus for quick comparisons: every judged document, then others in file order up to `max_docs`.

    Fewer distractors make every score higher than on the full corpus: compare configs within one subsample only.
    """
    judged = {doc_id for judgements in dataset.qrels.values() for doc_id in judgements if doc_id in dataset.corpus}
    kept = [doc_id for doc_id in dataset.corpus if doc_id in judged]
    kept += [doc_id for doc_id in dataset.corpus if doc_id not in judged][: max(0, max_docs - len(kept))]
    corpus = {doc_id: dataset.corpus[doc_id] for doc_id in kept}
    return BeirDataset(f"{dataset.name}-{len(corpus)}docs", corpus, dataset.queries, dataset.qrels)


def document_text(title: str, text: str) -> str:
    """The file content a corpus entry is ingested as: its title as the first paragraph."""
    return f"{title}\n\n{text}" if title else text
