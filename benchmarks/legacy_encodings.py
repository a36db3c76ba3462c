"""Which legacy code page decode_text picks for text saved without a BOM, by language and length.

Each paragraph of a BEIR corpus per language (XQuAD's) is cut to its first N characters, saved in
the code pages that language was written in before UTF-8 (characters a code page lacks are left
out), and decoded by decode_text. A text counts as right when it decodes to exactly what was saved.
Western Windows-1252 text must stay right while the detector is asked about everything else.

    .venv/bin/python -m benchmarks.legacy_encodings --corpora /work/shared/data/xquad-dev --limit 100
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from app.ingest.text import decode_text
from benchmarks.texts import read_corpus

CODE_PAGES = {
    "de": ("cp1252",),
    "es": ("cp1252",),
    "en": ("cp1252",),
    "ru": ("cp1251", "koi8_r"),
    "el": ("cp1253", "iso8859_7"),
    "ar": ("cp1256",),
    "th": ("cp874",),
    "zh": ("gbk",),
    "tr": ("cp1254",),
    "ro": ("cp1250",),
    "vi": ("cp1258",),
}
LENGTHS = (20, 40, 80, 160, 320, 100_000)  # characters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, required=True, help="folder with one BEIR corpus per language")
    parser.add_argument("--limit", type=int, default=100, help="paragraphs per language")
    args = parser.parse_args()
    print("language code-page " + " ".join(f"{n if n < 100_000 else 'all':>9}" for n in LENGTHS))
    for language, code_pages in CODE_PAGES.items():
        folder = args.corpora / language
        if not folder.is_dir():
            continue
        paragraphs = [text.replace("\ufeff", "") for text in read_corpus(folder, args.limit)]
        for code_page in code_pages:
            cells = []
            wrong: Counter[str] = Counter()
            for length in LENGTHS:
                right = total = 0
                for paragraph in paragraphs:
                    text = paragraph[:length].encode(code_page, errors="ignore").decode(code_page)
                    data = text.encode(code_page)
                    if data.isascii():
                        continue  # UTF-8 as well: nothing to detect
                    decoded = decode_text(data, "paragraph.txt")
                    total += 1
                    if decoded.text == text:
                        right += 1
                    else:
                        wrong[decoded.encoding] += 1
                cells.append(f"{right:>4}/{total:<4}")
            print(f"{language:8} {code_page:9} " + " ".join(cells), "  wrong as:", dict(wrong.most_common(4)))


if __name__ == "__main__":
    main()
