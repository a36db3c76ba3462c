"""Validate a running vLLM embedding server before pointing the app at it.

    python test_jina_embeddings.py --url http://localhost:8000 --model jina-embeddings-v4 --expect-dim 2048
    python test_jina_embeddings.py --url http://localhost:8001 --late --dimensions 512 --expect-dim 2048

Checks health, the served model, vector size and norms, that relevant passages outrank unrelated
ones, late (token) vectors, Matryoshka truncation, and prints per-text latency. Exit code 0 only
if every check passes. (A script, not a pytest module: pytest must not collect it.)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import numpy as np

from app.embeddings.pooling import l2_normalize
from app.embeddings.vllm import vLLMEmbedding
from app.errors import AppError

__test__ = False

PASSAGES = [
    "The Eiffel Tower in Paris was completed in 1889 for the World's Fair.",
    "Photosynthesis converts sunlight, water and carbon dioxide into glucose and oxygen.",
    "Insulin is a hormone made by the pancreas that lowers blood sugar.",
    "The Great Barrier Reef off Australia is the largest coral reef system on Earth.",
    "Python is a programming language known for its readable syntax.",
    "Mount Everest, at 8,849 metres, is the highest mountain above sea level.",
]
QUERIES = {  # question -> index of the passage that answers it
    "Which hormone regulates blood glucose?": 2,
    "How do plants turn light into sugar?": 1,
    "What is the tallest mountain in the world?": 5,
}


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


def run_check(name: str, body: Callable[[], str]) -> Check:
    """Run one check; an assertion or an app error marks it failed with its message."""
    try:
        return Check(name, True, body())
    except (AssertionError, AppError, httpx.HTTPError, ValueError) as exc:
        return Check(name, False, str(exc) or type(exc).__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="server base URL, e.g. http://localhost:8000")
    parser.add_argument("--model", default="jina-embeddings-v4", help="served model id")
    parser.add_argument("--expect-dim", type=int, required=True, help="full vector size the model should return")
    parser.add_argument("--late", action="store_true", help="the server is a token_embed server (/pooling)")
    parser.add_argument("--dimensions", type=int, help="also check this Matryoshka size")
    parser.add_argument("--api-key", help="the server's --api-key")
    parser.add_argument("--no-prefixes", action="store_true", help="send texts without Query:/Passage: prefixes")
    parser.add_argument("--skip-ranking", action="store_true", help="skip the relevance check (random-weight models)")
    parser.add_argument("--latency-samples", type=int, default=10, help="single-text requests timed")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    url = args.url.rstrip("/").removesuffix("/v1")
    options: dict[str, object] = {"api_base": url, "model_name": args.model, "api_key": args.api_key}
    options["vector_type"] = "late" if args.late else "dense"
    if args.no_prefixes:
        options.update(query_prefix="", text_prefix="")
    client = vLLMEmbedding(**options)  # type: ignore[arg-type]
    checks: list[Check] = []

    def health() -> str:
        response = httpx.get(f"{url}/health", timeout=10)
        assert response.status_code == 200, f"/health answered {response.status_code}"
        return "200"

    def served_model() -> str:
        info = client.probe()
        return f"'{info.model}' served, max_model_len {info.max_model_len}, all served: {', '.join(info.served)}"

    passages: list[np.ndarray] = []

    def vectors() -> str:
        passages.extend(client.embed_dense(PASSAGES))
        shapes = {vector.shape[0] for vector in passages}
        assert shapes == {args.expect_dim}, f"expected {args.expect_dim}-d vectors, got {sorted(shapes)}"
        norms = np.linalg.norm(np.stack(passages), axis=1)
        assert np.allclose(norms, 1.0, atol=1e-3), f"norms {norms.min():.4f}..{norms.max():.4f}, expected 1"
        return f"{len(passages)} x {args.expect_dim}-d, norms 1 (+-{np.abs(norms - 1).max():.1e})"

    def ranking() -> str:
        assert passages, "no passage vectors to rank"
        matrix = np.stack(passages)
        questions = list(QUERIES)
        for question, vector in zip(questions, client.embed_dense(questions, query=True), strict=True):
            best = int(np.argmax(matrix @ vector))
            assert best == QUERIES[question], f"'{question}' ranked '{PASSAGES[best]}' first"
        return f"{len(QUERIES)} of {len(QUERIES)} questions rank their passage first"

    def late_tokens() -> str:
        tokens = client.embed_tokens(PASSAGES[:2])
        for matrix in tokens:
            assert matrix.ndim == 2 and matrix.shape[0] > 1, f"token matrix shape {matrix.shape}"
            assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-3), "token vectors not unit length"
        return ", ".join(f"{m.shape[0]} x {m.shape[1]}" for m in tokens) + " token vectors, unit length"

    def matryoshka() -> str:
        small = vLLMEmbedding(**{**options, "dimensions": args.dimensions})  # type: ignore[arg-type]
        truncated = np.stack(small.embed_dense(PASSAGES[:3]))
        assert truncated.shape[1] == args.dimensions, f"got {truncated.shape[1]}-d"
        expected = l2_normalize(np.stack(passages[:3])[:, : args.dimensions])
        gap = float(np.abs(truncated - expected).max())
        assert gap < 1e-3, f"differs from truncate + re-normalize by {gap:.1e}"
        where = "server" if small._server_matryoshka else "client"
        return f"{args.dimensions}-d ({where}-side) equals truncate + re-normalize ({gap:.1e})"

    def latency() -> str:
        times = []
        for index in range(args.latency_samples):
            start = time.perf_counter()
            client.embed_dense([PASSAGES[index % len(PASSAGES)]])
            times.append((time.perf_counter() - start) * 1000)
        return f"one text per request: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms"

    checks.append(run_check("health", health))
    checks.append(run_check("model", served_model))
    checks.append(run_check("vectors", vectors))
    if not args.skip_ranking:
        checks.append(run_check("ranking", ranking))
    if args.late:
        checks.append(run_check("late tokens", late_tokens))
    if args.dimensions:
        checks.append(run_check("matryoshka", matryoshka))
    checks.append(run_check("latency", latency))

    print(f"vLLM embedding server {url} · model {args.model} · {'late' if args.late else 'dense'}")
    for check in checks:
        print(f"  {'PASS' if check.passed else 'FAIL'}  {check.name:<12} {check.detail}")
    failed = [check.name for check in checks if not check.passed]
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
