"""A small BEIR-format folder for eval and retrieval-benchmark tests: four topics, one relevant document each."""

from __future__ import annotations

import json
from pathlib import Path

CORPUS = {
    "d1": ("Coolant pumps", "The reactor coolant pump circulates water at 3000 rpm through the primary loop."),
    "d2": ("Tomato gardens", "Tomatoes need full sun, regular watering and mulch against weeds."),
    "d3": ("Night trains", "The sleeper train leaves at eleven and reaches the coast by dawn."),
    "d4": ("Bread baking", "Sourdough rises slowly; the starter needs flour and water every day."),
}
QUERIES = {
    "q1": "How fast does the reactor coolant pump turn?",
    "q2": "What do tomatoes need to grow?",
    "q3": "When does the sleeper train reach the coast?",
    "q4": "How often must a sourdough starter be fed?",
}


def write_beir(folder: Path) -> Path:
    (folder / "qrels").mkdir(parents=True)
    with (folder / "corpus.jsonl").open("w") as out:
        for doc_id, (title, text) in CORPUS.items():
            out.write(json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n")
    with (folder / "queries.jsonl").open("w") as out:
        for query_id, text in QUERIES.items():
            out.write(json.dumps({"_id": query_id, "text": text}) + "\n")
    rows = [f"q{i}\td{i}\t1" for i in range(1, 5)]
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "\n".join(rows) + "\n")
    return folder
