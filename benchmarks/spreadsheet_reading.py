"""XLSX reading speed on a big sheet: this tree's `read_xlsx` against the one of a baseline commit, in one run.

The sheet is generated (write-only openpyxl): ROWS x 10 columns under a header row, a mix of text,
integers, floats with decimals and dates, as an export from an accounting tool looks. Each reader
runs REPEATS times, alternating, and the best time of each is reported, as CPU seconds of this
process (on a shared machine wall time mostly measures the neighbours) and as wall seconds.

    PYTHONPATH=. .venv/bin/python -m benchmarks.spreadsheet_reading
    PYTHONPATH=. .venv/bin/python -m benchmarks.spreadsheet_reading --rows 500 --baseline HEAD --repeats 1  # reduced
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from app.ingest.parsed import ParsedFile, ReadOptions
from app.ingest.tables import read_xlsx

COLUMNS = 10
Reader = Callable[[bytes, str, ReadOptions], ParsedFile]


def make_big_xlsx(rows: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Ledger")
    sheet.append(["Invoice", "Customer", "Region", "Date", "Units", "Price", "Net", "Tax", "Gross", "Note"])
    start = date(2024, 1, 1)
    for n in range(rows):
        units = n % 17 + 1
        price = round(3.25 + (n % 40) * 1.5, 2)
        net = round(units * price, 2)
        sheet.append(
            [f"INV-{n:06d}", f"Customer {n % 911}", ("North", "South", "East", "West")[n % 4],
             start + timedelta(days=n % 365), units, price, net, round(net * 0.19, 2), round(net * 1.19, 2),
             "paid" if n % 3 else "open"]
        )  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def baseline_reader(revision: str) -> Reader:
    """`read_xlsx` as app/ingest/tables.py had it at `revision` (loaded from git, not checked out)."""
    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(
        ["git", "-C", str(root), "show", f"{revision}:app/ingest/tables.py"], check=True, capture_output=True, text=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "baseline_tables.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("baseline_tables", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reader: Reader = module.read_xlsx
    return reader


def timed_read(reader: Reader, data: bytes) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, passages) of one read."""
    cpu, wall = time.process_time(), time.perf_counter()
    parsed = reader(data, "ledger.xlsx", ReadOptions())
    return time.process_time() - cpu, time.perf_counter() - wall, len(parsed.documents)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--baseline", default="main", help="git revision whose read_xlsx is the 'before'")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    data = make_big_xlsx(args.rows)
    readers = {f"baseline ({args.baseline})": baseline_reader(args.baseline), "this tree": read_xlsx}
    cpu: dict[str, list[float]] = {label: [] for label in readers}
    wall: dict[str, list[float]] = {label: [] for label in readers}
    passages: dict[str, int] = {}
    for _ in range(args.repeats):
        for label, reader in readers.items():
            cpu_seconds, wall_seconds, count = timed_read(reader, data)
            cpu[label].append(cpu_seconds)
            wall[label].append(wall_seconds)
            passages[label] = count
    print(f"{args.rows:,} rows x {COLUMNS} columns, {len(data) / 1e6:.1f} MB xlsx, best of {args.repeats}")
    for label in readers:
        print(
            f"  {label:<24} {min(cpu[label]):6.2f} s CPU  {min(wall[label]):6.2f} s wall  {passages[label]:,} passages",
            flush=True,
        )
    baseline, current = (min(cpu[label]) for label in readers)
    print(
        f"\nREADME: XLSX {args.rows:,} x {COLUMNS}: {current:.1f} s CPU to read "
        f"({current / baseline:.2f}x {args.baseline}'s {baseline:.1f} s)"
    )


if __name__ == "__main__":
    main()
