"""Keyword tokenizations side by side per XQuAD language: keyword and hybrid nDCG@10.

`bigrams` is the tokenization before issue 19 (bm25s words, English stemmer and stop words, CJK runs as
character pairs); `scripts` is app/store/tokens.py (word segmentation for Chinese, Japanese and Thai,
letters-and-marks words, stemmer by script). Both index every paragraph whole with the app's BM25
(k1 = 0.9, b = 0.4); hybrid fuses each with the same dense list (the app's default score fusion,
keyword weight 0.6, 50 candidates per list). Dense vectors are cached in `--cache` per model and
language, so a second run costs only the BM25 part.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python -m benchmarks.keyword_languages \\
        --xquad /work/shared/data/xquad-dev --languages en de zh th ar hi ru --model e5
"""

from __future__ import annotations

import argparse
import itertools
import re
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from app.eval.beir import BeirDataset, document_text, load_beir
from app.eval.metrics import ndcg_at_k
from app.retrieval.fusion import score_fusion
from app.store.tokens import keyword_terms
from benchmarks.multilingual_models import dense_vectors, e5, minilm

CANDIDATES = 50
KEYWORD_WEIGHT = 0.6
_ENGLISH = Stemmer.Stemmer("english")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]{2,}")


def cjk_bigrams(text: str) -> str:
    """`text` with each run of CJK characters replaced by its overlapping pairs ("年度报告" -> "年度 度报 报告")."""
    return _CJK_RUN.sub(lambda run: " " + " ".join(a + b for a, b in itertools.pairwise(run.group())) + " ", text)


def bigram_terms(texts: list[str]) -> list[list[str]]:
    """The tokenization before issue 19 (TOKENIZER_VERSION 2 of app/store/keyword.py)."""
    tokens = bm25s.tokenize(
        [cjk_bigrams(text) for text in texts], stopwords="en", stemmer=_ENGLISH, return_ids=False, show_progress=False
    )
    return [list(terms) for terms in tokens]


def script_terms(texts: list[str]) -> list[list[str]]:
    return [keyword_terms(text) for text in texts]


TOKENIZERS: dict[str, Callable[[list[str]], list[list[str]]]] = {"bigrams": bigram_terms, "scripts": script_terms}


def keyword_lists(data: BeirDataset, tokenize: Callable[[list[str]], list[list[str]]]) -> list[list[tuple[str, float]]]:
    ids = list(data.corpus)
    bm25 = bm25s.BM25(k1=0.9, b=0.4)
    bm25.index(tokenize([document_text(*data.corpus[doc_id]) for doc_id in ids]), show_progress=False)
    lists = []
    for terms in tokenize(list(data.queries.values())):
        scores = bm25.get_scores_from_ids(bm25.get_tokens_ids(terms))
        top = np.argsort(-scores, kind="stable")[:CANDIDATES]
        lists.append([(ids[i], float(scores[i])) for i in top if scores[i] > 0])
    return lists


def mean_ndcg(data: BeirDataset, rankings: list[list[str]]) -> float:
    return float(np.mean([ndcg_at_k(r, data.qrels[qid], 10) for qid, r in zip(data.queries, rankings, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xquad", type=Path, required=True, help="folder of XQuAD BEIR folders (<lang>/, <lang>-en/)")
    parser.add_argument("--languages", nargs="+", default=["en", "de", "zh", "th", "ar", "hi", "ru"])
    parser.add_argument("--split", default="dev")
    parser.add_argument(
        "--model",
        choices=["minilm", "e5", "none"],
        default="e5",
        help="dense model of the hybrid column (none: keyword only)",
    )
    parser.add_argument("--cache", type=Path, default=Path(".eval-cache/xquad_vectors"), help="dense vectors cache")
    args = parser.parse_args()

    embed = e5(2, 32) if args.model == "e5" else minilm(2, 8) if args.model == "minilm" else None
    rows = []
    for language in args.languages:
        data = load_beir(args.xquad / language, args.split)
        ids = list(data.corpus)
        dense: list[list[tuple[str, float]]] = [[] for _ in data.queries]
        if embed is not None:
            docs, questions = dense_vectors(args.model, embed, data, args.cache)
            dense = [
                [(ids[i], float(row[i])) for i in np.argsort(-row, kind="stable")[:CANDIDATES]]
                for row in questions @ docs.T
            ]
        row = [language, f"{mean_ndcg(data, [[d for d, _ in hits] for hits in dense]):.3f}"]
        for tokenize in TOKENIZERS.values():
            start = time.perf_counter()
            keyword = keyword_lists(data, tokenize)
            seconds = time.perf_counter() - start
            fused = [
                [d for d, _ in score_fusion([dh, kh], weights=[1.0, KEYWORD_WEIGHT])]
                for dh, kh in zip(dense, keyword, strict=True)
            ]
            hits = [[d for d, _ in kh] for kh in keyword]
            row += [f"{mean_ndcg(data, hits):.3f}", f"{mean_ndcg(data, fused):.3f}", f"{seconds:.1f}"]
        rows.append(row)
        print(f"  {language} done", file=sys.stderr)

    names = list(TOKENIZERS)
    header = ["language", f"dense ({args.model})"]
    for name in names:
        header += [f"keyword {name}", f"hybrid {name}", f"{name} s"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(
        f"\nnDCG@10 on XQuAD {args.split}. Command: python -m benchmarks.keyword_languages {shlex.join(sys.argv[1:])}"
    )


if __name__ == "__main__":
    main()
