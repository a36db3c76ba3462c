"""ODS reading against XLSX reading of the same big sheet, and against loading the ODS whole with odfpy, in one run.

The sheet is `spreadsheet_reading`'s ledger (ROWS x 10 columns), written once as .xlsx (openpyxl) and once as .ods
(content.xml as LibreOffice writes it: typed cells with their shown text). Each reading runs in a fresh process,
REPEATS times, alternating; the best CPU seconds and the largest resident memory of each are printed, with ratios
to XLSX. "odfpy load" is what the .ods reader did before it streamed: odfpy's document tree of the whole file.

    PYTHONPATH=. .venv/bin/python -m benchmarks.ods_reading
    PYTHONPATH=. .venv/bin/python -m benchmarks.ods_reading --rows 2000 --repeats 1  # reduced
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from benchmarks.spreadsheet_reading import make_big_xlsx

_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)
# One reading in a fresh process: prints {"cpu": seconds, "rss_mb": peak resident MB, "passages": n}.
_READ = """
import io, json, resource, sys, time
from pathlib import Path
from odf.opendocument import load
from app.ingest.readers import parse_file  # imported before the clock starts, in every arm
data = Path(sys.argv[1]).read_bytes()
start = time.process_time()
if sys.argv[2] == "odfpy":
    load(io.BytesIO(data))
    passages = 0
else:
    passages = len(parse_file(data, Path(sys.argv[1]).name).documents)
cpu = time.process_time() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"cpu": cpu, "rss_mb": rss, "passages": passages}))
"""


def _cell(value: object) -> str:
    if isinstance(value, date):
        return f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}"><text:p>{value}</text:p></table:table-cell>'  # noqa: E501
    if isinstance(value, int | float):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'  # noqa: E501
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def make_big_ods(rows: int) -> bytes:
    """The ledger of `make_big_xlsx` as an .ods package."""
    header = ["Invoice", "Customer", "Region", "Date", "Units", "Price", "Net", "Tax", "Gross", "Note"]
    lines = ["<table:table-row>" + "".join(_cell(name) for name in header) + "</table:table-row>"]
    start = date(2024, 1, 1)
    for n in range(rows):
        units = n % 17 + 1
        price = round(3.25 + (n % 40) * 1.5, 2)
        net = round(units * price, 2)
        values = [f"INV-{n:06d}", f"Customer {n % 911}", ("North", "South", "East", "West")[n % 4],
                  start + timedelta(days=n % 365), units, price, net, round(net * 0.19, 2), round(net * 1.19, 2),
                  "paid" if n % 3 else "open"]  # fmt: skip
        lines.append("<table:table-row>" + "".join(_cell(value) for value in values) + "</table:table-row>")
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_NAMESPACES} office:version="1.3">'
        '<office:body><office:spreadsheet><table:table table:name="Ledger">'
        + "".join(lines)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(zipfile.ZipInfo("mimetype"), _MIMETYPE)  # stored first, uncompressed, as ODF requires
        package.writestr("META-INF/manifest.xml", _MANIFEST)
        package.writestr("content.xml", content)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as folder:
        files = {"xlsx": Path(folder) / "ledger.xlsx", "ods": Path(folder) / "ledger.ods"}
        files["xlsx"].write_bytes(make_big_xlsx(args.rows))
        files["ods"].write_bytes(make_big_ods(args.rows))
        arms = {
            "xlsx (read_xlsx)": ("xlsx", "app"),
            "ods (read_ods)": ("ods", "app"),
            "ods (odfpy load)": ("ods", "odfpy"),
        }
        best: dict[str, dict[str, float]] = {}
        for _ in range(args.repeats):
            for arm, (kind, how) in arms.items():
                out = subprocess.run(
                    [sys.executable, "-c", _READ, str(files[kind]), how],
                    cwd=root,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                result = json.loads(out.strip().splitlines()[-1])
                kept = best.setdefault(arm, result)
                kept["cpu"] = min(kept["cpu"], result["cpu"])
                kept["rss_mb"] = max(kept["rss_mb"], result["rss_mb"])
        sizes = {kind: path.stat().st_size / 1e6 for kind, path in files.items()}
    sized = f"xlsx {sizes['xlsx']:.1f} MB, ods {sizes['ods']:.1f} MB"
    print(f"{args.rows:,} rows x 10 columns; {sized}; best of {args.repeats}")
    base = best["xlsx (read_xlsx)"]
    for arm, result in best.items():
        print(
            f"{arm:18} CPU {result['cpu']:6.2f} s ({result['cpu'] / base['cpu']:.2f}x xlsx)  "
            f"peak memory {result['rss_mb']:6.0f} MB ({result['rss_mb'] / base['rss_mb']:.2f}x)  "
            f"passages {result['passages']:.0f}"
        )
    ods, odfpy = best["ods (read_ods)"], best["ods (odfpy load)"]
    print(
        f"\nREADME: {args.rows:,} rows x 10: read_ods {ods['cpu']:.2f} s CPU ({ods['cpu'] / base['cpu']:.2f}x "
        f"read_xlsx), {ods['rss_mb']:.0f} MB ({ods['rss_mb'] / base['rss_mb']:.2f}x); odfpy load "
        f"{odfpy['cpu'] / base['cpu']:.2f}x, {odfpy['rss_mb'] / base['rss_mb']:.2f}x"
    )


if __name__ == "__main__":
    main()
