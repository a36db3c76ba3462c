"""What the document-label list (LABEL_WEIGHT) or the section list (SECTION_WEIGHT, `--list section`) costs and
gives, side by side on one index: per retrieval mode, doc@3 / page@3 and query latency with the list and without
it, the two asked in turn for each question.

The questions and documents are an `eval --qa` set; the index is the eval's own (`--cache`, built on first use).

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.label_list --qa ../shared/data/financebench-dev/qa.jsonl
    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.label_list --list section \\
        --qa ../shared/data/financebench-dev/qa.jsonl
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from app.config import load_settings
from app.eval.qa import QaEvaluation, index_name, question_set, score_question


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qa", type=Path, required=True, help="questions, as `python -m app eval --qa` reads them")
    parser.add_argument("--docs", type=Path, help="documents folder (default: files/ beside the questions)")
    parser.add_argument("--cache", type=Path, default=Path(".eval-cache"), help="the eval's index cache")
    parser.add_argument("--modes", default="hybrid,dense,keyword", help="retrieval modes, comma-separated")
    parser.add_argument("--list", choices=["label", "section"], default="label", help="the list switched off")
    parser.add_argument("--rounds", type=int, default=3, help="times each question is asked per arm (default: 3)")
    args = parser.parse_args()

    items, folder, files = question_set(args.qa, args.docs)
    evaluation = QaEvaluation(load_settings(), files, args.cache, index_name(folder))
    evaluation.ingest()
    workspace = evaluation.workspace
    print(f"{len(items)} questions on {len(files)} files, {args.rounds} rounds; {' '.join(sys.argv[1:])}")
    print(f"| mode | {args.list} list | doc@3 | page@3 | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for mode in args.modes.split(","):
        with_list = workspace.search_options(mode=mode, top_k=5)
        arms = {"on": with_list, "off": replace(with_list, **{f"{args.list}_weight": 0.0})}
        workspace.retrieve(items[0].question, options=with_list)  # warm: model, keyword index, catalog
        seconds: dict[str, list[float]] = {arm: [] for arm in arms}
        hits: dict[str, list[tuple[bool, bool]]] = {arm: [] for arm in arms}
        for round_number in range(args.rounds):
            for number, item in enumerate(items):
                # In turn, so both see the same machine load; which goes first alternates, since the second asking
                # of a question finds Chroma's pages of its documents warm.
                order = list(arms.items()) if (number + round_number) % 2 == 0 else list(reversed(arms.items()))
                for arm, options in order:
                    start = time.perf_counter()
                    passages = workspace.retrieve(item.question, options=options)
                    seconds[arm].append(time.perf_counter() - start)
                    if round_number == 0:
                        score = score_question(item, evaluation.citations(passages, item.file))
                        hits[arm].append((bool(score.hits["doc@3"]), bool(score.hits["location@3"])))
        for arm in arms:
            times = sorted(seconds[arm])
            doc = sum(d for d, _ in hits[arm]) / len(items)
            page = sum(p for _, p in hits[arm]) / len(items)
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            p50 = statistics.median(times)
            print(f"| {mode} | {arm} | {doc:.1%} | {page:.1%} | {p50 * 1000:.0f} | {p95 * 1000:.0f} |")
        ratio = statistics.median(seconds["on"]) / statistics.median(seconds["off"])
        print(f"| {mode} | on/off latency | | | {ratio:.2f}x | |")


if __name__ == "__main__":
    main()
