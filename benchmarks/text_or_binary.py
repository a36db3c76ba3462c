"""Where text ends and binary begins: the share of non-text characters after decode_text's encoding choice.

decode_text refuses a file as binary when more than BINARY_SHARE of its decoded characters are
controls or invalid bytes (app/ingest/text.py). This prints that share for real files of both kinds
found on this machine, so the threshold can sit in the gap between them:
- text: Python sources, Markdown, reStructuredText, HTML and licence files under site-packages and
  /usr/share/doc, and the paragraphs of a BEIR corpus per language (e.g. XQuAD's 12) written in
  UTF-8, UTF-16 and UTF-32, each with and without a byte-order mark;
- binary: executables, shared libraries, bytecode, images and archives.

    .venv/bin/python -m benchmarks.text_or_binary --corpora /work/shared/data/xquad-dev --limit 300
"""

from __future__ import annotations

import argparse
import codecs
import json
import random
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

from app.ingest.text import _NOT_TEXT, BINARY_SHARE, _encoding_of

TEXT_PATTERNS = ("*.py", "*.md", "*.rst", "*.html", "*.txt", "LICENSE*", "copyright")
BINARY_PATTERNS = ("*.so", "*.so.*", "*.pyc", "*.png", "*.jpg", "*.gz", "*.whl", "*.zip", "*.ttf", "*.mo", "*.db")
BINARY_FOLDERS = ("/usr/bin",)
BINARY_SIGNATURES = (b"\x7fELF", b"\x89PNG", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"\xde\x12\x04\x95")
BINARY_SIGNATURES += tuple(bytes([magic, 0x0D, 0x0D, 0x0A]) for magic in range(0x40, 0xFF))  # CPython bytecode
SAMPLE_BYTES = 256 * 1024  # larger files are judged by their start, as an upload of that size would mostly be


def share(data: bytes) -> tuple[str, float]:
    encoding, body = _encoding_of(data)
    text = body.decode(encoding, errors="replace")
    return encoding, len(_NOT_TEXT.findall(text)) / max(len(text), 1)


def files(roots: list[Path], patterns: tuple[str, ...], limit: int, rng: random.Random) -> list[Path]:
    found = sorted({path for root in roots for pattern in patterns for path in root.rglob(pattern) if path.is_file()})
    return rng.sample(found, min(limit, len(found)))


def corpus_texts(folder: Path, per_language: int) -> Iterator[tuple[str, bytes]]:
    encodings = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
    boms = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
    boms |= {"utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE, "utf-8": codecs.BOM_UTF8}
    for corpus in sorted(folder.glob("*/corpus.jsonl")):
        language = corpus.parent.name
        with corpus.open() as lines:
            paragraphs = [json.loads(line)["text"] for _, line in zip(range(per_language), lines, strict=False)]
        for encoding in encodings:
            for number, paragraph in enumerate(paragraphs):
                encoded = paragraph.encode(encoding)
                if number % 2:
                    encoded = boms[encoding] + encoded
                yield f"{language} {encoding}{' +BOM' if number % 2 else ''}", encoded


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, help="a folder of BEIR corpora, one per language (<lang>/corpus.jsonl)")
    parser.add_argument("--per-language", type=int, default=20, help="paragraphs per language and encoding")
    parser.add_argument("--limit", type=int, default=300, help="files of each kind sampled from this machine")
    args = parser.parse_args(argv)
    rng = random.Random(0)  # noqa: S311 -- a reproducible sample of files, not a secret
    site = Path(sysconfig.get_paths()["purelib"])
    texts = [
        (str(p), p.read_bytes()[:SAMPLE_BYTES])
        for p in files([site, Path("/usr/share/doc")], TEXT_PATTERNS, args.limit, rng)
    ]
    if args.corpora:
        texts += list(corpus_texts(args.corpora, args.per_language))
    binary_roots = [site, Path("/usr/lib"), *map(Path, BINARY_FOLDERS)]
    binaries = [
        (str(p), p.read_bytes()[:SAMPLE_BYTES]) for p in files(binary_roots, (*BINARY_PATTERNS, "*"), args.limit, rng)
    ]
    # Files under /usr/bin and /usr/lib are also scripts and data: keep those with a binary signature.
    binaries = [(label, data) for label, data in binaries if data.startswith(BINARY_SIGNATURES)]
    for kind, samples in (("text", texts), ("binary", binaries)):
        shares = sorted((share(data)[1], label) for label, data in samples if data.strip())
        picked = shares[-5:] if kind == "text" else shares[:5]
        print(
            f"{kind}: {len(shares)} files, share of non-text characters min {shares[0][0]:.4f}, "
            f"median {shares[len(shares) // 2][0]:.4f}, max {shares[-1][0]:.4f}"
        )
        for value, label in picked:
            print(f"   {value:.4f}  {label}")
    wrong = [label for label, data in texts if data.strip() and share(data)[1] > BINARY_SHARE]
    missed = [label for label, data in binaries if data.strip() and share(data)[1] <= BINARY_SHARE]
    print(f"BINARY_SHARE={BINARY_SHARE}: {len(wrong)} text files refused, {len(missed)} binaries read as text")
    sys.exit(0)


if __name__ == "__main__":
    main()
