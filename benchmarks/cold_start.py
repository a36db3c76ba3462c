"""Cold start of the CLI: each command run as a whole fresh process, several times, min and median seconds.

A small index (a few text documents, the packaged local model, extractive answers) is built in a temp
folder once, then `--help`, `status` and `ask` run against it. With `--compare PATH` the same commands
also run on the code in PATH (another checkout, e.g. the main branch before a change), interleaved run
by run with this checkout's so both see the same load on a shared machine.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.cold_start --runs 5 --compare ../main
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "How long do cats sleep?"
DOCUMENTS = {
    "cats.txt": "Cats sleep sixteen hours a day. They hunt at dawn and dusk, and groom for hours.",
    "ovens.txt": "The oven reaches 550 degrees on the pizza setting. Let it heat for twenty minutes.",
    "trains.txt": "The night train leaves at 22:10 and arrives at 07:45; the sleeper car has four berths.",
    "tea.txt": "Green tea brews at 80 degrees for two minutes; black tea wants boiling water and four.",
}
COMMANDS: dict[str, list[str]] = {
    "--help": ["--help"],
    "status": ["status"],
    "ask": ["ask", QUESTION],
}


def environment(code: Path, data_dir: Path) -> dict[str, str]:
    """The process environment of one run: `code` first on the path, no LLM (extractive answers), offline."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_BASE", "LLM_API_BASE", "PYTHONPATH")}
    env.update(
        PYTHONPATH=str(code),
        DATA_DIR=str(data_dir),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
    )
    return env


def run(code: Path, data_dir: Path, args: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of `python -m app ARGS` run on `code`; raises if it fails.

    CPU seconds barely move with the load of a shared machine; wall seconds are what a user waits.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=code,
        env=environment(code, data_dir),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"{code}: python -m app {' '.join(args)} failed:\n{result.stderr}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def build_index(data_dir: Path) -> None:
    folder = data_dir.parent / "documents"
    folder.mkdir()
    for name, text in DOCUMENTS.items():
        (folder / name).write_text(text)
    subprocess.run(
        [sys.executable, "-m", "app", "ingest", "--quiet", str(folder)],
        cwd=ROOT,
        env=environment(ROOT, data_dir),
        check=True,
        capture_output=True,
        timeout=600,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per command and checkout")
    parser.add_argument("--compare", type=Path, help="another checkout of the app to time the same way")
    args = parser.parse_args()

    codes = [ROOT] + ([args.compare.resolve()] if args.compare else [])
    times: dict[tuple[Path, str], list[tuple[float, float]]] = {(c, name): [] for c in codes for name in COMMANDS}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        build_index(data_dir)
        for name, command in COMMANDS.items():
            for _ in range(args.runs):
                for code in codes:
                    times[code, name].append(run(code, data_dir, command))
                    wall, cpu = times[code, name][-1]
                    print(f"{code} {name}: {wall:.2f} s ({cpu:.2f} s CPU)", file=sys.stderr, flush=True)

    print(f"\nseconds per fresh process, {args.runs} runs each: wall min / median (CPU median)\n")
    print("| command | " + " | ".join(str(code) for code in codes) + " |")
    print("|---|" + "---|" * len(codes))
    for name in COMMANDS:
        cells = []
        for code in codes:
            walls, cpus = zip(*times[code, name], strict=True)
            cells.append(f"{min(walls):.2f} / {statistics.median(walls):.2f} ({statistics.median(cpus):.2f})")
        print(f"| `{name}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
