"""Time to show a cited passage on its page: render, find the words, draw the highlight, encode the PNG.

Generates a PDF of `--pages` text pages (default 400), then asks every page once with an empty cache
(cold: PDFium renders the page and reads its characters, both are cached) and once more (cached: the
page image and its words come from disk; the highlight is drawn and the PNG encoded again), each time
highlighting one sentence of that page, at the width the Sources panel shows (700 px). Pages are asked
in a shuffled order, as readers jump between citations. Prints p50/p95 per mode and a README line.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.page_view
    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.page_view --pages 50 --width 1400
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from app.view.page_image import render_highlighted

WORDS = [
    *("harbour", "revenue", "station", "quarterly", "gannet", "ledger", "tide", "operating", "margin", "cliff"),
    *("report", "beacon", "segment", "paraffin", "dividend", "keeper", "storm", "capital", "ferry", "outlook"),
]


def sentence(rng: random.Random, number: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(10, 18))]
    return f"Item {number} " + " ".join(words) + "."


def make_pdf(pages: int, seed: int = 7) -> tuple[bytes, list[str]]:
    """A PDF of `pages` pages of about 350 words each, and one sentence of each page to highlight."""
    from fpdf import FPDF

    rng = random.Random(seed)  # noqa: S311 - reproducible test text, not a secret
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    cited = []
    for page in range(1, pages + 1):
        pdf.add_page()
        sentences = [sentence(rng, page * 100 + n) for n in range(24)]
        cited.append(sentences[rng.randrange(len(sentences))])
        pdf.multi_cell(0, 5, " ".join(sentences[:12]))
        pdf.ln(4)
        pdf.multi_cell(0, 5, " ".join(sentences[12:]))
    return bytes(pdf.output()), cited


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--width", type=int, default=700, help="pixels (700: the Sources panel)")
    args = parser.parse_args()

    started = time.perf_counter()
    data, cited = make_pdf(args.pages)
    print(f"generated a {args.pages}-page PDF ({len(data) / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
    order = list(range(1, args.pages + 1))
    random.Random(1).shuffle(order)  # noqa: S311 - a reproducible order, not a secret
    timings: dict[str, list[float]] = {"cold": [], "cached": []}
    missed = 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(data)
        cache = Path(folder) / "page_images"
        for mode in ("cold", "cached"):
            for page in order:
                start = time.perf_counter()
                view = render_highlighted(path, page, [cited[page - 1]], args.width, cache_dir=cache, doc_sha="bench")
                timings[mode].append((time.perf_counter() - start) * 1000)
                missed += not view.sentence_boxes
    figures = {mode: (statistics.median(ms), percentile(ms, 0.95)) for mode, ms in timings.items()}
    for mode, (p50, p95) in figures.items():
        print(f"{mode:7s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({len(timings[mode])} pages)")
    print(f"pages whose cited sentence was not found: {missed}")
    (cold50, cold95), (warm50, warm95) = figures["cold"], figures["cached"]
    print(
        f"README: page view of a {args.pages}-page PDF at {args.width} px: cold p50 {cold50:.0f} ms / "
        f"p95 {cold95:.0f} ms, cached p50 {warm50:.0f} ms / p95 {warm95:.0f} ms per page"
    )


if __name__ == "__main__":
    main()
