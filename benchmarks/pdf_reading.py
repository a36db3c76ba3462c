"""PDF reading, old (pypdf text per page) against new (`read_pdf`: cleaning, OCR of unreadable layers, tables).

Prints, per file and in total: pages/s of each, the pages the table test picked and the pages with a
table, the lowest readable share of a page (app.ingest.pdf_text), and, from a FinanceBench-style
qa.jsonl (`file`, 1-based gold `pages`, `evidence` excerpts), how well each reader's text of the gold
pages holds the evidence:
- 8-gram: share of evidence excerpts of which some 8 consecutive words appear in the gold pages' text;
- words: share of the evidence's words (numbers included) that appear among the gold pages' words.
Whitespace is normalised and table cell separators (" | ") removed before matching.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.pdf_reading --data /work/shared/data/financebench-dev
    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.pdf_reading --data ... --files 3M_2018_10K.pdf NETFLIX_2017_10K.pdf
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections import defaultdict
from pathlib import Path

from app.ingest.parsed import ReadOptions
from app.ingest.pdf import read_pdf
from app.ingest.pdf_tables import may_hold_table
from app.ingest.pdf_text import readable_share

WINDOW = 8


def old_pages(data: bytes) -> dict[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return {number: page.extract_text() or "" for number, page in enumerate(reader.pages, start=1)}


def new_pages(data: bytes, name: str) -> dict[int, str]:
    parsed = read_pdf(data, name, ReadOptions())
    return {int(d.metadata["page"]): d.text for d in parsed.documents}


def normalise(text: str) -> str:
    return " ".join(text.replace(" | ", " ").split())


def evidence_scores(evidence: list[str], page_text: str) -> tuple[int, int, int, int]:
    """(excerpts with an 8-gram found, excerpts, evidence words found, evidence words)."""
    text = normalise(page_text)
    words = set(text.split())
    hit = total = words_hit = words_total = 0
    for excerpt in evidence:
        tokens = normalise(excerpt).split()
        if len(tokens) < WINDOW:
            continue
        total += 1
        windows = (" ".join(tokens[i : i + WINDOW]) for i in range(len(tokens) - WINDOW + 1))
        hit += any(window in text for window in windows)
        words_total += len(tokens)
        words_hit += sum(token in words for token in tokens)
    return hit, total, words_hit, words_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="folder with files/ and qa.jsonl")
    parser.add_argument("--files", nargs="*", help="only these file names")
    args = parser.parse_args()
    questions = defaultdict(list)
    for line in (args.data / "qa.jsonl").read_text().splitlines():
        question = json.loads(line)
        questions[question["file"]].append(question)
    paths = sorted((args.data / "files").glob("*.pdf"))
    if args.files:
        paths = [path for path in paths if path.name in args.files]
    totals = defaultdict(float)
    print(
        f"{'file':34} {'pages':>5} {'old s':>7} {'new s':>7} {'old p/s':>8} {'new p/s':>8} {'picked':>6} {'tables':>6} "
        f"{'min read':>8} {'8-gram old':>10} {'8-gram new':>10}"
    )
    for path in paths:
        data = path.read_bytes()
        start = time.perf_counter()
        old = old_pages(data)
        old_s = time.perf_counter() - start
        start = time.perf_counter()
        new = new_pages(data, path.name)
        new_s = time.perf_counter() - start
        picked = sum(may_hold_table(text) for text in old.values())
        tables = sum(" | " in text for text in new.values())
        lowest = min((readable_share(text) for text in old.values() if text.strip()), default=1.0)
        totals["pages"] += len(old)
        totals["old_s"] += old_s
        totals["new_s"] += new_s
        totals["picked"] += picked
        totals["tables"] += tables
        hits = {"old": [0, 0], "new": [0, 0]}
        for question in questions[path.name]:
            for key, pages in (("old", old), ("new", new)):
                text = "\n".join(pages.get(number, "") for number in question["pages"])
                scores = evidence_scores(question["evidence"], text)
                for name, value in zip(("hit", "total", "words_hit", "words_total"), scores, strict=True):
                    totals[f"{key}_{name}"] += value
                hits[key][0] += scores[0]
                hits[key][1] += scores[1]
        print(
            f"{path.name:34} {len(old):5} {old_s:7.1f} {new_s:7.1f} {len(old) / old_s:8.2f} {len(new) / new_s:8.2f} "
            f"{picked:6} {tables:6} {lowest:8.2f} {hits['old'][0]:>5}/{hits['old'][1]:<4} "
            f"{hits['new'][0]:>5}/{hits['new'][1]:<4}",
            flush=True,
        )
    pages = totals["pages"]
    print(
        f"\nall: {pages:.0f} pages; old {pages / totals['old_s']:.2f} pages/s, new {pages / totals['new_s']:.2f} "
        f"pages/s (new/old time {totals['new_s'] / totals['old_s']:.2f}); {totals['picked']:.0f} pages picked by the "
        f"table test, {totals['tables']:.0f} read with tables"
    )
    for key in ("old", "new"):
        print(
            f"{key}: evidence 8-gram on gold pages {totals[f'{key}_hit']:.0f}/{totals[f'{key}_total']:.0f} "
            f"= {totals[f'{key}_hit'] / max(totals[f'{key}_total'], 1):.3f}; evidence words "
            f"{totals[f'{key}_words_hit'] / max(totals[f'{key}_words_total'], 1):.3f}"
        )


if __name__ == "__main__":
    main()
