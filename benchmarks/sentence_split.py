"""Speed of the extractive answer's sentence splitter on 1,000 passages (it runs on every question).

Passages come from BEIR corpora when given (e.g. every language of XQuAD, to mix scripts), else from
synthetic English. Each run is timed against the regex it replaced, on the same passages.

    .venv/bin/python -m benchmarks.sentence_split --data ../shared/data/xquad-dev/{en,de,zh,ar,hi,th}
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from app.chat.extractive import split_sentences
from benchmarks.texts import read_corpus, synthetic_texts

_OLD_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n{2,}")


def _old_split(text: str) -> list[str]:
    return [" ".join(part.split()) for part in _OLD_SENTENCE_END.split(text) if len(part.split()) >= 3]


def _time_ms(split: Callable[[str], list[str]], passages: list[str], repeats: int) -> tuple[float, int]:
    """Median wall time of splitting every passage once (ms), and the sentences kept."""
    runs, kept = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        kept = sum(len(split(passage)) for passage in passages)
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs), kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="*", default=[], help="BEIR folders; their passages are interleaved")
    parser.add_argument("--passages", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.data:
        corpora = [read_corpus(Path(folder), args.passages) for folder in args.data]
        mixed = [text for group in zip(*corpora, strict=False) for text in group]
        passages = (mixed * (args.passages // max(len(mixed), 1) + 1))[: args.passages]
    else:
        passages = synthetic_texts(args.passages, (80, 200))
    chars = sum(len(passage) for passage in passages)
    print(f"{len(passages)} passages, {chars / len(passages):.0f} characters each on average")
    for name, split in (("sentencex (en+de)", split_sentences), ("old regex", _old_split)):
        total, kept = _time_ms(split, passages, args.repeats)
        print(f"{name:18} {total:8.1f} ms total  {total / len(passages) * 1000:7.1f} us/passage  {kept} sentences")


if __name__ == "__main__":
    main()
