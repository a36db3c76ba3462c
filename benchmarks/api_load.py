"""The HTTP API under load: `--clients` concurrent clients ask questions for `--seconds` seconds.

A collection of about `--chunks` chunks of generated text is built with `python -m app ingest` (the packaged
MiniLM, as shipped; ~20 chunks/s on 2 cores, so 10,000 chunks take about ten minutes) in `--data`, or reused
when that folder holds it already. Then `python -m app serve-api` is started on a free 127.0.0.1 port, as a
server of its own, and each client (a thread with its own HTTP connection) posts non-streamed
`/v1/chat/completions` one after another with an API key of a user the collection is shared with. Answers are
extractive (no LLM): retrieval, then the best sentences of the passages scored by the model. A request counts
as an error unless it is a 200 with `sources`.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.api_load --data /tmp/api-bench --chunks 10000 --seconds 60
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.config import load_settings
from app.store.access import LOCAL_ADMIN, User
from app.store.data_folder import DataFolder
from benchmarks.load import percentile
from benchmarks.texts import synthetic_texts
from tests.servers import free_port, running, start_server

ROOT = Path(__file__).resolve().parents[1]
COLLECTION = "bench"
USER = User("bench@example.com")
WORDS_PER_DOCUMENT = (1400, 1700)  # ~10 chunks of CHUNK_SIZE=200 MiniLM tokens each
CHUNKS_PER_DOCUMENT = 10


@dataclass(frozen=True)
class Sample:
    seconds: float
    error: str = ""


def _environment(data_dir: Path) -> dict[str, str]:
    return {
        "DATA_DIR": str(data_dir),
        "COLLECTION_NAME": COLLECTION,
        "LLM_API_BASE": "",
        "OPENAI_API_BASE": "",
        "CHROMA_HOST": "",
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
    }


def ready_chunks(data_dir: Path) -> int:
    data = DataFolder(load_settings(DATA_DIR=str(data_dir)))
    if data.collections.get(COLLECTION) is None:
        return 0
    return sum(data.catalog.ready_chunks(data.collections.physical_name(COLLECTION)).values())


def build_index(data_dir: Path, chunks: int) -> float:
    """Ingest generated documents of about `chunks` chunks in all with the CLI; returns its seconds."""
    texts = synthetic_texts(max(1, chunks // CHUNKS_PER_DOCUMENT), words=WORDS_PER_DOCUMENT)
    folder = data_dir.parent / f"{data_dir.name}-texts"
    folder.mkdir(parents=True, exist_ok=True)
    for number, text in enumerate(texts):
        (folder / f"doc-{number:05d}.txt").write_text(text, encoding="utf-8")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "app", "ingest", "--quiet", str(folder)],
        cwd=ROOT,
        env={**os.environ, **_environment(data_dir)},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def api_key(data_dir: Path) -> str:
    """A key of a user the collection is shared with (not an admin: the access checks run as for any user)."""
    access = DataFolder(load_settings(DATA_DIR=str(data_dir))).access
    access.share(LOCAL_ADMIN, COLLECTION, USER.id)
    return access.create_api_key(USER, "api_load benchmark")


def questions(count: int) -> list[str]:
    return [text.split(".")[0] + "?" for text in synthetic_texts(count, words=(6, 12), seed=1)]


def ask(client: httpx.Client, question: str) -> Sample:
    body = {"model": COLLECTION, "messages": [{"role": "user", "content": question}]}
    start = time.perf_counter()
    try:
        response = client.post("/v1/chat/completions", json=body)
        seconds = time.perf_counter() - start
        if response.status_code != 200:
            return Sample(seconds, f"{response.status_code}: {response.text[:200]}")
        if not response.json().get("sources"):
            return Sample(seconds, "no sources")
        return Sample(seconds)
    except httpx.HTTPError as exc:
        return Sample(time.perf_counter() - start, f"{type(exc).__name__}: {exc}")


def run_clients(url: str, key: str, clients: int, seconds: float) -> tuple[list[Sample], float]:
    asked = questions(200)
    samples: list[Sample] = []
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds

    def client(number: int) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=url, headers=headers, timeout=300) as http:
            turn = 0
            while time.perf_counter() < deadline:
                sample = ask(http, asked[(number * 7 + turn) % len(asked)])
                turn += 1
                with lock:
                    samples.append(sample)

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="data folder to build the index in, or reuse (default: temporary)")
    parser.add_argument("--chunks", type=int, default=10_000, help="chunks to index (default: 10000)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default: 20)")
    parser.add_argument("--seconds", type=float, default=60, help="how long the clients ask (default: 60)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-api-") as scratch:
        data_dir = args.data or Path(scratch) / "data"
        built = ready_chunks(data_dir)
        build_seconds = None
        if built < 0.9 * args.chunks:
            build_seconds = build_index(data_dir, args.chunks - built)
            built = ready_chunks(data_dir)
        key = api_key(data_dir)
        port = free_port()
        command = [sys.executable, "-m", "app", "serve-api", "--port", str(port)]
        server = start_server(command, port=port, log=Path(scratch) / "api.log", env=_environment(data_dir))
        with running(server, health="/healthz", deadline_s=300):
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=300) as http:
                warm = ask(http, questions(1)[0])  # first-call costs (model kernels, the index opened) are not load
            samples, wall = run_clients(server.url, key, args.clients, args.seconds)

    ok = [sample.seconds for sample in samples if not sample.error]
    errors = [sample.error for sample in samples if sample.error]
    built_text = f", built in {build_seconds:.0f} s" if build_seconds is not None else ", reused"
    print(f"Index: {built} chunks ({COLLECTION} in {data_dir}{built_text}); warm-up answer {warm.seconds:.2f} s")
    print(f"{args.clients} clients for {wall:.1f} s: {len(samples)} requests, {len(errors)} errors")
    p50, p95 = percentile(ok, 50), percentile(ok, 95)
    print(f"requests/s {len(samples) / wall:.2f}; latency p50 {p50:.2f} s, p95 {p95:.2f} s")
    for error in errors[:5]:
        print(f"  error: {error}", file=sys.stderr)
    env = "HF_HUB_OFFLINE=1 " if os.environ.get("HF_HUB_OFFLINE") else ""
    print(
        f"\nREADME: {built} chunks, {args.clients} clients, {wall:.0f} s: {len(samples) / wall:.2f} requests/s, "
        f"p50 {p50:.2f} s, p95 {p95:.2f} s, {len(errors)} errors; "
        f"command: {env}{sys.executable} -m benchmarks.api_load {shlex.join(sys.argv[1:])}"
    )


if __name__ == "__main__":
    main()
